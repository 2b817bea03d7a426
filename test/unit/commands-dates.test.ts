import { describe, expect, it } from 'vitest';
import { parseCommand, type CommandContext, type CommandResult, type Due } from '../../shared/commands';

// Expected values are worked out by hand from the calendar, not produced by the parser.
// "Now" is Wednesday 2026-11-25 10:00 in Moscow (UTC+3, no DST): 07:00 UTC.
const NOW = new Date('2026-11-25T07:00:00Z');
const ctx = (over: Partial<CommandContext> = {}): CommandContext => ({
  now: NOW,
  timeZone: 'Europe/Moscow',
  locale: 'ru',
  people: [],
  ...over,
});

function dueOf(r: CommandResult): Due | undefined {
  if (!r.ok) throw new Error(`not parsed: ${JSON.stringify(r)}`);
  const d = r.draft;
  return d.kind === 'task' || d.kind === 'deal' ? d.due : d.kind === 'call' ? d.at : undefined;
}
const codes = (r: CommandResult): string[] => (r.ok ? (r.confident ? [] : r.problems.map((p) => p.code)) : r.problems.map((p) => p.code));
/** "2026-11-26" for an all-day due date, "2026-11-26 15:00" for a time. */
const short = (d: Due | undefined): string | undefined => (d ? (d.allDay ? d.date : `${d.at.slice(0, 10)} ${d.at.slice(11, 16)}`) : undefined);
const titleOf = (r: CommandResult): string => (r.ok ? r.draft.title : '<failed>');

type Row = [phrase: string, expected: string | undefined, problems?: string[]];

