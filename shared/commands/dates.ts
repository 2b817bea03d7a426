/**
 * Recognises one date/time phrase starting at a token: "завтра в 15:00", "в пятницу", "через 3 дня",
 * "friday 10am", "2026-12-01 14:30", "by dec 5", "конец дня"… It only reads; ./resolve turns the phrase
 * into an instant relative to ctx.now. Every reader looks at a bounded number of tokens.
 */

import {
  AM_PM, DATE_PREP, DAY_PART, DAY_WORD, GLUED_UNIT, MONTH, NOON, NUMBER_WORD, RELATIVE_PREP, TIME_PREP, UNIT,
  WEEKDAY, WEEKDAY_MOD, type Unit,
} from './date-words';
import type { Token } from './text';

export interface TimeSpec {
  h: number;
  mi: number;
  /** Another reading of the hour ("завтра в 3": 15 or 3); `h` is the one put into the draft. */
  alt?: number;
  /** "End of day": the whole day is the deadline. */
  eod?: boolean;
}

export type DaySpec =
  | { k: 'offset'; days: number; alt?: number }
  | { k: 'weekday'; wd: number; next: boolean }
  | { k: 'date'; y?: number; m: number; d: number }
  | { k: 'slash'; a: number; b: number; y?: number }
  | { k: 'months'; n: number }
  | { k: 'invalid' };

export interface DatePhrase {
  day?: DaySpec;
  time?: TimeSpec;
  /** "через 2 часа": minutes from now. */
  deltaMin?: number;
  /** Tokens consumed. */
  n: number;
}

interface Read<T> {
  v: T;
  n: number;
}

const key = (ts: Token[], i: number): string => (i < ts.length ? ts[i].key : '');
const isInt = (s: string, max = 4): boolean => s.length > 0 && s.length <= max && /^\d+$/.test(s);

function year(s: string): number | undefined {
  if (/^\d{4}$/.test(s)) return Number(s);
  if (/^\d{2}$/.test(s)) return 2000 + Number(s);
  return undefined;
}

/** "15:00", "3pm", "10:30 am", "noon", "9 утра", "в 3 часа дня", "конец дня"; `bareHour` allows "в 3". */
function readTime(ts: Token[], i: number, hasPrep: boolean, bareHour: boolean): Read<TimeSpec> | null {
  const k = key(ts, i);
  const prep = hasPrep ? key(ts, i - 1) : '';
  if (!k) return null;
  if (NOON.has(k)) return { v: { h: 12, mi: 0 }, n: 1 };
  const eod = readEndOfDay(ts, i);
  if (eod) return eod;
  let h: number;
  let mi = 0;
  let n = 1;
  let ampm: string | undefined;
  let m = /^(\d{1,2}):(\d{2})(am|pm|a\.m|p\.m)?$/.exec(k) ?? (hasPrep ? /^(\d{1,2})\.(\d{2})()$/.exec(k) : null);
  if (m) {
    h = Number(m[1]);
    mi = Number(m[2]);
    ampm = m[3] || undefined;
  } else if ((m = /^(\d{1,2})(am|pm|a\.m|p\.m)$/.exec(k))) {
    h = Number(m[1]);
    ampm = m[2];
  } else if (isInt(k, 2)) {
    h = Number(k);
  } else return null;
  const next = key(ts, i + n);
  if (!ampm && AM_PM.test(next)) {
    ampm = next;
    n++;
  }
  let clock = false;
  if (!ampm && !m && UNIT.get(key(ts, i + n)) === 'hour' && key(ts, i + n) !== 'h') {
    clock = true; // "в 3 часа"
    n++;
  }
  // "3 дня" is also "three days": only "в 3 дня" is a time.
  const partWord = key(ts, i + n);
  const part = !ampm && DAY_PART.has(partWord) && (hasPrep || partWord !== 'дня') ? partWord : undefined;
  if (part) n++;
  if (mi > 59 || h > 23) return null;
  if (ampm) {
    if (h < 1 || h > 12) return null;
    h = (h % 12) + (ampm[0] === 'p' ? 12 : 0);
    return { v: { h, mi }, n };
  }
  if (part) {
    const hh = fromDayPart(h, part);
    return hh === null ? null : { v: { h: hh, mi }, n };
  }
  if (m) return { v: { h, mi }, n };
  // A bare number: "в 3 часа"; "в 3" right after a day ("завтра в 3"); "в 12" / "at 12" at the end or before
  // a sigil ("созвон в 12 @ivan") — but not "в 3 раза", "by 3 points".
  const follower = ts[i + n]?.text ?? '';
  const standsAlone = (prep === 'в' || prep === 'во' || prep === 'at') && !/^[\p{L}\p{N}]/u.test(follower);
  if (!hasPrep || (!clock && !bareHour && !standsAlone)) return null;
  if (h >= 1 && h <= 7) return { v: { h: h + 12, mi, alt: h }, n };
  return { v: { h, mi }, n };
}

