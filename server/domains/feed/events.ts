import {
  departmentFeedStream, FEED_ALL_STREAM, FEED_LIMITS, groupFeedStream, personalFeedStream, postStream, type FeedMentionPayload, type FeedPost,
} from '../../../shared/feed';
import type { Unit } from '../../db/unit';
import { userStream } from '../streams/access';
import type { AudienceRow } from './repo';
import * as repo from './repo';
import { loadPost } from './view';

/**
 * Where the feed's events go:
 * - `post:<id>`: everything about one post (created, edited, deleted, comments, reactions, poll, reads);
 * - audience streams announce new (and deleted) posts: `feed:all` when every employee can see the post
 *   (audience everyone, or an open group), `feed:group:<id>` per group, and, when not on `feed:all`,
 *   `feed:dept:<key>` per department and `feed:user:<id>` per person named or mentioned (and the author,
 *   for their other devices). A post may arrive on several of them: clients keep it once, by post id;
 * - `user:<id>`: `feed_mention` for the person mentioned, `feed_read` for the reader's other devices.
 */

/** Whether every active employee can see a post with this audience (so `feed:all` carries it). */
export function reachesEveryone(rows: AudienceRow[]): boolean {
  return rows.some((a) => a.kind === 'everyone' || (a.kind === 'group' && a.group_open === true));
}

/** The audience streams that announce a post. Pure. */
export function announceStreams(authorId: string, rows: AudienceRow[]): string[] {
  const everyone = reachesEveryone(rows);
  const streams = new Set<string>(everyone ? [FEED_ALL_STREAM] : [personalFeedStream(authorId)]);
  for (const a of rows) {
    if (a.kind === 'group') streams.add(groupFeedStream(a.group_id!));
    else if (!everyone && a.kind === 'department') streams.add(departmentFeedStream(a.dept_stream_key!));
    else if (!everyone && a.kind === 'user') streams.add(personalFeedStream(a.user_id!));
  }
  return [...streams];
}

/** The own streams of the people an @mention notified about a post. */
export function notifiedStreams(rows: AudienceRow[]): string[] {
  return rows.filter((a) => a.kind === 'user' && a.mentioned).map((a) => userStream(a.user_id!));
}

/**
 * A post as its own stream carries it: without its audience, since external guests of the post follow
 * that stream too and who else it reaches is not theirs to know (colleagues keep the audience they
 * loaded, and get it with the announcement).
 */
export function forPostStream(post: FeedPost): FeedPost {
  return { ...post, audience: { everyone: false, departments: [], groups: [], users: [], emails: [], externalCount: 0 } };
}

/** A new post: the first event of its own stream, then the announcements. Returns the neutral post. */
export async function postCreated(u: Unit, postId: string, actorId: string): Promise<FeedPost> {
  let post!: FeedPost;
  // Read once the post stream has its first seq, so the post carries it as its head.
  await u.emit(postStream(postId), 'post_created', async () => {
    post = await loadPost(u.tx, null, postId);
    return { post: forPostStream(post) };
  }, actorId);
  const rows = await repo.audienceRows(u.tx, [postId]);
  for (const stream of announceStreams(post.author.id, rows)) await u.emit(stream, 'post_created', { post }, actorId);
  return post;
}

/**
 * People who were just added to a post's audience (by an @mention in an edit or a comment) learn about
 * the post on their personal feed stream, unless `feed:all` already carried it to them.
 */
export async function peopleAdded(u: Unit, postId: string, userIds: string[], actorId: string): Promise<void> {
  if (!userIds.length) return;
  const rows = await repo.audienceRows(u.tx, [postId]);
  if (reachesEveryone(rows)) return;
  const post = await loadPost(u.tx, null, postId);
  for (const id of userIds) await u.emit(personalFeedStream(id), 'post_created', { post }, actorId);
}

/** A short plain excerpt of a body for a notification. */
export function excerpt(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length <= FEED_LIMITS.excerptChars ? flat : flat.slice(0, FEED_LIMITS.excerptChars - 1) + '…';
}

/** Tell each mentioned person, on their own stream, where and by whom. */
export async function notifyMentions(
  u: Unit,
  userIds: string[],
  at: { postId: string; commentId: string | null; body: string },
  actorId: string,
): Promise<void> {
  for (const userId of userIds) {
    const payload: FeedMentionPayload = { postId: at.postId, commentId: at.commentId, authorId: actorId, excerpt: excerpt(at.body) };
    await u.emit(userStream(userId), 'feed_mention', payload, actorId);
  }
}
