import { describe, expect, it } from 'vitest';
import { parseCommand, type Draft, type Problem } from '../../shared/commands';
import {
  absoluteDue,
  applyOption,
  browserTimeZone,
  cardOverdue,
  commandContext,
  commandErrorKey,
  commandPeople,
  commandPrefix,
  confirmable,
  draftDue,
  dueFromInput,
  duePast,
  dueToInput,
  formatAmount,
  insertPerson,
  isCommandText,
  kindKey,
  messageCommand,
  messageDraft,
  needsChoice,
  opensCommand,
  personQuery,
  personRole,
  personToken,
  relativeDue,
  replaceCommandName,
  segments,
  showsChoices,
  statusKey,
  withDue,
} from '../../web/src/lib/chats/commands';

const ANN1 = '11111111-1111-4111-8111-111111111111';
const ANN2 = '22222222-2222-4222-8222-222222222222';
const BOB = '33333333-3333-4333-8333-333333333333';
const GUEST = '44444444-4444-4444-8444-444444444444';
const users = [
  { id: ANN1, name: 'Ann Lee', email: 'ann1@example.com', role: 'employee', active: true },
  { id: ANN2, name: 'Ann Smith', email: 'ann2@example.com', role: 'employee', active: true },
  { id: BOB, name: 'Bob Builder', email: 'bob@example.com', role: 'admin', active: true },
  { id: GUEST, name: 'Gus Guest', email: 'gus@example.com', role: 'guest', active: true },
  { id: 'gone', name: 'Old Timer', email: 'old@example.com', role: 'employee', active: false },
];
// Tuesday 10 March 2026, 12:00 in Moscow (UTC+3).
const NOW = new Date('2026-03-10T09:00:00Z');
const MSK = 'Europe/Moscow';
const ctx = (locale: 'en' | 'ru' = 'en') => commandContext({ now: NOW, timeZone: MSK, locale, users });

describe('the parser context in the browser', () => {
  it('takes the browser zone when Intl knows it, else UTC', () => {
    expect(browserTimeZone(() => 'Europe/Moscow')).toBe('Europe/Moscow');
    expect(browserTimeZone(() => 'America/Argentina/Buenos_Aires')).toBe('America/Argentina/Buenos_Aires');
    expect(browserTimeZone(() => 'Mars/Olympus')).toBe('UTC');
    expect(browserTimeZone(() => 'Europe/Moscow; drop')).toBe('UTC');
    expect(browserTimeZone(() => undefined)).toBe('UTC');
    expect(browserTimeZone(() => {
      throw new Error('no Intl');
    })).toBe('UTC');
    expect(browserTimeZone()).toMatch(/^[A-Za-z_+-]+(\/[A-Za-z0-9_+-]+)*$/);
  });

  it('offers active colleagues, never guests or people who left, and no stages', () => {
    expect(commandPeople(users).map((p) => p.id)).toEqual([ANN1, ANN2, BOB]);
    const c = ctx('ru');
    expect(c).toMatchObject({ now: NOW, timeZone: MSK, locale: 'ru' });
    expect(c.people[0]).toEqual({ id: ANN1, name: 'Ann Lee', email: 'ann1@example.com' });
    expect(c.stages).toBeUndefined();
  });

  it('parses with it: a person, a Moscow deadline, and two Anns as a doubt', () => {
    const r = parseCommand('/задача Подготовить договор завтра 15:00 @Bob', ctx('ru'));
    expect(r).toMatchObject({ ok: true, confident: true, draft: { kind: 'task', title: 'Подготовить договор', responsibleId: BOB } });
    expect(r.ok && draftDue(r.draft)?.at).toBe('2026-03-11T15:00:00+03:00');
    const doubt = parseCommand('/task Review @Ann', ctx());
    expect(doubt.ok && !doubt.confident && doubt.problems.map((p) => p.code)).toEqual(['ambiguous_person']);
  });
});