const RU: Row[] = [
  ['сегодня', '2026-11-25'],
  ['завтра', '2026-11-26'],
  ['Завтра', '2026-11-26'],
  ['ЗАВТРА', '2026-11-26'],
  ['послезавтра', '2026-11-27'],
  ['завтра 15:00', '2026-11-26 15:00'],
  ['завтра в 15:00', '2026-11-26 15:00'],
  ['завтра в 15.00', '2026-11-26 15:00'],
  ['в 15:00 завтра', '2026-11-26 15:00'],
  ['15:00 завтра', '2026-11-26 15:00'],
  ['завтра к 18:00', '2026-11-26 18:00'],
  ['сегодня в 17:30', '2026-11-25 17:30'],
  ['в пятницу', '2026-11-27'],
  ['в пт', '2026-11-27'],
  ['пт', '2026-11-27'],
  ['пятница', '2026-11-27'],
  ['пятница 10:00', '2026-11-27 10:00'],
  ['в пятницу в 10:00', '2026-11-27 10:00'],
  ['в пятницу 10:00', '2026-11-27 10:00'],
  ['до пятницы', '2026-11-27'],
  ['к пятнице', '2026-11-27'],
  ['на пятницу', '2026-11-27'],
  ['в эту пятницу', '2026-11-27'],
  ['в следующую пятницу', '2026-12-04', ['ambiguous_date']],
  ['в следующий понедельник', '2026-11-30'],
  ['до следующего понедельника', '2026-11-30'],
  ['к понедельнику', '2026-11-30'],
  ['в понедельник', '2026-11-30'],
  ['понедельник', '2026-11-30'],
  ['пн 9:00', '2026-11-30 09:00'],
  ['во вторник', '2026-12-01'],
  ['вт', '2026-12-01'],
  ['в четверг', '2026-11-26'],
  ['чт', '2026-11-26'],
  ['в субботу', '2026-11-28'],
  ['суббота', '2026-11-28'],
  ['в субботу в 12:00', '2026-11-28 12:00'],
  ['сб', '2026-11-28'],
  ['в воскресенье', '2026-11-29'],
  ['вс', '2026-11-29'],
  // Today is Wednesday: "среда" alone is next week's; with a time still ahead today it is today.
  ['в среду', '2026-12-02'],
  ['ср', '2026-12-02'],
  ['к среде', '2026-12-02'],
  ['в среду в 15:00', '2026-11-25 15:00'],
  ['в среду в 9:00', '2026-12-02 09:00'],
  ['в среду в 10:00', '2026-12-02 10:00'],
  ['через 3 дня', '2026-11-28'],
  ['через 1 день', '2026-11-26'],
  ['через два дня', '2026-11-27'],
  ['через пару дней', '2026-11-27'],
  ['через 5 дней', '2026-11-30'],
  ['через 10 дней', '2026-12-05'],
  ['через 3 дня в 15:00', '2026-11-28 15:00'],
  ['через 2 часа', '2026-11-25 12:00'],
  ['через 1 час', '2026-11-25 11:00'],
  ['через час', '2026-11-25 11:00'],
  ['через 2ч', '2026-11-25 12:00'],
  ['через 30 минут', '2026-11-25 10:30'],
  ['через 45 мин', '2026-11-25 10:45'],
  ['через полчаса', '2026-11-25 10:30'],
  ['через 24 часа', '2026-11-26 10:00'],
  ['через неделю', '2026-12-02'],
  ['через 2 недели', '2026-12-09'],
  ['через месяц', '2026-12-25'],
  ['через 2 месяца', '2027-01-25'],
  ['через день', '2026-11-26', ['ambiguous_date']],
  ['до 5 декабря', '2026-12-05'],
  ['к 5 декабря', '2026-12-05'],
  ['5 декабря', '2026-12-05'],
  ['5 дек', '2026-12-05'],
  ['5 дек.', '2026-12-05'],
  ['5-го декабря', '2026-12-05'],
  ['5 декабря 2026', '2026-12-05'],
  ['5 декабря 2027 г.', '2027-12-05'],
  ['5 декабря 2027 года', '2027-12-05'],
  ['5 декабря в 11:00', '2026-12-05 11:00'],
  ['1 января', '2027-01-01'],
  ['5 марта', '2027-03-05'],
  ['31 декабря', '2026-12-31'],
  ['25 ноября', '2026-11-25'],
  ['05.12', '2026-12-05'],
  ['5.12', '2026-12-05'],
  ['до 05.12', '2026-12-05'],
  ['05.12.2026', '2026-12-05'],
  ['05.12.26', '2026-12-05'],
  ['05.12.2026 14:00', '2026-12-05 14:00'],
  ['01.01', '2027-01-01'],
  ['2026-12-01', '2026-12-01'],
  ['2026-12-01 14:30', '2026-12-01 14:30'],
  ['2026-12-01T14:30', '2026-12-01 14:30'],
  ['до 2026-12-01', '2026-12-01'],
  ['в полдень', '2026-11-25 12:00'],
  ['полдень', '2026-11-25 12:00'],
  ['завтра в полдень', '2026-11-26 12:00'],
  ['конец дня', '2026-11-25'],
  ['к концу дня', '2026-11-25'],
  ['до конца дня', '2026-11-25'],
  ['завтра до конца дня', '2026-11-26'],
  ['в 15:00', '2026-11-25 15:00'],
  ['к 15:00', '2026-11-25 15:00'],
  ['в 15.30', '2026-11-25 15:30'],
  ['в 15 часов', '2026-11-25 15:00'],
  // "в 12" alone counts as a time only at the end or before a sigil; hours 1–7 are asked (15:00 shown).
  ['в 12', '2026-11-25 12:00'],
  ['в 5', '2026-11-25 17:00', ['ambiguous_date']],
  ['в 3 часа', '2026-11-25 15:00', ['ambiguous_date']],
  ['в 9 утра завтра', '2026-11-26 09:00'],
  ['завтра в 9 утра', '2026-11-26 09:00'],
  ['завтра в 7 вечера', '2026-11-26 19:00'],
  ['7 вечера', '2026-11-25 19:00'],
  ['завтра в 3 часа дня', '2026-11-26 15:00'],
  ['завтра в 3 дня', '2026-11-26 15:00'],
  ['в 11 ночи', '2026-11-25 23:00'],
  ['завтра в 2 ночи', '2026-11-26 02:00'],
  ['завтра в 10', '2026-11-26 10:00'],
  ['завтра в 18', '2026-11-26 18:00'],
  ['завтра в 3', '2026-11-26 15:00', ['ambiguous_date']],
  ['в пятницу в 5', '2026-11-27 17:00', ['ambiguous_date']],
  // Past: a time already gone today, a date of this month already gone, an explicit past year.
  ['в 9:00', '2026-11-25 09:00', ['past_date']],
  ['сегодня в 8:00', '2026-11-25 08:00', ['past_date']],
  ['20 ноября', '2026-11-20', ['past_date']],
  ['20.11', '2026-11-20', ['past_date']],
  ['2025-12-01', '2025-12-01', ['past_date']],
  ['01.10.2026', '2026-10-01', ['past_date']],
  // Impossible dates are flagged and give no due date.
  ['31 февраля', undefined, ['invalid_date']],
  ['31.04', undefined, ['invalid_date']],
  ['2026-02-30', undefined, ['invalid_date']],
  ['29 февраля', '2028-02-29'],
  // Slashes in Russian: both readings possible → ask (day/month shown); only one possible → taken.
  ['12/05', '2027-05-12', ['ambiguous_date']],
  ['25/12', '2026-12-25'],
  ['05/05', '2027-05-05'],
];

