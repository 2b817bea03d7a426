/**
 * Calendar arithmetic and time-zone conversion. Civil dates are plain {y, m, d} computed with Date.UTC
 * (no zone involved); wall times are turned into instants with Intl (the zone's real rules, DST included),
 * never with fixed offsets.
 */

export interface Civil {
  y: number;
  m: number; // 1..12
  d: number;
}

export interface Wall extends Civil {
  h: number;
  mi: number;
}

const DAY = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws a RangeError for a zone Intl does not know. */
export function checkZone(timeZone: string): void {
  formatter(timeZone);
}

/** The wall clock in `timeZone` at instant `ms` (seconds included, for offsets). */
function wallParts(ms: number, timeZone: string): Wall & { s: number } {
  const out = { y: 0, m: 0, d: 0, h: 0, mi: 0, s: 0 };
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) {
    const v = Number(p.value);
    if (p.type === 'year') out.y = v;
    else if (p.type === 'month') out.m = v;
    else if (p.type === 'day') out.d = v;
    else if (p.type === 'hour') out.h = v % 24;
    else if (p.type === 'minute') out.mi = v;
    else if (p.type === 'second') out.s = v;
  }
  return out;
}

export function wallAt(ms: number, timeZone: string): Wall {
  const { y, m, d, h, mi } = wallParts(ms, timeZone);
  return { y, m, d, h, mi };
}

/** Offset of `timeZone` from UTC at instant `ms`, in milliseconds (east positive). */
export function offsetAt(ms: number, timeZone: string): number {
  const w = wallParts(ms, timeZone);
  const whole = Math.floor(ms / 1000) * 1000;
  return Date.UTC(w.y, w.m - 1, w.d, w.h, w.mi, w.s) - whole;
}

export interface Resolved {
  ms: number;
  /** 'gap': the wall time does not exist (clocks jumped over it); 'overlap': it happens twice. */
  trouble?: 'gap' | 'overlap';
}

/**
 * The instant at which the wall clock in `timeZone` shows `w`. In a gap the clock is moved forward by the
 * gap's length (02:30 → 03:30 on a spring-forward night); in an overlap the earlier of the two is taken.
 */
export function wallToInstant(w: Wall, timeZone: string): Resolved {
  const local = Date.UTC(w.y, w.m - 1, w.d, w.h, w.mi);
  const before = offsetAt(local - DAY, timeZone);
  const after = offsetAt(local + DAY, timeZone);
  const fits = [before, after].filter((o) => offsetAt(local - o, timeZone) === o).map((o) => local - o);
  const unique = [...new Set(fits)].sort((a, b) => a - b);
  if (unique.length === 1) return { ms: unique[0] };
  if (unique.length > 1) return { ms: unique[0], trouble: 'overlap' };
  return { ms: local - before, trouble: 'gap' };
}

export function addDays(c: Civil, n: number): Civil {
  const t = new Date(Date.UTC(c.y, c.m - 1, c.d) + n * DAY);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

/** Adds calendar months; the day is clamped to the target month's length (Jan 31 + 1 month = Feb 28/29). */
export function addMonths(c: Civil, n: number): Civil {
  const total = c.y * 12 + (c.m - 1) + n;
  const y = Math.floor(total / 12);
  const m = (total % 12) + 1;
  return { y, m, d: Math.min(c.d, daysInMonth(y, m)) };
}

export function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

export function isValidCivil(c: Civil): boolean {
  return Number.isInteger(c.y) && c.m >= 1 && c.m <= 12 && c.d >= 1 && c.d <= daysInMonth(c.y, c.m);
}

/** 0 = Monday … 6 = Sunday. */
export function weekday(c: Civil): number {
  return (new Date(Date.UTC(c.y, c.m - 1, c.d)).getUTCDay() + 6) % 7;
}

export function compareCivil(a: Civil, b: Civil): number {
  return a.y - b.y || a.m - b.m || a.d - b.d;
}

/** Whole days from a to b. */
export function daysBetween(a: Civil, b: Civil): number {
  return Math.round((Date.UTC(b.y, b.m - 1, b.d) - Date.UTC(a.y, a.m - 1, a.d)) / DAY);
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

export function civilString(c: Civil): string {
  return `${pad(c.y, 4)}-${pad(c.m)}-${pad(c.d)}`;
}

/** ISO 8601 of instant `ms` as the wall clock in `timeZone` shows it, with that offset: 2026-11-26T15:00:00+03:00. */
export function isoWithOffset(ms: number, timeZone: string): string {
  const w = wallParts(ms, timeZone);
  const off = Math.round(offsetAt(ms, timeZone) / 60000);
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${civilString(w)}T${pad(w.h)}:${pad(w.mi)}:${pad(w.s)}${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}
