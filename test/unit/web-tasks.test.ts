import { describe, expect, it } from 'vitest';
import { CreateTaskBody, EditTaskBody, type Task, type TaskComment, type TaskStatus } from '../../shared/tasks';
import {
  allowedActionsFor,
  appendPage,
  applyEventToColumns,
  applyRead,
  applyTaskEvent,
  applyTimeEvent,
  boardColumns,
  checklistProgress,
  clock,
  countersOf,
  deadlineState,
  dropAction,
  dropTargets,
  dropTask,
  groupByStatus,
  hoursMinutes,
  isOverdue,
  listColumn,
  liveSpent,
  matchesQuery,
  mergeTask,
  moveItem,
  navCounters,
  permissionsFor,
  pillText,
  putTask,
  timerSeconds,
  upsertComment,
  type Column,
  type TaskQuery,
  type TimeState,
  type Viewer,
} from '../../web/src/lib/tasks/model';
import { createInput, deadlineIso, draftFromTask, draftProblems, editInput, emptyDraft, localInputs, plannedOf, serverProblems } from '../../web/src/lib/tasks/draft';

const CREATOR = '00000000-0000-4000-8000-00000000000c';
const BOB = '00000000-0000-4000-8000-00000000000b';
const PAT = '00000000-0000-4000-8000-00000000000a';
const OBS = '00000000-0000-4000-8000-00000000000e';
const ADMIN = '00000000-0000-4000-8000-00000000000d';

const creator: Viewer = { id: CREATOR, role: 'owner' };
const employeeCreator: Viewer = { id: CREATOR, role: 'employee' };
const bob: Viewer = { id: BOB, role: 'employee' };
const pat: Viewer = { id: PAT, role: 'employee' };
const observer: Viewer = { id: OBS, role: 'employee' };
const admin: Viewer = { id: ADMIN, role: 'admin' };

const NOW = Date.UTC(2026, 5, 1, 12, 0);
const at = (min: number) => new Date(NOW + min * 60_000).toISOString();
const face = (id: string, name: string) => ({ id, name, avatarUrl: null });

function task(n: number, extra: Partial<Task> = {}): Task {
  const base: Task = {
    id: `00000000-0000-4000-9000-${String(n).padStart(12, '0')}`,
    title: `Task ${n}`,
    status: 'new',
    priority: 'normal',
    deadline: null,
    overdue: false,
    creator: face(CREATOR, 'Olga'),
    responsible: face(BOB, 'Bob'),
    groupId: null,
    checklist: { done: 0, total: 0 },
    commentCount: 0,
    closedAt: null,
    origin: null,
    description: '',
    participants: [face(PAT, 'Pat')],
    observers: [face(OBS, 'Oleg')],
    requireControl: true,
    plannedMinutes: null,
    spentSeconds: 0,
    group: null,
    createdAt: at(n),
    updatedAt: at(n),
    head: 1,
    readSeq: 0,
    unreadComments: 0,
    allowedActions: [],
    can: { edit: false, comment: true, editChecklist: false, toggleChecklist: false, trackTime: false },
  };
  return { ...base, ...extra };
}

/** A task as `viewer` sees it (what the hub answers over HTTP). */
const seenBy = (t: Task, v: Viewer): Task => ({ ...t, allowedActions: allowedActionsFor(t, v), can: permissionsFor(t, v) });

const ev = (seq: number, type: string, payload: unknown) => ({ seq, event: { type, payload } }) as never;