describe('the composer', () => {
  it('knows a command from its first character', () => {
    expect(isCommandText('/task x')).toBe(true);
    expect(isCommandText('  /задача x')).toBe(true);
    expect(isCommandText('/')).toBe(false);
    expect(isCommandText('see /task')).toBe(false);
  });

  it('opens the command side (the `/` list) on a lone `/`, in any box', () => {
    expect(opensCommand('/')).toBe(true);
    expect(opensCommand('  /ta')).toBe(true);
    expect(opensCommand('see /task')).toBe(false);
    expect(opensCommand('')).toBe(false);
  });

  it('completes the command name only while the caret is in it', () => {
    expect(commandPrefix('/', 1)).toBe('/');
    expect(commandPrefix('/ta', 3)).toBe('/ta');
    expect(commandPrefix('/task Review', 12)).toBeNull();
    expect(commandPrefix('/task Review', 2)).toBe('/task');
    expect(commandPrefix('hello /ta', 9)).toBeNull();
    expect(commandPrefix('/ta', 0)).toBeNull();
  });

  it('replaces the name with a completion or a suggestion, keeping the rest', () => {
    expect(replaceCommandName('/ta', '/task ')).toEqual({ text: '/task ', caret: 6 });
    expect(replaceCommandName('/tsak Review the offer', '/task')).toEqual({ text: '/task Review the offer', caret: 6 });
    expect(replaceCommandName('/ефыл x', '/task')).toEqual({ text: '/task x', caret: 6 });
  });

  it('finds @ and + queries, and writes picked people so that the parser finds exactly them', () => {
    expect(personQuery('/task Review @An', 16)).toEqual({ start: 13, query: 'An', sigil: '@' });
    expect(personQuery('/task Review +bo', 16)).toEqual({ start: 13, query: 'bo', sigil: '+' });
    expect(personQuery('/deal $2k', 9)).toBeNull();
    const people = commandPeople(users);
    expect(personToken('@', users[0], people)).toBe('@"Ann Lee"');
    expect(personToken('+', users[2], people)).toBe('+"Bob Builder"');
    // A namesake: the e-mail tells them apart.
    const twins = [...people, { id: 'x', name: 'Ann Lee', email: 'other@example.com' }];
    expect(personToken('@', users[0], twins)).toBe('@"ann1@example.com"');
    for (const [who, list] of [[users[0], people], [users[0], twins]] as const) {
      const r = parseCommand(`/task Review ${personToken('@', who, list)} +Bob`, { ...ctx(), people: list });
      expect(r).toMatchObject({ ok: true, confident: true, draft: { responsibleId: ANN1, participantIds: [BOB] } });
    }
    expect(insertPerson('/task Review @An now', 13, 16, '@"Ann Lee"')).toEqual({ text: '/task Review @"Ann Lee" now', caret: 24 });
    expect(insertPerson('/task Review @An', 13, 16, '@"Ann Lee"')).toEqual({ text: '/task Review @"Ann Lee" ', caret: 24 });
  });

  it('cuts the text at the problems for highlighting', () => {
    const text = '/task Review @Ann tomorrow';
    expect(segments(text, [{ span: [13, 17] }])).toEqual([
      { text: '/task Review ', problem: null },
      { text: '@Ann', problem: 0 },
      { text: ' tomorrow', problem: null },
    ]);
    // Overlaps go to the earlier problem; empty and out-of-range spans mark nothing.
    expect(segments('abcdef', [{ span: [3, 5] }, { span: [1, 4] }, { span: [0, 0] }, { span: [5, 99] }])).toEqual([
      { text: 'a', problem: null },
      { text: 'bcd', problem: 1 },
      { text: 'e', problem: 0 },
      { text: 'f', problem: 3 },
    ]);
    expect(segments('abc', [])).toEqual([{ text: 'abc', problem: null }]);
  });
});

