import type { SQLQuery } from '@databases/pg';
import { sql, type Queryable } from '../../db/pool';
import type { Task, TaskPerson, TaskSummary } from '../../../shared/tasks';
import type { Actor } from '../people/policy';
import {
  allowedActions, canComment, canEditChecklist, canEditTask, canToggleChecklist, canTrackTime, type TaskRelation,
} from './policy';
import { ACTIVE } from './repo';
import { counted } from './timeRepo';

/**
 * The read model: tasks as one viewer sees them (their read position, what they may do), or
 * viewer-neutral (viewer null) for stream events that every follower shares.
 */

const person = (alias: string, prefix: string) => sql`
  ${sql.ident(alias)}.name AS ${sql.ident(`${prefix}_name`)},
  ${sql.ident(alias)}.avatar IS NOT NULL AS ${sql.ident(`${prefix}_has_avatar`)},
  ${sql.ident(alias)}.avatar_version AS ${sql.ident(`${prefix}_avatar_version`)}`;

/** Logged time plus timers (paused ones as counted, running ones up to now), in seconds. */
export const spentSeconds = (taskId: SQLQuery) => sql`(
  COALESCE((SELECT sum(e.seconds) FROM task_time_entries e WHERE e.task_id = ${taskId}), 0)
  + COALESCE((SELECT sum(${counted('tm')}) FROM task_timers tm WHERE tm.task_id = ${taskId}), 0))::int`;

const readSeq = (viewerId: string | null) =>
  sql`COALESCE((SELECT r.read_seq FROM task_reads r WHERE r.task_id = t.id AND r.user_id = ${viewerId}::uuid), 0)`;

const taskColumns = (viewerId: string | null) => sql`
  t.id, t.title, t.description, t.creator_id, t.responsible_id, t.status, t.priority, t.require_control, t.deadline,
  t.planned_minutes, t.group_id, t.source_chat_id, t.source_message_id, t.created_at, t.updated_at, t.closed_at,
  (t.status = ANY(${ACTIVE}) AND t.deadline <= now()) AS overdue,
  ${person('cu', 'creator')}, ${person('ru', 'responsible')}, g.name AS group_name,
  COALESCE((SELECT json_agg(json_build_object('id', mu.id, 'name', mu.name, 'role', m.role, 'hasAvatar', mu.avatar IS NOT NULL,
                                              'avatarVersion', mu.avatar_version) ORDER BY m.added_at, mu.id)
            FROM task_members m JOIN users mu ON mu.id = m.user_id WHERE m.task_id = t.id), '[]') AS members,
  (SELECT count(*)::int FROM task_checklist ci WHERE ci.task_id = t.id) AS checklist_total,
  (SELECT count(*)::int FROM task_checklist ci WHERE ci.task_id = t.id AND ci.done) AS checklist_done,
  (SELECT count(*)::int FROM task_comments c WHERE c.task_id = t.id AND c.deleted_at IS NULL) AS comment_count,
  COALESCE((SELECT s.head FROM streams s WHERE s.id = 'task:' || t.id), 0) AS head,
  ${spentSeconds(sql`t.id`)} AS spent_seconds,
  ${readSeq(viewerId)} AS read_seq,
  (SELECT count(*)::int FROM task_comments c WHERE c.task_id = t.id AND c.deleted_at IS NULL
     AND c.author_id <> ${viewerId}::uuid AND c.seq > ${readSeq(viewerId)}) AS unread_comments`;

interface MemberJson {
  id: string;
  name: string;
  role: 'participant' | 'observer';
  hasAvatar: boolean;
  avatarVersion: number;
}

const avatarUrl = (id: string, has: boolean, version: number) => (has ? `/api/users/${id}/avatar?v=${version}` : null);
const iso = (d: Date | null) => (d ? d.toISOString() : null);

function personOf(r: any, prefix: 'creator' | 'responsible'): TaskPerson {
  const id = r[`${prefix}_id`];
  return { id, name: r[`${prefix}_name`], avatarUrl: avatarUrl(id, r[`${prefix}_has_avatar`], r[`${prefix}_avatar_version`]) };
}

