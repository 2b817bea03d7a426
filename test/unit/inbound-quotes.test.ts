import { describe, expect, it } from 'vitest';
import { trimReply } from '../../server/domains/inbound';

// Quote headers as the common clients write them, in English and Russian (plus the German and French ones
// Russian companies' partners send). Each is followed by a quoted original; only the reply must remain.

const REPLY = 'Yes, Thursday works. I will book the room.';

const QUOTE_ATTRIBUTIONS: Array<[client: string, attribution: string]> = [
  ['Gmail', 'On Mon, 3 Mar 2025 at 10:00, Ann Smith <ann@example.com> wrote:'],
  ['Gmail (US date)', 'On Mon, Mar 3, 2025 at 10:00 AM Ann Smith <ann@example.com> wrote:'],
  ['Gmail, wrapped', 'On Mon, Mar 3, 2025 at 10:00 AM Ann Smith <\nann@example.com> wrote:'],
  ['Gmail, wrapped before "wrote:"', 'On Mon, 3 Mar 2025 at 10:00, Ann Smith <ann@example.com>\nwrote:'],
  ['short form', 'Ann Smith <ann@example.com> wrote:'],
  ['name only', 'Ann wrote:'],
  ['Thunderbird', 'On 03/03/2025 10:00, Ann Smith wrote:'],
  ['Apple Mail', 'On 3 Mar 2025, at 10:00, Ann Smith <ann@example.com> wrote:'],
  ['Outlook for Mac', 'On 3/3/25, 10:00 AM, "Ann Smith" <ann@example.com> wrote:'],
  ['Gmail, Russian', 'пн, 3 мар. 2025 г. в 10:00, Анна Петрова <anna@example.ru>:'],
  ['Gmail, Russian, wrapped', 'пн, 3 мар. 2025 г. в 10:00, Анна Петрова <\nanna@example.ru>:'],
  ['Thunderbird, Russian', '03.03.2025 10:00, Анна Петрова пишет:'],
  ['Apple Mail, Russian', '3 марта 2025 г., в 10:00, Анна Петрова <anna@example.ru> написал(а):'],
  ['Mail.ru', 'Понедельник, 3 марта 2025, 10:00 +03:00 от Анна Петрова <anna@example.ru>:'],
  ['Yandex', '03.03.2025, 10:00, "Анна Петрова" <anna@example.ru>:'],
  ['short form, Russian', 'Анна Петрова <anna@example.ru> написала:'],
  ['German', 'Am 03.03.2025 um 10:00 schrieb Ann Smith <ann@example.com>:'],
  ['French', 'Le lun. 3 mars 2025 à 10:00, Ann Smith <ann@example.com> a écrit :'],
];

const HEADER_BLOCKS: Array<[client: string, block: string]> = [
  ['Outlook, separator', '-----Original Message-----\nFrom: Ann Smith <ann@example.com>\nSent: Monday, March 3, 2025 10:00 AM\nTo: Bob <bob@example.com>\nSubject: Planning'],
  ['Outlook, separator only', '-----Original Message-----\nPlease confirm Thursday.'],
  ['Outlook desktop', 'From: Ann Smith <ann@example.com>\nSent: Monday, March 3, 2025 10:00 AM\nTo: Bob <bob@example.com>\nCc: Team <team@example.com>\nSubject: Planning'],
  ['Outlook on the web', '________________________________\nFrom: Ann Smith <ann@example.com>\nSent: Monday, March 3, 2025 10:00\nTo: Bob\nSubject: Planning'],
  ['converted HTML, bold names', '**From:** Ann Smith <ann@example.com>\n**Sent:** Monday, March 3, 2025 10:00 AM\n**To:** Bob\n**Subject:** Planning'],
  ['Outlook, Russian, separator', '-----Исходное сообщение-----\nОт: Анна Петрова <anna@example.ru>\nОтправлено: 3 марта 2025 г. 10:00\nКому: Борис\nТема: Планирование'],
  ['Outlook, Russian', 'От: Анна Петрова <anna@example.ru>\nОтправлено: понедельник, 3 марта 2025 г. 10:00\nКому: Борис <boris@example.ru>\nКопия: Отдел\nТема: Планирование'],
  ['Outlook, German', 'Von: Ann Smith <ann@example.com>\nGesendet: Montag, 3. März 2025 10:00\nAn: Bob\nBetreff: Planung'],
  ['a forward header inside a reply', 'From: Ann Smith <ann@example.com>\nDate: Mon, 3 Mar 2025 at 10:00\nSubject: Planning\nTo: Bob <bob@example.com>'],
  ['Original Message, German', '-----Ursprüngliche Nachricht-----\nVon: Ann\nGesendet: Montag\nAn: Bob\nBetreff: Planung'],
];

describe('quote headers followed by a > quote', () => {
  it.each(QUOTE_ATTRIBUTIONS)('%s', (_client, attribution) => {
    const mail = `${REPLY}\n\n${attribution}\n\n> Shall we meet on Thursday?\n> \n> Ann\n`;
    expect(trimReply(mail)).toBe(REPLY);
  });

  it.each(QUOTE_ATTRIBUTIONS)('%s, quote directly under the header, greeting kept', (_client, attribution) => {
    const mail = `Hi Ann,\n\n${REPLY}\n\nBob\n\n${attribution}\n>> nested earlier quote\n> Shall we meet?\n`;
    expect(trimReply(mail)).toBe(`Hi Ann,\n\n${REPLY}\n\nBob`);
  });
});

