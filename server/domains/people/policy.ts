import type { Role } from '../../../shared/types';

/** Who is acting: the signed-in user as the permission checks see them. */
export interface Actor {
  id: string;
  role: Role;
  active: boolean;
  /** A guest's one object: the feed post or the call their link opens (guests reach nothing else). */
  grant?: GuestGrant;
}

/** What a guest link grants: one post (its comments included), one call, or one document page, through one link. */
export type GuestGrant = PostGrant | CallGrant | PageGrant;
export interface PostGrant {
  postId: string;
  linkId: string;
}
export interface CallGrant {
  callId: string;
  linkId: string;
}
/** A page of the knowledge base, to read or to edit as the link says (only at /yjs/<pageId>). */
export interface PageGrant {
  pageId: string;
  linkId: string;
  access: 'read' | 'edit';
}

/** The post a guest's link opens, or null (a colleague, or a call guest). */
export const grantedPost = (actor: Actor): string | null => (actor.grant && 'postId' in actor.grant ? actor.grant.postId : null);
/** The call a guest's link opens, or null (a colleague, or a thread guest). */
export const grantedCall = (actor: Actor): string | null => (actor.grant && 'callId' in actor.grant ? actor.grant.callId : null);
/** The document page a guest's link opens, or null. */
export const grantedPage = (actor: Actor): PageGrant | null => (actor.grant && 'pageId' in actor.grant ? actor.grant : null);

/** A denial reason, or null for allowed. */
export type Verdict = null | 'forbidden' | 'not_found' | 'conflict';

const staff = (a: Actor) => a.active && (a.role === 'owner' || a.role === 'admin');

/** Seeing the directory of colleagues: every active employee, never a guest. */
export function canListPeople(actor: Actor): Verdict {
  return actor.active && actor.role !== 'guest' ? null : 'forbidden';
}

/** Administering people, invitations and the mail outbox. */
export function canAdminister(actor: Actor): Verdict {
  return staff(actor) ? null : 'forbidden';
}

/** Changing `target`'s role to `role`: never the owner's, never one's own; only the owner grants or takes admin. */
export function canChangeRole(actor: Actor, target: Actor, role: Role): Verdict {
  if (!staff(actor)) return 'forbidden';
  if (target.id === actor.id || target.role === 'owner' || role === 'owner' || role === 'guest') return 'forbidden';
  if ((role === 'admin' || target.role === 'admin') && actor.role !== 'owner') return 'forbidden';
  return null;
}

/** Deactivating or reactivating `target`: not the owner, not oneself; an admin only by the owner. */
export function canSetActive(actor: Actor, target: Actor): Verdict {
  if (!staff(actor)) return 'forbidden';
  if (target.id === actor.id || target.role === 'owner') return 'forbidden';
  if (target.role === 'admin' && actor.role !== 'owner') return 'forbidden';
  return null;
}

/** Inviting a colleague with `role`: staff only; only the owner invites admins. */
export function canInvite(actor: Actor, role: Role): Verdict {
  if (!staff(actor)) return 'forbidden';
  if (role === 'admin' && actor.role !== 'owner') return 'forbidden';
  if (role === 'owner' || role === 'guest') return 'forbidden';
  return null;
}
