/**
 * Pure logic of the tasks client: what the viewer may do with a task (mirroring the hub's policy, since
 * stream events carry tasks viewer-neutral), the list and the kanban board as columns of tasks (keyset
 * pages, live events placing a task in its column or taking it out), which drop on the board means which
 * status action, the red counters, the checklist, comments and time as the task page holds them.
 *
 * Imports from shared/ are relative (not `$shared`) so this module also loads in plain vitest/tsc.
 */
import {
  ACTIVE_STATUSES,
  TASK_STATUSES,
  TRANSITIONS,
  type ChecklistItem,
  type Task,
  type TaskAction,
  type TaskBoard,
  type TaskComment,
  type TaskCounters,
  type TaskFilter,
  type TaskPermissions,
  type TaskStatus,
  type TaskTimer,
  type TimeEntry,
  type TimeTotals,
} from '../../../../shared/tasks';
import type { Role, StreamEvent } from '../../../../shared/types';

/** Who looks at the tasks: the signed-in person and their workspace role. */
export interface Viewer {
  id: string;
  role: Role;
}

type Event = Pick<StreamEvent, 'seq' | 'event'>;

const isStaff = (v: Viewer) => v.role === 'owner' || v.role === 'admin';

// ---- permissions (a mirror of server/domains/tasks/policy.ts) ----------------------------------------

export interface Relation {
  creator: boolean;
  responsible: boolean;
  participant: boolean;
  observer: boolean;
}

type People = Pick<Task, 'creator' | 'responsible' | 'participants' | 'observers'>;

export function relationOf(task: People, myId: string): Relation {
  return {
    creator: task.creator.id === myId,
    responsible: task.responsible.id === myId,
    participant: task.participants.some((p) => p.id === myId),
    observer: task.observers.some((p) => p.id === myId),
  };
}

/** The status workflow (shared with the hub): from which statuses an action starts, and who takes it. */
export { TRANSITIONS };

/** The actions in the order buttons show them. */
export const ACTION_ORDER: readonly TaskAction[] = ['start', 'complete', 'accept', 'return', 'pause', 'renew', 'reopen', 'defer'];

function mayDo(viewer: Viewer, rel: Relation, action: TaskAction): boolean {
  const by = TRANSITIONS[action].by;
  return (by.includes('responsible') && rel.responsible) || (by.includes('creator') && rel.creator) || (by.includes('staff') && isStaff(viewer));
}

/** What the viewer may do to the task's status now (what the hub answers as `allowedActions`). */
export function allowedActionsFor(task: People & Pick<Task, 'status'>, viewer: Viewer): TaskAction[] {
  const rel = relationOf(task, viewer.id);
  return ACTION_ORDER.filter((a) => TRANSITIONS[a].from.includes(task.status) && mayDo(viewer, rel, a));
}

/** What else the viewer may do (what the hub answers as `can`). */
export function permissionsFor(task: People, viewer: Viewer): TaskPermissions {
  const rel = relationOf(task, viewer.id);
  const staff = isStaff(viewer);
  return {
    edit: rel.creator || staff,
    comment: true,
    editChecklist: rel.creator || staff,
    toggleChecklist: rel.creator || rel.responsible || rel.participant || staff,
    trackTime: rel.creator || rel.responsible || rel.participant,
  };
}

/** Where an action leads from the task's current state, for this viewer. */
export function targetOf(action: TaskAction, task: Pick<Task, 'requireControl' | 'creator'>, viewer: Viewer): TaskStatus {
  switch (action) {
    case 'start':
    case 'return':
      return 'in_progress';
    case 'complete':
      return task.requireControl && task.creator.id !== viewer.id ? 'waiting_control' : 'done';
    case 'accept':
      return 'done';
    case 'defer':
      return 'deferred';
    default:
      return 'new';
  }
}

/**
 * The action a drop on the board's `to` column means: one of the task's allowed actions that leads
 * there from its status; null when none does (the card goes back).
 */
export function dropAction(task: Task, to: TaskStatus, viewer: Viewer): TaskAction | null {
  if (task.status === to) return null;
  return task.allowedActions.find((a) => TRANSITIONS[a].from.includes(task.status) && targetOf(a, task, viewer) === to) ?? null;
}

/** The columns a card of this task may be dropped on (for highlighting them while it is dragged). */
export function dropTargets(task: Task, viewer: Viewer): TaskStatus[] {
  return TASK_STATUSES.filter((s) => dropAction(task, s, viewer) !== null);
}

// ---- one task ------------------------------------------------------------------------------------------