describe('tasks: permissions mirror the hub', () => {
  it('offers each person the steps the workflow gives them', () => {
    const t = task(1);
    expect(allowedActionsFor(t, bob)).toEqual(['start', 'complete']);
    expect(allowedActionsFor(t, employeeCreator)).toEqual(['complete', 'defer']);
    expect(allowedActionsFor(t, creator)).toEqual(['start', 'complete', 'defer']);
    expect(allowedActionsFor(t, admin)).toEqual(['start', 'complete', 'defer']);
    expect(allowedActionsFor(t, pat)).toEqual([]);
    expect(allowedActionsFor(t, observer)).toEqual([]);
    expect(allowedActionsFor({ ...t, status: 'waiting_control' }, employeeCreator)).toEqual(['accept', 'return', 'defer']);
    expect(allowedActionsFor({ ...t, status: 'waiting_control' }, bob)).toEqual([]);
    expect(allowedActionsFor({ ...t, status: 'done' }, employeeCreator)).toEqual(['reopen']);
    expect(allowedActionsFor({ ...t, status: 'deferred' }, employeeCreator)).toEqual(['renew']);
    expect(allowedActionsFor({ ...t, status: 'in_progress' }, bob)).toEqual(['complete', 'pause']);
  });

  it('says who edits, ticks and tracks time', () => {
    const t = task(1);
    expect(permissionsFor(t, employeeCreator)).toEqual({ edit: true, comment: true, editChecklist: true, toggleChecklist: true, trackTime: true });
    expect(permissionsFor(t, bob)).toEqual({ edit: false, comment: true, editChecklist: false, toggleChecklist: true, trackTime: true });
    expect(permissionsFor(t, pat)).toMatchObject({ toggleChecklist: true, trackTime: true, edit: false });
    expect(permissionsFor(t, observer)).toEqual({ edit: false, comment: true, editChecklist: false, toggleChecklist: false, trackTime: false });
    expect(permissionsFor(t, admin)).toMatchObject({ edit: true, editChecklist: true, toggleChecklist: true, trackTime: false });
  });
});

describe('tasks: which drop on the board means which action', () => {
  it('maps a drop to the one allowed action that leads there', () => {
    const t = seenBy(task(1), bob);
    expect(dropAction(t, 'in_progress', bob)).toBe('start');
    expect(dropAction(t, 'waiting_control', bob)).toBe('complete');
    expect(dropAction(t, 'done', bob)).toBeNull(); // control: the responsible cannot close it
    expect(dropAction(t, 'deferred', bob)).toBeNull();
    expect(dropAction(t, 'new', bob)).toBeNull(); // the same column
    const going = seenBy({ ...task(1), status: 'in_progress' }, bob);
    expect(dropAction(going, 'new', bob)).toBe('pause');
    expect(dropTargets(going, bob)).toEqual(['new', 'waiting_control']);
  });

  it('lets the creator close, accept, return, defer, renew and reopen', () => {
    const waiting = seenBy({ ...task(1), status: 'waiting_control' }, employeeCreator);
    expect(dropAction(waiting, 'done', employeeCreator)).toBe('accept');
    expect(dropAction(waiting, 'in_progress', employeeCreator)).toBe('return');
    expect(dropAction(waiting, 'deferred', employeeCreator)).toBe('defer');
    expect(dropAction(waiting, 'new', employeeCreator)).toBeNull();
    const fresh = seenBy(task(1), employeeCreator);
    expect(dropAction(fresh, 'done', employeeCreator)).toBe('complete'); // the creator closes at once
    expect(dropAction(fresh, 'waiting_control', employeeCreator)).toBeNull();
    expect(dropAction(fresh, 'in_progress', employeeCreator)).toBeNull(); // starting is the responsible's
    expect(dropAction(seenBy({ ...task(1), status: 'deferred' }, employeeCreator), 'new', employeeCreator)).toBe('renew');
    expect(dropAction(seenBy({ ...task(1), status: 'done' }, employeeCreator), 'new', employeeCreator)).toBe('reopen');
  });

  it('sends an admin completion to review when the task requires control, and refuses observers', () => {
    const t = seenBy(task(1), admin);
    expect(dropAction(t, 'waiting_control', admin)).toBe('complete');
    expect(dropAction(t, 'done', admin)).toBeNull();
    const free = seenBy(task(1, { requireControl: false }), bob);
    expect(dropAction(free, 'done', bob)).toBe('complete');
    expect(dropTargets(seenBy(task(1), observer), observer)).toEqual([]);
  });
});

