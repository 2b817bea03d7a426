import { sql, type Queryable } from '../../db/pool';
import type { GroupKind, GroupMember, GroupRole, GroupVisibility, WorkGroup } from '../../../shared/feed';
import type { GroupFacts } from './policy';

export interface GroupRow {
  id: string;
  name: string;
  visibility: GroupVisibility;
  archived_at: Date | null;
}

/** The policy's view of a group row. */
export const factsOf = (g: GroupRow): GroupFacts => ({ visibility: g.visibility, archived: g.archived_at !== null });

/** A group with its member count and the viewer's role in it. */
const groupColumns = (viewerId: string) => sql`g.id, g.name, g.description, g.kind, g.visibility, g.created_by, g.created_at, g.archived_at,
  (SELECT count(*)::int FROM work_group_members m WHERE m.group_id = g.id) AS member_count,
  (SELECT m.role FROM work_group_members m WHERE m.group_id = g.id AND m.user_id = ${viewerId}::uuid) AS my_role`;

function toGroup(r: any): WorkGroup {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    kind: r.kind,
    visibility: r.visibility,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    archivedAt: r.archived_at ? r.archived_at.toISOString() : null,
    memberCount: r.member_count,
    myRole: r.my_role,
  };
}

export async function findGroup(q: Queryable, id: string): Promise<GroupRow | null> {
  const rows = await q.query(sql`SELECT id, name, visibility, archived_at FROM work_groups WHERE id = ${id}`);
  return (rows[0] as GroupRow) ?? null;
}

/** Groups by id (those that exist), for checking a post's audience. */
export async function findGroups(q: Queryable, ids: string[]): Promise<GroupRow[]> {
  if (!ids.length) return [];
  const rows = await q.query(sql`SELECT id, name, visibility, archived_at FROM work_groups WHERE id = ANY(${ids}::uuid[])`);
  return rows as GroupRow[];
}

/** One group as `viewerId` sees it. */
export async function groupFor(q: Queryable, viewerId: string, id: string): Promise<WorkGroup> {
  const [row] = await q.query(sql`SELECT ${groupColumns(viewerId)} FROM work_groups g WHERE g.id = ${id}`);
  return toGroup(row);
}

/** The groups a user belongs to and the open ones, active before archived, by name. */
export async function listGroups(q: Queryable, viewerId: string): Promise<WorkGroup[]> {
  const rows = await q.query(sql`
    SELECT ${groupColumns(viewerId)} FROM work_groups g
    WHERE g.visibility = 'open' OR EXISTS (SELECT 1 FROM work_group_members m WHERE m.group_id = g.id AND m.user_id = ${viewerId})
    ORDER BY g.archived_at IS NOT NULL, lower(g.name), g.id`);
  return rows.map(toGroup);
}

/** The ids of the groups a user belongs to. */
export async function groupIdsOf(q: Queryable, userId: string): Promise<string[]> {
  const rows = await q.query(sql`SELECT group_id FROM work_group_members WHERE user_id = ${userId} ORDER BY group_id`);
  return rows.map((r) => r.group_id as string);
}

/** A user's role in a group, or null when not a member. */
export async function memberRole(q: Queryable, groupId: string, userId: string): Promise<GroupRole | null> {
  const rows = await q.query(sql`SELECT role FROM work_group_members WHERE group_id = ${groupId} AND user_id = ${userId}`);
  return rows.length ? (rows[0].role as GroupRole) : null;
}

/** A user's roles in several groups (absent: not a member). */
export async function memberRoles(q: Queryable, groupIds: string[], userId: string): Promise<Map<string, GroupRole>> {
  if (!groupIds.length) return new Map();
  const rows = await q.query(sql`
    SELECT group_id, role FROM work_group_members WHERE group_id = ANY(${groupIds}::uuid[]) AND user_id = ${userId}`);
  return new Map(rows.map((r) => [r.group_id as string, r.role as GroupRole]));
}

export async function members(q: Queryable, groupId: string): Promise<GroupMember[]> {
  const rows = await q.query(sql`
    SELECT user_id, role, joined_at FROM work_group_members WHERE group_id = ${groupId}
    ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'moderator' THEN 1 ELSE 2 END, joined_at, user_id`);
  return rows.map((r) => ({ userId: r.user_id, role: r.role, joinedAt: r.joined_at.toISOString() }));
}

export async function insertGroup(
  q: Queryable,
  g: { id: string; name: string; description: string; kind: GroupKind; visibility: GroupVisibility; createdBy: string },
): Promise<void> {
  await q.query(sql`
    INSERT INTO work_groups (id, name, description, kind, visibility, created_by)
    VALUES (${g.id}, ${g.name}, ${g.description}, ${g.kind}, ${g.visibility}, ${g.createdBy})`);
}

export async function updateGroup(
  q: Queryable,
  id: string,
  p: { name?: string; description?: string; kind?: GroupKind; visibility?: GroupVisibility },
): Promise<void> {
  await q.query(sql`
    UPDATE work_groups SET
      name = COALESCE(${p.name ?? null}, name),
      description = COALESCE(${p.description ?? null}, description),
      kind = COALESCE(${p.kind ?? null}, kind),
      visibility = COALESCE(${p.visibility ?? null}, visibility)
    WHERE id = ${id}`);
}

export async function setArchived(q: Queryable, id: string, archived: boolean): Promise<void> {
  await q.query(sql`UPDATE work_groups SET archived_at = CASE WHEN ${archived} THEN now() ELSE NULL END WHERE id = ${id}`);
}

/** Add members with `role` (skipping those already in); returns who was added. */
export async function addMembers(q: Queryable, groupId: string, userIds: string[], role: GroupRole): Promise<string[]> {
  const rows = await q.query(sql`
    INSERT INTO work_group_members (group_id, user_id, role)
    SELECT ${groupId}, id, ${role} FROM unnest(${userIds}::uuid[]) AS id
    ON CONFLICT DO NOTHING RETURNING user_id`);
  return rows.map((r) => r.user_id as string);
}

export async function removeMember(q: Queryable, groupId: string, userId: string): Promise<void> {
  await q.query(sql`DELETE FROM work_group_members WHERE group_id = ${groupId} AND user_id = ${userId}`);
}

export async function setMemberRole(q: Queryable, groupId: string, userId: string, role: GroupRole): Promise<void> {
  await q.query(sql`UPDATE work_group_members SET role = ${role} WHERE group_id = ${groupId} AND user_id = ${userId}`);
}

/** Who inherits a departing owner's role: the longest-standing moderator, else member. */
export async function successor(q: Queryable, groupId: string): Promise<string | null> {
  const rows = await q.query(sql`
    SELECT user_id FROM work_group_members WHERE group_id = ${groupId}
    ORDER BY (role = 'moderator') DESC, joined_at, user_id LIMIT 1`);
  return rows.length ? (rows[0].user_id as string) : null;
}