function fromDayPart(h: number, part: string): number | null {
  if (h > 12 || h === 0) return null;
  if (part === 'утра') return h === 12 ? null : h;
  if (part === 'дня') return h === 12 ? 12 : h <= 6 ? h + 12 : null;
  if (part === 'вечера') return h >= 4 && h <= 11 ? h + 12 : null;
  return h === 12 ? 0 : h <= 5 ? h : h >= 9 ? h + 12 : null; // ночи
}

/** "eod", "end of (the) day", "конец/конца/концу дня" → the whole day. */
function readEndOfDay(ts: Token[], i: number): Read<TimeSpec> | null {
  const k = key(ts, i);
  if (k === 'eod') return { v: { h: 0, mi: 0, eod: true }, n: 1 };
  if ((k === 'конец' || k === 'конца' || k === 'концу') && key(ts, i + 1) === 'дня') return { v: { h: 0, mi: 0, eod: true }, n: 2 };
  if (k === 'end' && key(ts, i + 1) === 'of') {
    if (key(ts, i + 2) === 'day') return { v: { h: 0, mi: 0, eod: true }, n: 3 };
    if (key(ts, i + 2) === 'the' && key(ts, i + 3) === 'day') return { v: { h: 0, mi: 0, eod: true }, n: 4 };
  }
  return null;
}

/** A time with an optional preposition ("в 15:00", "at 3pm", "к концу дня"). */
function readTimeWithPrep(ts: Token[], i: number, afterDay: boolean): Read<TimeSpec> | null {
  if (TIME_PREP.has(key(ts, i))) {
    const t = readTime(ts, i + 1, true, afterDay);
    if (t) return { v: t.v, n: t.n + 1 };
  }
  return readTime(ts, i, false, false);
}

function readDayNumber(k: string): number | null {
  const m = /^(\d{1,2})(st|nd|rd|th|-го|-е|-ое)?$/.exec(k);
  return m ? Number(m[1]) : null;
}

/** An optional year after "5 декабря" / "dec 5": "2026", "2026 г.", "2026 года". */
function readYear(ts: Token[], i: number): Read<number> | null {
  const k = key(ts, i);
  const m = /^(\d{4})(г)?$/.exec(k);
  if (!m) return null;
  const after = key(ts, i + 1);
  return { v: Number(m[1]), n: !m[2] && (after === 'г' || after === 'года') ? 2 : 1 };
}

/** A day: "завтра", "пятница", "next monday", "5 декабря", "dec 5th", "05.12", "12/05", "2026-12-01". */
function readDay(ts: Token[], i: number, hasPrep: boolean): Read<DaySpec> & { time?: TimeSpec } | null {
  const k = key(ts, i);
  if (!k) return null;
  const offset = DAY_WORD.get(k);
  if (offset !== undefined) return { v: { k: 'offset', days: offset }, n: 1 };
  const the = k === 'the' ? 1 : 0;
  if (key(ts, i + the) === 'day' && key(ts, i + the + 1) === 'after' && key(ts, i + the + 2) === 'tomorrow') {
    return { v: { k: 'offset', days: 2 }, n: the + 3 };
  }
  const mod = WEEKDAY_MOD.get(k);
  const wk = WEEKDAY.get(mod === undefined ? k : key(ts, i + 1));
  if (wk) {
    const n = mod === undefined ? 1 : 2;
    if (!wk.bare && !hasPrep && mod === undefined && !readTimeWithPrep(ts, i + 1, true)) return null;
    return { v: { k: 'weekday', wd: wk.wd, next: mod === true }, n };
  }
  let m = /^(\d{4})-(\d{2})-(\d{2})(?:t(\d{2}):(\d{2}))?$/.exec(k);
  if (m) {
    const v: DaySpec = { k: 'date', y: Number(m[1]), m: Number(m[2]), d: Number(m[3]) };
    if (m[4] === undefined) return { v, n: 1 };
    const h = Number(m[4]);
    const mi = Number(m[5]);
    return h > 23 || mi > 59 ? { v: { k: 'invalid' }, n: 1 } : { v, n: 1, time: { h, mi } };
  }
  m = /^(\d{1,2})\.(\d{2})(?:\.(\d{4}|\d{2}))?$/.exec(k);
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12 && Number(m[1]) >= 1 && Number(m[1]) <= 31) {
    return { v: { k: 'date', d: Number(m[1]), m: Number(m[2]), y: m[3] ? year(m[3]) : undefined }, n: 1 };
  }
  m = /^(\d{1,2})\/(\d{1,2})(?:\/(\d{4}|\d{2}))?$/.exec(k);
  if (m && m[1].length + m[2].length >= 3) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (a >= 1 && b >= 1 && (a <= 12 || b <= 12) && a <= 31 && b <= 31) {
      return { v: { k: 'slash', a, b, y: m[3] ? year(m[3]) : undefined }, n: 1 };
    }
  }
  // "5 декабря [2026]"
  const dn = readDayNumber(k);
  const month1 = MONTH.get(key(ts, i + 1));
  if (dn !== null && month1 !== undefined) {
    const y = readYear(ts, i + 2);
    return { v: { k: 'date', d: dn, m: month1, y: y?.v }, n: 2 + (y?.n ?? 0) };
  }
  // "December 5[th][,] [2026]"
  const month0 = MONTH.get(k);
  const dn2 = readDayNumber(key(ts, i + 1));
  if (month0 !== undefined && dn2 !== null) {
    const y = readYear(ts, i + 2);
    return { v: { k: 'date', d: dn2, m: month0, y: y?.v }, n: 2 + (y?.n ?? 0) };
  }
  return null;
}

