/**
 * Turns a recognised date phrase into a Due relative to ctx.now in ctx.timeZone, with the doubts the
 * preview card must ask about. Rules (README.md, "Dates"):
 * - a weekday is the next such day; today's weekday means next week, unless a time later today is given;
 * - "next <weekday>" is the one in next week; when that differs from the coming one, it is a doubt;
 * - a date without a year is the next one (today included), except that a date at most 31 days ago is kept
 *   in this year and reported as past (a typo more likely than a deadline eleven months away);
 * - M/D vs D/M: unambiguous when only one reading is a date; otherwise en reads M/D, ru asks (D/M shown);
 * - a time without a day is today; a past time or day is a `past_date` problem, never moved silently.
 */

import { problem, type DateDoubt } from './messages';
import type { DatePhrase, DaySpec, TimeSpec } from './dates';
import type { Due, Locale, Problem, ProblemOption } from './types';
import {
  addDays, addMonths, civilString, compareCivil, daysBetween, isoWithOffset, isValidCivil, wallAt, wallToInstant,
  weekday, type Civil,
} from './zone';

export interface DateEnv {
  nowMs: number;
  timeZone: string;
  locale: Locale;
}

interface DayChoice {
  date: Civil | null;
  doubt?: DateDoubt;
  alts: Civil[];
}

function nextOccurrence(m: number, d: number, today: Civil): Civil {
  const thisYear = { y: today.y, m, d };
  if (!isValidCivil(thisYear)) {
    // 29 February: the next year that has it.
    for (let y = today.y + 1; y <= today.y + 8; y++) if (isValidCivil({ y, m, d })) return { y, m, d };
    return thisYear;
  }
  const ago = daysBetween(thisYear, today);
  return ago > 31 ? { y: today.y + 1, m, d } : thisYear;
}

function chooseDay(day: DaySpec, time: TimeSpec | undefined, today: Civil, nowMinutes: number, locale: Locale): DayChoice {
  switch (day.k) {
    case 'offset':
      return { date: addDays(today, day.days), alts: day.alt === undefined ? [] : [addDays(today, day.alt)], doubt: day.alt === undefined ? undefined : 'every_other_day' };
    case 'months':
      return { date: addMonths(today, day.n), alts: [] };
    case 'weekday': {
      const wdToday = weekday(today);
      let delta = (day.wd - wdToday + 7) % 7;
      const laterToday = time !== undefined && !time.eod && time.h * 60 + time.mi > nowMinutes;
      if (delta === 0 && !laterToday) delta = 7;
      const coming = addDays(today, delta);
      if (!day.next) return { date: coming, alts: [] };
      const nextWeek = addDays(today, 7 - wdToday + day.wd);
      return compareCivil(coming, nextWeek) === 0
        ? { date: nextWeek, alts: [] }
        : { date: nextWeek, alts: [coming], doubt: 'next' };
    }
    case 'date': {
      const c = day.y === undefined ? nextOccurrence(day.m, day.d, today) : { y: day.y, m: day.m, d: day.d };
      return { date: isValidCivil(c) ? c : null, alts: [] };
    }
    case 'slash': {
      const read = (m: number, d: number): Civil | null => {
        const c = day.y === undefined ? nextOccurrence(m, d, today) : { y: day.y, m, d };
        return isValidCivil(c) ? c : null;
      };
      const md = read(day.a, day.b);
      const dm = read(day.b, day.a);
      if (!md || !dm || day.a === day.b) return { date: md ?? dm, alts: [] };
      return locale === 'en' ? { date: md, alts: [] } : { date: dm, alts: [md], doubt: 'slash' };
    }
    default:
      return { date: null, alts: [] };
  }
}

function dueAt(date: Civil, time: TimeSpec | undefined, env: DateEnv): { due: Due; trouble?: 'gap' | 'overlap' } {
  const allDay = time === undefined || time.eod === true;
  const r = wallToInstant({ ...date, h: allDay ? 0 : time.h, mi: allDay ? 0 : time.mi }, env.timeZone);
  const due: Due = { at: isoWithOffset(r.ms, env.timeZone), allDay, date: civilString(date) };
  return { due, trouble: allDay ? undefined : r.trouble };
}

const label = (due: Due): string => (due.allDay ? due.date : `${due.date} ${due.at.slice(11, 16)}`);
const option = (due: Due): ProblemOption => ({ value: due.at, label: label(due) });

export function resolveDate(
  phrase: Omit<DatePhrase, 'n'>,
  span: [number, number],
  text: string,
  env: DateEnv,
): { due?: Due; problems: Problem[] } {
  const problems: Problem[] = [];
  const nowWall = wallAt(env.nowMs, env.timeZone);
  const today: Civil = { y: nowWall.y, m: nowWall.m, d: nowWall.d };
  if (phrase.deltaMin !== undefined) {
    const ms = Math.floor(env.nowMs / 60_000) * 60_000 + phrase.deltaMin * 60_000;
    const w = wallAt(ms, env.timeZone);
    return { due: { at: isoWithOffset(ms, env.timeZone), allDay: false, date: civilString(w) }, problems };
  }
  const time = phrase.time;
  let choice: DayChoice = { date: today, alts: [] };
  if (phrase.day) choice = chooseDay(phrase.day, time, today, nowWall.h * 60 + nowWall.mi, env.locale);
  if (!choice.date) return { problems: [problem('invalid_date', span, text)] };
  const { due, trouble } = dueAt(choice.date, time, env);
  const alts = choice.alts.map((c) => dueAt(c, time, env).due);
  if (time?.alt !== undefined) alts.push(dueAt(choice.date, { h: time.alt, mi: time.mi }, env).due);
  if (choice.doubt || time?.alt !== undefined) {
    problems.push(problem('ambiguous_date', span, choice.doubt ?? 'hour', [option(due), ...alts.map(option)]));
  }
  if (trouble) problems.push(problem('ambiguous_date', span, trouble, [option(due)]));
  const past = due.allDay ? compareCivil(choice.date, today) < 0 : Date.parse(due.at) < Math.floor(env.nowMs / 60_000) * 60_000;
  if (past) problems.push(problem('past_date', span, text, [option(due)]));
  return { due, problems };
}
