import { TRANSITIONS, type TaskAction, type TaskStatus } from '../../../shared/tasks';
import type { Actor, Verdict } from '../people/policy';

/**
 * Permissions of tasks, pure. Who can see a task is decided by ONE rule: `canSeeTask` below, and its
 * SQL twin `visibleTo` in repo.ts that every query uses (the tests check that they agree). Every other
 * permission starts from "can the actor see this task".
 *
 * Who does what, once the task is visible:
 * - fields (title, description, people, deadline, priority, planned time, group, control): the creator,
 *   and the workspace's owner and admins;
 * - status: see TRANSITIONS in shared/tasks.ts (the browser offers the same steps);
 * - checklist: the creator and admins add, edit, reorder and delete items; they, the responsible and
 *   the participants tick them;
 * - time: the responsible, the participants (co-executors: "per person" totals are theirs) and the
 *   creator log time; an entry is deleted by its author, the creator or admins;
 * - comments: everyone who sees the task (observers comment, and that is all they do); a comment is
 *   edited by its author and deleted by its author, the creator or admins;
 * - personal reminders: everyone who sees the task, for themselves.
 */

/** Tasks are for employees: guests see nothing here. */
export function canUseTasks(actor: Actor): Verdict {
  return actor.active && actor.role !== 'guest' ? null : 'forbidden';
}

const staff = (actor: Actor) => actor.role === 'owner' || actor.role === 'admin';

/** The people of a task, as the visibility rule needs them. */
export interface TaskPeopleFacts {
  creatorId: string;
  responsibleId: string;
  participantIds: string[];
  observerIds: string[];
  groupId: string | null;
}

/** A would-be viewer, as the visibility rule needs them. */
export interface TaskViewerFacts {
  id: string;
  role: Actor['role'];
  active: boolean;
  groupIds: string[];
}

/**
 * THE visibility rule. An active employee (never a guest) sees a task when they are its creator,
 * responsible, a participant or an observer, or a member of its workgroup (open or closed alike); the
 * workspace's owner and admins see every task.
 */
export function canSeeTask(viewer: TaskViewerFacts, task: TaskPeopleFacts): boolean {
  if (!viewer.active || viewer.role === 'guest') return false;
  if (viewer.role === 'owner' || viewer.role === 'admin') return true;
  if (task.creatorId === viewer.id || task.responsibleId === viewer.id) return true;
  if (task.participantIds.includes(viewer.id) || task.observerIds.includes(viewer.id)) return true;
  return task.groupId !== null && viewer.groupIds.includes(task.groupId);
}

/** The actor's relation to one task (`visible` comes from the SQL rule). */
export interface TaskRelation {
  visible: boolean;
  creator: boolean;
  responsible: boolean;
  participant: boolean;
  observer: boolean;
}

export function canReadTask(actor: Actor, rel: TaskRelation): Verdict {
  if (canUseTasks(actor)) return 'forbidden';
  return rel.visible ? null : 'forbidden';
}

const readAnd = (actor: Actor, rel: TaskRelation, allowed: boolean): Verdict => canReadTask(actor, rel) ?? (allowed ? null : 'forbidden');

export const canEditTask = (actor: Actor, rel: TaskRelation) => readAnd(actor, rel, rel.creator || staff(actor));
export const canComment = (actor: Actor, rel: TaskRelation) => canReadTask(actor, rel);
export const canEditChecklist = (actor: Actor, rel: TaskRelation) => readAnd(actor, rel, rel.creator || staff(actor));
export const canToggleChecklist = (actor: Actor, rel: TaskRelation) =>
  readAnd(actor, rel, rel.creator || rel.responsible || rel.participant || staff(actor));
export const canTrackTime = (actor: Actor, rel: TaskRelation) => readAnd(actor, rel, rel.creator || rel.responsible || rel.participant);

/** Deleting a time entry: its author, the creator, admins. */
export function canDeleteTimeEntry(actor: Actor, rel: TaskRelation, entry: { userId: string }): Verdict {
  return readAnd(actor, rel, entry.userId === actor.id || rel.creator || staff(actor));
}

export function canEditComment(actor: Actor, rel: TaskRelation, comment: { authorId: string; deleted: boolean }): Verdict {
  const read = canReadTask(actor, rel);
  if (read) return read;
  if (comment.deleted) return 'conflict';
  return comment.authorId === actor.id ? null : 'forbidden';
}

export function canDeleteComment(actor: Actor, rel: TaskRelation, comment: { authorId: string; deleted: boolean }): Verdict {
  const read = canReadTask(actor, rel);
  if (read) return read;
  if (comment.deleted) return 'conflict';
  return comment.authorId === actor.id || rel.creator || staff(actor) ? null : 'forbidden';
}

// ---- Status -----------------------------------------------------------------------------------------



/** The status facts transitions depend on. */
export interface TaskStatusFacts {
  status: TaskStatus;
  requireControl: boolean;
}

function mayDo(actor: Actor, rel: TaskRelation, action: TaskAction): boolean {
  const by = TRANSITIONS[action].by;
  return (by.includes('responsible') && rel.responsible) || (by.includes('creator') && rel.creator) || (by.includes('staff') && staff(actor));
}

/** Where an action leads from the task's current state. */
export function targetStatus(action: TaskAction, task: TaskStatusFacts, rel: TaskRelation): TaskStatus {
  switch (action) {
    case 'start':
    case 'return':
      return 'in_progress';
    case 'complete':
      return task.requireControl && !rel.creator ? 'waiting_control' : 'done';
    case 'accept':
      return 'done';
    case 'defer':
      return 'deferred';
    default:
      return 'new';
  }
}

/** The actions the actor may take now (for the task view, and for the refusal's message). */
export function allowedActions(actor: Actor, rel: TaskRelation, task: TaskStatusFacts): TaskAction[] {
  if (canReadTask(actor, rel)) return [];
  return (Object.keys(TRANSITIONS) as TaskAction[]).filter((a) => TRANSITIONS[a].from.includes(task.status) && mayDo(actor, rel, a));
}

/**
 * May the actor take `action` now? 'forbidden' when it is not theirs to take (whatever the status);
 * 'conflict' when it is theirs but not from the current status.
 */
export function canTransition(actor: Actor, rel: TaskRelation, task: TaskStatusFacts, action: TaskAction): Verdict {
  const read = canReadTask(actor, rel);
  if (read) return read;
  if (!mayDo(actor, rel, action)) return 'forbidden';
  return TRANSITIONS[action].from.includes(task.status) ? null : 'conflict';
}