describe('tasks: events applied to a task', () => {
  it('merges viewer-neutral changes, keeping my read position and working out what I may do', () => {
    const mine = seenBy(task(1, { readSeq: 3, unreadComments: 1, head: 4 }), bob);
    const neutral = { ...task(1), status: 'in_progress' as TaskStatus, head: 5, allowedActions: [], can: { edit: false, comment: false, editChecklist: false, toggleChecklist: false, trackTime: false } };
    const next = applyTaskEvent(mine, ev(5, 'task_changed', { task: neutral, changes: ['status'] }), bob);
    expect(next.status).toBe('in_progress');
    expect(next.readSeq).toBe(3);
    expect(next.unreadComments).toBe(1);
    expect(next.allowedActions).toEqual(['complete', 'pause']);
    expect(next.can.trackTime).toBe(true);
    expect(applyTaskEvent(next, ev(5, 'task_changed', { task: { ...neutral, status: 'done' } }), bob)).toBe(next); // seen already
    expect(mergeTask(next, { ...neutral, head: 2, title: 'old' }, bob, true)).toBe(next); // an older copy
  });

  it('counts comments, unread ones by others, and my own as read', () => {
    const t = task(1, { head: 2, readSeq: 2 });
    const comment = (seq: number, authorId: string): TaskComment => ({
      id: `c${seq}`, taskId: t.id, seq, authorId, clientId: `k${seq}`, body: 'hi', createdAt: at(seq), editedAt: null, deletedAt: null,
    });
    const a = applyTaskEvent(t, ev(3, 'comment_created', { comment: comment(3, CREATOR), commentCount: 1 }), bob);
    expect(a).toMatchObject({ commentCount: 1, unreadComments: 1, readSeq: 2, head: 3 });
    const b = applyTaskEvent(a, ev(4, 'comment_created', { comment: comment(4, BOB), commentCount: 2 }), bob);
    expect(b).toMatchObject({ commentCount: 2, unreadComments: 1, readSeq: 4 });
    const c = applyTaskEvent(a, ev(4, 'comment_deleted', { comment: { ...comment(3, CREATOR), deletedAt: at(9) }, commentCount: 0 }), bob);
    expect(c).toMatchObject({ commentCount: 0, unreadComments: 0 });
    expect(applyRead(a, 3)).toMatchObject({ readSeq: 3, unreadComments: 0 });
    expect(applyRead(a, 1)).toBe(a);
  });

  it('follows the checklist, the time and the overdue notice', () => {
    const t = task(1, { deadline: at(-5) });
    expect(applyTaskEvent(t, ev(2, 'checklist_changed', { items: [], done: 1, total: 3 }), bob).checklist).toEqual({ done: 1, total: 3 });
    expect(applyTaskEvent(t, ev(2, 'time_changed', { totals: { plannedMinutes: null, spentSeconds: 90, byPerson: [] }, timers: [] }), bob).spentSeconds).toBe(90);
    expect(applyTaskEvent(t, ev(2, 'task_overdue', { task: {} }), bob).overdue).toBe(true);
    expect(applyTaskEvent({ ...t, status: 'done' }, ev(2, 'task_overdue', { task: {} }), bob).overdue).toBe(false);
  });

  it('knows when a deadline is overdue or near', () => {
    expect(isOverdue(task(1, { deadline: at(-1) }), NOW)).toBe(true);
    expect(isOverdue(task(1, { deadline: at(-1), status: 'waiting_control' }), NOW)).toBe(false);
    expect(deadlineState(task(1, { deadline: at(60) }), NOW)).toBe('soon');
    expect(deadlineState(task(1, { deadline: at(60 * 48) }), NOW)).toBe('later');
    expect(deadlineState(task(1), NOW)).toBe('none');
  });
});

