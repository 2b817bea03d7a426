/**
 * Pure helpers of slash commands in the chat UI: the parser's context in the browser, the `/` autocomplete
 * in the composer, the preview's highlighted input, applying a choice of the confirmation card to a draft,
 * editing a draft's due date, drafts made from an existing message, and how a record's card is shown.
 *
 * Imports from shared/ are relative (not `$shared`) so unit tests load this module as it is.
 */
import type { Card, CardKind } from '../../../../shared/cards';
import type { ErrorCode } from '../../../../shared/errors';
import type { CommandContext, CommandResult, Draft, Due, Locale, Person, Problem, ProblemCode } from '../../../../shared/commands/types';
import { PeopleIndex } from '../../../../shared/commands/people';
import { civilString, isoWithOffset, wallAt, wallToInstant } from '../../../../shared/commands/zone';
import type { MessageKey } from '../i18n/en';

/** The most text one `command_run` may carry (shared/cards.ts). */
export const MAX_COMMAND_CHARS = 2_000;
/** Tasks keep titles this short (shared/tasks.ts TASK_LIMITS.titleMax); cards show at most 500. */
export const MAX_TITLE_CHARS = 250;
const ZONE = /^[A-Za-z_+-]+(\/[A-Za-z0-9_+-]+)*$/;

/** The browser's IANA time zone as `command_run` accepts it, else UTC. */
export function browserTimeZone(resolve: () => string | undefined = () => Intl.DateTimeFormat().resolvedOptions().timeZone): string {
  try {
    const zone = resolve();
    if (zone && ZONE.test(zone) && zone.length <= 64) {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return zone;
    }
  } catch {
    /* an unknown zone: UTC below */
  }
  return 'UTC';
}

/** Who can be made responsible or a participant: active colleagues (guests are not). */
export function commandPeople(users: readonly { id: string; name: string; email?: string; role?: string; active?: boolean }[]): Person[] {
  return users
    .filter((u) => u.active !== false && u.role !== 'guest')
    .map((u) => (u.email ? { id: u.id, name: u.name, email: u.email } : { id: u.id, name: u.name }));
}

/** The parser's context in the browser; deal stages are not known here, so any `#stage` is taken as typed. */
export function commandContext(p: {
  now: Date;
  timeZone: string;
  locale: Locale;
  users: readonly { id: string; name: string; email?: string; role?: string; active?: boolean }[];
}): CommandContext {
  return { now: p.now, timeZone: p.timeZone, locale: p.locale, people: commandPeople(p.users) };
}

/** Does a box's text open the command side (the `/` list, then the preview): it starts with `/`. */
export function opensCommand(text: string): boolean {
  return /^\s*\//u.test(text);
}

/** Does the composer's text run a command (it starts with `/` and a name)? */
export function isCommandText(text: string): boolean {
  return /^\s*\/\S/u.test(text);
}

/** The command name being typed (`/`, `/за`), while the caret is still inside it; else null. */
export function commandPrefix(text: string, caret: number): string | null {
  const m = /^\/\S*/u.exec(text);
  if (!m || caret < 1 || caret > m[0].length) return null;
  return m[0];
}

/** The text with its command name replaced by a completion (`/task `) or a suggestion (`/task`). */
export function replaceCommandName(text: string, name: string): { text: string; caret: number } {
  const m = /^\s*\/\S*[ \t]?/u.exec(text);
  const head = name.endsWith(' ') ? name : name + ' ';
  const rest = m ? text.slice(m[0].length) : text;
  return { text: head + rest, caret: head.length };
}

/** An `@name` or `+name` being typed in a command (the autocomplete of people); else null. */
export function personQuery(text: string, caret: number): { start: number; query: string; sigil: '@' | '+' } | null {
  const before = text.slice(0, caret);
  const m = /(^|\s)([@+])([\p{L}\p{N}_.-]{0,30})$/u.exec(before);
  if (!m) return null;
  return { start: before.length - m[3].length - 1, query: m[3], sigil: m[2] as '@' | '+' };
}

/**
 * How a picked person is written into a command so that the parser finds exactly them: `@"Ann Lee"`,
 * or their e-mail when the name alone would match someone else too.
 */