describe('Outlook header blocks (no > quoting)', () => {
  it.each(HEADER_BLOCKS)('%s', (_client, block) => {
    const mail = `${REPLY}\n\nRegards,\nBob\n\n${block}\n\nShall we meet on Thursday?\n\nAnn`;
    expect(trimReply(mail)).toBe(`${REPLY}\n\nRegards,\nBob`);
  });
});

describe('an attribution followed by an unquoted original', () => {
  it.each([
    'On Mon, 3 Mar 2025 at 10:00, Ann Smith <ann@example.com> wrote:',
    '03.03.2025 10:00, Анна Петрова пишет:',
    'пн, 3 мар. 2025 г. в 10:00, Анна Петрова <anna@example.ru>:',
  ])('%s', (attribution) => {
    expect(trimReply(`${REPLY}\n\n${attribution}\n\nShall we meet on Thursday?`)).toBe(REPLY);
  });
});

describe('signatures', () => {
  it.each([
    ['-- separator', `${REPLY}\n\n-- \nBob Jones\nHead of Sales, ACME\n+7 495 000-00-00`],
    ['-- without the space', `${REPLY}\n\n--\nBob Jones`],
    ['Sent from my iPhone', `${REPLY}\n\nSent from my iPhone`],
    ['Sent from my Galaxy', `${REPLY}\nSent from my Galaxy`],
    ['Outlook mobile', `${REPLY}\n\nGet Outlook for Android`],
    ['Отправлено с iPhone', `${REPLY}\n\nОтправлено с iPhone`],
    ['Mail.ru mobile', `${REPLY}\n\n--\nОтправлено из мобильной Почты Mail.ru`],
    ['Yandex mobile', `${REPLY}\n\nОтправлено из мобильного приложения Яндекс Почты`],
    ['German iPhone', `${REPLY}\n\nGesendet von meinem iPhone`],
    ['mobile signature above the quote', `${REPLY}\n\nSent from my iPhone\n\n> On 3 Mar 2025, at 10:00, Ann <ann@example.com> wrote:\n>\n> Shall we meet?`],
    ['signature and quote', `${REPLY}\n\n-- \nBob\n\nOn Mon, 3 Mar 2025 at 10:00, Ann <ann@example.com> wrote:\n> Shall we meet?`],
  ])('%s', (_name, mail) => {
    expect(trimReply(mail)).toBe(REPLY);
  });
});

describe('what must stay', () => {
  it('ordinary text with colons, dashes and words like "wrote" or "From:"', () => {
    const text = [
      'Agenda:',
      '- budget -- the short version',
      'As Ann wrote: the plan is fine.',
      'From: the marketing team, with thanks.',
      'Sent from the office, not from my phone, because the phone is broken today.',
      '',
      'Subject: next steps',
      'Please send the files by 10:00 to ann@example.com:',
      '- the budget',
      'Mail them before 12.03 to the team <team@example.com>, not to me:',
      '- the plan',
    ].join('\n');
    expect(trimReply(text)).toBe(text);
  });

  it('a reply written between quoted pieces keeps the pieces it answers (not the trailing one)', () => {
    const mail = [
      'On Mon, 3 Mar 2025 at 10:00, Ann <ann@example.com> wrote:',
      '> Can you come on Thursday?',
      'Yes.',
      '> And bring the numbers?',
      'Of course.',
      '> Thanks!',
      '> Ann',
    ].join('\n');
    expect(trimReply(mail)).toBe(mail.split('\n').slice(0, 5).join('\n'));
  });

  it('a bottom-posted reply loses the quote above it', () => {
    expect(trimReply('03.03.2025 10:00, Анна пишет:\n> Встречаемся в четверг?\n\nДа, в 15:00.')).toBe('Да, в 15:00.');
  });

  it('a mail that is only a quote (or only a signature) comes back whole', () => {
    expect(trimReply('> just a quote\n> of something')).toBe('> just a quote\n> of something');
    expect(trimReply('-- \nBob')).toBe('--\nBob');
    expect(trimReply('Ann wrote:\n> hi\n')).toBe('Ann wrote:\n> hi');
    expect(trimReply('')).toBe('');
  });

  it('tidies the result: CRLF, trailing spaces, repeated blank lines', () => {
    expect(trimReply('First  \r\n\r\n\r\n\r\nSecond\r\n\r\n> quoted\r\n')).toBe('First\n\nSecond');
  });

  it('stays linear on long and hostile lines', () => {
    const hostile = [
      'a'.repeat(200_000) + ':',
      ('x@' + 'y'.repeat(300) + ':\n').repeat(2000),
      ('>' + ' '.repeat(1000) + 'q\n').repeat(2000),
      ('From: ' + 'a '.repeat(5000) + '\n').repeat(200),
      ' '.repeat(100_000) + 'wrote:',
      '> interleaved\nanswer\n'.repeat(300_000),
      'line\n'.repeat(500_000) + '> trailing quote',
    ].join('\n');
    const started = Date.now();
    expect(typeof trimReply(hostile)).toBe('string');
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
