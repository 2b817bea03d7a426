import { sql, type Queryable } from '../../db/pool';
import type { TaskCounters } from '../../../shared/tasks';
import type { Unit } from '../../db/unit';
import { userStream } from '../streams/access';
import { ACTIVE, visibleToUser } from './repo';

/**
 * The red counters of the sidebar, derived from the tasks and the per-user read positions (so every
 * device shows the same numbers):
 * - overdue: active tasks I am responsible for whose deadline has passed;
 * - needs attention: tasks I am named on (creator, responsible, participant, observer) that have
 *   comments by others after my read position, or that wait for my control (I created them), or whose
 *   deadline falls within 24 hours (active, I am responsible). A task counts once; the three parts
 *   are given too.
 */
export async function countersFor(q: Queryable, userId: string): Promise<TaskCounters> {
  const [r] = await q.query(sql`
    WITH named AS (
      SELECT t.id, t.creator_id, t.responsible_id, t.status, t.deadline,
        EXISTS (SELECT 1 FROM task_comments c WHERE c.task_id = t.id AND c.deleted_at IS NULL AND c.author_id <> ${userId}::uuid
                  AND c.seq > COALESCE((SELECT r.read_seq FROM task_reads r WHERE r.task_id = t.id AND r.user_id = ${userId}::uuid), 0))
          AS unread
      FROM tasks t
      WHERE (t.creator_id = ${userId}::uuid OR t.responsible_id = ${userId}::uuid
             OR EXISTS (SELECT 1 FROM task_members m WHERE m.task_id = t.id AND m.user_id = ${userId}::uuid))
        AND ${visibleToUser(userId)}),
    flagged AS (
      SELECT unread,
        (status = 'waiting_control' AND creator_id = ${userId}::uuid) AS control,
        (responsible_id = ${userId}::uuid AND status = ANY(${ACTIVE}) AND deadline > now() AND deadline <= now() + interval '24 hours') AS due_soon,
        (responsible_id = ${userId}::uuid AND status = ANY(${ACTIVE}) AND deadline <= now()) AS overdue
      FROM named)
    SELECT count(*) FILTER (WHERE overdue)::int AS overdue,
      count(*) FILTER (WHERE unread OR control OR due_soon)::int AS needs_attention,
      count(*) FILTER (WHERE unread)::int AS new_comments,
      count(*) FILTER (WHERE control)::int AS waiting_control,
      count(*) FILTER (WHERE due_soon)::int AS due_soon
    FROM flagged`);
  return {
    overdue: r.overdue,
    needsAttention: r.needs_attention,
    newComments: r.new_comments,
    waitingControl: r.waiting_control,
    dueSoon: r.due_soon,
  };
}

/**
 * Push fresh counters to these people's own streams (`task_counters`), computed inside the writing
 * transaction so they include its change. Called by every action that can move them: a task
 * created or edited (people, deadline), a status change, a comment, a read mark, a deadline notice.
 */
export async function pushCounters(u: Unit, userIds: Iterable<string>, actorId: string | null): Promise<void> {
  for (const userId of new Set(userIds)) {
    await u.emit(userStream(userId), 'task_counters', await countersFor(u.tx, userId), actorId);
  }
}
