import type { SQLQuery } from '@databases/pg';
import { sql, type Queryable } from '../../db/pool';
import { ACTIVE_STATUSES, type TaskFilter, type TaskPriority, type TaskStatus } from '../../../shared/tasks';

/**
 * THE visibility rule in SQL: true when the user whose id is the SQL expression `viewer` may see the
 * task aliased `t`. Every task query (get, list, board, counters, comment, subscribe) filters with it, so
 * they all agree; `canSeeTask` in policy.ts is its pure twin.
 *
 * Active employees only (never guests or deactivated people); the workspace's owner and admins see
 * everything; others the tasks they created, are responsible for, take part in or observe, and the
 * tasks of workgroups they are members of.
 */
export function visibleTo(viewer: SQLQuery): SQLQuery {
  return sql`EXISTS (
    SELECT 1 FROM users v WHERE v.id = ${viewer} AND v.active AND v.role <> 'guest' AND (
      v.role IN ('owner', 'admin')
      OR t.creator_id = v.id
      OR t.responsible_id = v.id
      OR EXISTS (SELECT 1 FROM task_members vm WHERE vm.task_id = t.id AND vm.user_id = v.id)
      OR (t.group_id IS NOT NULL AND EXISTS (
            SELECT 1 FROM work_group_members vg WHERE vg.group_id = t.group_id AND vg.user_id = v.id))))`;
}

export const visibleToUser = (userId: string) => visibleTo(sql`${userId}::uuid`);

/** Active statuses as an SQL array (deadlines matter only for these). */
export const ACTIVE = sql`${[...ACTIVE_STATUSES]}::text[]`;

/** What permissions need about a task and one actor. */
export interface TaskAccess {
  id: string;
  title: string;
  creatorId: string;
  responsibleId: string;
  status: TaskStatus;
  requireControl: boolean;
  deadline: Date | null;
  groupId: string | null;
  /** The actor's role among the task's members. */
  memberRole: 'participant' | 'observer' | null;
  visible: boolean;
}

/** The task's access facts for `userId`; `lock` takes the task row's lock (writes serialise on it), or its share lock. */
export type RowLock = false | true | 'share';

export async function taskAccess(q: Queryable, taskId: string, userId: string, lock: RowLock = false): Promise<TaskAccess | null> {
  const rows = await q.query(sql`
    SELECT t.id, t.title, t.creator_id, t.responsible_id, t.status, t.require_control, t.deadline, t.group_id,
      (SELECT m.role FROM task_members m WHERE m.task_id = t.id AND m.user_id = ${userId}::uuid) AS member_role,
      ${visibleToUser(userId)} AS visible
    FROM tasks t WHERE t.id = ${taskId} ${lock === 'share' ? sql`FOR SHARE OF t` : lock ? sql`FOR UPDATE OF t` : sql``}`);
  if (!rows.length) return null;
  const r = rows[0];
  return {
    id: r.id, title: r.title, creatorId: r.creator_id, responsibleId: r.responsible_id, status: r.status, requireControl: r.require_control,
    deadline: r.deadline, groupId: r.group_id, memberRole: r.member_role, visible: r.visible,
  };
}

export async function findByClientId(q: Queryable, creatorId: string, clientId: string): Promise<string | null> {
  const rows = await q.query(sql`SELECT id FROM tasks WHERE creator_id = ${creatorId} AND client_id = ${clientId}`);
  return rows.length ? (rows[0].id as string) : null;
}

export interface NewTask {
  id: string;
  clientId: string;
  title: string;
  description: string;
  creatorId: string;
  responsibleId: string;
  priority: TaskPriority;
  requireControl: boolean;
  deadline: Date | null;
  plannedMinutes: number | null;
  groupId: string | null;
  sourceChatId: string | null;
  sourceMessageId: string | null;
}

export async function insertTask(q: Queryable, t: NewTask): Promise<void> {
  await q.query(sql`
    INSERT INTO tasks (id, client_id, title, description, creator_id, responsible_id, priority, require_control, deadline,
      planned_minutes, group_id, source_chat_id, source_message_id)
    VALUES (${t.id}, ${t.clientId}, ${t.title}, ${t.description}, ${t.creatorId}, ${t.responsibleId}, ${t.priority}, ${t.requireControl},
      ${t.deadline}, ${t.plannedMinutes}, ${t.groupId}, ${t.sourceChatId}, ${t.sourceMessageId})`);
}

/** The columns an edit may set, by their SQL names. */
export interface TaskPatch {
  title?: string;
  description?: string;
  responsible_id?: string;
  deadline?: Date | null;
  priority?: TaskPriority;
  planned_minutes?: number | null;
  group_id?: string | null;
  require_control?: boolean;
}

export async function updateTask(q: Queryable, id: string, patch: TaskPatch): Promise<void> {
  const sets = Object.entries(patch).map(([column, value]) => sql`${sql.ident(column)} = ${value}`);
  sets.push(sql`updated_at = now()`);
  await q.query(sql`UPDATE tasks SET ${sql.join(sets, ', ')} WHERE id = ${id}`);
}

/** Move the status; `closed_at` is set on done and cleared on leaving it. */
export async function setStatus(q: Queryable, id: string, status: TaskStatus): Promise<void> {
  await q.query(sql`
    UPDATE tasks SET status = ${status}, updated_at = now(),
      closed_at = CASE WHEN ${status} = 'done' THEN now() ELSE NULL END
    WHERE id = ${id}`);
}

export async function touch(q: Queryable, id: string): Promise<void> {
  await q.query(sql`UPDATE tasks SET updated_at = now() WHERE id = ${id}`);
}

