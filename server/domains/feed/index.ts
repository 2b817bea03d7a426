import type { Queryable } from '../../db/pool';
import type { Actor, Verdict } from '../people/policy';
import { canReadPost, canUseFeed } from './policy';
import * as repo from './repo';

/**
 * The live feed: posts with an audience, comments, reactions, polls, important posts with read marks.
 * Routes in server/http/feedRoutes.ts; streams and events in events.ts; the visibility rule in
 * policy.ts (`canSeePost`) and repo.ts (`visibleTo`).
 */
export { accessPost, createPost, deletePost, editPost, externalRecipients, feedStreams, getPost, listFeed, markRead, postReaders, togglePostReaction } from './actions';
export { addComment, deleteComment, editComment, listComments, toggleCommentReaction } from './comments';
export { vote } from './polls';
export { canSeePost, departmentKey } from './policy';

/** May the actor follow `post:<id>`? Whoever can see the post; unknown posts are not found. */
export async function postStreamAccess(db: Queryable, actor: Actor, postId: string): Promise<Verdict> {
  if (canUseFeed(actor)) return 'forbidden';
  const access = await repo.postAccess(db, postId, actor.id);
  if (!access) return 'not_found';
  return canReadPost(actor, access.visible);
}

/** May the actor follow `feed:dept:<key>`? Active employees of that department. */
export async function departmentStreamAccess(db: Queryable, actor: Actor, key: string): Promise<Verdict> {
  if (canUseFeed(actor)) return 'forbidden';
  return (await repo.inDepartmentStream(db, actor.id, key)) ? null : 'forbidden';
}

/** May the actor follow `feed:all` or `feed:user:<id>`? Active employees; the latter only its person. */
export function audienceStreamAccess(actor: Actor, personal: string | null): Verdict {
  if (canUseFeed(actor)) return 'forbidden';
  return personal === null || personal === actor.id ? null : 'forbidden';
}
