/**
 * One task's page: the task as I see it, its checklist, comments, time and my reminders, kept live by the
 * task's stream `task:<id>` (subscribed from the task's `head`; a reload loads everything again). Opening
 * it marks it read, and so does every comment by someone else that arrives while it is shown.
 */
import {
  taskStream,
  type ChecklistItem,
  type EditTaskInput,
  type Task,
  type TaskAction,
  type TaskComment,
  type TaskReminder,
  type TaskTimer,
  type TimeEntry,
  type TimeTotals,
} from '$shared/tasks';
import type { StreamEvent } from '$shared/types';
import type { Draft } from '$shared/commands';
import { api, isApiError } from '../api';
import { realtime } from '../realtime/live.svelte';
import type { PushFrame, RealtimeClient } from '../realtime/socket';
import { session } from '../session.svelte';
import { applyRead, applyTaskEvent, applyTimeEvent, mergeTask, upsertComment, type TimeState, type Viewer } from './model';
import { tasksUser } from './user.svelte';
import { runIn, type CommentCommandReply } from '../feed/commands';

const COMMENTS = 200;
const READ_DEBOUNCE_MS = 500;

export class TaskPage {
  task = $state.raw<Task | null>(null);
  checklist = $state.raw<ChecklistItem[]>([]);
  comments = $state.raw<TaskComment[]>([]);
  /** Older comments exist before the first one loaded. */
  olderComments = $state(false);
  time = $state.raw<TimeState | null>(null);
  reminders = $state.raw<TaskReminder[]>([]);
  loaded = $state(false);
  failed = $state(false);
  /** The task is gone or hidden from me. */
  gone = $state(false);

  private client: RealtimeClient | null = null;
  private stops: (() => void)[] = [];
  private stopStream: (() => void) | null = null;
  private generation = 0;
  private readTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(readonly id: string) {}

  get viewer(): Viewer {
    return { id: session.me?.id ?? '', role: session.me?.role ?? 'employee' };
  }

  start(): void {
    this.client = realtime();
    this.stops.push(tasksUser.listen((ev) => this.onUserEvent(ev)));
    if (this.client) this.stops.push(this.client.onPush((p) => this.onPush(p)));
    void this.load();
  }

  stop(): void {
    this.generation++;
    for (const stop of this.stops) stop();
    this.stops = [];
    this.stopStream?.();
    this.stopStream = null;
    if (this.readTimer) clearTimeout(this.readTimer);
  }

  /** Load everything (again). */
  async load(): Promise<void> {
    const gen = ++this.generation;
    try {
      const [{ task, checklist }, comments, time, { reminders }] = await Promise.all([
        api.get<{ task: Task; checklist: ChecklistItem[] }>(`/api/tasks/${this.id}`),
        api.get<{ comments: TaskComment[] }>(`/api/tasks/${this.id}/comments?limit=${COMMENTS}`),
        api.get<{ entries: TimeEntry[]; timers: TaskTimer[]; totals: TimeTotals }>(`/api/tasks/${this.id}/time`),
        api.get<{ reminders: TaskReminder[] }>(`/api/tasks/${this.id}/reminders`),
      ]);
      if (gen !== this.generation) return;
      this.task = task;
      this.checklist = checklist;
      this.comments = comments.comments;
      this.olderComments = comments.comments.length >= COMMENTS;
      this.time = { ...time, readAt: Date.now() };
      this.reminders = reminders;
      this.loaded = true;
      this.failed = false;
      this.follow(task.head);
      this.markRead();
    } catch (e) {
      if (gen !== this.generation) return;
      if (isApiError(e, 'not_found', 'forbidden')) this.gone = true;
      else this.failed = !this.loaded;
      console.warn('tasks: task load failed', e);
    }
  }

  private follow(head: number): void {
    if (!this.client || this.stopStream) return;
    this.stopStream = this.client.subscribe(taskStream(this.id), (ev) => this.onEvent(ev), () => void this.load(), { after: head });
  }

