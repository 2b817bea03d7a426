import { randomUUID } from 'node:crypto';
import { AppError } from '../../../shared/errors';
import { TASK_LIMITS, type TaskReminder } from '../../../shared/tasks';
import type { Locale } from '../../../shared/types';
import { sql, type Queryable } from '../../db/pool';
import type { Unit } from '../../db/unit';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { userStream } from '../streams/access';
import { accessTask } from './access';
import { mailNotice } from './mail';
import { canReadTask } from './policy';
import { visibleTo } from './repo';
import { checkFuture } from './validate';
import { loadTask, summarize } from './view';

/**
 * Personal reminders: "remind me about this task at ...", for whoever sees the task, for themselves
 * only. Each is a row and a job keyed `task-reminder:<id>`; at its time the person gets
 * `task_reminder {kind: 'personal', reminderId, task}` on their own stream and a mail, once, if they
 * can still see the task.
 */
export const REMINDER_JOB = 'task.reminder';
const reminderKey = (id: string) => `task-reminder:${id}`;

const toReminder = (r: any): TaskReminder => ({
  id: r.id, taskId: r.task_id, at: r.remind_at.toISOString(), sentAt: r.sent_at ? r.sent_at.toISOString() : null,
});

export async function addReminder(svc: Services, actor: Actor, taskId: string, at: Date): Promise<TaskReminder> {
  const { rel } = await accessTask(svc.db, actor, taskId);
  enforce(canReadTask(actor, rel), 'see this task');
  checkFuture(at, 'at', 'reminder time');
  return svc.write(async (u) => {
    await accessTask(u.tx, actor, taskId, true);
    const [{ n }] = await u.tx.query(sql`
      SELECT count(*)::int AS n FROM task_reminders WHERE task_id = ${taskId} AND user_id = ${actor.id} AND sent_at IS NULL`);
    if (n >= TASK_LIMITS.remindersMax) throw new AppError('conflict', `At most ${TASK_LIMITS.remindersMax} pending reminders per task`);
    const id = randomUUID();
    const [row] = await u.tx.query(sql`
      INSERT INTO task_reminders (id, task_id, user_id, remind_at) VALUES (${id}, ${taskId}, ${actor.id}, ${at}) RETURNING *`);
    await svc.jobs.schedule(u.tx, { kind: REMINDER_JOB, key: reminderKey(id), runAt: at, payload: { reminderId: id } });
    return toReminder(row);
  });
}

/** My reminders on a task, pending and sent, soonest first. */
export async function listReminders(svc: Services, actor: Actor, taskId: string): Promise<TaskReminder[]> {
  const { rel } = await accessTask(svc.db, actor, taskId);
  enforce(canReadTask(actor, rel), 'see this task');
  return myReminders(svc.db, taskId, actor.id);
}

async function myReminders(q: Queryable, taskId: string, userId: string): Promise<TaskReminder[]> {
  const rows = await q.query(sql`
    SELECT * FROM task_reminders WHERE task_id = ${taskId} AND user_id = ${userId} ORDER BY remind_at, id`);
  return rows.map(toReminder);
}

export async function deleteReminder(svc: Services, actor: Actor, taskId: string, reminderId: string): Promise<void> {
  const { rel } = await accessTask(svc.db, actor, taskId);
  enforce(canReadTask(actor, rel), 'see this task');
  await svc.write(async (u) => {
    const gone = await u.tx.query(sql`
      DELETE FROM task_reminders WHERE id = ${reminderId} AND task_id = ${taskId} AND user_id = ${actor.id} RETURNING id`);
    if (!gone.length) throw new AppError('not_found', 'No such reminder');
    await svc.jobs.cancel(u.tx, reminderKey(reminderId));
  });
}

interface DueReminder {
  task_id: string;
  user_id: string;
  sent_at: Date | null;
  email: string;
  locale: Locale;
  title: string;
  deadline: Date | null;
  visible: boolean;
}

/** The job: tell the person, once, if they can still see the task. */
export async function runPersonalReminder(svc: Services, u: Unit, reminderId: string): Promise<void> {
  const [r] = (await u.tx.query(sql`
    SELECT r.task_id, r.user_id, r.sent_at, u.email, u.locale, t.title, t.deadline, ${visibleTo(sql`r.user_id`)} AS visible
    FROM task_reminders r JOIN users u ON u.id = r.user_id JOIN tasks t ON t.id = r.task_id
    WHERE r.id = ${reminderId} FOR UPDATE OF r`)) as DueReminder[];
  if (!r || r.sent_at) return;
  await u.tx.query(sql`UPDATE task_reminders SET sent_at = now() WHERE id = ${reminderId}`);
  if (!r.visible) return;
  const task = summarize(await loadTask(u.tx, null, r.task_id));
  await u.emit(userStream(r.user_id), 'task_reminder', { kind: 'personal', reminderId, task }, null);
  await mailNotice(svc, u, 'personal', { to: r.email, locale: r.locale, taskId: r.task_id, title: r.title, deadline: r.deadline });
}
