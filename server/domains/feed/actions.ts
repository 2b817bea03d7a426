import { randomUUID } from 'node:crypto';
import { AppError } from '../../../shared/errors';
import {
  FEED_ALL_STREAM, FEED_LIMITS, departmentFeedStream, groupFeedStream, personalFeedStream, postStream,
  type CreatePostInput, type EditPostInput, type FeedFilter, type FeedPage, type FeedPost, type Reaction, type ReadState,
} from '../../../shared/feed';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { userStream } from '../streams/access';
import { canSeeGroup, factsOf, findGroups, groupIdsOf, memberRoles } from '../groups';
import { canDeletePost, canEditPost, canInteract, canReadPost, canSeeReaders, canUseFeed } from './policy';
import { mentionedColleagues, resolveAudience } from './audience';
import { decodeCursor, encodeCursor } from './cursor';
import * as events from './events';
import { throttle } from './limits';
import { insertPoll } from './pollsRepo';
import * as repo from './repo';
import { assemblePosts, loadPost } from './view';
import { inviteGuests } from '../guests/actions';
import { attachFeedFiles } from '../files/feed';

/**
 * The post, whether the actor can see it (by the one SQL rule) and the facts permissions need.
 * Unknown posts are not found; the caller's policy turns "not visible" into forbidden.
 */
export async function accessPost(svc: Services, actor: Actor, postId: string): Promise<repo.PostAccess> {
  enforce(canUseFeed(actor), 'use the feed');
  const access = await repo.postAccess(svc.db, postId, actor.id);
  if (!access) throw new AppError('not_found', 'No such post');
  return access;
}

/**
 * Publish a post. Idempotent: a retry with the same client id returns the post the first attempt
 * stored (even when the two race), so an offline queue never posts twice.
 */
export async function createPost(svc: Services, actor: Actor, input: CreatePostInput): Promise<FeedPost> {
  enforce(canUseFeed(actor), 'post in the feed');
  const retried = await repo.findByClientId(svc.db, actor.id, input.clientId);
  if (retried) return loadPost(svc.db, actor.id, retried.id);
  throttle(svc, 'post', actor.id);
  const audience = await resolveAudience(svc, actor, input.audience);
  const title = input.title || null;
  const mentions = await mentionedColleagues(svc.db, `${title ?? ''}\n${input.body}`, actor.id);
  const id = randomUUID();
  try {
    await svc.write(async (u) => {
      await repo.insertPost(u.tx, { id, authorId: actor.id, clientId: input.clientId, title, body: input.body, important: input.important, mentions });
      await repo.insertAudience(u.tx, id, audience);
      await attachFeedFiles(u.tx, actor.id, id, null, input.fileIds ?? []);
      // As in Bitrix24, mentioning someone makes them a recipient.
      await repo.addPeople(u.tx, id, mentions, true);
      if (input.poll) await insertPoll(u.tx, id, input.poll);
      // External addresses get a guest link by mail; those that turn out to be colleagues' join by name.
      await repo.addPeople(u.tx, id, await inviteGuests(svc, u, actor, id, audience.emails), false);
      await events.postCreated(u, id, actor.id);
      await events.notifyMentions(u, mentions, { postId: id, commentId: null, body: input.body }, actor.id);
    });
  } catch (err) {
    if ((err as { code?: string }).code !== '23505') throw err;
    const first = await repo.findByClientId(svc.db, actor.id, input.clientId);
    if (!first) throw err;
    return loadPost(svc.db, actor.id, first.id);
  }
  return loadPost(svc.db, actor.id, id);
}

export async function getPost(svc: Services, actor: Actor, postId: string): Promise<FeedPost> {
  const access = await accessPost(svc, actor, postId);
  enforce(canReadPost(actor, access.visible), 'see this post');
  return loadPost(svc.db, actor.id, postId);
}

/** Edit a post (its author): marked edited; people newly @mentioned join its audience and are told. */
export async function editPost(svc: Services, actor: Actor, postId: string, input: EditPostInput): Promise<FeedPost> {
  const access = await accessPost(svc, actor, postId);
  enforce(canEditPost(actor, access.visible, access), 'edit this post');
  const before = await loadPost(svc.db, actor.id, postId);
  const title = input.title === undefined ? before.title : input.title || null;
  const body = input.body ?? before.body;
  const mentions = await mentionedColleagues(svc.db, `${title ?? ''}\n${body}`, actor.id);
  const newlyMentioned = mentions.filter((id) => !before.mentions.includes(id));
  await svc.write(async (u) => {
    await repo.editPost(u.tx, postId, { title: input.title === undefined ? undefined : title, body: input.body, important: input.important, mentions });
    const added = await repo.addPeople(u.tx, postId, newlyMentioned, true);
    let post!: FeedPost;
    await u.emit(postStream(postId), 'post_edited', async () => {
      post = await loadPost(u.tx, null, postId);
      return { post: events.forPostStream(post) };
    }, actor.id);
    // A client resuming an audience stream later must not get the old text back.
    const announced = events.announceStreams(access.authorId, await repo.audienceRows(u.tx, [postId]));
    await repo.refreshAnnouncements(u.tx, postId, announced, post);
    await events.peopleAdded(u, postId, added, actor.id);
    await events.notifyMentions(u, newlyMentioned, { postId, commentId: null, body }, actor.id);
  });
  return loadPost(svc.db, actor.id, postId);
}