  private onEvent(ev: StreamEvent): void {
    const task = this.task;
    if (!task) return;
    const p = (ev.event.payload ?? {}) as { comment?: TaskComment; items?: ChecklistItem[] };
    switch (ev.event.type) {
      case 'comment_created':
      case 'comment_edited':
      case 'comment_deleted':
        if (p.comment) this.comments = upsertComment(this.comments, p.comment);
        if (ev.event.type === 'comment_created' && p.comment && p.comment.authorId !== this.viewer.id) this.markRead();
        break;
      case 'checklist_changed':
        if (Array.isArray(p.items)) this.checklist = p.items;
        break;
      case 'time_changed':
        if (this.time) this.time = applyTimeEvent(this.time, ev.event.payload, Date.now());
        break;
    }
    this.task = applyTaskEvent(task, ev, this.viewer);
  }

  private onUserEvent(ev: StreamEvent): void {
    const p = (ev.event.payload ?? {}) as { taskId?: string; readSeq?: number; task?: { id?: string }; kind?: string; reminderId?: string };
    if (ev.event.type === 'task_reminder' && p.kind === 'personal' && p.reminderId) {
      const sentAt = new Date().toISOString();
      this.reminders = this.reminders.map((r) => (r.id === p.reminderId ? { ...r, sentAt } : r));
    }
    if (ev.event.type === 'task_read' && p.taskId === this.id && typeof p.readSeq === 'number' && this.task) {
      this.task = applyRead(this.task, p.readSeq);
    }
    // Named on it or taken off it: what I may do changed.
    if ((ev.event.type === 'task_assigned' && p.task?.id === this.id) || (ev.event.type === 'task_unassigned' && p.taskId === this.id)) void this.refresh();
  }

  private onPush(p: PushFrame): void {
    if (p.type === 'stream_revoked' && p.stream === taskStream(this.id)) {
      this.stopStream?.();
      this.stopStream = null;
      this.gone = true;
    }
  }

  /** The task alone, as I see it now. */
  async refresh(): Promise<void> {
    try {
      const { task } = await api.get<{ task: Task }>(`/api/tasks/${this.id}`);
      this.put(task);
    } catch (e) {
      if (isApiError(e, 'not_found', 'forbidden')) this.gone = true;
    }
  }

  private put(task: Task): void {
    this.task = mergeTask(this.task ?? undefined, task, this.viewer, false);
  }

  /** Mark the task read up to its head, soon (while the page is shown and the tab visible). */
  markRead(): void {
    if (this.readTimer) clearTimeout(this.readTimer);
    this.readTimer = setTimeout(() => {
      this.readTimer = null;
      const task = this.task;
      if (!task || (typeof document !== 'undefined' && document.visibilityState === 'hidden')) return;
      if (task.readSeq >= task.head && task.unreadComments === 0) return;
      api.post<{ readSeq: number }>(`/api/tasks/${this.id}/read`).then(
        ({ readSeq }) => {
          if (this.task) this.task = { ...applyRead(this.task, readSeq), unreadComments: 0 };
        },
        (e) => console.warn('tasks: read failed', e),
      );
    }, READ_DEBOUNCE_MS);
  }

  // ---- actions (each rejects with the request's ApiError) ----

  async transition(action: TaskAction): Promise<void> {
    this.put((await api.post<{ task: Task }>(`/api/tasks/${this.id}/status`, { action })).task);
  }

  async edit(body: Partial<EditTaskInput> | Record<string, unknown>): Promise<void> {
    this.put((await api.patch<{ task: Task }>(`/api/tasks/${this.id}`, body)).task);
  }

  private setChecklist(items: ChecklistItem[]): void {
    this.checklist = items;
    if (this.task) this.task = { ...this.task, checklist: { done: items.filter((i) => i.done).length, total: items.length } };
  }

  async addItem(text: string): Promise<void> {
    this.setChecklist((await api.post<{ checklist: ChecklistItem[] }>(`/api/tasks/${this.id}/checklist`, { text })).checklist);
  }

  async editItem(itemId: string, body: { text?: string; done?: boolean }): Promise<void> {
    if (body.done !== undefined) this.checklist = this.checklist.map((i) => (i.id === itemId ? { ...i, done: body.done! } : i));
    this.setChecklist((await api.patch<{ checklist: ChecklistItem[] }>(`/api/tasks/${this.id}/checklist/${itemId}`, body)).checklist);
  }