export function personToken(sigil: '@' | '+', p: { id: string; name: string; email?: string }, people: Person[]): string {
  const index = new PeopleIndex(people);
  const found = (q: string) => {
    const m = index.match(q);
    return m.kind === 'one' && m.id === p.id;
  };
  const clean = p.name.replace(/["“”«»„]/g, '').trim();
  if (clean && found(clean)) return `${sigil}"${clean}"`;
  if (p.email && found(p.email)) return `${sigil}"${p.email}"`;
  return `${sigil}"${clean}"`;
}

/** The text with the `@query` at `start..caret` replaced by a person's token; returns the text and the new caret. */
export function insertPerson(text: string, start: number, caret: number, token: string): { text: string; caret: number } {
  const next = text.slice(0, start) + token + ' ';
  return { text: next + text.slice(caret).replace(/^ /, ''), caret: next.length };
}

/** A piece of the typed text, marked with the problem that covers it (its index), for highlighting. */
export interface Segment {
  text: string;
  problem: number | null;
}

/** The text cut at the problems' spans (overlaps go to the earlier problem). */
export function segments(text: string, problems: readonly Pick<Problem, 'span'>[]): Segment[] {
  const marks = problems
    .map((p, i) => ({ i, s: Math.max(0, Math.min(p.span[0], text.length)), e: Math.max(0, Math.min(p.span[1], text.length)) }))
    .filter((m) => m.e > m.s)
    .sort((a, b) => a.s - b.s || a.i - b.i);
  const out: Segment[] = [];
  let at = 0;
  for (const m of marks) {
    const s = Math.max(m.s, at);
    if (m.e <= s) continue;
    if (s > at) out.push({ text: text.slice(at, s), problem: null });
    out.push({ text: text.slice(s, m.e), problem: m.i });
    at = m.e;
  }
  if (at < text.length) out.push({ text: text.slice(at), problem: null });
  return out;
}

/** The due date of a draft (a call's planned time), if any. */
export function draftDue(d: Draft): Due | undefined {
  if (d.kind === 'task' || d.kind === 'deal') return d.due;
  if (d.kind === 'call') return d.at;
  return undefined;
}

/** Which drafts have a due date at all. */
export const hasDue = (d: Draft): boolean => d.kind === 'task' || d.kind === 'deal' || d.kind === 'call';

/** The draft with another due date (or none). */
export function withDue(d: Draft, due: Due | undefined): Draft {
  if (d.kind === 'task' || d.kind === 'deal') {
    const { due: _, ...rest } = d;
    return due ? { ...rest, due } : rest;
  }
  if (d.kind === 'call') {
    const { at: _, ...rest } = d;
    return due ? { ...rest, at: due } : rest;
  }
  return d;
}

/**
 * A due date from an `<input type="date">` ("2026-12-01": the whole day) or `datetime-local`
 * ("2026-12-01T15:00") value, read as the wall clock of `timeZone`; null when it is not a date.
 */
export function dueFromInput(value: string, timeZone: string): Due | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/.exec(value);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const allDay = m[4] === undefined;
  const h = allDay ? 0 : Number(m[4]);
  const mi = allDay ? 0 : Number(m[5]);
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59) return null;
  const { ms } = wallToInstant({ y, m: mo, d, h, mi }, timeZone);
  return { at: isoWithOffset(ms, timeZone), allDay, date: civilString({ y, m: mo, d }) };
}

/** What a date or datetime-local input shows for a due date: its wall clock as the draft gives it. */
export function dueToInput(due: Due | undefined): string {
  if (!due) return '';
  return due.allDay ? due.date : due.at.slice(0, 16);
}

/** Is the due date already past (a whole day counts until its end in `timeZone`)? */
export function duePast(due: Due | undefined, now: Date, timeZone: string): boolean {
  if (!due) return false;
  if (due.allDay) return due.date < civilString(wallAt(now.getTime(), timeZone));
  return Date.parse(due.at) <= now.getTime();
}

/** Problems that need a choice before the draft can be confirmed: the card would otherwise guess. */
export function needsChoice(p: Problem): boolean {
  const n = p.options?.length ?? 0;
  if (p.code === 'ambiguous_person') return n > 0;
  if (p.code === 'ambiguous_date' || p.code === 'ambiguous_amount') return n > 1;
  return false;
}

/**
 * Does the card offer a problem's options as choices? Not for a past date (its option is that same date:
 * the date field fixes it) nor for a lone reading of a date or amount (nothing to choose between).
 */
export function showsChoices(p: Problem): boolean {
  const n = p.options?.length ?? 0;
  if (n === 0 || p.code === 'past_date') return false;
  return n > 1 || p.code === 'ambiguous_person' || p.code === 'unknown_person' || p.code === 'unknown_stage';
}

