import { randomUUID } from 'node:crypto';
import { AppError } from '../../../shared/errors';
import type { CreateTaskInput, EditTaskInput, Task, TaskAction, TaskCounters, TaskOrigin } from '../../../shared/tasks';
import type { Unit } from '../../db/unit';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { accessTask } from './access';
import { appendItems, checklist } from './checklistRepo';
import { countersFor } from './counters';
import { peopleChanged, pushTaskCounters, revokeBlind, taskChanged, type TaskChangeKey } from './events';
import { syncDeadlineJobs } from './jobs';
import { throttle } from './limits';
import { allowedActions, canEditTask, canReadTask, canTransition, canUseTasks, targetStatus } from './policy';
import * as repo from './repo';
import { finishTimersOnTask } from './time';
import { checkFuture, checkGroup, checkOrigin, checkPeople } from './validate';
import { loadTask, summarize } from './view';

type Role = 'responsible' | 'participant' | 'observer';

/** Participants never include the responsible; observers include neither. */
function normalisePeople(responsibleId: string, participantIds: string[], observerIds: string[]) {
  const participants = participantIds.filter((id) => id !== responsibleId);
  return { participants, observers: observerIds.filter((id) => id !== responsibleId && !participants.includes(id)) };
}

/**
 * Create a task. Idempotent by client id: a retry (even a racing one) returns the first task. `origin`
 * (the chat message it comes from; it wins over `input.origin`) must be a message of a chat the actor
 * is in. The new task is the first event of its stream (`task_created`), the people named on it learn
 * it on their own streams, the deadline's jobs are scheduled, and change listeners (the chat
 * integration) run in the same transaction.
 */
export async function createTask(svc: Services, actor: Actor, input: CreateTaskInput, origin?: TaskOrigin): Promise<Task> {
  enforce(canUseTasks(actor), 'create tasks');
  const retried = await repo.findByClientId(svc.db, actor.id, input.clientId);
  if (retried) return loadTask(svc.db, actor, retried);
  throttle(svc, 'task', actor.id);
  const source = origin ?? input.origin ?? null;
  const responsibleId = input.responsibleId ?? actor.id;
  await checkPeople(svc.db, { responsibleId, participantIds: input.participantIds, observerIds: input.observerIds });
  if (input.deadline) checkFuture(input.deadline, 'deadline', 'deadline');
  if (input.groupId) await checkGroup(svc.db, actor, input.groupId);
  if (source) await checkOrigin(svc.db, actor, source);
  const { participants, observers } = normalisePeople(responsibleId, input.participantIds, input.observerIds);
  const id = randomUUID();
  const deadline = input.deadline ?? null;
  try {
    await svc.write(async (u) => {
      await repo.insertTask(u.tx, {
        id, clientId: input.clientId, title: input.title, description: input.description, creatorId: actor.id, responsibleId,
        priority: input.priority, requireControl: input.requireControl ?? responsibleId !== actor.id, deadline,
        plannedMinutes: input.plannedMinutes ?? null, groupId: input.groupId ?? null,
        sourceChatId: source?.chatId ?? null, sourceMessageId: source?.messageId ?? null,
      });
      await repo.setMembers(u.tx, id, 'participant', participants);
      await repo.setMembers(u.tx, id, 'observer', observers);
      await appendItems(u.tx, id, input.checklist);
      const task = await taskChanged(svc, u, id, ['created'], actor.id);
      const roles = [...named(responsibleId, { participants, observers })].map(([userId, role]) => ({ userId, role }));
      await peopleChanged(u, summarize(task), roles, [], actor.id);
      await syncDeadlineJobs(svc, u.tx, { id, status: 'new', deadline });
      await pushTaskCounters(u, id, actor.id);
    });
  } catch (err) {
    if ((err as { code?: string }).code !== '23505') throw err;
    const first = await repo.findByClientId(svc.db, actor.id, input.clientId);
    if (!first) throw err;
    return loadTask(svc.db, actor, first);
  }
  return loadTask(svc.db, actor, id);
}