  async reorder(items: ChecklistItem[]): Promise<void> {
    const before = this.checklist;
    this.checklist = items;
    try {
      this.setChecklist((await api.put<{ checklist: ChecklistItem[] }>(`/api/tasks/${this.id}/checklist/order`, { itemIds: items.map((i) => i.id) })).checklist);
    } catch (e) {
      this.checklist = before;
      throw e;
    }
  }

  async deleteItem(itemId: string): Promise<void> {
    this.setChecklist((await api.del<{ checklist: ChecklistItem[] }>(`/api/tasks/${this.id}/checklist/${itemId}`)).checklist);
  }

  async comment(clientId: string, body: string): Promise<void> {
    const { comment } = await api.post<{ comment: TaskComment }>(`/api/tasks/${this.id}/comments`, { clientId, body });
    this.comments = upsertComment(this.comments, comment);
  }

  /** A slash command typed in the comment box (with the draft confirmed on its card): the record is made and a comment links to it; else why not. */
  async commandComment(clientId: string, text: string, draft?: Draft): Promise<CommentCommandReply<TaskComment>> {
    const reply = await runIn<TaskComment>('task', this.id, text, clientId, draft);
    if (reply.status === 'created') this.comments = upsertComment(this.comments, reply.comment);
    return reply;
  }

  async editComment(commentId: string, body: string): Promise<void> {
    const { comment } = await api.patch<{ comment: TaskComment }>(`/api/tasks/${this.id}/comments/${commentId}`, { body });
    this.comments = upsertComment(this.comments, comment);
  }

  async deleteComment(commentId: string): Promise<void> {
    const { comment } = await api.del<{ comment: TaskComment }>(`/api/tasks/${this.id}/comments/${commentId}`);
    this.comments = upsertComment(this.comments, comment);
  }

  /** Older comments (before the first one shown). */
  async loadOlder(): Promise<void> {
    const first = this.comments[0];
    if (!first) return;
    const { comments } = await api.get<{ comments: TaskComment[] }>(`/api/tasks/${this.id}/comments?limit=${COMMENTS}&before=${first.seq}`);
    let all = this.comments;
    for (const c of comments) all = upsertComment(all, c);
    this.comments = all;
    this.olderComments = comments.length >= COMMENTS;
  }

  async timer(op: 'start' | 'pause' | 'stop'): Promise<void> {
    const answer = await api.post<{ timer?: TaskTimer; entry?: TimeEntry; totals?: TimeTotals }>(`/api/tasks/${this.id}/timer/${op}`);
    tasksUser.setTimer(op === 'stop' ? null : (answer.timer ?? null));
    if (this.time && answer.entry) this.time = applyTimeEvent(this.time, { entry: answer.entry, totals: answer.totals }, Date.now());
    if (op !== 'stop') await this.reloadTime();
  }

  private async reloadTime(): Promise<void> {
    const time = await api.get<{ entries: TimeEntry[]; timers: TaskTimer[]; totals: TimeTotals }>(`/api/tasks/${this.id}/time`);
    this.time = { ...time, readAt: Date.now() };
  }

  async addTime(minutes: number, note: string): Promise<void> {
    const { entry, totals } = await api.post<{ entry: TimeEntry; totals: TimeTotals }>(`/api/tasks/${this.id}/time`, { minutes, note });
    if (this.time) this.time = applyTimeEvent(this.time, { entry, totals }, Date.now());
  }

  async deleteTime(entryId: string): Promise<void> {
    const { totals } = await api.del<{ totals: TimeTotals }>(`/api/tasks/${this.id}/time/${entryId}`);
    if (this.time) this.time = applyTimeEvent(this.time, { removedEntryId: entryId, totals }, Date.now());
  }

  async addReminder(at: string): Promise<void> {
    const { reminder } = await api.post<{ reminder: TaskReminder }>(`/api/tasks/${this.id}/reminders`, { at });
    this.reminders = [...this.reminders.filter((r) => r.id !== reminder.id), reminder].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  }

  async deleteReminder(reminderId: string): Promise<void> {
    await api.del(`/api/tasks/${this.id}/reminders/${reminderId}`);
    this.reminders = this.reminders.filter((r) => r.id !== reminderId);
  }
}
