import type { GroupRole, GroupVisibility } from '../../../shared/feed';
import type { Actor, Verdict } from '../people/policy';

/** The facts about a group that its permissions depend on. */
export interface GroupFacts {
  visibility: GroupVisibility;
  archived: boolean;
}

/** Workgroups are for employees: guests see none, whatever their link grants elsewhere. */
export function canUseGroups(actor: Actor): Verdict {
  return actor.active && actor.role !== 'guest' ? null : 'forbidden';
}

/**
 * Seeing a group (its card, members and feed): its members, and every employee when it is open.
 * A closed group is "not found" to outsiders, so its existence does not leak.
 */
export function canSeeGroup(actor: Actor, group: GroupFacts, role: GroupRole | null): Verdict {
  if (canUseGroups(actor)) return 'forbidden';
  return role !== null || group.visibility === 'open' ? null : 'not_found';
}

const manages = (role: GroupRole | null) => role === 'owner' || role === 'moderator';

/** Renaming, describing, opening or closing a group, and adding people: its owner and moderators. */
export function canManageGroup(actor: Actor, group: GroupFacts, role: GroupRole | null): Verdict {
  const seen = canSeeGroup(actor, group, role);
  if (seen) return seen;
  if (!manages(role)) return 'forbidden';
  return group.archived ? 'conflict' : null;
}

/** Adding people with `newRole`: owner and moderators add members; only the owner makes moderators. */
export function canAddGroupMembers(actor: Actor, group: GroupFacts, role: GroupRole | null, newRole: 'moderator' | 'member'): Verdict {
  const managed = canManageGroup(actor, group, role);
  if (managed) return managed;
  return newRole === 'moderator' && role !== 'owner' ? 'forbidden' : null;
}

/**
 * Archiving or restoring: the group's owner, and the workspace's owner and admins for groups they can
 * see (somebody must be able to tidy up after an owner who left the company).
 */
export function canArchiveGroup(actor: Actor, group: GroupFacts, role: GroupRole | null): Verdict {
  const seen = canSeeGroup(actor, group, role);
  if (seen) return seen;
  return role === 'owner' || actor.role === 'owner' || actor.role === 'admin' ? null : 'forbidden';
}

/** Joining by oneself: open groups only, not archived, not twice. */
export function canJoinGroup(actor: Actor, group: GroupFacts, role: GroupRole | null): Verdict {
  const seen = canSeeGroup(actor, group, role);
  if (seen) return seen;
  if (group.visibility !== 'open') return 'forbidden';
  return group.archived || role !== null ? 'conflict' : null;
}

/** Removing `target`: anyone may leave; the owner removes anyone; moderators remove plain members. */
export function canRemoveGroupMember(
  actor: Actor,
  group: GroupFacts,
  role: GroupRole | null,
  target: { id: string; role: GroupRole | null },
): Verdict {
  const seen = canSeeGroup(actor, group, role);
  if (seen) return seen;
  if (target.role === null) return 'not_found';
  if (target.id === actor.id) return null;
  if (group.archived) return 'conflict';
  if (role === 'owner') return null;
  return role === 'moderator' && target.role === 'member' ? null : 'forbidden';
}

/** Making a member a moderator or a plain member again: the owner only, never of themselves. */
export function canSetGroupMemberRole(actor: Actor, group: GroupFacts, role: GroupRole | null, target: { id: string; role: GroupRole | null }): Verdict {
  const seen = canSeeGroup(actor, group, role);
  if (seen) return seen;
  if (target.role === null) return 'not_found';
  if (role !== 'owner' || target.id === actor.id) return 'forbidden';
  return group.archived ? 'conflict' : null;
}

/** Addressing a post to a group: its members, while it is not archived. */
export function canPostToGroup(actor: Actor, group: GroupFacts, role: GroupRole | null): Verdict {
  if (canUseGroups(actor)) return 'forbidden';
  if (role === null) return group.visibility === 'open' ? 'forbidden' : 'not_found';
  return group.archived ? 'conflict' : null;
}