const EN: Row[] = [
  ['today', '2026-11-25'],
  ['tomorrow', '2026-11-26'],
  ['Tomorrow', '2026-11-26'],
  ['today 5pm', '2026-11-25 17:00'],
  ['today at 5pm', '2026-11-25 17:00'],
  ['tomorrow 3pm', '2026-11-26 15:00'],
  ['tomorrow at 3pm', '2026-11-26 15:00'],
  ['tomorrow 3 pm', '2026-11-26 15:00'],
  ['tomorrow at 15:00', '2026-11-26 15:00'],
  ['3pm tomorrow', '2026-11-26 15:00'],
  ['tomorrow at 3', '2026-11-26 15:00', ['ambiguous_date']],
  ['tomorrow at 11', '2026-11-26 11:00'],
  ['the day after tomorrow', '2026-11-27'],
  ['day after tomorrow', '2026-11-27'],
  ['friday', '2026-11-27'],
  ['Friday', '2026-11-27'],
  ['fri', '2026-11-27'],
  ['on friday', '2026-11-27'],
  ['by friday', '2026-11-27'],
  ['friday 10am', '2026-11-27 10:00'],
  ['fri 10am', '2026-11-27 10:00'],
  ['friday at 10:30am', '2026-11-27 10:30'],
  ['friday 10:30 am', '2026-11-27 10:30'],
  ['10am friday', '2026-11-27 10:00'],
  ['at 3pm on friday', '2026-11-27 15:00'],
  ['this friday', '2026-11-27'],
  ['next friday', '2026-12-04', ['ambiguous_date']],
  ['next monday', '2026-11-30'],
  ['next wednesday', '2026-12-02'],
  ['next tuesday', '2026-12-01'],
  ['monday', '2026-11-30'],
  ['mon', '2026-11-30'],
  ['tue', '2026-12-01'],
  ['tuesday 9am', '2026-12-01 09:00'],
  ['thursday', '2026-11-26'],
  ['thu', '2026-11-26'],
  ['wednesday', '2026-12-02'],
  ['wednesday 3pm', '2026-11-25 15:00'],
  ['wed 9am', '2026-12-02 09:00'],
  ['saturday', '2026-11-28'],
  ['on sat', '2026-11-28'],
  ['sat 11am', '2026-11-28 11:00'],
  ['sunday', '2026-11-29'],
  ['sun 10am', '2026-11-29 10:00'],
  ['in 3 days', '2026-11-28'],
  ['in 3d', '2026-11-28'],
  ['in three days', '2026-11-28'],
  ['in a day', '2026-11-26'],
  ['in 2 hours', '2026-11-25 12:00'],
  ['in 2h', '2026-11-25 12:00'],
  ['in an hour', '2026-11-25 11:00'],
  ['in 1 hour', '2026-11-25 11:00'],
  ['in 30 minutes', '2026-11-25 10:30'],
  ['in 15 min', '2026-11-25 10:15'],
  ['in half an hour', '2026-11-25 10:30'],
  ['in a week', '2026-12-02'],
  ['in 2 weeks', '2026-12-09'],
  ['in two weeks', '2026-12-09'],
  ['in a month', '2026-12-25'],
  ['in 3 months', '2027-02-25'],
  ['in 3 days at 9am', '2026-11-28 09:00'],
  ['by dec 5', '2026-12-05'],
  ['by Dec 5', '2026-12-05'],
  ['on December 5', '2026-12-05'],
  ['December 5', '2026-12-05'],
  ['December 5th', '2026-12-05'],
  ['Dec 5, 2027', '2027-12-05'],
  ['December 5 2026 4pm', '2026-12-05 16:00'],
  ['5 December', '2026-12-05'],
  ['dec. 5', '2026-12-05'],
  ['jan 1st', '2027-01-01'],
  ['march 3rd', '2027-03-03'],
  ['Feb 2nd', '2027-02-02'],
  ['May 1', '2027-05-01'],
  // US month/day in English: 12/05 is December 5; when only one reading is a date, that one.
  ['12/05', '2026-12-05'],
  ['12/5', '2026-12-05'],
  ['12/05/2026', '2026-12-05'],
  ['1/12', '2027-01-12'],
  ['13/05', '2027-05-13'],
  ['noon', '2026-11-25 12:00'],
  ['at noon', '2026-11-25 12:00'],
  ['midday', '2026-11-25 12:00'],
  ['tomorrow noon', '2026-11-26 12:00'],
  ['end of day', '2026-11-25'],
  ['end of the day', '2026-11-25'],
  ['by end of day', '2026-11-25'],
  ['eod', '2026-11-25'],
  ['by EOD', '2026-11-25'],
  ['tomorrow end of day', '2026-11-26'],
  ['friday by end of day', '2026-11-27'],
  ['3pm', '2026-11-25 15:00'],
  ['at 3pm', '2026-11-25 15:00'],
  ['by 5pm', '2026-11-25 17:00'],
  ['3 pm', '2026-11-25 15:00'],
  ['10:30am tomorrow', '2026-11-26 10:30'],
  ['12pm', '2026-11-25 12:00'],
  ['12am tomorrow', '2026-11-26 00:00'],
  ['tomorrow 12am', '2026-11-26 00:00'],
  ['11:59pm', '2026-11-25 23:59'],
  ['at 12', '2026-11-25 12:00'],
  ['at 5', '2026-11-25 17:00', ['ambiguous_date']],
  ['9am', '2026-11-25 09:00', ['past_date']],
  ['today 8am', '2026-11-25 08:00', ['past_date']],
  ['Nov 20', '2026-11-20', ['past_date']],
  ['2026-12-01', '2026-12-01'],
  ['2026-12-01 14:30', '2026-12-01 14:30'],
  ['Feb 30', undefined, ['invalid_date']],
];