/** The viewer's relation to a task, from its row (the row was read under the visibility rule). */
export function relationOf(r: any, viewerId: string): TaskRelation {
  const role = (r.members as MemberJson[]).find((m) => m.id === viewerId)?.role ?? null;
  return {
    visible: true,
    creator: r.creator_id === viewerId,
    responsible: r.responsible_id === viewerId,
    participant: role === 'participant',
    observer: role === 'observer',
  };
}

function summaryOf(r: any): TaskSummary {
  return {
    id: r.id,
    title: r.title,
    status: r.status,
    priority: r.priority,
    deadline: iso(r.deadline),
    overdue: r.overdue === true,
    creator: personOf(r, 'creator'),
    responsible: personOf(r, 'responsible'),
    groupId: r.group_id,
    checklist: { done: r.checklist_done, total: r.checklist_total },
    commentCount: r.comment_count,
    closedAt: iso(r.closed_at),
    origin: r.source_chat_id && r.source_message_id ? { chatId: r.source_chat_id, messageId: r.source_message_id } : null,
  };
}

const NOTHING = { edit: false, comment: false, editChecklist: false, toggleChecklist: false, trackTime: false };

function toTask(r: any, viewer: Actor | null): Task {
  const members = r.members as MemberJson[];
  const people = (role: MemberJson['role']) =>
    members.filter((m) => m.role === role).map((m) => ({ id: m.id, name: m.name, avatarUrl: avatarUrl(m.id, m.hasAvatar, m.avatarVersion) }));
  const rel = viewer ? relationOf(r, viewer.id) : null;
  const ok = (v: unknown) => v === null;
  return {
    ...summaryOf(r),
    description: r.description,
    participants: people('participant'),
    observers: people('observer'),
    requireControl: r.require_control,
    plannedMinutes: r.planned_minutes,
    spentSeconds: r.spent_seconds,
    group: r.group_id ? { id: r.group_id, name: r.group_name } : null,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    head: r.head,
    readSeq: r.read_seq,
    unreadComments: r.unread_comments,
    allowedActions: viewer && rel ? allowedActions(viewer, rel, { status: r.status, requireControl: r.require_control }) : [],
    can: viewer && rel
      ? {
          edit: ok(canEditTask(viewer, rel)),
          comment: ok(canComment(viewer, rel)),
          editChecklist: ok(canEditChecklist(viewer, rel)),
          toggleChecklist: ok(canToggleChecklist(viewer, rel)),
          trackTime: ok(canTrackTime(viewer, rel)),
        }
      : NOTHING,
  };
}

/** Tasks by id, in the order given (no visibility filter: callers have checked it), as `viewer` sees them. */
export async function loadTasks(q: Queryable, viewer: Actor | null, ids: string[]): Promise<Task[]> {
  if (!ids.length) return [];
  const rows = await q.query(sql`
    SELECT ${taskColumns(viewer?.id ?? null)} FROM tasks t
    JOIN users cu ON cu.id = t.creator_id JOIN users ru ON ru.id = t.responsible_id
    LEFT JOIN work_groups g ON g.id = t.group_id
    WHERE t.id = ANY(${ids}::uuid[])`);
  const byId = new Map(rows.map((r) => [r.id as string, r]));
  return ids.filter((id) => byId.has(id)).map((id) => toTask(byId.get(id), viewer));
}

export async function loadTask(q: Queryable, viewer: Actor | null, id: string): Promise<Task> {
  const [task] = await loadTasks(q, viewer, [id]);
  return task;
}

/** The compact form of a task (for cards and notices), from a full one. */
export function summarize(t: Task): TaskSummary {
  return {
    id: t.id, title: t.title, status: t.status, priority: t.priority, deadline: t.deadline, overdue: t.overdue, creator: t.creator,
    responsible: t.responsible, groupId: t.groupId, checklist: t.checklist, commentCount: t.commentCount, closedAt: t.closedAt, origin: t.origin,
  };
}
