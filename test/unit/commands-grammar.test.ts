import { describe, expect, it } from 'vitest';
import { commandHelp, completeCommand, parseCommand, type CommandContext, type CommandResult, type Person } from '../../shared/commands';
import { commandResultSchema } from '../../shared/commands/schema';

const PEOPLE: Person[] = [
  { id: 'ann', name: 'Ann Lee', email: 'ann@x.com', handle: 'ann' },
  { id: 'bob', name: 'Bob Stone', handle: 'bob' },
  { id: 'eve', name: 'Eve Adams', email: 'eve@x.com' },
  { id: 'ivan', name: 'Иван Петров', handle: 'ivan' },
  { id: 'oleg', name: 'Олег Смирнов', handle: 'oleg' },
];
const ctx = (over: Partial<CommandContext> = {}): CommandContext => ({
  now: new Date('2026-11-25T07:00:00Z'), // Wednesday 10:00 in Moscow
  timeZone: 'Europe/Moscow',
  locale: 'ru',
  people: PEOPLE,
  stages: ['new', 'переговоры', 'negotiation', 'won'],
  defaultCurrency: 'RUB',
  ...over,
});
const codes = (r: CommandResult): string[] => (r.ok ? (r.confident ? [] : r.problems.map((p) => p.code)) : r.problems.map((p) => p.code));

describe('the examples of the issue', () => {
  it('/сделка Поставка 150 000 ₽ @ivan #переговоры', () => {
    const r = parseCommand('/сделка Поставка 150 000 ₽ @ivan #переговоры', ctx());
    expect(r).toEqual({
      ok: true,
      command: 'deal',
      confident: true,
      draft: { kind: 'deal', title: 'Поставка', amount: { value: '150000', currency: 'RUB' }, responsibleId: 'ivan', stage: 'переговоры' },
    });
  });
  it('/task call the bank tomorrow 3pm @ann +bob +eve !', () => {
    const r = parseCommand('/task call the bank tomorrow 3pm @ann +bob +eve !', ctx({ locale: 'en' }));
    expect(r).toEqual({
      ok: true,
      command: 'task',
      confident: true,
      draft: {
        kind: 'task',
        title: 'call the bank',
        responsibleId: 'ann',
        participantIds: ['bob', 'eve'],
        due: { at: '2026-11-26T15:00:00+03:00', allDay: false, date: '2026-11-26' },
        priority: 'high',
      },
    });
  });
});

describe('the same command in any order', () => {
  const deal = { kind: 'deal', title: 'Поставка', amount: { value: '150000', currency: 'RUB' }, responsibleId: 'ivan', stage: 'переговоры' };
  const orders = [
    '/сделка Поставка 150 000 ₽ @ivan #переговоры',
    '/сделка @ivan Поставка 150 000 ₽ #переговоры',
    '/сделка #переговоры @ivan 150 000 ₽ Поставка',
    '/сделка 150 000 ₽ Поставка #переговоры @ivan',
    '/сделка Поставка #переговоры 150 000 ₽ @ivan',
    '/СДЕЛКА Поставка 150 тыс. руб @Иван_Петров #Переговоры',
    '/deal Поставка 150k ₽ @ivan #переговоры',
    '/deal   Поставка   150 000 ₽   @ivan   #переговоры  ',
  ];
  it.each(orders)('%s', (input) => {
    const r = parseCommand(input, ctx());
    expect(r.ok && r.confident && r.draft).toEqual(deal);
  });

  const task = {
    kind: 'task',
    title: 'call the bank',
    responsibleId: 'ann',
    participantIds: ['bob', 'eve'],
    due: { at: '2026-11-26T15:00:00+03:00', allDay: false, date: '2026-11-26' },
    priority: 'high',
  };
  const taskOrders = [
    '/task call the bank tomorrow 3pm @ann +bob +eve !',
    '/task ! @ann call the bank +bob +eve tomorrow 3pm',
    '/task tomorrow 3pm call the bank @ann +bob +eve !',
    '/task +bob +eve @ann ! tomorrow at 3pm call the bank',
    '/task call the bank 3pm tomorrow ! +bob @ann +eve',
    '/Task call the bank, tomorrow 3pm, @ann +bob +eve !',
    '/задача call the bank завтра в 15:00 @ann +bob +eve !',
  ];
  it.each(taskOrders)('%s', (input) => {
    const r = parseCommand(input, ctx({ locale: 'en' }));
    expect(r.ok && r.confident && r.draft).toEqual(task);
  });
});