describe('dates, Russian (now: Wed 2026-11-25 10:00 Europe/Moscow)', () => {
  it.each(RU)('%s', (phrase, expected, problems = []) => {
    const r = parseCommand(`/задача Отчёт ${phrase}`, ctx());
    expect(titleOf(r)).toBe('Отчёт');
    expect(short(dueOf(r))).toBe(expected);
    expect(codes(r)).toEqual(problems);
  });
});

describe('dates, English (same now)', () => {
  it.each(EN)('%s', (phrase, expected, problems = []) => {
    const r = parseCommand(`/task Report ${phrase}`, ctx({ locale: 'en' }));
    expect(titleOf(r)).toBe('Report');
    expect(short(dueOf(r))).toBe(expected);
    expect(codes(r)).toEqual(problems);
  });
});

describe('date phrases in other places', () => {
  it('puts the phrase anywhere in the title and keeps the words around it', () => {
    const r = parseCommand('/задача Завтра в 15:00 созвон с клиентом', ctx());
    expect(titleOf(r)).toBe('созвон с клиентом');
    expect(short(dueOf(r))).toBe('2026-11-26 15:00');
  });
  it('reads "в 12" before a mention as a time', () => {
    const r = parseCommand('/задача созвон в 12 @x', ctx());
    expect(short(dueOf(r))).toBe('2026-11-25 12:00');
    expect(titleOf(r)).toBe('созвон');
  });
  it('joins a day and a time that are apart', () => {
    const r = parseCommand('/задача завтра позвонить в банк в 15:00', ctx());
    expect(titleOf(r)).toBe('позвонить в банк');
    expect(short(dueOf(r))).toBe('2026-11-26 15:00');
  });
  it('joins a time and a later day', () => {
    const r = parseCommand('/task 3pm call the bank friday', ctx({ locale: 'en' }));
    expect(titleOf(r)).toBe('call the bank');
    expect(short(dueOf(r))).toBe('2026-11-27 15:00');
  });
  it('flags two days as conflicting and keeps the first', () => {
    const input = '/task report tomorrow and friday';
    const r = parseCommand(input, ctx({ locale: 'en' }));
    expect(short(dueOf(r))).toBe('2026-11-26');
    expect(codes(r)).toEqual(['conflicting']);
    if (r.ok && !r.confident) expect(input.slice(...r.problems[0].span)).toBe('friday');
  });
  it('flags two times as conflicting', () => {
    expect(codes(parseCommand('/задача отчёт в 15:00 и в 16:00', ctx()))).toEqual(['conflicting']);
  });
  it('marks the span of a past date', () => {
    const input = '/task Report 9am';
    const r = parseCommand(input, ctx({ locale: 'en' }));
    expect(r.ok && !r.confident && input.slice(...r.problems[0].span)).toBe('9am');
  });
  it('gives the options of an ambiguous date', () => {
    const r = parseCommand('/task x next friday', ctx({ locale: 'en' }));
    expect(r.ok && !r.confident && r.problems[0].options?.map((o) => o.value)).toEqual([
      '2026-12-04T00:00:00+03:00',
      '2026-11-27T00:00:00+03:00',
    ]);
    const h = parseCommand('/задача x завтра в 3', ctx());
    expect(h.ok && !h.confident && h.problems[0].options?.map((o) => o.label)).toEqual(['2026-11-26 15:00', '2026-11-26 03:00']);
  });
  it('writes all-day dates as the start of the day with the offset', () => {
    expect(dueOf(parseCommand('/task x tomorrow', ctx()))).toEqual({ at: '2026-11-26T00:00:00+03:00', allDay: true, date: '2026-11-26' });
    expect(dueOf(parseCommand('/task x tomorrow 3pm', ctx()))).toEqual({ at: '2026-11-26T15:00:00+03:00', allDay: false, date: '2026-11-26' });
  });
  it('drops the seconds of now for "in 2 hours"', () => {
    const r = parseCommand('/task x in 2 hours', ctx({ now: new Date('2026-11-25T07:17:43Z') }));
    expect(dueOf(r)?.at).toBe('2026-11-25T12:17:00+03:00');
  });
  it('reads dates in the deal and call commands too', () => {
    expect(short(dueOf(parseCommand('/сделка Поставка до 5 декабря', ctx())))).toBe('2026-12-05');
    expect(short(dueOf(parseCommand('/звонок Ромашка в пятницу в 10:00', ctx())))).toBe('2026-11-27 10:00');
  });
  it('leaves dates in the title of commands without one', () => {
    const r = parseCommand('/компания Завтра и Ко', ctx());
    expect(titleOf(r)).toBe('Завтра и Ко');
  });
});

