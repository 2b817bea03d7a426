import { describe, expect, it } from 'vitest';
import { parseCommand, type Amount, type CommandContext, type CommandResult } from '../../shared/commands';

const ctx = (over: Partial<CommandContext> = {}): CommandContext => ({
  now: new Date('2026-11-25T07:00:00Z'),
  timeZone: 'Europe/Moscow',
  locale: 'ru',
  people: [],
  defaultCurrency: 'RUB',
  ...over,
});
const amountOf = (r: CommandResult): Amount | undefined =>
  r.ok && (r.draft.kind === 'deal' || r.draft.kind === 'lead') ? r.draft.amount : undefined;
const codes = (r: CommandResult): string[] => (r.ok ? (r.confident ? [] : r.problems.map((p) => p.code)) : r.problems.map((p) => p.code));
const titleOf = (r: CommandResult): string => (r.ok ? r.draft.title : '<failed>');

type Row = [phrase: string, value: string | undefined, currency?: string, problems?: string[]];

// Values written out by hand. Decimal strings in major units, no grouping, "." as the point.
const ROWS: Row[] = [
  ['150 000 ₽', '150000', 'RUB'],
  ['150000 руб', '150000', 'RUB'],
  ['150000 руб.', '150000', 'RUB'],
  ['150000₽', '150000', 'RUB'],
  ['150 000₽', '150000', 'RUB'],
  ['₽150 000', '150000', 'RUB'],
  ['150 тыс. руб', '150000', 'RUB'],
  ['150 тыс руб', '150000', 'RUB'],
  ['150 тысяч рублей', '150000', 'RUB'],
  ['150 тыс.руб', '150000', 'RUB'],
  ['150тыс', '150000', 'RUB'],
  ['50 т.р.', '50000', 'RUB'],
  ['1,5 млн руб', '1500000', 'RUB'],
  ['1,5 млн', '1500000', 'RUB'],
  ['1.5 млн ₽', '1500000', 'RUB'],
  ['1,25 млн рублей', '1250000', 'RUB'],
  ['1,250 млн руб', '1250000', 'RUB'],
  ['3 млн', '3000000', 'RUB'],
  ['2 миллиона рублей', '2000000', 'RUB'],
  ['1 млрд руб', '1000000000', 'RUB'],
  ['1.5m RUB', '1500000', 'RUB'],
  ['1.5M RUB', '1500000', 'RUB'],
  ['1.5m', '1500000', 'RUB'],
  ['$2k', '2000', 'USD'],
  ['$2K', '2000', 'USD'],
  ['$ 2k', '2000', 'USD'],
  ['$2.5k', '2500', 'USD'],
  ['2.5k$', '2500', 'USD'],
  ['2 000$', '2000', 'USD'],
  ['2 000 $', '2000', 'USD'],
  ['2000$', '2000', 'USD'],
  ['$2000', '2000', 'USD'],
  ['$2,000', '2000', 'USD'],
  ['€1,200.50', '1200.5', 'EUR'],
  ['1.200,50 €', '1200.5', 'EUR'],
  ['1 200,50 €', '1200.5', 'EUR'],
  ['1 200.50 €', '1200.5', 'EUR'],
  ['5000 USD', '5000', 'USD'],
  ['5000 usd', '5000', 'USD'],
  ['USD 5000', '5000', 'USD'],
  ['5 000 долларов', '5000', 'USD'],
  ['10 тыс $', '10000', 'USD'],
  ['10 тыс$', '10000', 'USD'],
  ['10k USD', '10000', 'USD'],
  ['100 евро', '100', 'EUR'],
  ['100 EUR', '100', 'EUR'],
  ['€100', '100', 'EUR'],
  ['£300', '300', 'GBP'],
  ['300 GBP', '300', 'GBP'],
  ['1000 CNY', '1000', 'CNY'],
  ['1000 юаней', '1000', 'CNY'],
  ['50 000 тенге', '50000', 'KZT'],
  ['₸50 000', '50000', 'KZT'],
  ['2k', '2000', 'RUB'],
  ['2к', '2000', 'RUB'],
  ['500 р.', '500', 'RUB'],
  ['500р', '500', 'RUB'],
  ['500 р', '500', 'RUB'],
  // Thousands separated by no-break, narrow no-break and thin spaces.
  ['150\u00a0000 ₽', '150000', 'RUB'],
  ['150\u202f000 ₽', '150000', 'RUB'],
  ['150\u2009000\u00a0₽', '150000', 'RUB'],
  ['1\u00a0500\u00a0000 руб', '1500000', 'RUB'],
  ['5 000 000 ₽', '5000000', 'RUB'],
  ['1,200,000 USD', '1200000', 'USD'],
  ['1.200.000 руб', '1200000', 'RUB'],
  // One separator and three digits: thousands (money has two decimals at most), in either locale.
  ['1,200 $', '1200', 'USD'],
  ['1.200 руб', '1200', 'RUB'],
  // One separator and one or two digits: the decimal point.
  ['1,5 $', '1.5', 'USD'],
  ['1.50$', '1.5', 'USD'],
  ['0,99 $', '0.99', 'USD'],
  ['99,90 ₽', '99.9', 'RUB'],
  ['100.00 €', '100', 'EUR'],
  ['0 ₽', '0', 'RUB'],
  // Refused or asked.
  ['-5000 ₽', undefined, undefined, ['negative_amount']],
  ['−5 000 ₽', undefined, undefined, ['negative_amount']],
  ['-$2k', undefined, undefined, ['negative_amount']],
  ['1,2,3 $', undefined, undefined, ['ambiguous_amount']],
  ['1234,567 ₽', undefined, undefined, ['ambiguous_amount']],
  ['1.2345 $', '1.2345', 'USD', ['ambiguous_amount']],
  ['¥1000', '1000', 'CNY', ['ambiguous_amount']],
  ['$2k RUB', '2000', 'RUB', ['ambiguous_amount']],
];

