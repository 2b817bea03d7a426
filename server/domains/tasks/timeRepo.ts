import { randomUUID } from 'node:crypto';
import { sql, type Queryable } from '../../db/pool';
import type { TaskTimer, TimeEntry, TimeTotals } from '../../../shared/tasks';

/** Serialises the timer changes of one person (whatever task they touch): one running timer each. */
const TIMER_LOCK = 720_541_014;

export async function lockTimerOf(q: Queryable, userId: string): Promise<void> {
  await q.query(sql`SELECT pg_advisory_xact_lock(${TIMER_LOCK}, hashtext(${userId}))`);
}

const toTimer = (r: any): TaskTimer => ({
  taskId: r.task_id, userId: r.user_id, startedAt: r.started_at ? r.started_at.toISOString() : null, accumulatedSeconds: r.accumulated_seconds,
});

const toEntry = (r: any): TimeEntry => ({
  id: r.id, taskId: r.task_id, userId: r.user_id, seconds: r.seconds, note: r.note, source: r.source, createdAt: r.created_at.toISOString(),
});

/**
 * Seconds a timer has counted up to now: its paused runs plus the current one. now() is the reading
 * transaction's start, which can be a moment before a run another transaction just started: never
 * count that as negative.
 */
export const counted = (alias: string) => sql`(${sql.ident(alias)}.accumulated_seconds
  + COALESCE(GREATEST(0, floor(extract(epoch FROM now() - ${sql.ident(alias)}.started_at))), 0))::int`;
const COUNTED = counted('task_timers');

export async function timerOf(q: Queryable, userId: string): Promise<TaskTimer | null> {
  const rows = await q.query(sql`SELECT * FROM task_timers WHERE user_id = ${userId}`);
  return rows.length ? toTimer(rows[0]) : null;
}

export async function timersOnTask(q: Queryable, taskId: string): Promise<TaskTimer[]> {
  const rows = await q.query(sql`SELECT * FROM task_timers WHERE task_id = ${taskId} ORDER BY user_id`);
  return rows.map(toTimer);
}

export async function startTimer(q: Queryable, userId: string, taskId: string): Promise<TaskTimer> {
  const [row] = await q.query(sql`
    INSERT INTO task_timers (user_id, task_id, started_at) VALUES (${userId}, ${taskId}, now()) RETURNING *`);
  return toTimer(row);
}

export async function resumeTimer(q: Queryable, userId: string): Promise<TaskTimer> {
  const [row] = await q.query(sql`UPDATE task_timers SET started_at = now() WHERE user_id = ${userId} RETURNING *`);
  return toTimer(row);
}

export async function pauseTimer(q: Queryable, userId: string): Promise<TaskTimer> {
  const [row] = await q.query(sql`
    UPDATE task_timers SET accumulated_seconds = ${COUNTED}, started_at = NULL WHERE user_id = ${userId} RETURNING *`);
  return toTimer(row);
}

/**
 * Stop a person's timer: what it counted becomes a time entry of its task. Null when it was gone
 * meanwhile (its task was just completed, which stopped it).
 */
export async function finishTimer(q: Queryable, userId: string): Promise<TimeEntry | null> {
  const rows = await q.query(sql`
    WITH stopped AS (DELETE FROM task_timers WHERE user_id = ${userId} RETURNING task_id, user_id, ${COUNTED} AS seconds)
    INSERT INTO task_time_entries (id, task_id, user_id, seconds, source)
    SELECT ${randomUUID()}, task_id, user_id, seconds, 'timer' FROM stopped RETURNING *`);
  return rows.length ? toEntry(rows[0]) : null;
}

/**
 * Stop every timer on a task, turning each into an entry; returns whose. Timers another transaction is
 * moving right now (their owner starting one elsewhere, which stops this one itself) are skipped
 * rather than waited for: waiting could deadlock with that transaction, which waits for this task.
 */
export async function finishTimersOnTask(q: Queryable, taskId: string): Promise<string[]> {
  const rows = await q.query(sql`
    WITH stopped AS (
      DELETE FROM task_timers WHERE task_id = ${taskId} AND user_id IN (
        SELECT user_id FROM task_timers WHERE task_id = ${taskId} FOR UPDATE SKIP LOCKED)
      RETURNING task_id, user_id, ${COUNTED} AS seconds)
    INSERT INTO task_time_entries (id, task_id, user_id, seconds, source)
    SELECT gen_random_uuid(), task_id, user_id, seconds, 'timer' FROM stopped RETURNING user_id`);
  return rows.map((r) => r.user_id as string);
}

export async function insertEntry(q: Queryable, e: { taskId: string; userId: string; seconds: number; note: string }): Promise<TimeEntry> {
  const [row] = await q.query(sql`
    INSERT INTO task_time_entries (id, task_id, user_id, seconds, note, source)
    VALUES (${randomUUID()}, ${e.taskId}, ${e.userId}, ${e.seconds}, ${e.note}, 'manual') RETURNING *`);
  return toEntry(row);
}

export async function findEntry(q: Queryable, taskId: string, entryId: string): Promise<TimeEntry | null> {
  const rows = await q.query(sql`SELECT * FROM task_time_entries WHERE id = ${entryId} AND task_id = ${taskId}`);
  return rows.length ? toEntry(rows[0]) : null;
}

export async function deleteEntry(q: Queryable, entryId: string): Promise<void> {
  await q.query(sql`DELETE FROM task_time_entries WHERE id = ${entryId}`);
}

/** A task's entries, newest first. */
export async function entries(q: Queryable, taskId: string): Promise<TimeEntry[]> {
  const rows = await q.query(sql`SELECT * FROM task_time_entries WHERE task_id = ${taskId} ORDER BY created_at DESC, id DESC`);
  return rows.map(toEntry);
}

/** Planned against actual: logged time plus what timers have counted so far, in total and per person. */
export async function totals(q: Queryable, taskId: string): Promise<TimeTotals> {
  const rows = await q.query(sql`
    SELECT user_id, sum(seconds)::int AS seconds FROM (
      SELECT user_id, seconds FROM task_time_entries WHERE task_id = ${taskId}
      UNION ALL SELECT user_id, ${COUNTED} FROM task_timers WHERE task_id = ${taskId}) x
    GROUP BY user_id ORDER BY sum(seconds) DESC, user_id`);
  const [task] = await q.query(sql`SELECT planned_minutes FROM tasks WHERE id = ${taskId}`);
  const byPerson = rows.map((r) => ({ userId: r.user_id as string, seconds: r.seconds as number }));
  return { plannedMinutes: task?.planned_minutes ?? null, spentSeconds: byPerson.reduce((s, p) => s + p.seconds, 0), byPerson };
}