describe('tasks: the list and the board', () => {
  const all: TaskQuery = { filter: 'all', statuses: null, q: '' };

  it('filters like the hub', () => {
    const t = task(1, { description: 'Ship the **crate**' });
    expect(matchesQuery(t, { ...all, filter: 'mine' }, BOB, NOW)).toBe(true);
    expect(matchesQuery(t, { ...all, filter: 'mine' }, CREATOR, NOW)).toBe(false);
    expect(matchesQuery(t, { ...all, filter: 'assigned_by_me' }, CREATOR, NOW)).toBe(true);
    expect(matchesQuery(task(1, { responsible: face(CREATOR, 'Olga') }), { ...all, filter: 'assigned_by_me' }, CREATOR, NOW)).toBe(false);
    expect(matchesQuery(t, { ...all, filter: 'participating' }, PAT, NOW)).toBe(true);
    expect(matchesQuery(t, { ...all, filter: 'observing' }, OBS, NOW)).toBe(true);
    expect(matchesQuery(t, { ...all, filter: 'overdue' }, BOB, NOW)).toBe(false);
    expect(matchesQuery({ ...t, deadline: at(-1) }, { ...all, filter: 'overdue' }, PAT, NOW)).toBe(true);
    expect(matchesQuery({ ...t, deadline: at(-1) }, { ...all, filter: 'overdue' }, OBS, NOW)).toBe(false);
    expect(matchesQuery(t, { ...all, q: 'CRATE' }, BOB, NOW)).toBe(true);
    expect(matchesQuery(t, { ...all, q: 'boat' }, BOB, NOW)).toBe(false);
    expect(matchesQuery(t, { ...all, statuses: ['done'] }, BOB, NOW)).toBe(false);
  });

  it('groups tasks into status columns, newest first', () => {
    const cols = groupByStatus([task(1), task(3, { status: 'done' }), task(2), task(2)]);
    expect(cols.map((c) => c.status)).toEqual(['new', 'in_progress', 'waiting_control', 'done', 'deferred']);
    expect(cols[0].tasks.map((t) => t.title)).toEqual(['Task 2', 'Task 1']);
    expect(cols[0].count).toBe(2);
    expect(groupByStatus([task(1)], ['done', 'new']).map((c) => c.status)).toEqual(['new', 'done']);
    const board = boardColumns({ columns: [{ status: 'new', count: 7, tasks: [task(2), task(1)], nextCursor: 'x' }] });
    expect(board[0]).toMatchObject({ status: 'new', count: 7, nextCursor: 'x' });
    expect(appendPage(board, 'new', [task(1), task(0)], null)[0].tasks.map((t) => t.title)).toEqual(['Task 2', 'Task 1', 'Task 0']);
  });

  it('moves a card to its new column when its status changes, counts following', () => {
    const t = seenBy(task(5), bob);
    let cols: Column[] = groupByStatus([t, task(4), task(3, { status: 'in_progress' })]);
    const changed = { ...t, status: 'in_progress' as TaskStatus, head: 2 };
    cols = applyEventToColumns(cols, t.id, ev(2, 'task_changed', { task: changed }), all, bob, NOW);
    expect(cols[0].tasks.map((x) => x.title)).toEqual(['Task 4']);
    expect(cols[1].tasks.map((x) => x.title)).toEqual(['Task 5', 'Task 3']);
    expect(cols.map((c) => c.count)).toEqual([1, 2, 0, 0, 0]);
    expect(cols[1].tasks[0].allowedActions).toEqual(['complete', 'pause']);
    expect(dropTask(cols, t.id).map((c) => c.count)).toEqual([1, 1, 0, 0, 0]);
  });

  it('adds a task live only where the loaded page reaches, and takes out one that no longer matches', () => {
    const page: Column[] = [{ status: null, tasks: [task(9), task(8)], nextCursor: 'more', count: null }];
    const newer = putTask(page, task(10), all, BOB, NOW);
    expect(newer[0].tasks.map((t) => t.title)).toEqual(['Task 10', 'Task 9', 'Task 8']);
    expect(putTask(page, task(2), all, BOB, NOW)[0].tasks).toHaveLength(2); // a later page brings it
    expect(putTask([{ ...page[0], nextCursor: null }], task(2), all, BOB, NOW)[0].tasks).toHaveLength(3);
    const mine: TaskQuery = { ...all, filter: 'mine' };
    const gone = putTask(page, task(9, { responsible: face(PAT, 'Pat') }), mine, BOB, NOW);
    expect(gone[0].tasks.map((t) => t.title)).toEqual(['Task 8']);
    expect(putTask(listColumn([], null), task(1, { status: 'done' }), { ...all, statuses: ['new'] }, BOB, NOW)[0].tasks).toEqual([]);
  });
});