/** Is `@`/`+` at the start of a person problem's span (responsible or participant)? */
export function personRole(input: string, p: Pick<Problem, 'span'>): 'responsible' | 'participant' {
  return input[p.span[0]] === '+' ? 'participant' : 'responsible';
}

/** The draft after the user picked option `value` of problem `p` (of a command typed as `input`). */
export function applyOption(draft: Draft, p: Problem, value: string, input: string): Draft {
  const option = p.options?.find((o) => o.value === value);
  switch (p.code as ProblemCode) {
    case 'ambiguous_person':
    case 'unknown_person': {
      if (personRole(input, p) === 'participant' && 'participantIds' in draft) {
        if (draft.responsibleId === value || draft.participantIds.includes(value)) return draft;
        return { ...draft, participantIds: [...draft.participantIds, value] };
      }
      const next = { ...draft, responsibleId: value };
      if ('participantIds' in next) next.participantIds = next.participantIds.filter((id) => id !== value);
      return next;
    }
    case 'ambiguous_date':
    case 'past_date': {
      if (!hasDue(draft) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) return draft;
      // Options are labelled "YYYY-MM-DD" for a whole day and "YYYY-MM-DD HH:MM" with a time.
      const allDay = option ? !/\d:\d/.test(option.label) : (draftDue(draft)?.allDay ?? false);
      return withDue(draft, { at: value, allDay, date: value.slice(0, 10) });
    }
    case 'unknown_stage':
      return draft.kind === 'deal' ? { ...draft, stage: value } : draft;
    case 'ambiguous_amount': {
      if (draft.kind !== 'deal' && draft.kind !== 'lead') return draft;
      if (/^[A-Z]{3}$/.test(value)) {
        const v = draft.amount?.value ?? /^\d+(?:\.\d+)?/.exec(option?.label ?? '')?.[0];
        return v ? { ...draft, amount: { value: v, currency: value } } : draft;
      }
      return draft.amount ? { ...draft, amount: { ...draft.amount, value } } : draft;
    }
    default:
      return draft;
  }
}

/** Can the confirmation card be confirmed: a title (a call may go without), every needed choice made, no past date. */
export function confirmable(
  draft: Draft,
  problems: readonly Problem[],
  chosen: Readonly<Record<number, string>>,
  now: Date,
  timeZone: string,
): boolean {
  if (draft.kind !== 'call' && draft.title.trim() === '') return false;
  if (problems.some((p, i) => needsChoice(p) && chosen[i] === undefined)) return false;
  return !duePast(draftDue(draft), now, timeZone);
}

/** What a message's menu can make of it. */
export type MenuKind = 'task' | 'deal' | 'lead' | 'contact' | 'company';
export const MENU_KINDS: readonly MenuKind[] = ['task', 'deal', 'lead', 'contact', 'company'];

/** A draft with nothing in it yet, for a message that gives no title (only files). */
export function emptyDraft(kind: MenuKind): Draft {
  if (kind === 'task') return { kind, title: '', participantIds: [], priority: 'normal' };
  if (kind === 'deal') return { kind, title: '' };
  return { kind, title: '', phones: [], emails: [] };
}

/**
 * The command a message's menu runs for it (`/task <its text>`): mentions become plain names (so that
 * nobody becomes responsible by accident), lines are joined, and the text fits one command.
 */
export function messageCommand(kind: MenuKind, body: string, nameOf: (id: string) => string | null): string {
  const plain = body
    .replace(/<@([0-9a-fA-F-]{36})>/g, (_, id: string) => nameOf(id) ?? '')
    .replace(/(^|\s)@all\b/g, '$1all')
    .replace(/\s+/g, ' ')
    .trim();
  return `/${kind} ${plain}`.slice(0, MAX_COMMAND_CHARS).trimEnd();
}

/** The draft a message's menu opens: what the parser makes of its text, or an empty one to fill in. */
export function messageDraft(kind: MenuKind, result: CommandResult): { draft: Draft; problems: Problem[] } {
  if (result.ok) {
    const draft = { ...result.draft, title: result.draft.title.slice(0, MAX_TITLE_CHARS) } as Draft;
    return { draft, problems: result.confident ? [] : result.problems };
  }
  return { draft: emptyDraft(kind), problems: result.problems.filter((p) => p.code !== 'empty_title' && p.code !== 'unknown_command') };
}

/** A problem's explanation in the UI language. */
export const problemText = (p: Pick<Problem, 'message'>, locale: Locale): string => p.message[locale] ?? p.message.en;

// ---- Cards -----------------------------------------------------------------------------------------------

