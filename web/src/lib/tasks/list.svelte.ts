/**
 * The live task list or kanban board of /app/tasks.
 *
 *  - The first page (the list) or the board's first page per column loads over HTTP; "load more" (or
 *    the endless scroll) follows each column's keyset cursor.
 *  - Every task shown follows its own stream `task:<id>` from the task's `head`: changes, status moves
 *    (a card moves to its new column), comments, checklist and time. A stream the hub revokes (I was
 *    taken off the task and can no longer see it) drops the task.
 *  - Tasks someone assigns to me appear (`task_assigned` on `user:<me>`, then the task is fetched as I
 *    see it), and leave when they no longer match (`task_unassigned`); my read marks from other devices
 *    clear their "new comments".
 */
import { TASK_STATUSES, taskStream, type Task, type TaskAction, type TaskBoard, type TaskPage, type TaskStatus } from '$shared/tasks';
import type { StreamEvent } from '$shared/types';
import { api, isApiError } from '../api';
import { realtime } from '../realtime/live.svelte';
import type { PushFrame, RealtimeClient } from '../realtime/socket';
import { session } from '../session.svelte';
import {
  allTasks,
  appendPage,
  applyEventToColumns,
  applyRead,
  boardColumns,
  dropAction,
  dropTask,
  findTask,
  listColumn,
  mergeTask,
  patchTask,
  putTask,
  type Column,
  type TaskQuery,
  type Viewer,
} from './model';
import { tasksUser } from './user.svelte';

/** Tasks per page (and per board column). */
const PAGE = 30;

export type TaskView = 'list' | 'board';

export class TaskList {
  /** Replaced, never mutated (see model.ts). */
  columns = $state.raw<Column[]>([]);
  view = $state<TaskView>('list');
  query = $state.raw<TaskQuery>({ filter: 'all', statuses: null, q: '' });
  loaded = $state(false);
  failed = $state(false);
  /** Columns (by status, 'list' for the list) loading their next page. */
  loadingMore = $state<Record<string, boolean>>({});
  moreFailed = $state(false);
  /** Tasks whose status change is in flight (their cards are dimmed). */
  moving = $state<Record<string, boolean>>({});

  private client: RealtimeClient | null = null;
  private started = false;
  private generation = 0;
  private readonly watches = new Map<string, () => void>();
  private stops: (() => void)[] = [];

  get viewer(): Viewer {
    return { id: session.me?.id ?? '', role: session.me?.role ?? 'employee' };
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.client = realtime();
    this.stops.push(tasksUser.listen((ev) => this.onUserEvent(ev)));
    if (this.client) this.stops.push(this.client.onPush((p) => this.onPush(p)));
    void this.load();
  }

  stop(): void {
    this.started = false;
    this.generation++;
    for (const stop of this.stops) stop();
    this.stops = [];
    this.unwatchAll();
  }

  /** Show another view or query: the list starts over. */
  set(view: TaskView, query: TaskQuery): void {
    if (view === this.view && JSON.stringify(query) === JSON.stringify(this.query)) return;
    this.view = view;
    this.query = query;
    this.columns = [];
    this.loaded = false;
    this.failed = false;
    this.moreFailed = false;
    this.loadingMore = {};
    this.unwatchAll();
    if (this.started) void this.load();
  }

  private params(extra: Record<string, string> = {}): string {
    const q = new URLSearchParams({ filter: this.query.filter, limit: String(PAGE), ...extra });
    if (this.query.q.trim()) q.set('q', this.query.q.trim());
    if (this.query.statuses && !extra.status) q.set('status', this.query.statuses.join(','));
    return q.toString();
  }

  /** Load the first page (or the board) again. */
  async load(): Promise<void> {
    const gen = ++this.generation;
    try {
      let columns: Column[];
      if (this.view === 'board') {
        const board = await api.get<TaskBoard>(`/api/tasks?${this.params({ groupBy: 'status' })}`);
        columns = boardColumns(board);
      } else {
        const page = await api.get<TaskPage>(`/api/tasks?${this.params()}`);
        columns = listColumn(page.tasks, page.nextCursor);
      }
      if (gen !== this.generation) return;
      this.columns = columns;
      this.loaded = true;
      this.failed = false;
      this.syncWatches();
    } catch (e) {
      if (gen !== this.generation) return;
      this.failed = !this.loaded;
      console.warn('tasks: load failed', e);
    }
  }

  /** The next page of the list, or of one board column. */
  async loadMore(status: TaskStatus | null = null): Promise<void> {
    const column = this.columns.find((c) => c.status === status);
    const key = status ?? 'list';
    if (!column?.nextCursor || this.loadingMore[key]) return;
    const gen = this.generation;
    this.loadingMore = { ...this.loadingMore, [key]: true };
    this.moreFailed = false;
    try {
      const extra: Record<string, string> = { cursor: column.nextCursor };
      if (status) extra.status = status;
      const page = await api.get<TaskPage>(`/api/tasks?${this.params(extra)}`);
      if (gen !== this.generation) return;
      this.columns = appendPage(this.columns, status, page.tasks, page.nextCursor);
      this.syncWatches();
    } catch (e) {
      if (gen === this.generation) this.moreFailed = true;
      console.warn('tasks: next page failed', e);
    } finally {
      if (gen === this.generation) this.loadingMore = { ...this.loadingMore, [key]: false };
    }
  }