describe('words that only look like dates stay in the title', () => {
  const rows: [string, string][] = [
    ['/задача Настроить тестовую среду', 'Настроить тестовую среду'],
    ['/задача Тестовая среда', 'Тестовая среда'],
    ['/задача Отчёт за пятницу', 'Отчёт за пятницу'],
    ['/task Sun cream', 'Sun cream'],
    ['/task Sat down with Bob', 'Sat down with Bob'],
    ['/задача Увеличить продажи в 3 раза', 'Увеличить продажи в 3 раза'],
    ['/задача Отчёт за 3 дня', 'Отчёт за 3 дня'],
    ['/task buy 3 laptops', 'buy 3 laptops'],
    ['/task lunch at cafe', 'lunch at cafe'],
    ['/task meeting in 2 rooms', 'meeting in 2 rooms'],
    ['/task Plan for March', 'Plan for March'],
    ['/task version 1.5', 'version 1.5'],
    ['/task split 1/2', 'split 1/2'],
    ['/task score 3:2', 'score 3:2'],
    ['/task at 25:00', 'at 25:00'],
    ['/задача Встреча в офисе', 'Встреча в офисе'],
    ['/задача Оценка в 10 баллов', 'Оценка в 10 баллов'],
    ['/задача Снизить до 5', 'Снизить до 5'],
    ['/task increase by 3', 'increase by 3'],
    ['/task top 10', 'top 10'],
    ['/task Ticket #42', 'Ticket #42'],
  ];
  it.each(rows)('%s', (input, title) => {
    const r = parseCommand(input, ctx({ locale: 'en' }));
    expect(titleOf(r)).toBe(title);
    expect(dueOf(r)).toBeUndefined();
  });
});

