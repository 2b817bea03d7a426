import type { Queryable } from '../../db/pool';
import type { Actor, Verdict } from '../people/policy';
import { canSeeGroup } from './policy';
import { factsOf, findGroup, memberRole } from './repo';

export * from './actions';
export { canPostToGroup, canSeeGroup, canUseGroups } from './policy';
export { findGroups, groupIdsOf, memberRoles, factsOf } from './repo';

/**
 * May the actor follow a group's feed stream? Exactly who may see the group: its members, and every
 * employee when it is open. Unknown groups, and closed ones seen from outside, are not found.
 */
export async function groupFeedAccess(db: Queryable, actor: Actor, groupId: string): Promise<Verdict> {
  const row = await findGroup(db, groupId);
  if (!row) return 'not_found';
  return canSeeGroup(actor, factsOf(row), await memberRole(db, groupId, actor.id));
}