describe('the confirmation card', () => {
  const review = () => {
    const r = parseCommand('/task Review @Ann +Ann', ctx());
    if (!r.ok || r.confident) throw new Error('expected a doubt');
    return { draft: r.draft, problems: r.problems, text: '/task Review @Ann +Ann' };
  };

  it('applies a picked person as responsible or participant, by the sigil', () => {
    const { draft, problems, text } = review();
    expect(problems.map((p) => [p.code, personRole(text, p)])).toEqual([
      ['ambiguous_person', 'responsible'],
      ['ambiguous_person', 'participant'],
    ]);
    let d = applyOption(draft, problems[0], ANN2, text);
    expect(d).toMatchObject({ responsibleId: ANN2, participantIds: [] });
    d = applyOption(d, problems[1], ANN1, text);
    expect(d).toMatchObject({ responsibleId: ANN2, participantIds: [ANN1] });
    // The responsible is not a participant as well.
    expect(applyOption(d, problems[1], ANN2, text)).toMatchObject({ participantIds: [ANN1] });
    // Making a participant responsible takes them off the participants.
    expect(applyOption(d, problems[0], ANN1, text)).toMatchObject({ responsibleId: ANN1, participantIds: [] });
  });

  it('is confirmable once every doubt is settled, the title is there and the date is ahead', () => {
    const { draft, problems } = review();
    expect(problems.every(needsChoice)).toBe(true);
    expect(confirmable(draft, problems, {}, NOW, MSK)).toBe(false);
    expect(confirmable(draft, problems, { 0: ANN1 }, NOW, MSK)).toBe(false);
    expect(confirmable(draft, problems, { 0: ANN1, 1: ANN2 }, NOW, MSK)).toBe(true);
    expect(confirmable({ ...draft, title: '  ' }, problems, { 0: ANN1, 1: ANN2 }, NOW, MSK)).toBe(false);
    const late = withDue(draft, { at: '2026-03-10T11:00:00+03:00', allDay: false, date: '2026-03-10' });
    expect(confirmable(late, [], {}, NOW, MSK)).toBe(false);
    const today = withDue(draft, { at: '2026-03-10T00:00:00+03:00', allDay: true, date: '2026-03-10' });
    expect(confirmable(today, [], {}, NOW, MSK)).toBe(true);
    expect(needsChoice({ code: 'conflicting', span: [0, 1], message: { en: 'x', ru: 'x' } })).toBe(false);
    expect(needsChoice({ code: 'ambiguous_date', span: [0, 1], message: { en: 'x', ru: 'x' }, options: [{ value: 'a', label: 'a' }] })).toBe(false);
  });

  it('offers choices where there is something to choose; a past date is fixed in the date field', () => {
    const msg = { en: '', ru: '' };
    const one = [{ value: '2020-01-10T00:00:00+03:00', label: '2020-01-10' }];
    const two = [...one, { value: '2020-10-01T00:00:00+03:00', label: '2020-10-01' }];
    expect(showsChoices({ code: 'past_date', span: [0, 1], message: msg, options: one })).toBe(false);
    expect(showsChoices({ code: 'ambiguous_date', span: [0, 1], message: msg, options: one })).toBe(false);
    expect(showsChoices({ code: 'ambiguous_date', span: [0, 1], message: msg, options: two })).toBe(true);
    expect(showsChoices({ code: 'unknown_person', span: [0, 1], message: msg, options: [{ value: BOB, label: 'Bob Builder' }] })).toBe(true);
    expect(showsChoices({ code: 'unknown_person', span: [0, 1], message: msg })).toBe(false);
    const past = parseCommand('/task Pay the invoice 2020-01-10', ctx());
    expect(past.ok && !past.confident && past.problems.map((p) => [p.code, showsChoices(p)])).toEqual([['past_date', false]]);
  });

  it('applies a picked date, stage or currency', () => {
    const r = parseCommand('/task Call 05/06', ctx('ru'));
    if (!r.ok || r.confident) throw new Error('expected a day/month doubt');
    const p = r.problems.find((x) => x.code === 'ambiguous_date')!;
    const other = p.options![1];
    const d = applyOption(r.draft, p, other.value, '/task Call 05/06');
    expect(draftDue(d)).toEqual({ at: other.value, allDay: true, date: other.value.slice(0, 10) });
    const timed: Problem = { code: 'ambiguous_date', span: [0, 1], message: { en: '', ru: '' }, options: [{ value: '2026-03-11T15:00:00+03:00', label: '2026-03-11 15:00' }] };
    expect(draftDue(applyOption(r.draft, timed, '2026-03-11T15:00:00+03:00', ''))).toEqual({ at: '2026-03-11T15:00:00+03:00', allDay: false, date: '2026-03-11' });

    const deal: Draft = { kind: 'deal', title: 'Supply', amount: { value: '500', currency: 'RUB' } };
    const stage: Problem = { code: 'unknown_stage', span: [0, 1], message: { en: '', ru: '' }, options: [{ value: 'negotiation', label: 'negotiation' }] };
    expect(applyOption(deal, stage, 'negotiation', '')).toMatchObject({ stage: 'negotiation' });
    const yen: Problem = { code: 'ambiguous_amount', span: [0, 1], message: { en: '', ru: '' }, options: [{ value: 'CNY', label: '500 CNY' }, { value: 'JPY', label: '500 JPY' }] };
    expect(applyOption(deal, yen, 'JPY', '')).toMatchObject({ amount: { value: '500', currency: 'JPY' } });
    expect(applyOption({ kind: 'deal', title: 'x' }, yen, 'CNY', '')).toMatchObject({ amount: { value: '500', currency: 'CNY' } });
    // Choices that do not apply to the draft leave it as it is.
    const task: Draft = { kind: 'task', title: 'x', participantIds: [], priority: 'normal' };
    expect(applyOption(task, stage, 'negotiation', '')).toBe(task);
  });

  it('edits the due date as the wall clock of the zone', () => {
    expect(dueFromInput('2026-03-11T15:00', MSK)).toEqual({ at: '2026-03-11T15:00:00+03:00', allDay: false, date: '2026-03-11' });
    expect(dueFromInput('2026-12-01', 'America/New_York')).toEqual({ at: '2026-12-01T00:00:00-05:00', allDay: true, date: '2026-12-01' });
    // Summer time in New York.
    expect(dueFromInput('2026-07-01T09:30', 'America/New_York')?.at).toBe('2026-07-01T09:30:00-04:00');
    expect(dueFromInput('2026-02-30', MSK)).toBeNull();
    expect(dueFromInput('tomorrow', MSK)).toBeNull();
    expect(dueToInput({ at: '2026-03-11T15:00:00+03:00', allDay: false, date: '2026-03-11' })).toBe('2026-03-11T15:00');
    expect(dueToInput({ at: '2026-03-11T00:00:00+03:00', allDay: true, date: '2026-03-11' })).toBe('2026-03-11');
    expect(dueToInput(undefined)).toBe('');
    expect(duePast({ at: '2026-03-09T00:00:00+03:00', allDay: true, date: '2026-03-09' }, NOW, MSK)).toBe(true);
    expect(duePast({ at: '2026-03-10T12:01:00+03:00', allDay: false, date: '2026-03-10' }, NOW, MSK)).toBe(false);
    expect(duePast(undefined, NOW, MSK)).toBe(false);
  });

  it('sets and removes the due date of tasks, deals and calls; others have none', () => {
    const due = { at: '2026-03-11T15:00:00+03:00', allDay: false, date: '2026-03-11' };
    const call: Draft = { kind: 'call', title: 'Acme', participantIds: [], phones: [], emails: [] };
    expect(withDue(call, due)).toMatchObject({ at: due });
    expect(draftDue(withDue(call, due))).toEqual(due);
    expect('due' in withDue({ kind: 'task', title: 'x', participantIds: [], priority: 'normal', due }, undefined)).toBe(false);
    const contact: Draft = { kind: 'contact', title: 'Ann', phones: [], emails: [] };
    expect(withDue(contact, due)).toBe(contact);
  });
});

