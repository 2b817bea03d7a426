import type { GroupRole } from '../../../shared/feed';
import type { Actor, Verdict } from '../people/policy';
import { canManageGroup, canSeeGroup, canUseGroups, type GroupFacts } from '../groups/policy';

/**
 * Who may do what in the knowledge base. A space is the company's (every active employee reads and
 * edits) or a workgroup's (read by whoever may see the group, edited by its members while it is not
 * archived). Guests reach nothing here until document links exist.
 */

/** The facts about a space that its permissions depend on: the group's, for a group's space. */
export type SpaceFacts = { kind: 'company' } | { kind: 'group'; group: GroupFacts; role: GroupRole | null };

/** What a person may do with a document: edit it, only read it, or a denial. */
export type DocAccess = 'edit' | 'read';

/** The knowledge base is for employees. */
export function canUseDocs(actor: Actor): Verdict {
  return actor.active && actor.role !== 'guest' ? null : 'forbidden';
}

const staff = (actor: Actor) => actor.role === 'owner' || actor.role === 'admin';

/** Reading a space, its page tree and its pages. A closed group's space is "not found" to outsiders. */
export function canReadSpace(actor: Actor, space: SpaceFacts): Verdict {
  const used = canUseDocs(actor);
  if (used) return used;
  return space.kind === 'company' ? null : canSeeGroup(actor, space.group, space.role);
}

/** Creating, editing, moving and deleting pages: every employee in the company's space, members in a group's. */
export function canEditSpace(actor: Actor, space: SpaceFacts): Verdict {
  const read = canReadSpace(actor, space);
  if (read || space.kind === 'company') return read;
  if (space.role === null) return 'forbidden';
  return space.group.archived ? 'conflict' : null;
}

/** Creating or renaming a space: owner and admins for the company's, the group's owner and moderators for a group's. */
export function canManageSpace(actor: Actor, space: SpaceFacts): Verdict {
  if (space.kind === 'company') {
    const used = canUseDocs(actor);
    return used ?? (staff(actor) ? null : 'forbidden');
  }
  if (canUseGroups(actor)) return 'forbidden';
  return canManageGroup(actor, space.group, space.role);
}

/**
 * What the Yjs endpoint grants on a page's document: edit where the space may be edited, read where it
 * may only be read (an archived group's, an open group seen by a non-member); a deleted page is read-only.
 */
export function docAccess(actor: Actor, space: SpaceFacts, pageDeleted: boolean): DocAccess | Verdict {
  const read = canReadSpace(actor, space);
  if (read) return read;
  if (pageDeleted) return 'read';
  return canEditSpace(actor, space) === null ? 'edit' : 'read';
}

/** Moving a page under `newParentId`: never under itself or one of its descendants (`descendants` includes the page). */
export function canMoveUnder(pageId: string, newParentId: string | null, descendants: ReadonlySet<string>): Verdict {
  if (newParentId === null) return null;
  return newParentId === pageId || descendants.has(newParentId) ? 'conflict' : null;
}
