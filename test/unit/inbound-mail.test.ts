import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import MailComposer from 'nodemailer/lib/mail-composer';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { htmlToText, InboundMailError, parseInbound, trimReply, type InboundMail } from '../../server/domains/inbound';
import { AppError } from '../../shared/errors';

// Expected values are written out by hand from the fixtures (test/fixtures/mail), never copied from output.

const fixture = (name: string): Buffer => readFileSync(fileURLToPath(new URL(`../fixtures/mail/${name}`, import.meta.url)));
const parseFixture = (name: string, opts?: Parameters<typeof parseInbound>[1]) => parseInbound(fixture(name), opts);
const compose = (mail: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> => new MailComposer(mail).compile().build();

/** The rejection of a parse, checked to be the typed error. */
async function failure(p: Promise<InboundMail>): Promise<InboundMailError> {
  const err = await p.then(
    () => {
      throw new Error('expected the mail to be refused');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InboundMailError);
  expect(err).toBeInstanceOf(AppError);
  return err as InboundMailError;
}

describe('fixtures', () => {
  it('multipart/alternative: headers normalised, the plain part preferred', async () => {
    const m = await parseFixture('alternative.eml');
    expect(m.messageId).toBe('CAF7x2=Q1w@mail.example.com');
    expect(m.inReplyTo).toBeNull();
    expect(m.references).toEqual([]);
    expect(m.from).toEqual({ address: 'ann.smith@example.com', name: 'Ann Smith' });
    expect(m.to).toEqual([{ address: 'feed@artel.test', name: 'Artel Feed' }]);
    expect(m.cc).toEqual([
      { address: 'bob@example.com', name: null },
      { address: 'carol@example.com', name: 'Carol (Sales)' },
    ]);
    expect(m.replyTo).toEqual({ address: 'ann.smith+replies@example.com', name: 'Ann Smith' });
    expect(m.subject).toBe('Quarterly planning: agenda for Thursday');
    expect(m.topic).toBe('Quarterly planning: agenda for Thursday');
    expect(m.date?.toISOString()).toBe('2025-03-03T07:00:00.000Z');
    expect(m.text).toBe(
      "Hi all,\n\nHere is the agenda for Thursday's planning session:\n\n- Q1 results\n- Hiring plan\n- Office move\n\n" +
        'The slides are at https://intranet.example.com/q2-planning \u2014 please have a look before the meeting.\n\nThanks,\nAnn',
    );
    expect(m.replyText).toBe(m.text);
    expect(m.attachments).toEqual([]);
    expect(m.autoSubmitted).toBe(false);
    expect(m.headersFrom).toEqual({ authServId: 'mx.artel.test', spf: 'pass', dkim: 'pass', dmarc: 'pass' });
  });

  it('HTML only, with an inline cid: image and a PDF with an RFC 2231 Russian name', async () => {
    const m = await parseFixture('html-inline-image.eml');
    expect(m.text).toBe(
      'Colleagues,\n\nthe **new floor plan** is below \u2014 desks are _not_ final yet.\n\n' +
        'Full specification attached (PDF). Questions & remarks to d.ivanov@example.ru.',
    );
    expect(m.text).not.toMatch(/Floor plan|track\.example|color/);
    expect(m.attachments.map(({ content, ...a }) => ({ ...a, bytes: content.length }))).toEqual([
      { filename: 'plan.png', contentType: 'image/png', size: 70, bytes: 70, contentId: 'plan.png@01DB8C3A.5F2E7A10', inline: true },
      { filename: 'Спецификация.pdf', contentType: 'application/pdf', size: 82, bytes: 82, contentId: null, inline: false },
    ]);
    expect(m.attachments[0].content.subarray(1, 4).toString()).toBe('PNG');
    expect(m.attachments[1].content.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('Gmail reply: plain "On … wrote:" (wrapped) trimmed, ids and auth results read', async () => {
    const m = await parseFixture('gmail-reply.eml');
    expect(m.messageId).toBe('CAB9r7k+9vZq4=Mt_x2yQ@mail.gmail.com');
    expect(m.inReplyTo).toBe('CAF7x2=Q1w@mail.example.com');
    expect(m.references).toEqual(['CAF7x2=Q1w@mail.example.com', 'post.4f1c9e@artel.test']);
    expect(m.cc).toEqual([{ address: 'post+Xk29fQ7hL0@artel.test', name: 'Artel' }]);
    expect(m.topic).toBe('Quarterly planning: agenda for Thursday');
    expect(m.text).toContain('> - Hiring plan');
    // The HTML part's bold has no trace in the plain part: the HTML is preferred, its quote cut there.
    expect(m.bodyFrom).toBe('html');
    expect(m.replyText).toBe("Sounds good, I'll bring the **hiring** numbers.\n\nBob");
    expect(m.headersFrom).toEqual({ authServId: 'mx.artel.test', spf: 'fail', dkim: 'pass', dmarc: 'pass' });
  });

  it('Gmail reply, HTML only, Russian attribution: the gmail_quote is cut in the HTML', async () => {
    const m = await parseFixture('gmail-reply-html-only.eml');
    expect(m.from).toEqual({ address: 'boris@example.ru', name: 'Борис Кузнецов' });
    expect(m.topic).toBe('New office floor plan');
    expect(m.text).toBe(
      'Дима, а где будет переговорная?\n\nБорис\n\nвт, 4 мар. 2025 г. в 09:30, Dmitry Ivanov <d.ivanov@example.ru>:\n\n' +
        '> Colleagues,\n>\n> the **new floor plan** is below.',
    );
    expect(m.replyText).toBe('Дима, а где будет переговорная?\n\nБорис');
  });

  it('Outlook reply in English: "-----Original Message-----" and the header block go', async () => {
    const m = await parseFixture('outlook-reply-en.eml');
    expect(m.subject).toBe('RE: Supplier contract renewal');
    expect(m.topic).toBe('Supplier contract renewal');
    expect(m.messageId).toBe('AM0PR07MB6178A1B2C3D4E5F6@am0pr07mb6178.eurprd07.prod.outlook.com');
    expect(m.to).toEqual([{ address: 'post+Q7w1Lm@artel.test', name: null }]);
    expect(m.text).toContain('-----Original Message-----');
    expect(m.replyText).toBe(
      'Agreed. Legal has reviewed clause 7 and is fine with the new payment terms. I will send the signed copy on Friday.\n\nRegards,\nCarol',
    );
  });

  it('Outlook reply in Russian: "-----Исходное сообщение-----" and От/Отправлено/Кому/Тема go, in text and in HTML', async () => {
    const m = await parseFixture('outlook-reply-ru.eml');
    expect(m.subject).toBe('Отв: Отпуск в мае');
    expect(m.topic).toBe('Отпуск в мае');
    const reply = 'Согласовано, оформляйте отпуск с 12 мая.\n\nС уважением,\nАнна Петрова\nруководитель отдела';
    expect(m.replyText).toBe(reply);
    // The HTML alternative (Outlook desktop: a border-top div with bold header names) trims to the same.
    const html = (await simpleParser(fixture('outlook-reply-ru.eml'))).html as string;
    expect(trimReply(htmlToText(html, { dropHistory: true }))).toBe(reply);
  });

  it('Outlook reply, HTML only: the converted **From:**/**Sent:** block is recognised', async () => {
    const m = await parseFixture('outlook-reply-html-only.eml');
    expect(m.text).toContain('**From:** Artel <notifications@artel.test>');
    expect(m.replyText).toBe('Signed copy attached to the **contract** record in the CRM.\n\nCarol');
  });

  it('Thunderbird reply in Russian (format=flowed): "пишет:" quote and "-- " signature go', async () => {
    const m = await parseFixture('thunderbird-reply-ru.eml');
    expect(m.text.split('\n')[0]).toBe('Ирина, а кафе «Ёлка» принимает наши пропуска для скидки или нужен отдельный купон?');
    expect(m.replyText).toBe('Ирина, а кафе «Ёлка» принимает наши пропуска для скидки или нужен отдельный купон?');
  });

  it('Russian UTF-8 body in base64 with an encoded-word name and subject', async () => {
    const m = await parseFixture('utf8-base64-ru.eml');
    expect(m.from).toEqual({ address: 'i.sokolova@example.ru', name: 'Ирина Соколова' });
    expect(m.subject).toBe('Столовая закрывается на ремонт');
    expect(m.text).toBe(
      'Коллеги, добрый день!\n\nС понедельника столовая на третьем этаже закрывается на ремонт (примерно на две недели).\n' +
        'Обедать можно в кафе «Ёлка» на первом этаже — для сотрудников скидка 15%.\n\nВопросы — в этот пост или мне лично.\n\n' +
        'Ирина Соколова\nАдминистративный отдел',
    );
  });

  it('KOI8-R body with koi8-r B and Q encoded words', async () => {
    const m = await parseFixture('koi8r.eml');
    expect(m.from).toEqual({ address: 'p.vasiliev@example.ru', name: 'Пётр Васильев' });
    expect(m.subject).toBe('Отчёты за февраль: срок до 14 марта');
    expect(m.text).toBe(
      'Добрый день!\n\nНапоминаю: отчёты за февраль нужно сдать до пятницы, 14 марта.\n' +
        'Шаблон лежит в общей папке "Отчёты/2025".\n\nСпасибо,\nПётр Васильев',
    );
  });

  it('windows-1251 quoted-printable body and subject', async () => {
    const m = await parseFixture('cp1251-qp.eml');
    expect(m.subject).toBe('Оплата по счёту №1547');
    expect(m.from.name).toBe('Ольга Морозова');
    expect(m.to).toEqual([{ address: 'post+Lm0pQ2@artel.test', name: 'Анна' }]);
    expect(m.text).toBe(
      'Здравствуйте, Анна!\n\nСчёт №1547 от 11.03.2025 оплачен, платёжное поручение во вложении к сделке.\n' +
        'Остаток по договору — 125 000 руб.\n\nС уважением,\nОльга Морозова, бухгалтерия',
    );
  });

  it('a forward with the original as a message/rfc822 attachment', async () => {
    const m = await parseFixture('forward-rfc822.eml');
    expect(m.topic).toBe('Conference invitation: DevDays Moscow 2025');
    expect(m.text).toBe('Who wants to go? The company pays for two tickets.');
    expect(m.attachments).toHaveLength(1);
    const [a] = m.attachments;
    expect(a.filename).toBe('Conference invitation DevDays Moscow 2025.eml');
    expect(a.contentType).toBe('message/rfc822');
    expect(a.inline).toBe(false);
    expect(a.content.toString()).toContain('Subject: Conference invitation: DevDays Moscow 2025');
  });

  it('an autoresponder is marked autoSubmitted', async () => {
    const m = await parseFixture('autoreply.eml');
    expect(m.autoSubmitted).toBe(true);
    expect(m.inReplyTo).toBe('CAF7x2=Q1w@mail.example.com');
  });

  it('a bounce (multipart/report, null Return-Path) is autoSubmitted; its report is an attachment', async () => {
    const m = await parseFixture('bounce.eml');
    expect(m.autoSubmitted).toBe(true);
    expect(m.from.address).toBe('mailer-daemon@mx.example.org');
    expect(m.text).toContain('550 5.1.1 User unknown');
    expect(m.text).not.toContain('Reporting-MTA');
    expect(m.attachments.map((a) => [a.filename, a.contentType])).toEqual([
      ['attachment-1.txt', 'message/delivery-status'],
      ['attachment-2.txt', 'text/rfc822-headers'],
    ]);
  });

  it('a broken boundary still yields what can be read', async () => {
    const m = await parseFixture('malformed-boundary.eml');
    expect(m.messageId).toBeNull();
    expect(m.from.address).toBe('broken@example.com');
    expect(m.text).toContain('This part is real');
    expect(m.attachments.map((a) => a.filename)).toEqual(['half.png']);
  });

  it('a body without a header and binary garbage are malformed', async () => {
    expect((await failure(parseFixture('malformed-no-headers.eml'))).reason).toBe('malformed');
    const err = await failure(parseFixture('malformed-binary.eml'));
    expect(err.reason).toBe('malformed');
    expect(err.code).toBe('bad_request');
    expect(err.toBody()).toMatchObject({ code: 'bad_request', fields: { mail: 'malformed' } });
  });

  it('30 attachments: refused by the default limit of 20, all read under a higher one', async () => {
    const err = await failure(parseFixture('many-attachments.eml'));
    expect(err.reason).toBe('too_many_attachments');
    expect(err.code).toBe('payload_too_large');
    const m = await parseFixture('many-attachments.eml', { maxAttachments: 30 });
    expect(m.attachments).toHaveLength(30);
    expect(m.attachments[29].filename).toBe('item-30.txt');
    expect(m.attachments[29].content.toString()).toBe('Line item 30: quantity 90, price 510.00\n');
    expect(m.text).toBe('The nightly inventory export is attached, one file per line item.');
  });

  it('CRLF line ends parse exactly like LF', async () => {
    for (const name of ['gmail-reply.eml', 'outlook-reply-ru.eml', 'html-inline-image.eml']) {
      const lf = await parseFixture(name);
      const crlf = await parseInbound(Buffer.from(fixture(name).toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1'));
      expect({ ...crlf, attachments: crlf.attachments.length }).toEqual({ ...lf, attachments: lf.attachments.length });
    }
  });
});

describe('hostile HTML mail', () => {
  it('keeps text only: no script, handlers, javascript:/data: links, hidden text or form values', async () => {
    const m = await parseFixture('hostile-html.eml');
    expect(m.text).toBe(
      'Claim your **prize** here, or here, or here, or here.\n\n' +
        'Real link: [claim page](https://example.net/claim?id=1&ref=mail) <script>not a tag</script>',
    );
    for (const bad of ['alert', 'javascript', 'data:', 'vbscript', 'cookie', 'hidden preheader', 'svg text', 'iframe', 'secret']) {
      expect(m.text.toLowerCase()).not.toContain(bad);
    }
  });
});

describe('limits and errors', () => {
  it('refuses a mail over maxBytes before parsing it', async () => {
    const raw = await compose({ from: 'a@example.com', to: 'feed@artel.test', text: 'x'.repeat(5000) });
    const err = await failure(parseInbound(raw, { maxBytes: 1000 }));
    expect(err.reason).toBe('too_large');
    expect(err.code).toBe('payload_too_large');
  });

  it('refuses an attachment over maxAttachmentBytes', async () => {
    const raw = await compose({ from: 'a@example.com', to: 'feed@artel.test', text: 'hi', attachments: [{ filename: 'big.bin', content: Buffer.alloc(5000, 7) }] });
    expect((await failure(parseInbound(raw, { maxAttachmentBytes: 4096 }))).reason).toBe('too_large');
    expect((await parseInbound(raw, { maxAttachmentBytes: 5000 })).attachments[0].size).toBe(5000);
  });

  it('refuses a mail without a usable From', async () => {
    for (const from of [undefined, 'not an address', 'Group: ;', '<@>']) {
      const raw = await compose({ from, to: 'feed@artel.test', subject: 'x', text: 'hello' });
      const err = await failure(parseInbound(raw));
      expect(err.reason).toBe('no_sender');
      expect(err.code).toBe('bad_request');
    }
  });

  it('empty input and non-buffers are malformed', async () => {
    expect((await failure(parseInbound(Buffer.alloc(0)))).reason).toBe('malformed');
    expect((await failure(parseInbound('From: a@example.com\n\nhi' as unknown as Buffer))).reason).toBe('malformed');
  });

  it('gives up on a parse that outlives its deadline', async () => {
    const raw = await compose({ from: 'a@example.com', to: 'feed@artel.test', text: 'x', attachments: [{ filename: 'big.bin', content: Buffer.alloc(8 * 1024 * 1024, 1) }] });
    const started = Date.now();
    const err = await failure(parseInbound(raw, { timeoutMs: 1 }));
    expect(err.reason).toBe('malformed');
    expect(err.message).toMatch(/too long/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('round trips through nodemailer MailComposer', () => {
  it('addresses, ids, Russian subject, both bodies, inline image and attachment', async () => {
    const raw = await compose({
      from: '"Анна Петрова" <Anna.Petrova@Example.RU>',
      to: ['feed@artel.test', { name: 'Борис', address: 'boris@example.ru' }],
      cc: 'Team: carol@example.com, dave@example.com;',
      replyTo: 'Replies <REPLIES@example.ru>',
      subject: 'Re: Fwd: Бюджет на II квартал',
      messageId: '<Budget.Q2@MAIL.Example.RU>',
      inReplyTo: '<prev@Example.RU>',
      references: ['<root@example.ru>', '<prev@example.ru>', '<root@EXAMPLE.ru>'],
      date: new Date('2025-04-01T09:00:00Z'),
      text: 'Коллеги, бюджет во вложении.\n\n-- \nАнна',
      html: '<p>Коллеги, <b>бюджет</b> во вложении.</p><img src="cid:chart@example.ru"><p>-- <br>Анна</p>',
      attachments: [
        { filename: 'chart.png', cid: 'chart@example.ru', content: Buffer.from('89504e470d0a1a0a', 'hex') },
        { filename: 'Бюджет Q2.xlsx', content: Buffer.from('PK fake workbook') },
      ],
    });
    const m = await parseInbound(raw);
    expect(m.from).toEqual({ address: 'anna.petrova@example.ru', name: 'Анна Петрова' });
    expect(m.to).toEqual([
      { address: 'feed@artel.test', name: null },
      { address: 'boris@example.ru', name: 'Борис' },
    ]);
    expect(m.cc.map((a) => a.address)).toEqual(['carol@example.com', 'dave@example.com']);
    expect(m.replyTo).toEqual({ address: 'REPLIES@example.ru', name: 'Replies' });
    expect(m.subject).toBe('Re: Fwd: Бюджет на II квартал');
    expect(m.topic).toBe('Бюджет на II квартал');
    expect(m.messageId).toBe('Budget.Q2@mail.example.ru');
    expect(m.inReplyTo).toBe('prev@example.ru');
    expect(m.references).toEqual(['root@example.ru', 'prev@example.ru']);
    expect(m.date?.toISOString()).toBe('2025-04-01T09:00:00.000Z');
    // The bold of the HTML part is not in the plain one: the HTML is the body.
    expect(m.text).toBe('Коллеги, **бюджет** во вложении.\n\n--\nАнна');
    expect(m.replyText).toBe('Коллеги, **бюджет** во вложении.');
    expect(m.attachments.map((a) => [a.filename, a.contentType, a.inline, a.contentId])).toEqual([
      ['chart.png', 'image/png', true, 'chart@example.ru'],
      ['Бюджет Q2.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', false, null],
    ]);
  });

  it('HTML only: converted, and a Gmail quote trimmed from the reply', async () => {
    const raw = await compose({
      from: 'bob@example.org',
      to: 'post+T0k3n@artel.test',
      subject: 'RE: Отв: AW: Fw: plan',
      html:
        '<div>Works for me &mdash; <a href="https://example.org/cal">calendar</a>.</div><div class="gmail_quote">' +
        '<div class="gmail_attr">On Tue, 1 Apr 2025 at 12:00, Ann &lt;ann@example.com&gt; wrote:</div>' +
        '<blockquote class="gmail_quote">Shall we <b>meet</b>?</blockquote></div>',
    });
    const m = await parseInbound(raw);
    expect(m.topic).toBe('plan');
    expect(m.to).toEqual([{ address: 'post+T0k3n@artel.test', name: null }]);
    expect(m.text).toBe(
      'Works for me \u2014 [calendar](https://example.org/cal).\nOn Tue, 1 Apr 2025 at 12:00, Ann <ann@example.com> wrote:\n\n> Shall we **meet**?',
    );
    expect(m.replyText).toBe('Works for me \u2014 [calendar](https://example.org/cal).');
  });

  it('a stub plain part loses to a much richer HTML part; a real plain part wins', async () => {
    const rich = '<p>' + 'Quarterly results are in. '.repeat(20) + '</p>';
    const stub = await parseInbound(await compose({ from: 'a@example.com', to: 'feed@artel.test', text: 'View in browser', html: rich }));
    expect(stub.text).toMatch(/^Quarterly results are in\./);
    const real = await parseInbound(await compose({ from: 'a@example.com', to: 'feed@artel.test', text: 'Plain version. '.repeat(15), html: rich }));
    expect(real.text).toMatch(/^Plain version\./);
  });

  it('a reply that is only a quote falls back to the full text', async () => {
    const m = await parseInbound(await compose({ from: 'a@example.com', to: 'feed@artel.test', text: 'On Mon, Ann <ann@example.com> wrote:\n> hello' }));
    expect(m.replyText).toBe('On Mon, Ann <ann@example.com> wrote:\n> hello');
  });

  it('machine-sent markers', async () => {
    const auto = async (headers: Record<string, string>) =>
      (await parseInbound(await compose({ from: 'a@example.com', to: 'feed@artel.test', text: 'x', headers }))).autoSubmitted;
    expect(await auto({})).toBe(false);
    expect(await auto({ 'Auto-Submitted': 'no' })).toBe(false);
    expect(await auto({ 'Auto-Submitted': 'auto-generated' })).toBe(true);
    expect(await auto({ 'Auto-Submitted': 'auto-replied (vacation)' })).toBe(true);
    expect(await auto({ Precedence: 'bulk' })).toBe(true);
    expect(await auto({ Precedence: 'junk' })).toBe(true);
    expect(await auto({ Precedence: 'list' })).toBe(true);
    expect(await auto({ Precedence: 'first-class' })).toBe(false);
    expect(await auto({ 'X-Autoreply': 'yes' })).toBe(true);
    expect(await auto({ 'X-Autorespond': 'Out of office' })).toBe(true);
    expect(await auto({ 'Return-Path': '<>' })).toBe(true);
    expect(await auto({ 'Return-Path': '<a@example.com>' })).toBe(false);
  });

  it('attachment names are cleaned: no path, control or bidi characters, at most 200 characters', async () => {
    const raw = await compose({
      from: 'a@example.com',
      to: 'feed@artel.test',
      text: 'files',
      attachments: [
        { filename: 'invoice\u202Efdp.exe', content: 'a' },
        { filename: 'tab\there\u0007.txt', content: 'b' },
        { filename: 'x'.repeat(300) + '.docx', content: 'c' },
        { content: 'd', contentType: 'application/pdf' },
        { filename: '..', content: 'e', contentType: 'text/plain' },
      ],
    });
    const names = (await parseInbound(raw)).attachments.map((a) => a.filename);
    expect(names[0]).toBe('invoicefdp.exe');
    expect(names[1]).toBe('tab here.txt');
    expect(names[2]).toBe('x'.repeat(195) + '.docx');
    expect(names[3]).toBe('attachment-4.pdf');
    expect(names[4]).toBe('attachment-5.txt');
    // nodemailer already strips directories, so feed one written by hand.
    const hand = Buffer.from(
      'From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n' +
        '--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="..\\\\..\\\\windows\\\\evil.bat"\r\n\r\nx\r\n' +
        '--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="../../etc/passwd"\r\n\r\nx\r\n--b--\r\n',
    );
    expect((await parseInbound(hand)).attachments.map((a) => a.filename)).toEqual(['evil.bat', 'passwd']);
  });
});
