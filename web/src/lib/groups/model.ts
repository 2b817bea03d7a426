/**
 * Pure logic of workgroups in the client: the list (mine and open ones), one group's members kept
 * current by the events of its feed stream, and the permissions the UI mirrors (the server decides).
 *
 * Imports from shared/ are relative (not `$shared`) so this module also loads in plain vitest/tsc.
 */
import type { GroupMember, GroupRole, WorkGroup } from '../../../../shared/feed';
import type { Role, StreamEvent } from '../../../../shared/types';

/** Active before archived, then by name (the server's order). */
export function sortGroups(groups: WorkGroup[], locale = 'en'): WorkGroup[] {
  return [...groups].sort(
    (a, b) => Number(!!a.archivedAt) - Number(!!b.archivedAt) || a.name.localeCompare(b.name, locale, { sensitivity: 'base' }) || a.id.localeCompare(b.id),
  );
}

/**
 * Insert or replace a group. Events carry it without the viewer's role (`myRole` null), so a known
 * role is kept unless `exact` says the copy is the viewer's own (an HTTP answer).
 */
export function upsertGroup(groups: WorkGroup[], group: WorkGroup, exact = false, locale = 'en'): WorkGroup[] {
  const old = groups.find((g) => g.id === group.id);
  const next = exact || !old ? group : { ...group, myRole: old.myRole };
  return sortGroups([...groups.filter((g) => g.id !== group.id), next], locale);
}

/** One group as its page shows it. */
export interface GroupState {
  group: WorkGroup;
  members: GroupMember[];
}

const ROLE_ORDER: Record<GroupRole, number> = { owner: 0, moderator: 1, member: 2 };

/** Owner first, then moderators, then members, each by who joined first. */
export function sortMembers(members: GroupMember[]): GroupMember[] {
  return [...members].sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || a.joinedAt.localeCompare(b.joinedAt) || a.userId.localeCompare(b.userId));
}

/**
 * Apply one event of `feed:group:<id>` to the group's page: settings, members added or removed, roles.
 * My own role follows my membership. Other events (the group's posts) change nothing here.
 */
export function applyGroupEvent(state: GroupState, ev: Pick<StreamEvent, 'event'>, myId: string): GroupState {
  const p = (ev.event.payload ?? {}) as { group?: WorkGroup; groupId?: string; userIds?: string[]; userId?: string; role?: GroupRole };
  const { group, members } = state;
  if (p.groupId && p.groupId !== group.id) return state;
  switch (ev.event.type) {
    case 'group_updated':
      return p.group && p.group.id === group.id ? { group: { ...p.group, myRole: group.myRole }, members } : state;
    case 'group_members_added': {
      if (!Array.isArray(p.userIds) || !p.role) return state;
      const have = new Set(members.map((m) => m.userId));
      const added = p.userIds.filter((id) => !have.has(id)).map((userId) => ({ userId, role: p.role!, joinedAt: ev.event.at }));
      if (!added.length) return state;
      const next = sortMembers([...members, ...added]);
      return { group: { ...group, memberCount: next.length, myRole: p.userIds.includes(myId) ? p.role : group.myRole }, members: next };
    }
    case 'group_member_removed': {
      if (!p.userId || !members.some((m) => m.userId === p.userId)) return state;
      const next = members.filter((m) => m.userId !== p.userId);
      return { group: { ...group, memberCount: next.length, myRole: p.userId === myId ? null : group.myRole }, members: next };
    }
    case 'group_member_role_changed': {
      if (!p.userId || !p.role) return state;
      const next = sortMembers(members.map((m) => (m.userId === p.userId ? { ...m, role: p.role! } : m)));
      return { group: { ...group, myRole: p.userId === myId ? p.role : group.myRole }, members: next };
    }
    default:
      return state;
  }
}

/** What the viewer may do with a group and its members (the server's policy, for showing controls). */
export interface GroupRights {
  /** Rename, describe, add members. */
  manage: boolean;
  /** Add moderators, change roles. */
  own: boolean;
  archive: boolean;
  join: boolean;
  leave: boolean;
  post: boolean;
}

export function groupRights(group: WorkGroup, workspaceRole: Role): GroupRights {
  const live = !group.archivedAt;
  const role = group.myRole;
  return {
    manage: live && (role === 'owner' || role === 'moderator'),
    own: live && role === 'owner',
    archive: role === 'owner' || workspaceRole === 'owner' || workspaceRole === 'admin',
    join: live && role === null && group.visibility === 'open',
    leave: role !== null,
    post: live && role !== null,
  };
}

/** May the viewer remove this member (not themselves: that is leaving)? */
export function canRemoveMember(group: WorkGroup, target: GroupMember, myId: string): boolean {
  if (group.archivedAt || target.userId === myId) return false;
  return group.myRole === 'owner' || (group.myRole === 'moderator' && target.role === 'member');
}

/** May the viewer change this member's role (the owner, of others than the owner)? */
export function canChangeRole(group: WorkGroup, target: GroupMember, myId: string): boolean {
  return !group.archivedAt && group.myRole === 'owner' && target.userId !== myId && target.role !== 'owner';
}