/** A task as the actor sees it, with its checklist. */
export async function getTask(svc: Services, actor: Actor, taskId: string) {
  const { rel } = await accessTask(svc.db, actor, taskId);
  enforce(canReadTask(actor, rel), 'see this task');
  const [task, items] = await Promise.all([loadTask(svc.db, actor, taskId), checklist(svc.db, taskId)]);
  return { task, checklist: items };
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((id) => b.includes(id));
const sameTime = (a: Date | null, b: Date | null) => (a?.getTime() ?? null) === (b?.getTime() ?? null);
const idsOf = (people: { id: string }[]) => people.map((p) => p.id);

/** The columns and the change keys an edit of the fields amounts to, against the task as it is now. */
function diff(before: Task, deadline: Date | null, input: EditTaskInput) {
  const patch: repo.TaskPatch = {};
  const changes: TaskChangeKey[] = [];
  const set = <K extends keyof repo.TaskPatch>(key: TaskChangeKey, column: K, value: repo.TaskPatch[K] | undefined, same: boolean) => {
    if (value === undefined || same) return;
    patch[column] = value;
    changes.push(key);
  };
  set('title', 'title', input.title, input.title === before.title);
  set('description', 'description', input.description, input.description === before.description);
  set('responsible', 'responsible_id', input.responsibleId, input.responsibleId === before.responsible.id);
  set('deadline', 'deadline', input.deadline, input.deadline !== undefined && sameTime(input.deadline, deadline));
  set('priority', 'priority', input.priority, input.priority === before.priority);
  set('plannedMinutes', 'planned_minutes', input.plannedMinutes, input.plannedMinutes === before.plannedMinutes);
  set('group', 'group_id', input.groupId, input.groupId === before.groupId);
  set('requireControl', 'require_control', input.requireControl, input.requireControl === before.requireControl);
  return { patch, changes };
}

/** The participants and observers after an edit: a list given alone takes its people out of the other. */
function rosterAfter(before: Task, input: EditTaskInput, responsibleId: string) {
  const observers = input.observerIds ?? idsOf(before.observers);
  let participants = input.participantIds ?? idsOf(before.participants);
  if (input.observerIds && !input.participantIds) participants = participants.filter((id) => !observers.includes(id));
  return normalisePeople(responsibleId, participants, observers);
}

/** Everyone a task names, with their role. */
const named = (responsibleId: string, roster: { participants: string[]; observers: string[] }) =>
  new Map<string, Role>([
    ...roster.observers.map((id) => [id, 'observer'] as const),
    ...roster.participants.map((id) => [id, 'participant'] as const),
    [responsibleId, 'responsible'],
  ]);

/** Validate what an edit newly names: people not on the task yet, a new deadline, a new group. */
async function checkEdit(u: Unit, actor: Actor, wasOn: Set<string>, patch: repo.TaskPatch, roster: { participants: string[]; observers: string[] }) {
  await checkPeople(u.tx, {
    responsibleId: patch.responsible_id,
    participantIds: roster.participants.filter((id) => !wasOn.has(id)),
    observerIds: roster.observers.filter((id) => !wasOn.has(id)),
  });
  if (patch.deadline) checkFuture(patch.deadline, 'deadline', 'deadline');
  if (patch.group_id) await checkGroup(u.tx, actor, patch.group_id);
}

/** Edit a task's fields (its creator, admins). Only what really changes is written and announced. */
export async function editTask(svc: Services, actor: Actor, taskId: string, input: EditTaskInput): Promise<Task> {
  await svc.write(async (u) => {
    const { task, rel } = await accessTask(u.tx, actor, taskId, true);
    enforce(canEditTask(actor, rel), 'edit this task');
    const before = await loadTask(u.tx, null, taskId);
    const { patch, changes } = diff(before, task.deadline, input);
    const responsibleId = patch.responsible_id ?? task.responsibleId;
    const roster = rosterAfter(before, input, responsibleId);
    if (!sameSet(roster.participants, idsOf(before.participants))) changes.push('participants');
    if (!sameSet(roster.observers, idsOf(before.observers))) changes.push('observers');
    if (!changes.length) return;
    const wasOn = new Set(named(before.responsible.id, { participants: idsOf(before.participants), observers: idsOf(before.observers) }).keys());
    await checkEdit(u, actor, wasOn, patch, roster);
    await repo.updateTask(u.tx, taskId, patch);
    await repo.setMembers(u.tx, taskId, 'participant', roster.participants);
    await repo.setMembers(u.tx, taskId, 'observer', roster.observers);
    const after = await taskChanged(svc, u, taskId, changes, actor.id);
    const isOn = named(responsibleId, roster);
    const added = [...isOn].filter(([id]) => !wasOn.has(id)).map(([userId, role]) => ({ userId, role }));
    // The creator keeps seeing the task whatever happens to the lists: not "taken off" it.
    const removed = [...wasOn].filter((id) => !isOn.has(id) && id !== after.creator.id);
    await peopleChanged(u, summarize(after), added, removed, actor.id);
    await revokeBlind(svc, u, taskId, removed);
    if (changes.includes('deadline')) await syncDeadlineJobs(svc, u.tx, { id: taskId, status: task.status, deadline: patch.deadline ?? null });
    await pushTaskCounters(u, taskId, actor.id, removed);
  });
  return loadTask(svc.db, actor, taskId);
}

/**
 * Move a task's status (shared/tasks.ts, TRANSITIONS). Decided on the locked row, so two people acting at
 * once cannot both complete it. A step that is not the actor's is forbidden; one that is theirs but
 * not from this status is a conflict naming what they may do now.
 */
export async function changeStatus(svc: Services, actor: Actor, taskId: string, action: TaskAction): Promise<Task> {
  await svc.write(async (u) => {
    const { task, rel } = await accessTask(u.tx, actor, taskId, true);
    const verdict = canTransition(actor, rel, task, action);
    if (verdict === 'conflict') {
      const allowed = allowedActions(actor, rel, task);
      throw new AppError('conflict', `Cannot ${action} a task that is ${task.status}; allowed now: ${allowed.join(', ') || 'nothing'}`, {
        fields: { action: allowed.length ? `allowed: ${allowed.join(', ')}` : 'nothing allowed now' },
      });
    }
    enforce(verdict, `${action} this task`);
    const to = targetStatus(action, task, rel);
    await repo.setStatus(u.tx, taskId, to);
    if (to === 'done' || to === 'deferred') await finishTimersOnTask(u, taskId, actor.id);
    await taskChanged(svc, u, taskId, ['status'], actor.id, { action, from: task.status, to });
    await syncDeadlineJobs(svc, u.tx, { id: taskId, status: to, deadline: task.deadline });
    await pushTaskCounters(u, taskId, actor.id);
  });
  return loadTask(svc.db, actor, taskId);
}

/** My red counters (see counters.ts). */
export async function getCounters(svc: Services, actor: Actor): Promise<TaskCounters> {
  enforce(canUseTasks(actor), 'use tasks');
  return countersFor(svc.db, actor.id);
}