describe('amounts in a deal (locale ru, default currency RUB)', () => {
  it.each(ROWS)('%s', (phrase, value, currency, problems = []) => {
    const r = parseCommand(`/сделка Поставка ${phrase}`, ctx());
    expect(titleOf(r)).toBe('Поставка');
    expect(amountOf(r)).toEqual(value === undefined ? undefined : { value, currency });
    expect(codes(r)).toEqual(problems);
  });
});

describe('amounts in English', () => {
  const rows: Row[] = [
    ['$2k', '2000', 'USD'],
    ['1,200 $', '1200', 'USD'],
    ['€1,200.50', '1200.5', 'EUR'],
    ['1.5m RUB', '1500000', 'RUB'],
    ['2 million dollars', '2000000', 'USD'],
    ['5 thousand euros', '5000', 'EUR'],
    ['$1.5 million', '1500000', 'USD'],
    ['2k', '2000', 'USD'],
  ];
  it.each(rows)('%s', (phrase, value, currency, problems = []) => {
    const r = parseCommand(`/deal Supply ${phrase}`, ctx({ locale: 'en', defaultCurrency: 'USD' }));
    expect(titleOf(r)).toBe('Supply');
    expect(amountOf(r)).toEqual(value === undefined ? undefined : { value, currency });
    expect(codes(r)).toEqual(problems);
  });
});

describe('numbers that are not amounts stay in the title', () => {
  const rows: [string, string][] = [
    ['/сделка Поставка 5000', 'Поставка 5000'],
    ['/сделка Поставка 150 000', 'Поставка 150 000'],
    ['/deal 2kg of apples', '2kg of apples'],
    ['/deal iPhone 15 for Acme', 'iPhone 15 for Acme'],
    ['/deal Supply 1000 gbp', 'Supply 1000 gbp'],
    ['/сделка Поставка 5 ручек', 'Поставка 5 ручек'],
    ['/task Pay $2k to Acme', 'Pay $2k to Acme'],
  ];
  it.each(rows)('%s', (input, title) => {
    const r = parseCommand(input, ctx({ locale: 'en' }));
    expect(titleOf(r)).toBe(title);
    expect(amountOf(r)).toBeUndefined();
  });
});

describe('amount rules', () => {
  it('needs a currency when none is named and there is no default', () => {
    const r = parseCommand('/deal Supply 2k', ctx({ defaultCurrency: undefined }));
    expect(amountOf(r)).toBeUndefined();
    expect(codes(r)).toEqual(['missing_currency']);
  });
  it('flags two amounts and keeps the first', () => {
    const input = '/сделка Поставка 100 $ и 200 €';
    const r = parseCommand(input, ctx());
    expect(amountOf(r)).toEqual({ value: '100', currency: 'USD' });
    expect(codes(r)).toEqual(['conflicting']);
    expect(r.ok && !r.confident && input.slice(...r.problems[0].span)).toBe('200 €');
  });
  it('highlights the whole amount', () => {
    const input = '/сделка Поставка -150 000 ₽';
    const r = parseCommand(input, ctx());
    expect(r.ok && !r.confident && input.slice(...r.problems[0].span)).toBe('-150 000 ₽');
  });
  it('keeps the value exact for large and fractional amounts', () => {
    expect(amountOf(parseCommand('/deal x 123 456 789 012 345 678 ₽', ctx()))).toEqual({ value: '123456789012345678', currency: 'RUB' });
    expect(amountOf(parseCommand('/deal x 0,05 млн ₽', ctx()))).toEqual({ value: '50000', currency: 'RUB' });
    expect(amountOf(parseCommand('/deal x 1,005 тыс ₽', ctx()))).toEqual({ value: '1005', currency: 'RUB' });
  });
  it('reads an amount in a lead', () => {
    const r = parseCommand('/лид Ромашка хочет поставку 150 тыс. руб', ctx());
    expect(titleOf(r)).toBe('Ромашка хочет поставку');
    expect(amountOf(r)).toEqual({ value: '150000', currency: 'RUB' });
  });
  it('gives both readings of ¥', () => {
    const r = parseCommand('/deal x ¥1000', ctx());
    expect(r.ok && !r.confident && r.problems[0].options?.map((o) => o.value)).toEqual(['CNY', 'JPY']);
  });
  it('takes a default currency that is not in its own list', () => {
    expect(amountOf(parseCommand('/deal x 5k', ctx({ defaultCurrency: 'SEK' })))).toEqual({ value: '5000', currency: 'SEK' });
  });
});