describe('every command and alias', () => {
  const rows: [input: string, command: string][] = [
    ['/task x', 'task'], ['/задача x', 'task'], ['/TASK x', 'task'], ['/Задача x', 'task'], ['/ЗАДАЧА x', 'task'],
    ['/lead x', 'lead'], ['/лид x', 'lead'], ['/Lead x', 'lead'], ['/ЛИД x', 'lead'],
    ['/contact x', 'contact'], ['/контакт x', 'contact'], ['/Contact x', 'contact'],
    ['/company x', 'company'], ['/компания x', 'company'], ['/COMPANY x', 'company'],
    ['/deal x', 'deal'], ['/сделка x', 'deal'], ['/Deal x', 'deal'],
    ['/call x', 'call'], ['/звонок x', 'call'], ['/CALL x', 'call'],
    ['  /task x', 'task'], ['/task: x', 'task'], ['/task:x', 'task'], ['/task\u00a0x', 'task'], ['/task\nx', 'task'],
  ];
  it.each(rows)('%s', (input, command) => {
    const r = parseCommand(input, ctx());
    expect(r.ok && r.command).toBe(command);
    expect(r.ok && r.draft.kind).toBe(command);
    expect(r.ok && r.draft.title).toBe('x');
  });
});

describe('drafts of each kind', () => {
  it('contact: name, phones, e-mails', () => {
    const r = parseCommand('/контакт Иван Петров +7 999 123-45-67 ivan@Romashka.RU @oleg', ctx());
    expect(r.ok && r.confident && r.draft).toEqual({
      kind: 'contact', title: 'Иван Петров', responsibleId: 'oleg', phones: ['+79991234567'], emails: ['ivan@romashka.ru'],
    });
  });
  it('lead: title, phone, e-mail, amount', () => {
    const r = parseCommand('/лид Заявка Ромашка 8 (999) 123-45-67 info@romashka.ru 150 000 ₽', ctx());
    expect(r.ok && r.confident && r.draft).toEqual({
      kind: 'lead', title: 'Заявка Ромашка', amount: { value: '150000', currency: 'RUB' }, phones: ['+79991234567'], emails: ['info@romashka.ru'],
    });
  });
  it('lead: an amount right after an international phone stays an amount', () => {
    const r = parseCommand('/lead Acme +44 20 7946 0958 150 000 ₽', ctx());
    expect(r.ok && r.draft.kind === 'lead' && [r.draft.phones, r.draft.amount]).toEqual([['+442079460958'], { value: '150000', currency: 'RUB' }]);
  });
  it('company: name, phones, e-mails', () => {
    const r = parseCommand('/компания ООО «Ромашка» 8 495 123-45-67 +7 (916) 000-11-22 info@romashka.ru', ctx());
    expect(r.ok && r.confident && r.draft).toEqual({
      kind: 'company', title: 'ООО «Ромашка»', phones: ['+74951234567', '+79160001122'], emails: ['info@romashka.ru'],
    });
  });
  it('call: about what, with whom, when', () => {
    const r = parseCommand('/звонок Ромашка по счёту в пятницу 10:00 +7 999 123-45-67 +oleg @ivan', ctx());
    expect(r.ok && r.confident && r.draft).toEqual({
      kind: 'call', title: 'Ромашка по счёту', responsibleId: 'ivan', participantIds: ['oleg'], phones: ['+79991234567'], emails: [],
      at: { at: '2026-11-27T10:00:00+03:00', allDay: false, date: '2026-11-27' },
    });
  });
  it('call: may name only whom and when', () => {
    const r = parseCommand('/call +bob tomorrow 10am', ctx({ locale: 'en' }));
    expect(r.ok && r.draft).toMatchObject({ kind: 'call', title: '', participantIds: ['bob'] });
    expect(parseCommand('/звонок 89991234567 завтра', ctx()).ok).toBe(true);
  });
  it('deal: closing date', () => {
    const r = parseCommand('/deal Supply $25k до 15.12 @ann', ctx());
    expect(r.ok && r.confident && r.draft).toEqual({
      kind: 'deal', title: 'Supply', amount: { value: '25000', currency: 'USD' }, responsibleId: 'ann',
      due: { at: '2026-12-15T00:00:00+03:00', allDay: true, date: '2026-12-15' },
    });
  });
  it('task: priorities', () => {
    const p = (s: string) => { const r = parseCommand(s, ctx()); return r.ok && r.draft.kind === 'task' ? r.draft.priority : null; };
    expect(p('/task x')).toBe('normal');
    expect(p('/task x !')).toBe('high');
    expect(p('/task ! x')).toBe('high');
    expect(p('/task x !!')).toBe('urgent');
    expect(p('/task x !!!')).toBe('urgent');
    expect(p('/task x! now')).toBe('normal');
    expect(codes(parseCommand('/task x ! !!', ctx()))).toEqual(['conflicting']);
    expect(codes(parseCommand('/task x ! !', ctx()))).toEqual([]);
    expect(parseCommand('/deal x !', ctx()).ok && (parseCommand('/deal x !', ctx()) as { draft: { title: string } }).draft.title).toBe('x !');
  });
  const phones: [string, string][] = [
    ['+7 999 123-45-67', '+79991234567'],
    ['+7 (999) 123-45-67', '+79991234567'],
    ['+7(999)123-45-67', '+79991234567'],
    ['+79991234567', '+79991234567'],
    ['8 999 123 45 67', '+79991234567'],
    ['8 (999) 123-45-67', '+79991234567'],
    ['89991234567', '+79991234567'],
    ['8-999-123-45-67', '+79991234567'],
    ['7 999 123 45 67', '+79991234567'],
    ['+1 555 010 2000', '+15550102000'],
    ['+44 20 7946 0958', '+442079460958'],
    ['+49 30 123456', '+4930123456'],
  ];
  it.each(phones)('phone %s', (phone, e164) => {
    const r = parseCommand(`/contact Ann ${phone}`, ctx());
    expect(r.ok && r.draft.kind === 'contact' && [r.draft.title, r.draft.phones]).toEqual(['Ann', [e164]]);
  });
  const notPhones = ['999 123', '+7 999', '12345', '2026-12-01', '05.12.2026', '+7 999 123 45 6'];
  it.each(notPhones)('not a phone: %s', (text) => {
    const r = parseCommand(`/contact Ann ${text}`, ctx());
    expect(r.ok && r.draft.kind === 'contact' && [r.draft.title, r.draft.phones]).toEqual([`Ann ${text}`, []]);
  });
  const emails: [string, string | null][] = [
    ['ann@x.com', 'ann@x.com'],
    ['Ann.Lee@Example.COM', 'Ann.Lee@example.com'],
    ['ann+tag@x.co.uk', 'ann+tag@x.co.uk'],
    ['<ann@x.com>', null],
    ['ann@x', null],
    ['ann@@x.com', null],
    ['@x.com', null],
    ['иван@почта.рф', 'иван@почта.рф'],
    ['(ann@x.com),', 'ann@x.com'],
  ];
  it.each(emails)('e-mail %s', (text, email) => {
    const r = parseCommand(`/contact Ann ${text}`, ctx());
    expect(r.ok && r.draft.kind === 'contact' && r.draft.emails).toEqual(email ? [email] : []);
  });
});

