import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCommand, type CommandContext, type CommandResult, type Due, type Person } from '../../shared/commands';
import { commandResultSchema } from '../../shared/commands/schema';

const NAMES = ['task', 'задача', 'lead', 'лид', 'contact', 'контакт', 'company', 'компания', 'deal', 'сделка', 'call', 'звонок', 'tsak', 'сдел', ''];
const FRAGMENTS = [
  'завтра', 'послезавтра', 'сегодня', 'в', 'во', 'к', 'до', 'на', 'через', 'in', 'at', 'by', 'on', 'next', 'this', 'the', 'day', 'after',
  'пятницу', 'пятница', 'пт', 'среду', 'fri', 'friday', 'sun', 'monday', 'следующую', 'декабря', 'дек.', 'December', 'dec', 'May',
  '15:00', '3pm', '10am', '9', '3', '12', '24:00', '10.30', '05.12', '05.12.2026', '31.02', '2026-12-01', '2026-12-01T14:30', '12/05', '1/2',
  'noon', 'полдень', 'end', 'of', 'конец', 'концу', 'дня', 'утра', 'вечера', 'ночи', 'часа', 'часов', 'дней', 'недели', 'неделю', 'месяц', 'hours',
  'days', 'a', 'week', 'полчаса', 'half', 'an', 'hour', '2h', '3д', 'пару', 'два',
  '150', '000', '000$', '₽', 'руб', 'руб.', 'тыс.', 'тыс', 'млн', 'k', '2k', '$2k', '€1,200.50', '1,5', '1.5m', 'RUB', 'USD', '-5', '−5', '¥', '$',
  '1,2,3', 'т.р.', '2к', '0', '99999999999999999999999999',
  '@ann', '@Ann_Lee', '@"Ann Lee"', '@«Ann', 'Lee»', '@', '@иван', '@Ивану', '+bob', '+', '+7', '999', '123-45-67', '(999)', '8', '#won', '#', '#"в работе"',
  '#переговоры', '!', '!!', 'ann@x.com', 'a@b', '@@', '"', '«', '»', ',', ':', '—', '-', '.', 'Поставка', 'call', 'the', 'bank', 'Ромашка',
];
const SPACES = [' ', '  ', '\u00a0', '\u2009', '\u202f', '\t', '\n'];

const PEOPLE: Person[] = [
  { id: 'ann', name: 'Ann Lee', email: 'ann@x.com', handle: 'ann' },
  { id: 'ann2', name: 'Ann Smith' },
  { id: 'bob', name: 'Bob Stone', handle: 'bob' },
  { id: 'ivan', name: 'Иван Петров', handle: 'ivan' },
  { id: 'ivan2', name: 'Иван Сидоров' },
];
const ZONES = ['Europe/Moscow', 'Europe/Berlin', 'America/New_York', 'UTC', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/Santiago'];

const ctxArb = fc.record({
  now: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2090-12-31T00:00:00Z'), noInvalidDate: true }),
  timeZone: fc.constantFrom(...ZONES),
  locale: fc.constantFrom('en' as const, 'ru' as const),
  people: fc.constantFrom(PEOPLE, [] as Person[]),
  stages: fc.constantFrom(['new', 'переговоры', 'won'], undefined),
  defaultCurrency: fc.constantFrom('RUB', 'USD', undefined),
}) as fc.Arbitrary<CommandContext>;

const grammarish = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 6 }), fc.string({ unit: 'grapheme', maxLength: 4 })), fc.constantFrom(...SPACES)), { maxLength: 25 })
  .map((parts) => parts.map(([w, s]) => w + s).join(''));