describe('tasks: counters, checklist, comments and time', () => {
  it('reads counters and shows them as pills', () => {
    const c = countersOf({ overdue: 2, needsAttention: 3, newComments: 1, waitingControl: 1, dueSoon: 1 });
    expect(navCounters(c)).toEqual({ overdue: 2, attention: 3 });
    expect(countersOf({ overdue: -1, needsAttention: 0, newComments: 0, waitingControl: 0, dueSoon: 0 })).toBeNull();
    expect(countersOf({ overdue: 1 })).toBeNull();
    expect(countersOf(null)).toBeNull();
    expect(navCounters(null)).toEqual({ overdue: 0, attention: 0 });
    expect(pillText(5)).toBe('5');
    expect(pillText(120)).toBe('99+');
  });

  it('works out checklist progress and reorders', () => {
    expect(checklistProgress([{ done: true }, { done: false }, { done: true }])).toEqual({ done: 2, total: 3, percent: 67 });
    expect(checklistProgress([])).toEqual({ done: 0, total: 0, percent: 0 });
    expect(moveItem(['a', 'b', 'c'], 0, 2)).toEqual(['b', 'c', 'a']);
    expect(moveItem(['a', 'b', 'c'], 2, 0)).toEqual(['c', 'a', 'b']);
    const same = ['a'];
    expect(moveItem(same, 0, 1)).toBe(same);
  });

  it('keeps comments once, by seq', () => {
    const c = (id: string, seq: number, body = 'x'): TaskComment => ({ id, taskId: 't', seq, authorId: BOB, clientId: id, body, createdAt: at(seq), editedAt: null, deletedAt: null });
    let list = upsertComment([], c('b', 5));
    list = upsertComment(list, c('a', 3));
    list = upsertComment(list, c('b', 5, 'edited'));
    expect(list.map((x) => `${x.id}:${x.body}`)).toEqual(['a:x', 'b:edited']);
  });

  it('counts time: entries, running timers and the clock', () => {
    const totals = { plannedMinutes: 60, spentSeconds: 120, byPerson: [] };
    const state: TimeState = { entries: [], timers: [{ taskId: 't', userId: BOB, startedAt: at(0), accumulatedSeconds: 30 }], totals, readAt: NOW };
    expect(liveSpent(state, NOW + 10_000)).toBe(130);
    expect(timerSeconds(state.timers[0], NOW + 65_000)).toBe(95);
    expect(timerSeconds({ startedAt: null, accumulatedSeconds: 30 }, NOW + 65_000)).toBe(30);
    const entry = { id: 'e1', taskId: 't', userId: BOB, seconds: 300, note: '', source: 'timer' as const, createdAt: at(1) };
    const next = applyTimeEvent(state, { totals: { ...totals, spentSeconds: 420 }, timers: [], entry }, NOW + 1000);
    expect(next.entries).toEqual([entry]);
    expect(next.timers).toEqual([]);
    expect(next.readAt).toBe(NOW + 1000);
    expect(applyTimeEvent(next, { entry }, NOW).entries).toHaveLength(1);
    expect(applyTimeEvent(next, { removedEntryId: 'e1' }, NOW).entries).toEqual([]);
    expect(clock(3725)).toBe('1:02:05');
    expect(clock(0)).toBe('0:00:00');
    expect(hoursMinutes(3725)).toEqual({ h: 1, m: 2 });
  });
});