/** The members of a task by role. */
export async function members(q: Queryable, taskId: string): Promise<{ participantIds: string[]; observerIds: string[] }> {
  const rows = await q.query(sql`SELECT user_id, role FROM task_members WHERE task_id = ${taskId} ORDER BY added_at, user_id`);
  return {
    participantIds: rows.filter((r) => r.role === 'participant').map((r) => r.user_id),
    observerIds: rows.filter((r) => r.role === 'observer').map((r) => r.user_id),
  };
}

/** Replace the members of one role with `userIds` (someone moving between roles just changes role). */
export async function setMembers(q: Queryable, taskId: string, role: 'participant' | 'observer', userIds: string[]): Promise<void> {
  await q.query(sql`DELETE FROM task_members WHERE task_id = ${taskId} AND role = ${role} AND NOT (user_id = ANY(${userIds}::uuid[]))`);
  if (!userIds.length) return;
  await q.query(sql`
    INSERT INTO task_members (task_id, user_id, role) SELECT ${taskId}, id, ${role} FROM unnest(${userIds}::uuid[]) AS id
    ON CONFLICT (task_id, user_id) DO UPDATE SET role = EXCLUDED.role`);
}

/** Everyone named on a task (creator, responsible, members) who is still an active colleague. */
export async function involvedIds(q: Queryable, taskId: string): Promise<string[]> {
  const rows = await q.query(sql`
    SELECT u.id FROM users u WHERE u.active AND u.role <> 'guest' AND u.id IN (
      SELECT creator_id FROM tasks WHERE id = ${taskId}
      UNION SELECT responsible_id FROM tasks WHERE id = ${taskId}
      UNION SELECT user_id FROM task_members WHERE task_id = ${taskId})
    ORDER BY u.id`);
  return rows.map((r) => r.id as string);
}

/** Among `userIds`, those who cannot see the task (by the one rule). */
export async function blindAmong(q: Queryable, taskId: string, userIds: string[]): Promise<string[]> {
  if (!userIds.length) return [];
  const rows = await q.query(sql`
    SELECT uid FROM unnest(${userIds}::uuid[]) AS uid, tasks t WHERE t.id = ${taskId} AND NOT ${visibleTo(sql`uid`)}`);
  return rows.map((r) => r.uid as string);
}

/** Whether a chat message exists in that chat, and the actor is a member of the chat. */
export async function originFacts(q: Queryable, chatId: string, messageId: string, userId: string) {
  const rows = await q.query(sql`
    SELECT EXISTS (SELECT 1 FROM messages WHERE id = ${messageId} AND chat_id = ${chatId}) AS message,
      EXISTS (SELECT 1 FROM chat_members WHERE chat_id = ${chatId} AND user_id = ${userId}) AS member`);
  return { message: rows[0].message as boolean, member: rows[0].member as boolean };
}

// ---- Lists ------------------------------------------------------------------------------------------

/** Where a page starts: strictly older than this task (keyset on created_at, id). */
export interface TaskCursor {
  at: string;
  id: string;
}

export interface TaskScope {
  filter: TaskFilter;
  statuses: TaskStatus[] | null;
  groupId: string | null;
  q: string | null;
}

const isMember = (userId: string, role: string) =>
  sql`EXISTS (SELECT 1 FROM task_members fm WHERE fm.task_id = t.id AND fm.user_id = ${userId}::uuid AND fm.role = ${role})`;

function filterCondition(userId: string, filter: TaskFilter): SQLQuery {
  switch (filter) {
    case 'mine':
      return sql`t.responsible_id = ${userId}::uuid`;
    case 'assigned_by_me':
      return sql`t.creator_id = ${userId}::uuid AND t.responsible_id <> ${userId}::uuid`;
    case 'participating':
      return isMember(userId, 'participant');
    case 'observing':
      return isMember(userId, 'observer');
    case 'overdue':
      return sql`t.status = ANY(${ACTIVE}) AND t.deadline <= now() AND (t.responsible_id = ${userId}::uuid
        OR t.creator_id = ${userId}::uuid OR ${isMember(userId, 'participant')})`;
    default:
      return sql`true`;
  }
}

/** `%` and `_` in a search are literal. */
const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function scopeCondition(userId: string, scope: TaskScope): SQLQuery {
  const parts = [visibleToUser(userId), filterCondition(userId, scope.filter)];
  if (scope.statuses) parts.push(sql`t.status = ANY(${scope.statuses}::text[])`);
  if (scope.groupId) parts.push(sql`t.group_id = ${scope.groupId}::uuid`);
  if (scope.q) parts.push(sql`(t.title ILIKE ${likePattern(scope.q)} OR t.description ILIKE ${likePattern(scope.q)})`);
  return sql.join(parts, ' AND ');
}

/** Ids of a page of tasks, newest first; one more than `limit` means there is a next page. */
export async function pageIds(q: Queryable, userId: string, scope: TaskScope, cursor: TaskCursor | null, limit: number) {
  const after = cursor ? sql`(t.created_at, t.id) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)` : sql`true`;
  const rows = await q.query(sql`
    SELECT t.id, t.created_at::text AS at_text FROM tasks t
    WHERE ${scopeCondition(userId, scope)} AND ${after}
    ORDER BY t.created_at DESC, t.id DESC LIMIT ${limit + 1}`);
  return rows as { id: string; at_text: string }[];
}

/** How many tasks of each status the scope holds. */
export async function statusCounts(q: Queryable, userId: string, scope: TaskScope): Promise<Map<TaskStatus, number>> {
  const rows = await q.query(sql`SELECT t.status, count(*)::int AS n FROM tasks t WHERE ${scopeCondition(userId, scope)} GROUP BY t.status`);
  return new Map(rows.map((r) => [r.status as TaskStatus, r.n as number]));
}
