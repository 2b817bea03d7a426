import { sql, type Queryable } from '../../db/pool';
import { taskStream, type TaskComment } from '../../../shared/tasks';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toComment(r: any): TaskComment {
  const deleted = r.deleted_at !== null;
  return {
    id: r.id,
    taskId: r.task_id,
    seq: r.seq,
    authorId: r.author_id,
    clientId: r.client_id,
    body: deleted ? '' : r.body,
    createdAt: r.created_at.toISOString(),
    editedAt: iso(r.edited_at),
    deletedAt: iso(r.deleted_at),
  };
}

export async function findComment(q: Queryable, id: string): Promise<TaskComment | null> {
  const rows = await q.query(sql`SELECT * FROM task_comments WHERE id = ${id}`);
  return rows.length ? toComment(rows[0]) : null;
}

export async function findByClientId(q: Queryable, authorId: string, clientId: string): Promise<TaskComment | null> {
  const rows = await q.query(sql`SELECT * FROM task_comments WHERE author_id = ${authorId} AND client_id = ${clientId}`);
  return rows.length ? toComment(rows[0]) : null;
}

export async function insertComment(
  q: Queryable,
  c: { id: string; taskId: string; seq: number; authorId: string; clientId: string; body: string },
): Promise<TaskComment> {
  const [row] = await q.query(sql`
    INSERT INTO task_comments (id, task_id, seq, author_id, client_id, body)
    VALUES (${c.id}, ${c.taskId}, ${c.seq}, ${c.authorId}, ${c.clientId}, ${c.body}) RETURNING *`);
  return toComment(row);
}

export async function editComment(q: Queryable, id: string, body: string): Promise<TaskComment> {
  const [row] = await q.query(sql`UPDATE task_comments SET body = ${body}, edited_at = now() WHERE id = ${id} RETURNING *`);
  return toComment(row);
}

/** Delete a comment, leaving a tombstone; its text goes from the row and from the stored events. */
export async function deleteComment(q: Queryable, id: string, taskId: string): Promise<TaskComment> {
  const [row] = await q.query(sql`UPDATE task_comments SET deleted_at = now(), body = '' WHERE id = ${id} RETURNING *`);
  await q.query(sql`
    UPDATE events SET payload = jsonb_set(payload, '{comment,body}', '""')
    WHERE stream_id = ${taskStream(taskId)} AND payload->'comment'->>'id' = ${id}::text`);
  return toComment(row);
}

/** A page of a task's comments (tombstones included), oldest first. */
export async function commentsPage(q: Queryable, taskId: string, before: number | null, limit: number): Promise<TaskComment[]> {
  const rows = await q.query(sql`
    SELECT * FROM task_comments
    WHERE task_id = ${taskId} AND (${before}::bigint IS NULL OR seq < ${before}::bigint)
    ORDER BY seq DESC LIMIT ${limit}`);
  return rows.map(toComment).reverse();
}

export async function liveCommentCount(q: Queryable, taskId: string): Promise<number> {
  const [row] = await q.query(sql`SELECT count(*)::int AS n FROM task_comments WHERE task_id = ${taskId} AND deleted_at IS NULL`);
  return row.n as number;
}

/** Move a person's read position on a task stream forward (never back); returns where it is. */
export async function markRead(q: Queryable, taskId: string, userId: string, seq: number): Promise<{ readSeq: number; moved: boolean }> {
  const before = await q.query(sql`SELECT read_seq FROM task_reads WHERE task_id = ${taskId} AND user_id = ${userId}`);
  const [row] = await q.query(sql`
    INSERT INTO task_reads (task_id, user_id, read_seq) VALUES (${taskId}, ${userId}, ${seq})
    ON CONFLICT (task_id, user_id) DO UPDATE SET read_seq = GREATEST(task_reads.read_seq, EXCLUDED.read_seq)
    RETURNING read_seq`);
  const was = before.length ? (before[0].read_seq as number) : 0;
  return { readSeq: row.read_seq as number, moved: row.read_seq !== was };
}