/** Active (new or in progress) and past its deadline at `now`. */
export function isOverdue(task: Pick<Task, 'status' | 'deadline'>, now: number): boolean {
  return !!task.deadline && ACTIVE_STATUSES.includes(task.status) && Date.parse(task.deadline) <= now;
}

/** How a deadline looks: overdue (red), due within 24 hours, later, or none. */
export function deadlineState(task: Pick<Task, 'status' | 'deadline'>, now: number): 'overdue' | 'soon' | 'later' | 'none' {
  if (!task.deadline) return 'none';
  if (isOverdue(task, now)) return 'overdue';
  const left = Date.parse(task.deadline) - now;
  return ACTIVE_STATUSES.includes(task.status) && left <= 86_400_000 ? 'soon' : 'later';
}

/**
 * A task from the server merged with the copy held here. A `neutral` one (a stream event's) knows nothing
 * of the viewer: my read position and unread comments are kept and what I may do is worked out here. An
 * older copy (lower head) never replaces a newer one.
 */
export function mergeTask(local: Task | undefined, fresh: Task, viewer: Viewer, neutral: boolean): Task {
  if (local && fresh.head < local.head) return local;
  if (!neutral) return fresh;
  return {
    ...fresh,
    readSeq: local?.readSeq ?? 0,
    unreadComments: local?.unreadComments ?? 0,
    allowedActions: allowedActionsFor(fresh, viewer),
    can: permissionsFor(fresh, viewer),
  };
}

interface CommentPayload {
  comment?: TaskComment;
  commentCount?: number;
}

/** One event of the task's stream (`task:<id>`) applied to the task; the same task when it says nothing new. */
export function applyTaskEvent(task: Task, ev: Event, viewer: Viewer): Task {
  if (ev.seq <= task.head) return task;
  const p = (ev.event.payload ?? {}) as Record<string, unknown>;
  const head = Math.max(task.head, ev.seq);
  switch (ev.event.type) {
    case 'task_created':
    case 'task_changed': {
      const fresh = p.task as Task | undefined;
      return fresh?.id === task.id ? mergeTask(task, { ...fresh, head: Math.max(fresh.head, ev.seq) }, viewer, true) : { ...task, head };
    }
    case 'comment_created': {
      const { comment, commentCount } = p as CommentPayload;
      if (!comment) return { ...task, head };
      const mine = comment.authorId === viewer.id;
      return {
        ...task,
        head,
        commentCount: commentCount ?? task.commentCount + 1,
        readSeq: mine ? Math.max(task.readSeq, comment.seq) : task.readSeq,
        unreadComments: !mine && comment.seq > task.readSeq ? task.unreadComments + 1 : task.unreadComments,
      };
    }
    case 'comment_deleted': {
      const { comment, commentCount } = p as CommentPayload;
      const unread = !!comment && comment.authorId !== viewer.id && comment.seq > task.readSeq;
      return {
        ...task,
        head,
        commentCount: commentCount ?? Math.max(0, task.commentCount - 1),
        unreadComments: unread ? Math.max(0, task.unreadComments - 1) : task.unreadComments,
      };
    }
    case 'checklist_changed': {
      const done = Number(p.done);
      const total = Number(p.total);
      return Number.isFinite(done) && Number.isFinite(total) ? { ...task, head, checklist: { done, total } } : { ...task, head };
    }
    case 'time_changed': {
      const totals = p.totals as TimeTotals | undefined;
      return totals ? { ...task, head, spentSeconds: totals.spentSeconds } : { ...task, head };
    }
    case 'task_overdue':
      return { ...task, head, overdue: ACTIVE_STATUSES.includes(task.status) };
    default:
      return { ...task, head };
  }
}

/** My read position moved (here or on another device): comments up to it are no longer new. */
export function applyRead(task: Task, readSeq: number): Task {
  if (readSeq <= task.readSeq) return task;
  return { ...task, readSeq, unreadComments: readSeq >= task.head ? 0 : task.unreadComments };
}

// ---- the list and the board ------------------------------------------------------------------------------

/** What a list or board shows. */
export interface TaskQuery {
  filter: TaskFilter;
  /** null: every status. */
  statuses: TaskStatus[] | null;
  /** Words searched in the title and description ('' for none). */
  q: string;
}

/** A column of the board, or the whole list (status null): a keyset page and the tasks added live. */
export interface Column {
  status: TaskStatus | null;
  tasks: Task[];
  nextCursor: string | null;
  /** How many tasks the column holds on the server (the board says; a list does not know). */
  count: number | null;
}