const commandArb = fc.tuple(fc.constantFrom(...NAMES), fc.boolean(), fc.constantFrom(' ', ':', '', '\u00a0')).map(([n, upper, sep]) => '/' + (upper ? n.toUpperCase() : n) + sep);
const inputArb = fc.oneof(
  fc.tuple(commandArb, grammarish).map(([c, rest]) => c + rest),
  fc.tuple(commandArb, fc.string({ unit: 'grapheme', maxLength: 60 })).map(([c, rest]) => c + rest),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

function dues(r: CommandResult): Due[] {
  if (!r.ok) return [];
  const d = r.draft;
  const due = d.kind === 'task' || d.kind === 'deal' ? d.due : d.kind === 'call' ? d.at : undefined;
  return due ? [due] : [];
}

/** The invariants every result keeps, whatever the input. */
function checkResult(input: string, r: CommandResult): void {
  const parsed = commandResultSchema.safeParse(r);
  if (!parsed.success) throw new Error(`schema: ${parsed.error.message}`);
  const problems = r.ok ? (r.confident ? [] : r.problems) : r.problems;
  for (const p of problems) {
    const [start, end] = p.span;
    if (!(start >= 0 && start < end && end <= input.length)) throw new Error(`span ${p.span} outside ${input.length}`);
  }
  if (r.ok) {
    const title = r.draft.title;
    if (title !== title.trim() || /\s\s/.test(title)) throw new Error(`untidy title ${JSON.stringify(title)}`);
    for (const word of title.split(' ')) if (word && !input.includes(word)) throw new Error(`title word not typed: ${word}`);
  }
  for (const d of dues(r)) {
    if (Number.isNaN(Date.parse(d.at))) throw new Error(`bad at ${d.at}`);
    if (d.at.slice(0, 10) !== d.date) throw new Error(`date ${d.date} vs at ${d.at}`);
  }
}

describe('property: any input gives a typed result', () => {
  it('never throws; schema-valid; spans inside the input; tidy titles of typed words', () => {
    fc.assert(
      fc.property(inputArb, ctxArb, (input, ctx) => {
        const r = parseCommand(input, ctx);
        checkResult(input, r);
        expect(parseCommand(input, ctx)).toEqual(r);
      }),
      { numRuns: 2000 },
    );
  }, 60_000);

  it('relative dates are never in the past and keep their offset in the zone', () => {
    const phrase = fc.constantFrom('завтра', 'через 3 дня', 'через 2 часа', 'in a week', 'next monday', 'в пятницу', 'friday 10am', 'через месяц', 'tomorrow 3pm', 'в 23:59');
    fc.assert(
      fc.property(phrase, ctxArb, (p, ctx) => {
        const r = parseCommand(`/task x ${p}`, ctx);
        checkResult(`/task x ${p}`, r);
        const past = r.ok && !r.confident && r.problems.some((q) => q.code === 'past_date');
        if (p !== 'в 23:59') expect(past).toBe(false);
        const [due] = dues(r);
        expect(due).toBeDefined();
      }),
      { numRuns: 1000 },
    );
  }, 60_000);
});

describe('hostile and large inputs finish (linear scanning, no catastrophic backtracking)', () => {
  const ctx: CommandContext = { now: new Date('2026-11-25T07:00:00Z'), timeZone: 'Europe/Moscow', locale: 'ru', people: PEOPLE, stages: ['won'], defaultCurrency: 'RUB' };
  const big = (unit: string) => unit.repeat(Math.ceil(10_000 / unit.length)).slice(0, 10_000);
  const cases: [string, string][] = [
    ['quotes that never close', '/task ' + big('@"')],
    ['guillemets', '/deal ' + big('#«a ')],
    ['digit groups', '/deal ' + big('1 ')],
    ['three-digit groups', '/сделка ' + big('000 ')],
    ['separators', '/deal ' + big('1,')],
    ['dots', '/deal ' + big('1.')],
    ['commas then a letter', '/task ' + big(',') + 'x'],
    ['phones', '/contact ' + big('+7 ')],
    ['hyphens', '/lead ' + big('8-')],
    ['e-mail-like', '/contact ' + big('a@')],
    ['e-mail dots', '/contact a@' + big('.b') + '@'],
    ['bangs', '/task x ' + big('!')],
    ['prepositions', '/задача ' + big('через ')],
    ['date words', '/task ' + big('next ')],
    ['mentions', '/task ' + big('@ann ')],
    ['unknown mentions', '/task ' + big('@zz ')],
    ['long mention', '/task @' + big('a')],
    ['long stage', '/deal x #' + big('б')],
    ['long command', '/' + big('t')],
    ['spaces', '/task x' + big('\u00a0')],
    ['one long word', '/task ' + big('x')],
    ['mixed', '/сделка ' + big('Поставка 150 000 ₽ @ivan #won завтра в 15:00 +7 999 ')],
  ];
  it.each(cases)('%s', (_, input) => {
    checkResult(input, parseCommand(input, ctx));
  });

  it('10 kB of random grammar-ish text', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...FRAGMENTS), fc.constantFrom(...SPACES)), { minLength: 1500, maxLength: 2500 }), commandArb, (parts, c) => {
        const input = (c + parts.map(([w, s]) => w + s).join('')).slice(0, 10_000);
        checkResult(input, parseCommand(input, ctx));
      }),
      { numRuns: 20 },
    );
  }, 60_000);
});
