import type { Queryable } from '../../db/pool';
import type { Actor, Verdict } from '../people/policy';
import { canReadTask, canUseTasks } from './policy';
import { relationOf } from './access';
import { taskAccess } from './repo';

/**
 * Tasks: creator, responsible, participants, observers, statuses with control, deadline, checklist,
 * comments, time tracking, counters, deadline notices and personal reminders. Routes in
 * server/http/taskRoutes.ts; the visibility rule in policy.ts (`canSeeTask`) and repo.ts (`visibleTo`);
 * streams and events in events.ts; jobs in jobs.ts.
 *
 * For the chat integration: `createTask(svc, actor, input, origin)` creates a task from a chat
 * message (the same action as POST /api/tasks); `onTaskChanged(svc, listener)` runs a listener inside
 * the transaction of every creation and change, with the task's `TaskSummary` (to post and update
 * cards in the origin chat).
 */
export { changeStatus, createTask, editTask, getCounters, getTask } from './actions';
export { addItem, deleteItem, editItem, getChecklist, reorderItems } from './checklist';
export { addComment, deleteComment, editComment, listComments, markTaskRead } from './comments';
export { onTaskChanged, type TaskChange, type TaskChangeListener } from './events';
export { registerTaskJobs, JOB_KINDS, dueSoonKey, overdueKey } from './jobs';
export { listTasks, taskBoard } from './list';
export { addReminder, deleteReminder, listReminders } from './reminders';
export { addEntry, deleteEntry, myTimer, pauseTimer, startTimer, stopTimer, taskTime } from './time';
export { canSeeTask } from './policy';
export { summarize } from './view';

/** May the actor follow `task:<id>`? Whoever can see the task; unknown tasks are not found. */
export async function taskStreamAccess(db: Queryable, actor: Actor, taskId: string): Promise<Verdict> {
  if (canUseTasks(actor)) return 'forbidden';
  const task = await taskAccess(db, taskId, actor.id);
  if (!task) return 'not_found';
  return canReadTask(actor, relationOf(task, actor.id));
}
