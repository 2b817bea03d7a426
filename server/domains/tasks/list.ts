import { TASK_LIMITS, TASK_STATUSES, type TaskBoard, type TaskPage, type TaskStatus } from '../../../shared/tasks';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { decodeCursor, encodeCursor } from '../feed/cursor';
import { canUseTasks } from './policy';
import * as repo from './repo';
import { loadTasks } from './view';

/**
 * Lists and the board. Every list is among the tasks the viewer can see (the one SQL rule), newest
 * first (creation time, then id) with an opaque keyset cursor, so pages neither skip nor repeat tasks
 * while others are created.
 */

export interface ListQuery {
  scope: repo.TaskScope;
  cursor: string | null;
  limit: number;
}

async function page(svc: Services, actor: Actor, scope: repo.TaskScope, cursor: string | null, limit: number): Promise<TaskPage> {
  const size = Math.min(Math.max(limit, 1), TASK_LIMITS.pageMax);
  const rows = await repo.pageIds(svc.db, actor.id, scope, cursor ? decodeCursor(cursor) : null, size);
  const shown = rows.slice(0, size);
  const last = shown[shown.length - 1];
  return {
    tasks: await loadTasks(svc.db, actor, shown.map((r) => r.id)),
    nextCursor: rows.length > size ? encodeCursor({ at: last.at_text, id: last.id }) : null,
  };
}

/** One page of tasks. */
export async function listTasks(svc: Services, actor: Actor, q: ListQuery): Promise<TaskPage> {
  enforce(canUseTasks(actor), 'use tasks');
  return page(svc, actor, q.scope, q.cursor, q.limit);
}

/**
 * The kanban board: one column per status (those asked for, else all five, in workflow order), each
 * with its count and its first page; a column pages on with `status=<it>&cursor=<its nextCursor>`.
 */
export async function taskBoard(svc: Services, actor: Actor, q: Omit<ListQuery, 'cursor'>): Promise<TaskBoard> {
  enforce(canUseTasks(actor), 'use tasks');
  const statuses: TaskStatus[] = q.scope.statuses ?? [...TASK_STATUSES];
  const counts = await repo.statusCounts(svc.db, actor.id, q.scope);
  const columns = [];
  for (const status of statuses) {
    const first = await page(svc, actor, { ...q.scope, statuses: [status] }, null, q.limit);
    columns.push({ status, count: counts.get(status) ?? 0, ...first });
  }
  return { columns };
}