describe('titles keep the user words', () => {
  const rows: [string, string][] = [
    ['/task   call    the   bank  ', 'call the bank'],
    ['/task call the bank, tomorrow', 'call the bank'],
    ['/task tomorrow: call the bank', 'call the bank'],
    ['/task — call the bank', 'call the bank'],
    ['/task Call The BANK', 'Call The BANK'],
    ['/задача Позвонить в банк (срочно) завтра', 'Позвонить в банк (срочно)'],
    ['/task review "the plan" friday', 'review "the plan"'],
    ['/task a\u00a0b\tc', 'a b c'],
    ['/задача Подготовить КП для ООО «Ромашка» до 5 декабря @ivan', 'Подготовить КП для ООО «Ромашка»'],
  ];
  it.each(rows)('%s', (input, title) => {
    const r = parseCommand(input, ctx({ locale: 'en' }));
    expect(r.ok && r.draft.title).toBe(title);
  });
});

describe('refused or flagged', () => {
  it('is not a command without a slash', () => {
    expect(parseCommand('hello', ctx())).toEqual({ ok: false, kind: 'not_a_command', suggestions: [], problems: [] });
    expect(parseCommand('', ctx()).ok).toBe(false);
    expect(parseCommand('task x', ctx()).ok).toBe(false);
  });
  const unknown: [string, string[]][] = [
    ['/tsak x', ['/task', '/задача']],
    ['/tasks x', ['/task', '/задача']],
    ['/задачи x', ['/task', '/задача']],
    ['/ефыл x', ['/task', '/задача']],
    ['/сдлека x', ['/deal', '/сделка']],
    ['/contakt x', ['/contact', '/контакт']],
    ['/zzzzzz', []],
    ['/', []],
  ];
  it.each(unknown)('unknown command %s', (input, suggestions) => {
    const r = parseCommand(input, ctx());
    expect(r.ok === false && r.kind).toBe('unknown_command');
    expect(r.ok === false && r.suggestions.slice(0, suggestions.length)).toEqual(suggestions);
    expect(codes(r)).toEqual(['unknown_command']);
  });
  it('suggests both companies and contacts for /co', () => {
    const r = parseCommand('/co x', ctx());
    expect(r.ok === false && r.suggestions).toEqual(expect.arrayContaining(['/company', '/компания', '/contact', '/контакт']));
  });
  const empty = ['/task', '/task   ', '/задача @ivan завтра', '/task tomorrow 3pm !', '/deal 150 000 ₽ #won', '/contact +7 999 123-45-67', '/call tomorrow', '/call @bob tomorrow', '/task , ;'];
  it.each(empty)('nothing to build from %s', (input) => {
    const r = parseCommand(input, ctx());
    expect(r.ok === false && r.kind).toBe('invalid');
    expect(codes(r)[0]).toBe('empty_title');
  });
  it('reports every problem of a command, in input order', () => {
    const input = '/сделка Поставка -5 ₽ @nobody #lost вчера';
    const r = parseCommand(input, ctx());
    expect(codes(r)).toEqual(['negative_amount', 'unknown_person', 'unknown_stage']);
    expect(r.ok && r.draft.title).toBe('Поставка вчера');
  });
  it('flags a past deadline', () => {
    const r = parseCommand('/task x 2020-01-01', ctx());
    expect(codes(r)).toEqual(['past_date']);
    expect(r.ok && !r.confident && r.problems[0].message.ru).toContain('в прошлом');
  });
});

