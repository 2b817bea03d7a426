import { randomUUID } from 'node:crypto';
import { sql, type Queryable } from '../../db/pool';
import type { ChecklistItem } from '../../../shared/tasks';

const toItem = (r: any): ChecklistItem => ({
  id: r.id, text: r.text, done: r.done, doneBy: r.done_by, doneAt: r.done_at ? r.done_at.toISOString() : null,
});

/** A task's checklist in its order. */
export async function checklist(q: Queryable, taskId: string): Promise<ChecklistItem[]> {
  const rows = await q.query(sql`SELECT * FROM task_checklist WHERE task_id = ${taskId} ORDER BY position, id`);
  return rows.map(toItem);
}

export async function itemCount(q: Queryable, taskId: string): Promise<number> {
  const [r] = await q.query(sql`SELECT count(*)::int AS n FROM task_checklist WHERE task_id = ${taskId}`);
  return r.n as number;
}

/** Append items at the end of the list. */
export async function appendItems(q: Queryable, taskId: string, texts: string[]): Promise<string[]> {
  if (!texts.length) return [];
  const ids = texts.map(() => randomUUID());
  await q.query(sql`
    INSERT INTO task_checklist (id, task_id, position, text)
    SELECT id, ${taskId}, (SELECT COALESCE(max(position), 0) FROM task_checklist WHERE task_id = ${taskId}) + n, text
    FROM unnest(${ids}::uuid[], ${texts}::text[]) WITH ORDINALITY AS x(id, text, n)`);
  return ids;
}

export async function findItem(q: Queryable, taskId: string, itemId: string): Promise<ChecklistItem | null> {
  const rows = await q.query(sql`SELECT * FROM task_checklist WHERE id = ${itemId} AND task_id = ${taskId}`);
  return rows.length ? toItem(rows[0]) : null;
}

export async function editItem(q: Queryable, itemId: string, change: { text?: string; done?: boolean }, userId: string): Promise<void> {
  if (change.text !== undefined) await q.query(sql`UPDATE task_checklist SET text = ${change.text} WHERE id = ${itemId}`);
  if (change.done !== undefined) {
    await q.query(sql`
      UPDATE task_checklist SET done = ${change.done},
        done_by = CASE WHEN ${change.done} THEN ${userId}::uuid END, done_at = CASE WHEN ${change.done} THEN now() END
      WHERE id = ${itemId} AND done IS DISTINCT FROM ${change.done}`);
  }
}

export async function deleteItem(q: Queryable, itemId: string): Promise<void> {
  await q.query(sql`DELETE FROM task_checklist WHERE id = ${itemId}`);
}

/** Put the items in this order (the caller checked that it names each item once). */
export async function reorder(q: Queryable, taskId: string, itemIds: string[]): Promise<void> {
  await q.query(sql`
    UPDATE task_checklist c SET position = x.n
    FROM unnest(${itemIds}::uuid[]) WITH ORDINALITY AS x(id, n)
    WHERE c.id = x.id AND c.task_id = ${taskId}`);
}