/** A money amount in the UI language: "150 000 ₽", "$2,000", "$1,200.50"; unknown codes as "12 XYZ". */
export function formatAmount(amount: { value: string; currency: string }, locale: string): string {
  const n = Number(amount.value);
  if (!Number.isFinite(n)) return `${amount.value} ${amount.currency}`;
  const whole = !amount.value.includes('.');
  try {
    return new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: amount.currency,
      ...(whole ? { minimumFractionDigits: 0, maximumFractionDigits: 0 } : {}),
    }).format(n);
  } catch {
    return `${new Intl.NumberFormat(locale).format(n)} ${amount.currency}`;
  }
}

/** Days from `a` to `b` by the calendar of `timeZone`. */
function calendarDays(a: number, b: number, timeZone: string): number {
  const da = wallAt(a, timeZone);
  const db = wallAt(b, timeZone);
  return Math.round((Date.UTC(db.y, db.m - 1, db.d) - Date.UTC(da.y, da.m - 1, da.d)) / 86_400_000);
}

/** A due time relative to now: "in 20 minutes", "in 3 hours", "tomorrow", "in 5 days", "2 days ago". */
export function relativeDue(iso: string, now: Date, locale: string, timeZone: string): string {
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return '';
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const diff = at - now.getTime();
  const minutes = Math.round(diff / 60_000);
  if (Math.abs(minutes) < 60) return rtf.format(minutes, 'minute');
  const days = calendarDays(now.getTime(), at, timeZone);
  if (days === 0) return rtf.format(Math.round(diff / 3_600_000), 'hour');
  if (Math.abs(days) < 45) return rtf.format(days, 'day');
  return rtf.format(Math.round(days / 30.4), 'month');
}

/** A due time in full, in the user's zone: "Nov 26, 2026, 3:00 PM" / "26 нояб. 2026 г., 15:00". */
export function absoluteDue(iso: string, locale: string, timeZone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(d);
}

/** An open card whose due time has passed. */
export function cardOverdue(card: Pick<Card, 'due' | 'closed'>, now: Date): boolean {
  return !!card.due && !card.closed && Date.parse(card.due) < now.getTime();
}

const TASK_STATUS: Record<string, MessageKey> = {
  new: 'cards.status.task.new',
  in_progress: 'cards.status.task.in_progress',
  waiting_control: 'cards.status.task.waiting_control',
  done: 'cards.status.task.done',
  deferred: 'cards.status.task.deferred',
};
const LEAD_STATUS: Record<string, MessageKey> = {
  new: 'cards.status.lead.new',
  in_progress: 'cards.status.lead.in_progress',
  converted: 'cards.status.lead.converted',
  junk: 'cards.status.lead.junk',
};

/** The dictionary key of a task's or lead's status; null for what is shown as it is (a deal's stage name). */
export function statusKey(kind: CardKind, status: string | null | undefined, stageCode?: string | null): MessageKey | null {
  // A built-in deal stage under its built-in name is translated by its code; a renamed one shows its name.
  if (kind === 'deal' && stageCode && BUILT_IN_STAGES[stageCode] === status) return `crm.stage.${stageCode}` as MessageKey;
  if (!status) return null;
  const table = kind === 'task' ? TASK_STATUS : kind === 'lead' ? LEAD_STATUS : null;
  return table && Object.hasOwn(table, status) ? table[status] : null;
}

/** The built-in stages' codes and the names they are created with (migrations/015_crm.sql). */
const BUILT_IN_STAGES: Record<string, string> = { new: 'New', negotiation: 'Negotiation', proposal: 'Proposal', won: 'Won', lost: 'Lost' };

/** The dictionary key of a record kind's name. */
export const kindKey = (kind: CardKind): MessageKey => `cards.kind.${kind}`;

/** Why a command failed, as a dictionary key (with the hub's own words for what has no key). */
export function commandErrorKey(code: ErrorCode | string, fields?: Record<string, string>): MessageKey {
  const reasons = Object.values(fields ?? {});
  if (code === 'bad_request' && reasons.some((r) => /past/.test(r))) return 'commands.error.past';
  if (code === 'bad_request' && reasons.some((r) => /far/.test(r))) return 'commands.error.farAhead';
  switch (code) {
    case 'forbidden':
      return 'commands.error.forbidden';
    case 'not_found':
      return 'commands.error.notFound';
    case 'rate_limited':
      return 'commands.error.rateLimited';
    case 'unavailable':
      return 'commands.error.unavailable';
    case 'conflict':
      return 'commands.error.conflict';
    default:
      return 'commands.error.generic';
  }
}
