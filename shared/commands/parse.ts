/**
 * parseCommand: the command name, then one left-to-right pass over the tokens. At each token the
 * recognisers the command uses are tried in a fixed order (priority, @responsible, +participant, #stage,
 * e-mail, phone, amount, date); a token no recogniser takes is a word of the title. Each recogniser reads
 * a bounded number of tokens, so the whole pass is linear in the input.
 */

import { readAmount } from './amounts';
import { readEmail, readPhone } from './contacts';
import { readDate, type DatePhrase } from './dates';
import { problem, type Conflict } from './messages';
import { lookupCommand, suggestCommands } from './names';
import { PeopleIndex } from './people';
import { resolveDate } from './resolve';
import { matchStage } from './stages';
import { cleanTitle, isSpace, quotedBody, tokenize, trimRight, type Token } from './text';
import type { Amount, CommandContext, CommandName, CommandResult, Draft, Due, Priority, Problem } from './types';
import { checkZone } from './zone';

interface Features {
  participants: boolean;
  date: boolean;
  amount: boolean;
  stage: boolean;
  priority: boolean;
  contacts: boolean;
}

const FEATURES: Record<CommandName, Features> = {
  task: { participants: true, date: true, amount: false, stage: false, priority: true, contacts: false },
  deal: { participants: false, date: true, amount: true, stage: true, priority: false, contacts: false },
  lead: { participants: false, date: false, amount: true, stage: false, priority: false, contacts: true },
  contact: { participants: false, date: false, amount: false, stage: false, priority: false, contacts: true },
  company: { participants: false, date: false, amount: false, stage: false, priority: false, contacts: true },
  call: { participants: true, date: true, amount: false, stage: false, priority: false, contacts: true },
};