describe('help and autocomplete', () => {
  it('has one line of help per command in each language', () => {
    for (const locale of ['en', 'ru'] as const) {
      const help = commandHelp(locale);
      expect(help.map((h) => h.command)).toEqual(['task', 'deal', 'lead', 'contact', 'company', 'call']);
      for (const h of help) {
        expect(h.line.startsWith(h.name)).toBe(true);
        expect(h.line).not.toContain('\n');
        expect(h.example.startsWith(h.name + ' ')).toBe(true);
        expect(h.names).toHaveLength(2);
      }
    }
    expect(commandHelp('ru')[0].name).toBe('/задача');
    expect(commandHelp('en')[0].name).toBe('/task');
  });
  it('has examples that parse without a doubt', () => {
    const c = ctx({ people: [...PEOPLE, { id: 'b2', name: 'Boris', email: 'bob@acme.com' }], stages: ['negotiation', 'переговоры'] });
    for (const locale of ['en', 'ru'] as const) {
      for (const h of commandHelp(locale)) {
        const r = parseCommand(h.example, { ...c, locale });
        expect(r.ok && r.confident && r.command, h.example).toBe(h.command);
      }
    }
  });
  const completions: [prefix: string, locale: 'en' | 'ru', names: string[]][] = [
    ['/', 'ru', ['/задача', '/сделка', '/лид', '/контакт', '/компания', '/звонок']],
    ['/', 'en', ['/task', '/deal', '/lead', '/contact', '/company', '/call']],
    ['', 'en', ['/task', '/deal', '/lead', '/contact', '/company', '/call']],
    ['/з', 'ru', ['/задача', '/звонок']],
    ['/к', 'ru', ['/контакт', '/компания']],
    ['/c', 'en', ['/contact', '/company', '/call']],
    ['/co', 'ru', ['/contact', '/company']],
    ['/ta', 'ru', ['/task']],
    ['/TA', 'en', ['/task']],
    ['/сд', 'en', ['/сделка']],
    ['/pd', 'ru', ['/звонок']],
    ['/ефы', 'ru', ['/task']],
    ['/task', 'en', ['/task']],
    ['/x', 'en', []],
  ];
  it.each(completions)('completes %s (%s)', (prefix, locale, names) => {
    const list = completeCommand(prefix, locale);
    expect(list.map((c) => c.name)).toEqual(names);
    for (const c of list) expect(c.insert).toBe(c.name + ' ');
  });
});

describe('results match the zod schema', () => {
  const inputs = [
    '/task call the bank tomorrow 3pm @ann +bob +eve !',
    '/сделка Поставка 150 000 ₽ @ivan #переговоры',
    '/сделка Поставка -5 ₽ @nobody #lost',
    '/звонок +7 999 123-45-67 завтра',
    '/lead Acme ann@x.com',
    '/task',
    '/tsak',
    'hi',
  ];
  it.each(inputs)('%s', (input) => {
    expect(commandResultSchema.safeParse(parseCommand(input, ctx())).success).toBe(true);
  });
});

describe('mentions picked from a composer list', () => {
  const id = '0b7e3a4c-1d2e-4f56-8a9b-0c1d2e3f4a5b';
  const withId = ctx({ people: [...PEOPLE, { id, name: 'Olga Owner' }] });

  it('a stored mention token names the responsible by id', () => {
    const r = parseCommand(`/task Prepare the figures <@${id}> tomorrow`, withId);
    expect(r).toMatchObject({ ok: true, confident: true, draft: { kind: 'task', title: 'Prepare the figures', responsibleId: id } });
  });

  it('an unknown id is a problem, never a guess; a second @ conflicts as usual', () => {
    expect(codes(parseCommand('/task x <@11111111-2222-4333-8444-555555555555>', withId))).toContain('unknown_person');
    expect(codes(parseCommand(`/task x <@${id}> @ann`, withId))).toContain('conflicting');
  });
});