/** Newest first: creation time, then id (the server's order). */
export function compareTasks(a: Pick<Task, 'createdAt' | 'id'>, b: Pick<Task, 'createdAt' | 'id'>): number {
  return Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** Does the task belong in a list of this query (the hub's filters, for a task I can see)? */
export function matchesQuery(task: Task, query: TaskQuery, myId: string, now: number): boolean {
  if (query.statuses && !query.statuses.includes(task.status)) return false;
  const q = query.q.trim().toLowerCase();
  if (q && !task.title.toLowerCase().includes(q) && !task.description.toLowerCase().includes(q)) return false;
  const rel = relationOf(task, myId);
  switch (query.filter) {
    case 'mine':
      return rel.responsible;
    case 'assigned_by_me':
      return rel.creator && !rel.responsible;
    case 'participating':
      return rel.participant;
    case 'observing':
      return rel.observer;
    case 'overdue':
      return isOverdue(task, now) && (rel.responsible || rel.creator || rel.participant);
    default:
      return true;
  }
}

/** The list as one column. */
export function listColumn(tasks: Task[], nextCursor: string | null): Column[] {
  return [{ status: null, tasks: dedupe(tasks), nextCursor, count: null }];
}

/** The board's columns from the hub's answer. */
export function boardColumns(board: TaskBoard): Column[] {
  return board.columns.map((c) => ({ status: c.status, tasks: dedupe(c.tasks), nextCursor: c.nextCursor, count: c.count }));
}

/** Tasks grouped into one column per status (those given, in workflow order), each newest first. */
export function groupByStatus(tasks: Task[], statuses: readonly TaskStatus[] = TASK_STATUSES): Column[] {
  return TASK_STATUSES.filter((s) => statuses.includes(s)).map((status) => {
    const mine = dedupe(tasks.filter((t) => t.status === status)).sort(compareTasks);
    return { status, tasks: mine, nextCursor: null, count: mine.length };
  });
}

function dedupe(tasks: Task[]): Task[] {
  const seen = new Set<string>();
  return tasks.filter((t) => !seen.has(t.id) && !!seen.add(t.id));
}

/** The next page of a column appended (tasks already shown are kept once). */
export function appendPage(columns: Column[], status: TaskStatus | null, tasks: Task[], nextCursor: string | null): Column[] {
  return columns.map((c) => {
    if (c.status !== status) return c;
    const known = new Set(c.tasks.map((t) => t.id));
    return { ...c, tasks: [...c.tasks, ...tasks.filter((t) => !known.has(t.id))], nextCursor };
  });
}

export function findTask(columns: Column[], id: string): Task | undefined {
  for (const c of columns) {
    const t = c.tasks.find((x) => x.id === id);
    if (t) return t;
  }
  return undefined;
}

/** Take a task out of the list or board (its column's count goes down). */
export function dropTask(columns: Column[], id: string): Column[] {
  if (!findTask(columns, id)) return columns;
  return columns.map((c) =>
    c.tasks.some((t) => t.id === id) ? { ...c, tasks: c.tasks.filter((t) => t.id !== id), count: c.count === null ? null : Math.max(0, c.count - 1) } : c,
  );
}

/**
 * Put a task where it belongs now: out of the column it was in, into the column of its status when it
 * matches the query. A column shows it when it falls within what is loaded (newer than the last task
 * shown, or the column is complete); otherwise a later page brings it. Counts follow.
 */
export function putTask(columns: Column[], task: Task, query: TaskQuery, myId: string, now: number): Column[] {
  const fits = matchesQuery(task, query, myId, now);
  const target = fits ? columns.find((c) => c.status === null || c.status === task.status) : undefined;
  const before = columns.find((c) => c.tasks.some((t) => t.id === task.id));
  return columns.map((c) => {
    const had = c === before;
    if (c !== target) {
      if (!had) return c;
      return { ...c, tasks: c.tasks.filter((t) => t.id !== task.id), count: c.count === null ? null : Math.max(0, c.count - 1) };
    }
    if (had) return { ...c, tasks: c.tasks.map((t) => (t.id === task.id ? task : t)).sort(compareTasks) };
    const last = c.tasks[c.tasks.length - 1];
    const shown = c.nextCursor === null || !last || compareTasks(task, last) < 0;
    return { ...c, tasks: shown ? [...c.tasks, task].sort(compareTasks) : c.tasks, count: c.count === null ? null : c.count + 1 };
  });
}

/** A task's own event applied to the list or board: the task updated and, if its status moved, moved. */
export function applyEventToColumns(columns: Column[], taskId: string, ev: Event, query: TaskQuery, viewer: Viewer, now: number): Column[] {
  const task = findTask(columns, taskId);
  if (!task) return columns;
  const next = applyTaskEvent(task, ev, viewer);
  return next === task ? columns : putTask(columns, next, query, viewer.id, now);
}

/** Replace one task in place (e.g. a read mark), without moving it. */
export function patchTask(columns: Column[], id: string, fn: (t: Task) => Task): Column[] {
  return columns.map((c) => (c.tasks.some((t) => t.id === id) ? { ...c, tasks: c.tasks.map((t) => (t.id === id ? fn(t) : t)) } : c));
}

/** Every task shown, once. */
export function allTasks(columns: Column[]): Task[] {
  return dedupe(columns.flatMap((c) => c.tasks));
}

// ---- counters --------------------------------------------------------------------------------------------

/** A `task_counters` payload (or the GET answer), checked; null when it is not one. */
export function countersOf(payload: unknown): TaskCounters | null {
  const p = payload as Partial<TaskCounters> | null;
  const keys = ['overdue', 'needsAttention', 'newComments', 'waitingControl', 'dueSoon'] as const;
  if (!p || typeof p !== 'object' || keys.some((k) => typeof p[k] !== 'number' || !Number.isFinite(p[k]) || p[k]! < 0)) return null;
  return { overdue: p.overdue!, needsAttention: p.needsAttention!, newComments: p.newComments!, waitingControl: p.waitingControl!, dueSoon: p.dueSoon! };
}

/** A counter as a pill shows it. */
export function pillText(n: number): string {
  return n > 99 ? '99+' : String(n);
}

/** The two red counters of the Tasks item: overdue, and the others that need me (a task counts once). */
export function navCounters(c: TaskCounters | null): { overdue: number; attention: number } {
  return { overdue: c?.overdue ?? 0, attention: c?.needsAttention ?? 0 };
}

// ---- checklist, comments, time ---------------------------------------------------------------------------

export function checklistProgress(items: Pick<ChecklistItem, 'done'>[]): { done: number; total: number; percent: number } {
  const done = items.filter((i) => i.done).length;
  return { done, total: items.length, percent: items.length ? Math.round((done * 100) / items.length) : 0 };
}

/** Move one element of a list to another index (reordering by drag or by the up/down buttons). */
export function moveItem<T>(items: T[], from: number, to: number): T[] {
  if (from === to || from < 0 || from >= items.length || to < 0 || to >= items.length) return items;
  const out = [...items];
  const [x] = out.splice(from, 1);
  out.splice(to, 0, x);
  return out;
}

/** Insert or replace a comment (by id), oldest first by seq. */
export function upsertComment(comments: TaskComment[], comment: TaskComment): TaskComment[] {
  const i = comments.findIndex((c) => c.id === comment.id);
  if (i >= 0) return comments.map((c, j) => (j === i ? comment : c));
  return [...comments, comment].sort((a, b) => a.seq - b.seq);
}

/** A task's time as its page holds it. */
export interface TimeState {
  entries: TimeEntry[];
  timers: TaskTimer[];
  totals: TimeTotals;
  /** When the totals were read (ms): running timers have counted on since. */
  readAt: number;
}

/** A `time_changed` event applied (new entries first, removed ones gone). */
export function applyTimeEvent(state: TimeState, payload: unknown, now: number): TimeState {
  const p = (payload ?? {}) as { totals?: TimeTotals; timers?: TaskTimer[]; entry?: TimeEntry; removedEntryId?: string };
  let entries = state.entries;
  if (p.entry && !entries.some((e) => e.id === p.entry!.id)) entries = [p.entry, ...entries];
  if (p.removedEntryId) entries = entries.filter((e) => e.id !== p.removedEntryId);
  return {
    entries,
    timers: p.timers ?? state.timers,
    totals: p.totals ?? state.totals,
    readAt: p.totals ? now : state.readAt,
  };
}

/** Seconds a timer has counted at `now`. */
export function timerSeconds(timer: Pick<TaskTimer, 'startedAt' | 'accumulatedSeconds'>, now: number): number {
  const run = timer.startedAt ? Math.max(0, Math.floor((now - Date.parse(timer.startedAt)) / 1000)) : 0;
  return timer.accumulatedSeconds + run;
}

/** Time spent on the task at `now`: the totals as read, plus what running timers counted since. */
export function liveSpent(state: Pick<TimeState, 'totals' | 'timers' | 'readAt'>, now: number): number {
  const running = state.timers.filter((t) => t.startedAt).length;
  return state.totals.spentSeconds + running * Math.max(0, Math.floor((now - state.readAt) / 1000));
}

/** Seconds as a running clock: 0:05:09, 12:00:00. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${Math.floor(s / 3600)}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

/** Whole hours and minutes of a duration. */
export function hoursMinutes(seconds: number): { h: number; m: number } {
  const minutes = Math.floor(Math.max(0, seconds) / 60);
  return { h: Math.floor(minutes / 60), m: minutes % 60 };
}