  /** A task I just created: shown at once when it belongs here. */
  added(task: Task): void {
    this.columns = putTask(this.columns, mergeTask(findTask(this.columns, task.id), task, this.viewer, false), this.query, this.viewer.id, Date.now());
    this.syncWatches();
  }

  /**
   * A card dropped on a column: the status action that leads there, taken at once on screen and sent.
   * Resolves with the action taken, or null when no allowed action leads there (the card stays).
   * Rejects with the request's error (the card goes back).
   */
  async drop(taskId: string, to: TaskStatus): Promise<TaskAction | null> {
    const task = findTask(this.columns, taskId);
    if (!task || task.status === to) return null;
    const action = dropAction(task, to, this.viewer);
    if (!action) return null;
    await this.transition(task, action, to);
    return action;
  }

  /** Take a status action on a task of the list. */
  async transition(task: Task, action: TaskAction, to?: TaskStatus): Promise<void> {
    const before = this.columns;
    if (to) this.columns = putTask(this.columns, { ...task, status: to }, this.query, this.viewer.id, Date.now());
    this.moving = { ...this.moving, [task.id]: true };
    try {
      const { task: fresh } = await api.post<{ task: Task }>(`/api/tasks/${task.id}/status`, { action });
      this.put(fresh);
    } catch (e) {
      if (to) this.columns = before;
      throw e;
    } finally {
      const { [task.id]: _, ...rest } = this.moving;
      this.moving = rest;
    }
  }

  private put(task: Task): void {
    this.columns = putTask(this.columns, mergeTask(findTask(this.columns, task.id), task, this.viewer, false), this.query, this.viewer.id, Date.now());
    this.syncWatches();
  }

  // ---- streams ----

  private syncWatches(): void {
    if (!this.client) return;
    const shown = new Set(allTasks(this.columns).map((t) => t.id));
    for (const [id, stop] of this.watches) {
      if (!shown.has(id)) {
        stop();
        this.watches.delete(id);
      }
    }
    for (const task of allTasks(this.columns)) {
      if (this.watches.has(task.id)) continue;
      const id = task.id;
      this.watches.set(
        id,
        this.client.subscribe(taskStream(id), (ev) => this.onTaskEvent(id, ev), () => void this.refetch(id), { after: task.head }),
      );
    }
  }

  private unwatchAll(): void {
    for (const stop of this.watches.values()) stop();
    this.watches.clear();
  }

  private onTaskEvent(taskId: string, ev: StreamEvent): void {
    this.columns = applyEventToColumns(this.columns, taskId, ev, this.query, this.viewer, Date.now());
    if (!findTask(this.columns, taskId)) this.syncWatches();
  }

  private onUserEvent(ev: StreamEvent): void {
    const p = (ev.event.payload ?? {}) as { task?: { id?: string }; taskId?: string; readSeq?: number };
    switch (ev.event.type) {
      case 'task_assigned':
      case 'task_unassigned': {
        const id = p.task?.id ?? p.taskId;
        if (id) void this.refetch(id);
        break;
      }
      case 'task_read':
        if (p.taskId && typeof p.readSeq === 'number') this.columns = patchTask(this.columns, p.taskId, (t) => applyRead(t, p.readSeq!));
        break;
    }
  }

  private onPush(p: PushFrame): void {
    if (p.type !== 'stream_revoked' || typeof p.stream !== 'string' || !p.stream.startsWith('task:')) return;
    const id = p.stream.slice('task:'.length);
    this.watches.get(id)?.();
    this.watches.delete(id);
    this.columns = dropTask(this.columns, id);
  }

  /** Load one task as I see it now and put it where it belongs (out, when I may no longer see it). */
  async refetch(taskId: string): Promise<void> {
    const gen = this.generation;
    try {
      const { task } = await api.get<{ task: Task }>(`/api/tasks/${taskId}`);
      if (gen === this.generation && this.loaded) this.put(task);
    } catch (e) {
      if (gen !== this.generation) return;
      if (isApiError(e, 'not_found', 'forbidden')) {
        this.columns = dropTask(this.columns, taskId);
        this.syncWatches();
      } else console.warn('tasks: task reload failed', e);
    }
  }
}

/** The statuses of a board in workflow order (all of them, or those the query names). */
export function boardStatuses(query: TaskQuery): TaskStatus[] {
  return TASK_STATUSES.filter((s) => !query.statuses || query.statuses.includes(s));
}