describe('time zones and daylight saving (computed with Intl)', () => {
  // Berlin 2026: summer time starts Sun 29 March 02:00 → 03:00, ends Sun 25 October 03:00 → 02:00.
  const berlin = (now: string) => ctx({ timeZone: 'Europe/Berlin', now: new Date(now), locale: 'en' });
  const spring = berlin('2026-03-27T09:00:00Z'); // Fri 27 March 10:00 CET (+01:00)
  const autumn = berlin('2026-10-23T08:00:00Z'); // Fri 23 October 10:00 CEST (+02:00)
  const rows: [string, CommandContext, string, string[]][] = [
    ['tomorrow 10am', spring, '2026-03-28T10:00:00+01:00', []],
    ['sunday 10am', spring, '2026-03-29T10:00:00+02:00', []],
    ['monday 9am', spring, '2026-03-30T09:00:00+02:00', []],
    ['in 3 days', spring, '2026-03-30T00:00:00+02:00', []],
    ['sunday', spring, '2026-03-29T00:00:00+01:00', []],
    // 48 real hours across the jump: the wall clock moves on by one more hour.
    ['in 48 hours', spring, '2026-03-29T11:00:00+02:00', []],
    // 02:30 does not exist that night: moved forward, and asked.
    ['2026-03-29 02:30', spring, '2026-03-29T03:30:00+02:00', ['ambiguous_date']],
    ['2026-03-29 03:00', spring, '2026-03-29T03:00:00+02:00', []],
    ['2026-03-29 01:59', spring, '2026-03-29T01:59:00+01:00', []],
    ['tomorrow 10am', autumn, '2026-10-24T10:00:00+02:00', []],
    ['sunday 10am', autumn, '2026-10-25T10:00:00+01:00', []],
    ['in 48 hours', autumn, '2026-10-25T09:00:00+01:00', []],
    ['sunday', autumn, '2026-10-25T00:00:00+02:00', []],
    // 02:30 happens twice that night: the first (summer time) is taken, and asked.
    ['2026-10-25 02:30', autumn, '2026-10-25T02:30:00+02:00', ['ambiguous_date']],
    ['2026-10-25 03:30', autumn, '2026-10-25T03:30:00+01:00', []],
    ['2026-10-25 01:30', autumn, '2026-10-25T01:30:00+02:00', []],
  ];
  it.each(rows)('%s', (phrase, c, at, problems) => {
    const r = parseCommand(`/task x ${phrase}`, c);
    expect(dueOf(r)?.at).toBe(at);
    expect(codes(r)).toEqual(problems);
  });

  it('uses the zone, not UTC, for "today" (01:30 in Moscow is still the 25th in UTC)', () => {
    const late = ctx({ now: new Date('2026-11-25T22:30:00Z') });
    expect(short(dueOf(parseCommand('/задача x сегодня', late)))).toBe('2026-11-26');
    expect(short(dueOf(parseCommand('/задача x завтра', late)))).toBe('2026-11-27');
    expect(short(dueOf(parseCommand('/задача x завтра', ctx({ now: new Date('2026-11-25T22:30:00Z'), timeZone: 'UTC' }))))).toBe('2026-11-26');
  });
  it('writes negative and half-hour offsets', () => {
    const ny = ctx({ timeZone: 'America/New_York', now: new Date('2026-11-25T15:00:00Z'), locale: 'en' });
    expect(dueOf(parseCommand('/task x tomorrow 3pm', ny))?.at).toBe('2026-11-26T15:00:00-05:00');
    const kolkata = ctx({ timeZone: 'Asia/Kolkata', locale: 'en' });
    expect(dueOf(parseCommand('/task x tomorrow 3pm', kolkata))?.at).toBe('2026-11-26T15:00:00+05:30');
  });
  it('rejects a context it cannot work with', () => {
    expect(() => parseCommand('/task x', ctx({ timeZone: 'Mars/Olympus' }))).toThrow();
    expect(() => parseCommand('/task x', ctx({ now: new Date('nope') }))).toThrow(TypeError);
  });
});