describe('tasks: the form draft', () => {
  it('turns local date and time inputs into an instant and back', () => {
    const iso = deadlineIso('2026-03-05', '14:30');
    expect(typeof iso).toBe('string');
    expect(localInputs(iso as string)).toEqual({ date: '2026-03-05', time: '14:30' });
    expect(deadlineIso('', '14:30')).toBeNull();
    expect(deadlineIso('2026-02-30', '10:00')).toBe('invalid');
    expect(deadlineIso('2026-02-03', '25:00')).toBe('invalid');
    expect(localInputs(deadlineIso('2026-03-05', '') as string).time).toBe('18:00');
  });

  it('makes a body the shared schema accepts, and says what is wrong otherwise', () => {
    const draft = { ...emptyDraft(CREATOR), title: ' Ship it ', responsibleId: BOB, deadlineDate: '2030-01-02', participantIds: [PAT], checklist: ['one', ' ', 'two'], plannedHours: 1, plannedMinutes: 30 };
    const body = createInput(draft, '00000000-0000-4000-8000-0000000000ff', CREATOR);
    const parsed = CreateTaskBody.safeParse(body);
    expect(parsed.success).toBe(true);
    expect(parsed.success && parsed.data).toMatchObject({ title: 'Ship it', responsibleId: BOB, plannedMinutes: 90, checklist: ['one', 'two'] });
    expect(plannedOf(null, null)).toBeNull();
    expect(plannedOf(null, 15)).toBe(15);

    const bad = CreateTaskBody.safeParse(createInput({ ...draft, title: '  ', observerIds: [PAT], checklist: ['x'.repeat(501)] }, body.clientId as string, CREATOR));
    expect(bad.success).toBe(false);
    const problems = draftProblems(bad.success ? [] : bad.error.issues);
    expect(problems.title).toEqual({ problem: 'required', index: undefined });
    expect(problems.checklist).toMatchObject({ problem: 'tooLong', max: 500, index: 0 });
    const overlap = CreateTaskBody.safeParse(createInput({ ...draft, observerIds: [PAT] }, body.clientId as string, CREATOR));
    expect(draftProblems(overlap.success ? [] : overlap.error.issues).observerIds).toEqual({ problem: 'overlap' });
  });

  it('edits only what changed', () => {
    const t = task(1, { deadline: '2030-01-02T10:00:00.000Z', plannedMinutes: 90, description: 'd' });
    const draft = draftFromTask(t);
    expect(editInput(draft, t)).toEqual({});
    const body = editInput({ ...draft, title: 'New title', observerIds: [], deadlineDate: '', priority: 'high' }, t);
    expect(body).toEqual({ title: 'New title', observerIds: [], deadline: null, priority: 'high' });
    expect(EditTaskBody.safeParse(body).success).toBe(true);
    expect(editInput({ ...draft, participantIds: [PAT] }, t)).toEqual({});
    expect(editInput({ ...draft, plannedHours: null, plannedMinutes: null }, t)).toEqual({ plannedMinutes: null });
  });

  it('reads the hub\'s field errors', () => {
    expect(serverProblems({ deadline: 'in the past' })).toEqual({ deadline: { problem: 'past' } });
    expect(serverProblems({ at: 'too far ahead' })).toEqual({ at: { problem: 'far' } });
    expect(serverProblems({ responsibleId: 'unknown', 'origin.chatId': 'unknown' })).toEqual({ responsibleId: { problem: 'unknown' }, origin: { problem: 'unknown' } });
    expect(serverProblems(undefined)).toEqual({});
  });
});