/** Delete a post (its author, or the owner and admins who can see it), scrubbing its text everywhere. */
export async function deletePost(svc: Services, actor: Actor, postId: string): Promise<void> {
  const access = await accessPost(svc, actor, postId);
  enforce(canDeletePost(actor, access.visible, access), 'delete this post');
  await svc.write(async (u) => {
    const rows = await repo.audienceRows(u.tx, [postId]);
    const announced = events.announceStreams(access.authorId, rows);
    const commentMentions = await repo.commentMentionIds(u.tx, postId);
    const notified = [...new Set([...events.notifiedStreams(rows), ...commentMentions.map(userStream)])];
    await repo.deletePost(u.tx, postId, announced, notified);
    // After the scrub, which blanks every earlier event of the post's stream.
    await u.emit(postStream(postId), 'post_deleted', { postId }, actor.id);
    for (const stream of announced) await u.emit(stream, 'post_deleted', { postId }, actor.id);
  });
}

/** One page of the viewer's feed, newest first, and on the first page of `all` the pinned block. */
export async function listFeed(
  svc: Services,
  actor: Actor,
  q: { filter: FeedFilter; groupId: string | null; cursor: string | null; limit: number },
): Promise<FeedPage> {
  enforce(canUseFeed(actor), 'read the feed');
  if (q.groupId) {
    const [group] = await findGroups(svc.db, [q.groupId]);
    if (!group) throw new AppError('not_found', 'No such group');
    enforce(canSeeGroup(actor, factsOf(group), (await memberRoles(svc.db, [q.groupId], actor.id)).get(q.groupId) ?? null), "read this group's feed");
  }
  const cursor = q.cursor ? decodeCursor(q.cursor) : null;
  const limit = Math.min(Math.max(q.limit, 1), FEED_LIMITS.pageMax);
  const scope = { filter: q.filter, groupId: q.groupId };
  const rows = await repo.feedPage(svc.db, actor.id, scope, cursor, limit);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const pinned = !cursor && q.filter === 'all' ? await repo.pinnedRows(svc.db, actor.id, scope, FEED_LIMITS.pinnedMax) : [];
  return {
    posts: await assemblePosts(svc.db, actor.id, page),
    pinned: await assemblePosts(svc.db, actor.id, pinned),
    nextCursor: rows.length > limit ? encodeCursor({ at: last.at_text, id: last.id }) : null,
  };
}

/** The audience streams the viewer should follow to see new posts live (see events.ts). */
export async function feedStreams(svc: Services, actor: Actor): Promise<string[]> {
  enforce(canUseFeed(actor), 'read the feed');
  const streams = [FEED_ALL_STREAM, personalFeedStream(actor.id)];
  const dept = await repo.departmentStreamKey(svc.db, actor.id);
  if (dept) streams.push(departmentFeedStream(dept));
  for (const groupId of await groupIdsOf(svc.db, actor.id)) streams.push(groupFeedStream(groupId));
  return streams;
}

/**
 * Mark a post read (what unpins an important post). The first mark counts: the post's followers see
 * "read by N of M" move, and the reader's other devices unpin it. Marking again changes nothing.
 */
export async function markRead(svc: Services, actor: Actor, postId: string): Promise<ReadState> {
  const access = await accessPost(svc, actor, postId);
  enforce(canInteract(actor, access.visible, access), 'mark this post read');
  return svc.write(async (u) => {
    const marked = await repo.markRead(u.tx, postId, actor.id);
    const state = (await repo.readCounts(u.tx, [postId])).get(postId)!;
    if (marked) {
      await u.emit(postStream(postId), 'post_read', { postId, userId: actor.id, ...state }, actor.id);
      await u.emit(userStream(actor.id), 'feed_read', { postId }, actor.id);
    }
    return state;
  });
}

/** Who read a post, for its author and the owner and admins who can see it. */
export async function postReaders(svc: Services, actor: Actor, postId: string) {
  const access = await accessPost(svc, actor, postId);
  enforce(canSeeReaders(actor, access.visible, access), 'see who read this post');
  const state = (await repo.readCounts(svc.db, [postId])).get(postId)!;
  return { readers: await repo.readers(svc.db, postId), ...state };
}

/** Toggle the actor's reaction on a post; the post's followers get the new list. */
export async function togglePostReaction(svc: Services, actor: Actor, postId: string, emoji: string): Promise<{ reactions: Reaction[]; added: boolean }> {
  const access = await accessPost(svc, actor, postId);
  enforce(canInteract(actor, access.visible, access), 'react to this post');
  return svc.write(async (u) => {
    let added = false;
    let reactions: Reaction[] = [];
    // Toggled under the stream's lock (taken by the event's seq), so concurrent toggles serialise.
    await u.emit(postStream(postId), 'reactions_changed', async () => {
      added = await repo.togglePostReaction(u.tx, postId, actor.id, emoji);
      reactions = await repo.postReactions(u.tx, postId);
      return { postId, commentId: null, reactions };
    }, actor.id);
    return { reactions, added };
  });
}

/** The e-mail addresses of a post's external audience, for the guest mailing (built separately). */
export async function externalRecipients(svc: Services, postId: string): Promise<string[]> {
  return repo.emailRecipients(svc.db, postId);
}
