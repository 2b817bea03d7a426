import { grantedPost, type Actor, type Verdict } from '../people/policy';
import { canReadPost } from '../feed/policy';

/**
 * Permissions of external guests, pure. A guest holds one grant — the post their link opens — and
 * nothing else: every check below starts from it, and everything not listed here refuses guests.
 */

/** Reading the granted post and its comments (a deleted post shows as deleted). */
export function guestMayRead(actor: Actor, postId: string): Verdict {
  return actor.role === 'guest' && actor.active && grantedPost(actor) === postId ? null : 'forbidden';
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

/**
 * May this actor follow this stream at all? A thread guest only their post's; a call guest only the
 * `call:` and `lobby:` streams, which the calls' own rules then decide (their call, once admitted; their
 * own lobby seat). undefined means "not decided here: ask the usual rules".
 */
export function guestStreamVerdict(actor: Actor, stream: string): Verdict | undefined {
  if (actor.role !== 'guest') return undefined;
  const post = grantedPost(actor);
  if (post) return stream === `post:${post}` ? null : 'forbidden';
  if (actor.grant && 'callId' in actor.grant) return /^(call|lobby):[0-9a-f-]{36}$/.test(stream) ? undefined : 'forbidden';
  // A document guest has only their page's /yjs socket: no stream of /ws is theirs.
  if (actor.grant && 'pageId' in actor.grant) return 'forbidden';
  return 'forbidden';
}
