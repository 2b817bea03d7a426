import { AppError } from '../../../shared/errors';
import { TASK_LIMITS, taskStream, type ChecklistItem } from '../../../shared/tasks';
import type { Unit } from '../../db/unit';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { accessTask } from './access';
import * as repo from './checklistRepo';
import { canEditChecklist, canReadTask, canToggleChecklist } from './policy';
import { touch } from './repo';

/**
 * A task's checklist. Every change takes the task row's lock first (so positions and the item limit
 * hold under concurrent edits) and ends with `checklist_changed {taskId, items, done, total}` on the
 * task stream: the whole list (at most 200 items), so a client simply replaces what it shows.
 */

async function changed(u: Unit, taskId: string, actorId: string): Promise<ChecklistItem[]> {
  await touch(u.tx, taskId);
  const items = await repo.checklist(u.tx, taskId);
  const done = items.filter((i) => i.done).length;
  await u.emit(taskStream(taskId), 'checklist_changed', { taskId, items, done, total: items.length }, actorId);
  return items;
}

const tooMany = () =>
  new AppError('bad_request', `A checklist holds at most ${TASK_LIMITS.checklistMax} items`, { fields: { text: 'too many items' } });

export async function getChecklist(svc: Services, actor: Actor, taskId: string): Promise<ChecklistItem[]> {
  const { rel } = await accessTask(svc.db, actor, taskId);
  enforce(canReadTask(actor, rel), 'see this task');
  return repo.checklist(svc.db, taskId);
}

export async function addItem(svc: Services, actor: Actor, taskId: string, text: string): Promise<ChecklistItem[]> {
  return svc.write(async (u) => {
    const { rel } = await accessTask(u.tx, actor, taskId, true);
    enforce(canEditChecklist(actor, rel), 'change the checklist of this task');
    if ((await repo.itemCount(u.tx, taskId)) >= TASK_LIMITS.checklistMax) throw tooMany();
    await repo.appendItems(u.tx, taskId, [text]);
    return changed(u, taskId, actor.id);
  });
}

/** Edit an item's text (editors) and/or tick it (editors, the responsible, participants). */
export async function editItem(svc: Services, actor: Actor, taskId: string, itemId: string, change: { text?: string; done?: boolean }) {
  return svc.write(async (u) => {
    const { rel } = await accessTask(u.tx, actor, taskId, true);
    if (change.text !== undefined) enforce(canEditChecklist(actor, rel), 'edit the checklist of this task');
    if (change.done !== undefined) enforce(canToggleChecklist(actor, rel), 'tick the checklist of this task');
    const item = await repo.findItem(u.tx, taskId, itemId);
    if (!item) throw new AppError('not_found', 'No such checklist item');
    await repo.editItem(u.tx, itemId, change, actor.id);
    return changed(u, taskId, actor.id);
  });
}

export async function deleteItem(svc: Services, actor: Actor, taskId: string, itemId: string): Promise<ChecklistItem[]> {
  return svc.write(async (u) => {
    const { rel } = await accessTask(u.tx, actor, taskId, true);
    enforce(canEditChecklist(actor, rel), 'change the checklist of this task');
    if (!(await repo.findItem(u.tx, taskId, itemId))) throw new AppError('not_found', 'No such checklist item');
    await repo.deleteItem(u.tx, itemId);
    return changed(u, taskId, actor.id);
  });
}

/** Reorder: the body names every item of the list exactly once, in the new order. */
export async function reorderItems(svc: Services, actor: Actor, taskId: string, itemIds: string[]): Promise<ChecklistItem[]> {
  return svc.write(async (u) => {
    const { rel } = await accessTask(u.tx, actor, taskId, true);
    enforce(canEditChecklist(actor, rel), 'change the checklist of this task');
    const current = new Set((await repo.checklist(u.tx, taskId)).map((i) => i.id));
    if (itemIds.length !== current.size || itemIds.some((id) => !current.has(id))) {
      throw new AppError('bad_request', 'Name every item of the checklist once, in the new order', { fields: { itemIds: 'not the current items' } });
    }
    await repo.reorder(u.tx, taskId, itemIds);
    return changed(u, taskId, actor.id);
  });
}
