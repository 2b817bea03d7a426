/**
 * The tasks' part of my own stream (`user:<me>`, followed once by the chats store and shared through its
 * `userEvents`): my red counters (`GET /api/tasks/counters`, then `task_counters` events), my timer
 * (`GET /api/tasks/timer`, then `task_timer`), and the events open task lists and pages hear through
 * `listen` (`task_assigned`, `task_unassigned`, `task_read`). Deadline notices and personal reminders
 * show as browser notifications while the tab is hidden.
 */
import type { TaskCounters, TaskSummary, TaskTimer } from '$shared/tasks';
import type { StreamEvent } from '$shared/types';
import { api } from '../api';
import { userEvents } from '../chats/chats.svelte';
import { notifier } from '../chats/notify.svelte';
import { t } from '../i18n/index.svelte';
import { Listeners } from '../realtime/listeners';
import { session } from '../session.svelte';
import { countersOf } from './model';

class TasksUser {
  /** Whose numbers these are (a new sign-in in the same tab starts over). */
  private state = $state<{ owner: string | null; counters: TaskCounters | null; timer: TaskTimer | null }>({ owner: null, counters: null, timer: null });
  counters = $derived(this.state.owner !== null && this.state.owner === session.me?.id ? this.state.counters : null);
  /** My timer, whichever task it runs on. */
  timer = $derived(this.state.owner !== null && this.state.owner === session.me?.id ? this.state.timer : null);

  private readonly listeners = new Listeners<[StreamEvent]>((m, d) => console.warn(m, d ?? ''), 'tasks user event');
  /** Bumped by every event that sets the counters / the timer: a load started before one does not undo it. */
  private countersSeen = 0;
  private timerSeen = 0;
  private loadedFor: string | null = null;
  private wasOffline = false;

  constructor() {
    userEvents.add((ev) => this.onEvent(ev));
  }

  /** Hear my stream's task events (while a list or a task page is open); returns the function that stops. */
  listen(handler: (ev: StreamEvent) => void): () => void {
    return this.listeners.add(handler);
  }

  /**
   * Keep the counters and the timer loaded for the signed-in person: at once, when someone else signs
   * in, and after the connection comes back (a stream that had to reload does not replay its events).
   * A component's effect calls it with the signed-in person and whether the connection is up.
   */
  follow(me: string | null, online: boolean): void {
    if (!me) return;
    const back = online && this.wasOffline;
    this.wasOffline = !online && (this.wasOffline || this.loadedFor === me);
    if (me !== this.loadedFor || back) {
      this.loadedFor = me;
      void this.load();
    }
  }

  /** Load my counters and timer again. */
  async load(): Promise<void> {
    const me = session.me?.id ?? null;
    if (!me) return;
    if (me !== this.state.owner) this.state = { owner: me, counters: null, timer: null };
    const [cs, ts] = [this.countersSeen, this.timerSeen];
    try {
      const [counters, { timer }] = await Promise.all([api.get<TaskCounters>('/api/tasks/counters'), api.get<{ timer: TaskTimer | null }>('/api/tasks/timer')]);
      if (me !== this.state.owner) return;
      this.state = {
        owner: me,
        counters: cs === this.countersSeen ? countersOf(counters) : this.state.counters,
        timer: ts === this.timerSeen ? timer : this.state.timer,
      };
    } catch (e) {
      console.warn('tasks: counters failed', e);
    }
  }

  /** A request's answer about my timer (the event follows; this shows it at once). */
  setTimer(timer: TaskTimer | null): void {
    if (this.state.owner !== session.me?.id) return;
    this.state = { ...this.state, timer };
    this.timerSeen++;
  }

  private onEvent(ev: StreamEvent): void {
    const me = session.me?.id ?? null;
    if (!ev.event.type.startsWith('task_')) return;
    if (me !== this.state.owner) this.state = { owner: me, counters: null, timer: null };
    const p = (ev.event.payload ?? {}) as { timer?: TaskTimer | null; task?: TaskSummary; kind?: string; reminderId?: string; role?: string };
    switch (ev.event.type) {
      case 'task_counters': {
        const counters = countersOf(ev.event.payload);
        if (counters) this.state = { ...this.state, counters };
        this.countersSeen++;
        break;
      }
      case 'task_timer':
        this.state = { ...this.state, timer: p.timer ?? null };
        this.timerSeen++;
        break;
      case 'task_assigned':
        if (p.task) this.notify(t('tasks.notify.assigned'), p.task, `task-assigned-${p.task.id}`);
        break;
      case 'task_overdue':
        if (p.task) this.notify(t('tasks.notify.overdue'), p.task, `task-overdue-${p.task.id}`);
        break;
      case 'task_reminder':
        if (p.task) this.notify(p.kind === 'personal' ? t('tasks.notify.reminder') : t('tasks.notify.dueSoon'), p.task, `task-reminder-${p.reminderId ?? p.task.id}`);
        break;
    }
    this.listeners.emit(ev);
  }

  private notify(title: string, task: TaskSummary, tag: string): void {
    notifier.show(title, task.title, tag, `/app/tasks/${task.id}`);
  }
}

export const tasksUser = new TasksUser();
