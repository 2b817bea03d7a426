import { AppError } from '../../../shared/errors';
import type { Queryable } from '../../db/pool';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { canUseTasks, type TaskRelation } from './policy';
import { taskAccess, type RowLock, type TaskAccess } from './repo';

/** The actor's relation to a task, from its access facts. */
export function relationOf(task: TaskAccess, actorId: string): TaskRelation {
  return {
    visible: task.visible,
    creator: task.creatorId === actorId,
    responsible: task.responsibleId === actorId,
    participant: task.memberRole === 'participant',
    observer: task.memberRole === 'observer',
  };
}

/**
 * The task, whether the actor can see it (by the one SQL rule), and their relation to it. Unknown tasks
 * are not found; the caller's policy turns "not visible" into forbidden. With `lock` (inside a write),
 * the task row is locked first, so that concurrent writes to one task serialise and each decides on
 * fresh facts.
 */
export async function accessTask(q: Queryable, actor: Actor, taskId: string, lock: RowLock = false): Promise<{ task: TaskAccess; rel: TaskRelation }> {
  enforce(canUseTasks(actor), 'use tasks');
  const task = await taskAccess(q, taskId, actor.id, lock);
  if (!task) throw new AppError('not_found', 'No such task');
  return { task, rel: relationOf(task, actor.id) };
}