describe('a task or deal from a message', () => {
  const nameOf = (id: string) => (id === BOB ? 'Bob Builder' : null);

  it('turns the message into a command: mentions as plain names, one line, within the limit', () => {
    expect(messageCommand('task', `Please <@${BOB}> send\nthe contract`, nameOf)).toBe('/task Please Bob Builder send the contract');
    expect(messageCommand('deal', '@all the supply deal', nameOf)).toBe('/deal all the supply deal');
    expect(messageCommand('task', 'x'.repeat(3000), nameOf)).toHaveLength(2000);
  });

  it('pre-fills the draft from the parse, or leaves an empty one to fill in', () => {
    const text = messageCommand('task', 'Send the contract to Acme', nameOf);
    const ok = messageDraft('task', parseCommand(text, ctx()));
    expect(ok).toEqual({ draft: { kind: 'task', title: 'Send the contract to Acme', participantIds: [], priority: 'normal' }, problems: [] });
    const files = messageDraft('deal', parseCommand('/deal', ctx()));
    expect(files).toEqual({ draft: { kind: 'deal', title: '' }, problems: [] });
    const long = messageDraft('task', parseCommand(`/task ${'word '.repeat(100)}`, ctx()));
    expect(long.draft.title.length).toBe(250);
  });
});

describe('cards', () => {
  it('formats amounts with the currency of the record', () => {
    const nb = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');
    expect(formatAmount({ value: '150000', currency: 'RUB' }, 'ru')).toSatisfy((s: string) => nb(s) === '150 000 ₽');
    expect(formatAmount({ value: '2000', currency: 'USD' }, 'en')).toBe('$2,000');
    expect(formatAmount({ value: '1200.5', currency: 'USD' }, 'en')).toBe('$1,200.50');
    expect(nb(formatAmount({ value: '1200.5', currency: 'EUR' }, 'ru'))).toBe('1 200,50 €');
    expect(formatAmount({ value: '12', currency: 'XQQ' }, 'en')).toMatch(/12/);
    expect(formatAmount({ value: 'abc', currency: 'USD' }, 'en')).toBe('abc USD');
  });

  it('tells the due time relative to now, by the calendar of the zone, and in full', () => {
    expect(relativeDue('2026-03-11T12:00:00Z', NOW, 'en', MSK)).toBe('tomorrow');
    expect(relativeDue('2026-03-11T12:00:00Z', NOW, 'ru', MSK)).toBe('завтра');
    expect(relativeDue('2026-03-10T12:00:00Z', NOW, 'en', MSK)).toBe('in 3 hours');
    expect(relativeDue('2026-03-10T09:20:00Z', NOW, 'en', MSK)).toBe('in 20 minutes');
    expect(relativeDue('2026-03-08T09:00:00Z', NOW, 'en', MSK)).toBe('2 days ago');
    expect(relativeDue('2026-06-10T09:00:00Z', NOW, 'en', MSK)).toBe('in 3 months');
    expect(relativeDue('not a date', NOW, 'en', MSK)).toBe('');
    expect(absoluteDue('2026-03-11T12:00:00Z', 'en', MSK)).toMatch(/Mar 11, 2026.*3:00\s?PM/);
    expect(absoluteDue('2026-03-11T12:00:00Z', 'ru', MSK)).toMatch(/11 мар.* 2026.*15:00/);
  });

  it('looks overdue only when open and past', () => {
    expect(cardOverdue({ due: '2026-03-10T08:00:00Z', closed: false }, NOW)).toBe(true);
    expect(cardOverdue({ due: '2026-03-10T08:00:00Z', closed: true }, NOW)).toBe(false);
    expect(cardOverdue({ due: '2026-03-10T10:00:00Z' }, NOW)).toBe(false);
    expect(cardOverdue({ due: null }, NOW)).toBe(false);
  });

  it('names statuses of tasks and leads; a deal shows its stage as it is', () => {
    expect(statusKey('task', 'in_progress')).toBe('cards.status.task.in_progress');
    expect(statusKey('lead', 'junk')).toBe('cards.status.lead.junk');
    expect(statusKey('deal', 'new')).toBeNull();
    expect(statusKey('task', 'constructor')).toBeNull();
    expect(statusKey('task', null)).toBeNull();
    expect(kindKey('company')).toBe('cards.kind.company');
  });

  it('explains failures of a command', () => {
    expect(commandErrorKey('bad_request', { deadline: 'in the past' })).toBe('commands.error.past');
    expect(commandErrorKey('bad_request', { deadline: 'too far ahead' })).toBe('commands.error.farAhead');
    expect(commandErrorKey('bad_request')).toBe('commands.error.generic');
    expect(commandErrorKey('forbidden')).toBe('commands.error.forbidden');
    expect(commandErrorKey('unavailable')).toBe('commands.error.unavailable');
    expect(commandErrorKey('internal')).toBe('commands.error.generic');
  });
});

describe('deal stages on cards', () => {
  it('a built-in stage under its built-in name is translated by code; a renamed or custom one is shown as named', async () => {
    const { statusKey } = await import('../../web/src/lib/chats/commands');
    expect(statusKey('deal', 'Negotiation', 'negotiation')).toBe('crm.stage.negotiation');
    expect(statusKey('deal', 'Переговоры с юристами', 'negotiation')).toBeNull();
    expect(statusKey('deal', 'Pilot', null)).toBeNull();
  });
});
