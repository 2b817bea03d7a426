import { taskStream, type Task, type TaskAction, type TaskStatus, type TaskSummary } from '../../../shared/tasks';
import type { Unit } from '../../db/unit';
import type { Services } from '../../services';
import { userStream } from '../streams/access';
import { pushCounters } from './counters';
import { blindAmong, involvedIds } from './repo';
import { streamChannel } from '../streams';
import { loadTask, summarize } from './view';

/**
 * Where the tasks' events go:
 * - `task:<id>` (whoever sees the task): `task_created {task, summary}`, `task_changed {task, summary,
 *   changes, transition?}`, `comment_created|edited|deleted`, `checklist_changed`, `time_changed`,
 *   `task_reminder` and `task_overdue` (deadline notices);
 * - `user:<id>`: `task_assigned {task: TaskSummary, role}` and `task_unassigned {taskId}` when someone
 *   is named on a task or taken off it (lists add or drop it live), `task_counters {...TaskCounters}`
 *   whenever an action may have moved that person's counters, `task_read {taskId, readSeq}` for their
 *   other devices, `task_reminder` / `task_overdue` for the responsible (and personal reminders),
 *   `task_timer {timer|null}` when their timer changes.
 * Stream events carry tasks viewer-neutral: `allowedActions` empty, `can` all false, `readSeq` 0.
 */

/** What changed, for `task_changed` and for listeners. */
export type TaskChangeKey =
  | 'created' | 'title' | 'description' | 'responsible' | 'participants' | 'observers' | 'deadline' | 'priority'
  | 'plannedMinutes' | 'group' | 'requireControl' | 'status';

export interface TaskChange {
  task: Task;
  summary: TaskSummary;
  changes: TaskChangeKey[];
  transition?: { action: TaskAction; from: TaskStatus; to: TaskStatus };
  actorId: string;
}

/**
 * Runs inside the writing transaction after a task was created or changed, with the unit of work: what
 * a listener writes and emits commits (or rolls back) with the change. The chat integration registers
 * one to post cards and changes back into the task's origin chat (`change.summary.origin`).
 */
export type TaskChangeListener = (u: Unit, change: TaskChange) => Promise<void>;

const listeners = new WeakMap<Services, TaskChangeListener[]>();

/** Register a listener for every task creation and change of this node (at start-up). */
export function onTaskChanged(svc: Services, listener: TaskChangeListener): void {
  listeners.set(svc, [...(listeners.get(svc) ?? []), listener]);
}

/** Emit the change on the task's stream, tell the listeners, and push counters to everyone named. */
export async function taskChanged(
  svc: Services,
  u: Unit,
  taskId: string,
  changes: TaskChangeKey[],
  actorId: string,
  transition?: TaskChange['transition'],
): Promise<Task> {
  let task!: Task;
  // Read after the seq is taken, so that the task carries the head that includes this event.
  await u.emit(taskStream(taskId), changes.includes('created') ? 'task_created' : 'task_changed', async () => {
    task = await loadTask(u.tx, null, taskId);
    return changes.includes('created') ? { task, summary: summarize(task) } : { task, summary: summarize(task), changes, ...(transition ? { transition } : {}) };
  }, actorId);
  const change: TaskChange = { task, summary: summarize(task), changes, transition, actorId };
  for (const listener of listeners.get(svc) ?? []) await listener(u, change);
  return task;
}

/** People newly named on a task, and those taken off it, learn it on their own streams. */
export async function peopleChanged(
  u: Unit,
  summary: TaskSummary,
  added: { userId: string; role: 'responsible' | 'participant' | 'observer' }[],
  removed: string[],
  actorId: string,
): Promise<void> {
  for (const a of added) if (a.userId !== actorId) await u.emit(userStream(a.userId), 'task_assigned', { task: summary, role: a.role }, actorId);
  for (const id of removed) await u.emit(userStream(id), 'task_unassigned', { taskId: summary.id }, actorId);
}

/**
 * People taken off a task who can no longer see it stop following its stream at once, on every node
 * (`stream_revoked`), after the commit.
 */
export async function revokeBlind(svc: Services, u: Unit, taskId: string, userIds: string[]): Promise<void> {
  const channel = streamChannel(taskStream(taskId));
  for (const userId of await blindAmong(u.tx, taskId, userIds)) u.afterCommit(() => svc.control({ type: 'revoke_stream', userId, channel }));
}

/** Counters of everyone named on the task (and of `extra`, e.g. people just taken off it). */
export async function pushTaskCounters(u: Unit, taskId: string, actorId: string | null, extra: string[] = []): Promise<void> {
  await pushCounters(u, [...(await involvedIds(u.tx, taskId)), ...extra], actorId);
}
