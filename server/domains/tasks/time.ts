import { AppError } from '../../../shared/errors';
import { ACTIVE_STATUSES, taskStream, type TaskTimer, type TimeEntry, type TimeTotals } from '../../../shared/tasks';
import type { Unit } from '../../db/unit';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { userStream } from '../streams/access';
import { accessTask } from './access';
import { canDeleteTimeEntry, canReadTask, canTrackTime, canUseTasks } from './policy';
import * as repo from './timeRepo';

/**
 * Time tracking: a timer per person (start, pause, resume by starting again, stop) and manual entries.
 * One timer per person across all tasks: starting one on another task stops the first, whose time
 * becomes an entry of its task. Completing or deferring a task stops the timers running on it.
 * Changes go out as `time_changed {taskId, totals, timers, entry?, removedEntryId?}` on the task stream
 * and `task_timer {timer|null}` on the person's own stream (their other devices show the same timer).
 */

async function timeChanged(u: Unit, taskId: string, actorId: string, extra: { entry?: TimeEntry; removedEntryId?: string } = {}): Promise<TimeTotals> {
  const totals = await repo.totals(u.tx, taskId);
  await u.emit(taskStream(taskId), 'time_changed', { taskId, totals, timers: await repo.timersOnTask(u.tx, taskId), ...extra }, actorId);
  return totals;
}

const timerEvent = (u: Unit, userId: string, timer: TaskTimer | null, actorId: string) => u.emit(userStream(userId), 'task_timer', { timer }, actorId);

/**
 * Check the actor may log time on the task and that it is being worked on. Timer changes take the task
 * row's share lock only: a status change (which stops the task's timers) waits for them, while two
 * people moving their timers between the same tasks do not block each other.
 */
async function workable(u: Unit, actor: Actor, taskId: string): Promise<void> {
  const { task, rel } = await accessTask(u.tx, actor, taskId, 'share');
  enforce(canTrackTime(actor, rel), 'track time on this task');
  if (!ACTIVE_STATUSES.includes(task.status)) throw new AppError('conflict', `The timer runs only while a task is new or in progress; it is ${task.status}`);
}

/** Start (or resume) my timer on a task; a timer of mine on another task is stopped first. */
export async function startTimer(svc: Services, actor: Actor, taskId: string): Promise<{ timer: TaskTimer; stopped: TimeEntry | null }> {
  return svc.write(async (u) => {
    await workable(u, actor, taskId);
    await repo.lockTimerOf(u.tx, actor.id);
    const current = await repo.timerOf(u.tx, actor.id);
    if (current?.taskId === taskId && current.startedAt) return { timer: current, stopped: null };
    let stopped: TimeEntry | null = null;
    if (current && current.taskId !== taskId) {
      stopped = await repo.finishTimer(u.tx, actor.id);
      if (stopped) await timeChanged(u, stopped.taskId, actor.id, { entry: stopped });
    }
    const timer = current?.taskId === taskId ? await repo.resumeTimer(u.tx, actor.id) : await repo.startTimer(u.tx, actor.id, taskId);
    await timeChanged(u, taskId, actor.id);
    await timerEvent(u, actor.id, timer, actor.id);
    return { timer, stopped };
  });
}

async function myTimerOn(u: Unit, actor: Actor, taskId: string): Promise<TaskTimer> {
  const { rel } = await accessTask(u.tx, actor, taskId, 'share');
  enforce(canTrackTime(actor, rel), 'track time on this task');
  await repo.lockTimerOf(u.tx, actor.id);
  const timer = await repo.timerOf(u.tx, actor.id);
  if (!timer || timer.taskId !== taskId) throw new AppError('conflict', 'You have no timer on this task');
  return timer;
}

/** Pause my running timer on a task (start resumes it; stop logs it). */
export async function pauseTimer(svc: Services, actor: Actor, taskId: string): Promise<{ timer: TaskTimer }> {
  return svc.write(async (u) => {
    const current = await myTimerOn(u, actor, taskId);
    if (!current.startedAt) return { timer: current };
    const timer = await repo.pauseTimer(u.tx, actor.id);
    await timeChanged(u, taskId, actor.id);
    await timerEvent(u, actor.id, timer, actor.id);
    return { timer };
  });
}

/** Stop my timer on a task: what it counted becomes a time entry. */
export async function stopTimer(svc: Services, actor: Actor, taskId: string): Promise<{ entry: TimeEntry; totals: TimeTotals }> {
  return svc.write(async (u) => {
    await myTimerOn(u, actor, taskId);
    const entry = await repo.finishTimer(u.tx, actor.id);
    if (!entry) throw new AppError('conflict', 'You have no timer on this task');
    const totals = await timeChanged(u, taskId, actor.id, { entry });
    await timerEvent(u, actor.id, null, actor.id);
    return { entry, totals };
  });
}

/** Stop every timer on a task (it was completed or deferred), turning them into entries. */
export async function finishTimersOnTask(u: Unit, taskId: string, actorId: string): Promise<void> {
  const stopped = await repo.finishTimersOnTask(u.tx, taskId);
  for (const userId of stopped) await timerEvent(u, userId, null, actorId);
  if (stopped.length) await timeChanged(u, taskId, actorId);
}

/** My timer, whichever task it is on (null when I have none). */
export async function myTimer(svc: Services, actor: Actor): Promise<TaskTimer | null> {
  enforce(canUseTasks(actor), 'use tasks');
  return repo.timerOf(svc.db, actor.id);
}

/** Log time by hand (any status: time is often logged after the fact). */
export async function addEntry(svc: Services, actor: Actor, taskId: string, input: { minutes: number; note: string }): Promise<{ entry: TimeEntry; totals: TimeTotals }> {
  return svc.write(async (u) => {
    const { rel } = await accessTask(u.tx, actor, taskId, 'share');
    enforce(canTrackTime(actor, rel), 'track time on this task');
    const entry = await repo.insertEntry(u.tx, { taskId, userId: actor.id, seconds: input.minutes * 60, note: input.note });
    const totals = await timeChanged(u, taskId, actor.id, { entry });
    return { entry, totals };
  });
}

export async function deleteEntry(svc: Services, actor: Actor, taskId: string, entryId: string): Promise<{ totals: TimeTotals }> {
  return svc.write(async (u) => {
    const { rel } = await accessTask(u.tx, actor, taskId, 'share');
    const entry = await repo.findEntry(u.tx, taskId, entryId);
    if (!entry) {
      enforce(canReadTask(actor, rel), 'see this task');
      throw new AppError('not_found', 'No such time entry');
    }
    enforce(canDeleteTimeEntry(actor, rel, entry), 'delete this time entry');
    await repo.deleteEntry(u.tx, entryId);
    return { totals: await timeChanged(u, taskId, actor.id, { removedEntryId: entryId }) };
  });
}

/** A task's time: entries (newest first), running and paused timers, planned against actual. */
export async function taskTime(svc: Services, actor: Actor, taskId: string) {
  const { rel } = await accessTask(svc.db, actor, taskId);
  enforce(canReadTask(actor, rel), 'see this task');
  const [entries, timers, totals] = await Promise.all([repo.entries(svc.db, taskId), repo.timersOnTask(svc.db, taskId), repo.totals(svc.db, taskId)]);
  return { entries, timers, totals };
}
