import type { Actor, Verdict } from '../people/policy';
import { canReadPost } from '../feed/policy';

/**
 * Permissions of external guests, pure. A guest holds one grant — the post their link opens — and
 * nothing else: every check below starts from it, and everything not listed here refuses guests.
 */

/** Reading the granted post and its comments (a deleted post shows as deleted). */
export function guestMayRead(actor: Actor, postId: string): Verdict {
  return actor.role === 'guest' && actor.active && actor.grant?.postId === postId ? null : 'forbidden';
}

/** Commenting on the granted post while it exists. */
export function guestMayComment(actor: Actor, postId: string, post: { deleted: boolean }): Verdict {
  return guestMayRead(actor, postId) ?? (post.deleted ? 'conflict' : null);
}

/** Seeing, inviting and revoking a post's guests: its author, and the workspace's owner and admins who see it. */
export function canManageGuests(actor: Actor, post: { authorId: string; visible: boolean }): Verdict {
  const read = canReadPost(actor, post.visible);
  if (read) return read;
  return post.authorId === actor.id || actor.role === 'owner' || actor.role === 'admin' ? null : 'forbidden';
}

/** May this actor follow this stream at all? Guests only their post's; null means "not a guest: ask the usual rules". */
export function guestStreamVerdict(actor: Actor, stream: string): Verdict | undefined {
  if (actor.role !== 'guest') return undefined;
  return actor.grant && stream === `post:${actor.grant.postId}` ? null : 'forbidden';
}
