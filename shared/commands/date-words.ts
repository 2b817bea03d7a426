/**
 * The words of dates and times, Russian and English, as the tokenizer's `key` spells them (lower case,
 * ё → е, trailing dots dropped). Our own lists, written for this grammar.
 */

export interface WeekdayWord {
  /** 0 = Monday … 6 = Sunday. */
  wd: number;
  /**
   * Whether the word may stand alone as a date. Words that are also ordinary words ("sun", "sat", "среда"
   * as in "тестовая среда") and Russian oblique forms ("пятницу") need a preposition ("в", "on", "к"), a
   * modifier ("next", "следующую") or a time right after them.
   */
  bare: boolean;
}

const WEEKDAYS: [string, number, boolean][] = [
  ['monday', 0, true], ['mon', 0, true],
  ['tuesday', 1, true], ['tue', 1, true], ['tues', 1, true],
  ['wednesday', 2, true], ['wed', 2, true],
  ['thursday', 3, true], ['thu', 3, true], ['thur', 3, true], ['thurs', 3, true],
  ['friday', 4, true], ['fri', 4, true],
  ['saturday', 5, true], ['sat', 5, false],
  ['sunday', 6, true], ['sun', 6, false],
  ['понедельник', 0, true], ['понедельника', 0, false], ['понедельнику', 0, false], ['пн', 0, true],
  ['вторник', 1, true], ['вторника', 1, false], ['вторнику', 1, false], ['вт', 1, true],
  ['среда', 2, false], ['среду', 2, false], ['среды', 2, false], ['среде', 2, false], ['ср', 2, true],
  ['четверг', 3, true], ['четверга', 3, false], ['четвергу', 3, false], ['чт', 3, true],
  ['пятница', 4, true], ['пятницу', 4, false], ['пятницы', 4, false], ['пятнице', 4, false], ['пт', 4, true],
  ['суббота', 5, true], ['субботу', 5, false], ['субботы', 5, false], ['субботе', 5, false], ['сб', 5, true],
  ['воскресенье', 6, true], ['воскресенья', 6, false], ['воскресенью', 6, false], ['вс', 6, true],
];
export const WEEKDAY = new Map<string, WeekdayWord>(WEEKDAYS.map(([w, wd, bare]) => [w, { wd, bare }]));

const MONTHS: [number, string[]][] = [
  [1, ['january', 'jan', 'января', 'январь', 'янв']],
  [2, ['february', 'feb', 'февраля', 'февраль', 'фев', 'февр']],
  [3, ['march', 'mar', 'марта', 'март', 'мар']],
  [4, ['april', 'apr', 'апреля', 'апрель', 'апр']],
  [5, ['may', 'мая', 'май']],
  [6, ['june', 'jun', 'июня', 'июнь', 'июн']],
  [7, ['july', 'jul', 'июля', 'июль', 'июл']],
  [8, ['august', 'aug', 'августа', 'август', 'авг']],
  [9, ['september', 'sep', 'sept', 'сентября', 'сентябрь', 'сен', 'сент']],
  [10, ['october', 'oct', 'октября', 'октябрь', 'окт']],
  [11, ['november', 'nov', 'ноября', 'ноябрь', 'ноя', 'нояб']],
  [12, ['december', 'dec', 'декабря', 'декабрь', 'дек']],
];
export const MONTH = new Map<string, number>(MONTHS.flatMap(([m, ws]) => ws.map((w) => [w, m] as [string, number])));

/** "Today" = 0, "tomorrow" = 1 … as a single word. */
export const DAY_WORD = new Map<string, number>([
  ['today', 0], ['сегодня', 0], ['tonight', 0],
  ['tomorrow', 1], ['tmrw', 1], ['завтра', 1],
  ['послезавтра', 2],
]);

/** Prepositions before a date: all mean "on / by that day". "до 5 декабря" = due on 5 December. */
export const DATE_PREP = new Set(['в', 'во', 'к', 'ко', 'до', 'на', 'on', 'by', 'until', 'till', 'due']);
/** Prepositions before a time of day. */
export const TIME_PREP = new Set(['в', 'во', 'к', 'ко', 'до', 'at', 'by', '@']);
/** Words before a weekday: next/this. `true` = "next". */
export const WEEKDAY_MOD = new Map<string, boolean>([
  ['next', true], ['this', false], ['coming', false],
  ...['следующий', 'следующую', 'следующее', 'следующая', 'следующего', 'следующему', 'следующей'].map(
    (w) => [w, true] as [string, boolean],
  ),
  ...['этот', 'эту', 'это', 'эта', 'этого', 'этому', 'этой', 'ближайший', 'ближайшую', 'ближайшее', 'ближайшего', 'ближайшему', 'ближайшей'].map(
    (w) => [w, false] as [string, boolean],
  ),
]);

export type Unit = 'min' | 'hour' | 'day' | 'week' | 'month';

export const UNIT = new Map<string, Unit>([
  ...['minute', 'minutes', 'min', 'mins', 'минута', 'минуту', 'минуты', 'минут', 'мин'].map((w) => [w, 'min'] as [string, Unit]),
  ...['hour', 'hours', 'hr', 'hrs', 'h', 'час', 'часа', 'часов', 'ч'].map((w) => [w, 'hour'] as [string, Unit]),
  ...['day', 'days', 'день', 'дня', 'дней', 'сутки', 'суток'].map((w) => [w, 'day'] as [string, Unit]),
  ...['week', 'weeks', 'wk', 'wks', 'неделю', 'недели', 'недель', 'неделя', 'нед'].map((w) => [w, 'week'] as [string, Unit]),
  ...['month', 'months', 'месяц', 'месяца', 'месяцев', 'мес'].map((w) => [w, 'month'] as [string, Unit]),
]);
/** Units that may be glued to the number: "2h", "3д", "30мин". */
export const GLUED_UNIT = /^(\d{1,4})(h|ч|d|д|min|мин)$/;

export const NUMBER_WORD = new Map<string, number>([
  ['a', 1], ['an', 1], ['one', 1], ['two', 2], ['three', 3], ['four', 4], ['five', 5], ['six', 6], ['seven', 7],
  ['eight', 8], ['nine', 9], ['ten', 10], ['eleven', 11], ['twelve', 12],
  ['один', 1], ['одну', 1], ['одна', 1], ['два', 2], ['две', 2], ['три', 3], ['четыре', 4], ['пять', 5],
  ['шесть', 6], ['семь', 7], ['восемь', 8], ['девять', 9], ['десять', 10], ['пару', 2],
]);

export const RELATIVE_PREP = new Set(['через', 'in']);

export const NOON = new Set(['noon', 'midday', 'полдень']);

/** Parts of the day after an hour: "9 утра", "3 дня", "7 вечера", "2 ночи". */
export const DAY_PART = new Set(['утра', 'дня', 'вечера', 'ночи']);

export const AM_PM = /^(a|p)\.?m$/;