/** A sigil token: `@ann`, `+"Ann Lee"`, `#переговоры`, but not `@`, `+7`, `#1`. */
const sigilBody = (t: Token): string | null => {
  if (!/^[@+#](?:[\p{L}_]|["“«„”])/u.test(t.text)) return null;
  return quotedBody(t.text) ?? trimRight(t.core.slice(1), '.').replace(/^["“«„”]+/u, '');
};
const PLAIN_WORD = /^[\p{L}'’-]+$/u;

interface Found<T> {
  v: T;
  span: [number, number];
}

class State {
  readonly problems: Problem[] = [];
  readonly title: string[] = [];
  responsible?: Found<string | null>;
  readonly participants: string[] = [];
  readonly dates: Found<Omit<DatePhrase, 'n'>>[] = [];
  amount?: Found<Amount | null>;
  stage?: Found<string | null>;
  priority?: Found<Priority>;
  readonly phones: string[] = [];
  readonly emails: string[] = [];

  constructor(readonly input: string, readonly command: CommandName) {}

  text(span: [number, number]): string {
    return this.input.slice(span[0], span[1]);
  }

  /** Sets a one-value slot; a second, different value is a `conflicting` problem. */
  once<T>(slot: Found<T> | undefined, next: Found<T>, what: Conflict): Found<T> {
    if (slot === undefined) return next;
    if (JSON.stringify(slot.v) !== JSON.stringify(next.v) || slot.v === null) {
      this.problems.push(problem('conflicting', next.span, what));
    }
    return slot;
  }
}

function spanOf(ts: Token[], i: number, n: number): [number, number] {
  return [ts[i].start, ts[i + n - 1].end];
}

/** A stored mention token, `<@uuid>` (shared/mentions.ts), with trailing punctuation. */
const MENTION_TOKEN = /^<@([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})>[.,;:!?]*$/i;

/** @person / +person at token i: how many tokens it took (1, or 2 for an unquoted full name). */
function readPerson(st: State, people: PeopleIndex, ts: Token[], i: number, body: string, role: '@' | '+'): number {
  let n = 1;
  let m = people.match(body);
  const next = ts[i + 1];
  if (!quotedBody(ts[i].text) && next && PLAIN_WORD.test(next.core)) {
    const two = people.match(`${body} ${next.core}`);
    if (two.kind !== 'none') {
      m = two;
      n = 2;
    }
  }
  const span = spanOf(ts, i, n);
  const shown = st.text(span);
  if (m.kind === 'many') st.problems.push(problem('ambiguous_person', span, shown, m.options));
  if (m.kind === 'none') st.problems.push(problem('unknown_person', span, shown, m.options));
  const id = m.kind === 'one' ? m.id : null;
  if (role === '@') st.responsible = st.once(st.responsible, { v: id, span }, 'responsible');
  else if (id !== null && !st.participants.includes(id)) st.participants.push(id);
  return n;
}

/** Tries every recogniser the command uses at token i; returns the tokens taken (0: a title word). */
function recognise(st: State, ctx: CommandContext, people: PeopleIndex, f: Features, ts: Token[], i: number): number {
  const t = ts[i];
  if (f.priority && /^!+$/.test(t.text)) {
    const v: Priority = t.text.length === 1 ? 'high' : 'urgent';
    st.priority = st.once(st.priority, { v, span: [t.start, t.end] }, 'priority');
    return 1;
  }
  // A mention picked from a composer's @ list is stored as `<@uuid>`: the person by id, as responsible.
  const picked = MENTION_TOKEN.exec(t.text);
  if (picked) {
    const known = ctx.people.some((p) => p.id === picked[1].toLowerCase());
    const span: [number, number] = [t.start, t.end];
    if (!known) st.problems.push(problem('unknown_person', span, t.text, undefined));
    st.responsible = st.once(st.responsible, { v: known ? picked[1].toLowerCase() : null, span }, 'responsible');
    return 1;
  }
  const body = sigilBody(t);
  if (body !== null && body.length > 0) {
    const sigil = t.text[0];
    if (sigil === '@') return readPerson(st, people, ts, i, body, '@');
    if (sigil === '+') {
      if (f.participants) return readPerson(st, people, ts, i, body, '+');
      st.problems.push(problem('unsupported', [t.start, t.end], t.text, undefined, st.command));
      return 1;
    }
    if (sigil === '#' && f.stage) {
      const span: [number, number] = [t.start, t.end];
      const s = matchStage(body, ctx.stages);
      if (!s.stage) st.problems.push(problem('unknown_stage', span, t.text, s.options));
      st.stage = st.once(st.stage, { v: s.stage, span }, 'stage');
      return 1;
    }
  }
  if (f.contacts) {
    const email = readEmail(t);
    if (email !== null) {
      if (!st.emails.includes(email)) st.emails.push(email);
      return 1;
    }
    const phone = readPhone(ts, i, (j) => f.amount && readAmount(ts, j, ctx.defaultCurrency) !== null);
    if (phone) {
      if (!st.phones.includes(phone.phone)) st.phones.push(phone.phone);
      return phone.n;
    }
  }
  if (f.amount) {
    const a = readAmount(ts, i, ctx.defaultCurrency);
    if (a) {
      const span = spanOf(ts, i, a.n);
      let v: Amount | null = a.value !== undefined && a.currency && !a.negative ? { value: a.value, currency: a.currency } : null;
      if (a.negative) st.problems.push(problem('negative_amount', span));
      else if (a.doubt) st.problems.push(problem('ambiguous_amount', span, a.doubt, a.options));
      else if (!a.currency) st.problems.push(problem('missing_currency', span));
      if (a.doubt === 'separators') v = null;
      st.amount = st.once(st.amount, { v, span }, 'amount');
      return a.n;
    }
  }
  if (f.date) {
    const d = readDate(ts, i);
    if (d) {
      const { n, ...phrase } = d;
      st.dates.push({ v: phrase, span: spanOf(ts, i, n) });
      return n;
    }
  }
  return 0;
}

/** Several date phrases: a day alone and a time alone combine ("завтра … в 15:00"); anything else conflicts. */
function resolveDates(st: State, ctx: CommandContext): Due | undefined {
  const [first, ...rest] = st.dates;
  if (!first) return undefined;
  const merged = { ...first.v };
  for (const d of rest) {
    const dayOnly = (p: Omit<DatePhrase, 'n'>) => p.day !== undefined && p.time === undefined && p.deltaMin === undefined;
    const timeOnly = (p: Omit<DatePhrase, 'n'>) => p.day === undefined && p.time !== undefined;
    if (dayOnly(merged) && timeOnly(d.v)) merged.time = d.v.time;
    else if (timeOnly(merged) && dayOnly(d.v)) merged.day = d.v.day;
    else st.problems.push(problem('conflicting', d.span, 'date'));
  }
  const env = { nowMs: ctx.now.getTime(), timeZone: ctx.timeZone, locale: ctx.locale };
  const r = resolveDate(merged, first.span, st.text(first.span), env);
  st.problems.push(...r.problems);
  return r.due;
}

function buildDraft(st: State, title: string, due: Due | undefined): Draft {
  const responsibleId = st.responsible?.v ?? undefined;
  const amount = st.amount?.v ?? undefined;
  const base = responsibleId === undefined ? {} : { responsibleId };
  const participantIds = st.participants.filter((id) => id !== responsibleId);
  switch (st.command) {
    case 'task':
      return { kind: 'task', title, ...base, participantIds, ...(due ? { due } : {}), priority: st.priority?.v ?? 'normal' };
    case 'deal':
      return { kind: 'deal', title, ...base, ...(amount ? { amount } : {}), ...(st.stage?.v ? { stage: st.stage.v } : {}), ...(due ? { due } : {}) };
    case 'lead':
      return { kind: 'lead', title, ...base, ...(amount ? { amount } : {}), phones: st.phones, emails: st.emails };
    case 'contact':
      return { kind: 'contact', title, ...base, phones: st.phones, emails: st.emails };
    case 'company':
      return { kind: 'company', title, ...base, phones: st.phones, emails: st.emails };
    case 'call':
      return { kind: 'call', title, ...base, participantIds, phones: st.phones, emails: st.emails, ...(due ? { at: due } : {}) };
  }
}

export function parseCommand(input: string, ctx: CommandContext): CommandResult {
  if (!(ctx.now instanceof Date) || !Number.isFinite(ctx.now.getTime())) throw new TypeError('ctx.now must be a valid Date');
  checkZone(ctx.timeZone);
  let s = 0;
  while (s < input.length && isSpace(input[s])) s++;
  if (input[s] !== '/') return { ok: false, kind: 'not_a_command', suggestions: [], problems: [] };
  let e = s + 1;
  while (e < input.length && !isSpace(input[e]) && input[e] !== ':') e++;
  const name = input.slice(s + 1, e);
  const command = lookupCommand(name);
  const nameSpan: [number, number] = [s, e];
  if (!command) {
    return { ok: false, kind: 'unknown_command', suggestions: suggestCommands(name), problems: [problem('unknown_command', nameSpan, name)] };
  }
  if (input[e] === ':') e++;
  const ts = tokenize(input, e);
  const st = new State(input, command);
  const people = new PeopleIndex(ctx.people);
  const f = FEATURES[command];
  for (let i = 0; i < ts.length; ) {
    const n = recognise(st, ctx, people, f, ts, i);
    if (n === 0) st.title.push(ts[i].text);
    i += Math.max(n, 1);
  }
  const due = resolveDates(st, ctx);
  const title = cleanTitle(st.title);
  const draft = buildDraft(st, title, due);
  const problems = st.problems.sort((a, b) => a.span[0] - b.span[0]);
  const callHasWhom = command === 'call' && st.participants.length + st.phones.length + st.emails.length > 0;
  if (title === '' && !callHasWhom) {
    return { ok: false, kind: 'invalid', command, suggestions: [], problems: [problem('empty_title', nameSpan), ...problems] };
  }
  return problems.length === 0 ? { ok: true, command, draft, confident: true } : { ok: true, command, draft, confident: false, problems };
}