function readNumber(ts: Token[], i: number): Read<number> | null {
  const k = key(ts, i);
  if (isInt(k, 4)) return { v: Number(k), n: 1 };
  const w = NUMBER_WORD.get(k);
  return w === undefined ? null : { v: w, n: 1 };
}

/** "через 3 дня", "in 2 hours", "через неделю", "in a week", "через полчаса", "in 2h". */
function readRelative(ts: Token[], i: number): DatePhrase | null {
  if (!RELATIVE_PREP.has(key(ts, i))) return null;
  const k1 = key(ts, i + 1);
  if (k1 === 'полчаса') return { deltaMin: 30, n: 2 };
  if (k1 === 'half' && key(ts, i + 2) === 'an' && key(ts, i + 3) === 'hour') return { deltaMin: 30, n: 4 };
  let count: number;
  let unit: Unit | undefined;
  let n: number;
  const glued = GLUED_UNIT.exec(k1);
  if (glued) {
    count = Number(glued[1]);
    unit = UNIT.get(glued[2]) ?? (glued[2] === 'd' || glued[2] === 'д' ? 'day' : undefined);
    n = 2;
  } else {
    const num = readNumber(ts, i + 1);
    // Russian drops "one": "через час", "через неделю".
    if (num) {
      count = num.v;
      unit = UNIT.get(key(ts, i + 2));
      n = 3;
    } else {
      count = 1;
      unit = key(ts, i) === 'через' ? UNIT.get(k1) : undefined;
      n = 2;
    }
  }
  if (!unit) return null;
  const bare = !glued && !readNumber(ts, i + 1);
  const limits: Record<Unit, number> = { min: 100_000, hour: 10_000, day: 3_660, week: 520, month: 120 };
  if (count > limits[unit]) return { day: { k: 'invalid' }, n };
  if (unit === 'min') return { deltaMin: count, n };
  if (unit === 'hour') return { deltaMin: count * 60, n };
  if (unit === 'month') return { day: { k: 'months', n: count }, n };
  if (unit === 'week') return { day: { k: 'offset', days: count * 7 }, n };
  // "через день" is also read "every other day" / "the day after tomorrow": ask.
  return { day: { k: 'offset', days: count, alt: bare && key(ts, i) === 'через' ? 2 : undefined }, n };
}

/** The longest date/time phrase starting at token `i`, or null. */
export function readDate(ts: Token[], i: number): DatePhrase | null {
  const rel = readRelative(ts, i);
  if (rel) {
    if (rel.day && rel.day.k !== 'invalid') {
      const t = readTimeWithPrep(ts, i + rel.n, true);
      if (t) return { ...rel, time: t.v, n: rel.n + t.n };
    }
    return rel;
  }
  const d = readDayWithPrep(ts, i);
  if (d) {
    if (d.time) return { day: d.v, time: d.time, n: d.n };
    const t = d.v.k === 'invalid' ? null : readTimeWithPrep(ts, i + d.n, true);
    return { day: d.v, time: t?.v, n: d.n + (t?.n ?? 0) };
  }
  const t = readTimeWithPrep(ts, i, false);
  if (!t) return null;
  // "15:00 завтра", "3pm friday", "в 15:00 в пятницу"
  const after = readDayWithPrep(ts, i + t.n);
  if (after && !after.time && after.v.k !== 'invalid') return { day: after.v, time: t.v, n: t.n + after.n };
  return { time: t.v, n: t.n };
}

function readDayWithPrep(ts: Token[], i: number): (Read<DaySpec> & { time?: TimeSpec }) | null {
  if (DATE_PREP.has(key(ts, i))) {
    const d = readDay(ts, i + 1, true);
    return d ? { ...d, n: d.n + 1 } : null;
  }
  return readDay(ts, i, false);
}
