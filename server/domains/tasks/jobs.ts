import { sql, type Queryable } from '../../db/pool';
import type { Unit } from '../../db/unit';
import type { Services } from '../../services';
import { ACTIVE_STATUSES, taskStream, type TaskStatus } from '../../../shared/tasks';
import type { Locale } from '../../../shared/types';
import { userStream } from '../streams/access';
import { pushCounters } from './counters';
import { mailNotice } from './mail';
import { REMINDER_JOB, runPersonalReminder } from './reminders';
import { loadTask, summarize } from './view';

/**
 * Deadline notices and personal reminders, as persistent jobs (server/jobs/scheduler.ts: exactly once
 * across nodes and restarts). A task with a deadline, while active (new or in progress), has two keyed
 * jobs: `task:<id>:due-soon` 24 hours before the deadline (or at once when it is closer) and
 * `task:<id>:overdue` at the deadline. Moving the deadline moves them (same keys); completing,
 * deferring or clearing the deadline cancels them; renewing or reopening schedules them again. Each
 * handler re-reads the task under its lock and notifies only when still relevant, and at most once per
 * deadline value (the task row remembers the deadline it notified for), whatever reschedules the job.
 */
export const JOB_KINDS = { dueSoon: 'task.due_soon', overdue: 'task.overdue', reminder: REMINDER_JOB } as const;

export const dueSoonKey = (taskId: string) => `task:${taskId}:due-soon`;
export const overdueKey = (taskId: string) => `task:${taskId}:overdue`;

const DAY_MS = 24 * 3_600_000;

/** Register the tasks' job kinds on this node (once, before `svc.jobs.start()`). */
export function registerTaskJobs(svc: Services): void {
  svc.jobs.register(JOB_KINDS.dueSoon, (u, payload) => deadlineNotice(svc, u, payload.taskId, 'due_soon'));
  svc.jobs.register(JOB_KINDS.overdue, (u, payload) => deadlineNotice(svc, u, payload.taskId, 'overdue'));
  svc.jobs.register(JOB_KINDS.reminder, (u, payload) => runPersonalReminder(svc, u, payload.reminderId));
}

/** Bring a task's deadline jobs in line with its deadline and status (inside the writing transaction). */
export async function syncDeadlineJobs(svc: Services, q: Queryable, task: { id: string; status: TaskStatus; deadline: Date | null }): Promise<void> {
  if (!task.deadline || !ACTIVE_STATUSES.includes(task.status)) {
    await svc.jobs.cancel(q, dueSoonKey(task.id));
    await svc.jobs.cancel(q, overdueKey(task.id));
    return;
  }
  const now = Date.now();
  const deadline = task.deadline.getTime();
  const payload = { taskId: task.id };
  if (deadline > now) {
    await svc.jobs.schedule(q, { kind: JOB_KINDS.dueSoon, key: dueSoonKey(task.id), runAt: new Date(Math.max(now, deadline - DAY_MS)), payload });
  } else {
    await svc.jobs.cancel(q, dueSoonKey(task.id));
  }
  await svc.jobs.schedule(q, { kind: JOB_KINDS.overdue, key: overdueKey(task.id), runAt: task.deadline, payload });
}

interface NoticeFacts {
  status: TaskStatus;
  title: string;
  deadline: Date | null;
  sent_for: Date | null;
  responsible_id: string;
  email: string;
  locale: Locale;
  active: boolean;
}

async function noticeFacts(q: Queryable, taskId: string, kind: 'due_soon' | 'overdue'): Promise<NoticeFacts | null> {
  const sentFor = kind === 'due_soon' ? sql`t.due_soon_sent_for` : sql`t.overdue_sent_for`;
  const rows = await q.query(sql`
    SELECT t.status, t.title, t.deadline, ${sentFor} AS sent_for, t.responsible_id, u.email, u.locale, u.active AND u.role <> 'guest' AS active
    FROM tasks t JOIN users u ON u.id = t.responsible_id WHERE t.id = ${taskId} FOR UPDATE OF t`);
  return (rows[0] as NoticeFacts) ?? null;
}

/** Still worth saying? Active, the deadline as scheduled for, not said yet, and (due soon) not passed. */
function relevant(f: NoticeFacts, kind: 'due_soon' | 'overdue', now: number): boolean {
  if (!f.deadline || !ACTIVE_STATUSES.includes(f.status)) return false;
  if (f.sent_for && f.sent_for.getTime() === f.deadline.getTime()) return false;
  const due = f.deadline.getTime();
  return kind === 'due_soon' ? due > now && due - now <= DAY_MS + 60_000 : due <= now;
}

/** Tell the responsible (own stream and mail) and the task's followers that the deadline is near or past. */
async function deadlineNotice(svc: Services, u: Unit, taskId: string, kind: 'due_soon' | 'overdue'): Promise<void> {
  const f = await noticeFacts(u.tx, taskId, kind);
  if (!f || !relevant(f, kind, Date.now())) return;
  const column = kind === 'due_soon' ? sql`due_soon_sent_for` : sql`overdue_sent_for`;
  await u.tx.query(sql`UPDATE tasks SET ${column} = deadline WHERE id = ${taskId}`);
  const summary = summarize(await loadTask(u.tx, null, taskId));
  const type = kind === 'due_soon' ? 'task_reminder' : 'task_overdue';
  const payload = kind === 'due_soon' ? { kind, task: summary } : { task: summary };
  await u.emit(taskStream(taskId), type, payload, null);
  if (!f.active) return;
  await u.emit(userStream(f.responsible_id), type, payload, null);
  await pushCounters(u, [f.responsible_id], null);
  await mailNotice(svc, u, kind, { to: f.email, locale: f.locale, taskId, title: f.title, deadline: f.deadline });
}
