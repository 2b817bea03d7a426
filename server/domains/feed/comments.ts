import { randomUUID } from 'node:crypto';
import { AppError } from '../../../shared/errors';
import { postStream, type CreateCommentInput, type FeedComment, type Reaction } from '../../../shared/feed';
import type { Services } from '../../services';
import type { Unit } from '../../db/unit';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { userStream } from '../streams/access';
import { streamHead } from '../streams/repo';
import { canDeleteComment, canEditComment, canInteract, canReadPost, canUseFeed } from './policy';
import { accessPost } from './actions';
import { mentionedColleagues } from './audience';
import * as events from './events';
import { throttle } from './limits';
import * as repo from './commentsRepo';
import { addPeople } from './repo';
import { attachFeedFiles } from '../files/feed';

/** The comment, and its post's access facts for the actor. */
async function loadComment(svc: Services, actor: Actor, commentId: string) {
  enforce(canUseFeed(actor), 'use the feed');
  const comment = await repo.findComment(svc.db, commentId);
  if (!comment) throw new AppError('not_found', 'No such comment');
  const post = await accessPost(svc, actor, comment.postId);
  return { comment, post, facts: { authorId: comment.authorId, deleted: comment.deletedAt !== null } };
}

/** Mentioned people join the post's audience (if new there) and are told, on their own stream. */
async function mentionPeople(u: Unit, post: { id: string; authorId: string }, comment: { id: string; body: string }, userIds: string[], actorId: string) {
  const added = await addPeople(u.tx, post.id, userIds.filter((id) => id !== post.authorId), true);
  await events.peopleAdded(u, post.id, added, actorId);
  await events.notifyMentions(u, userIds, { postId: post.id, commentId: comment.id, body: comment.body }, actorId);
}

function sameComment(first: FeedComment, postId: string): FeedComment {
  if (first.postId !== postId) throw new AppError('conflict', 'This client id was already used for another post');
  return first;
}

/**
 * Comment on a post, or reply to one of its comments (a reply to a reply joins the first comment's
 * replies: one level). Idempotent by client id, like posts.
 */
export async function addComment(svc: Services, actor: Actor, postId: string, input: CreateCommentInput): Promise<FeedComment> {
  enforce(canUseFeed(actor), 'comment');
  const retried = await repo.findByClientId(svc.db, actor.id, input.clientId);
  if (retried) return sameComment(retried, postId);
  throttle(svc, 'comment', actor.id);
  const post = await accessPost(svc, actor, postId);
  enforce(canInteract(actor, post.visible, post), 'comment on this post');
  return writeComment(svc, actor.id, post, input, await mentionedColleagues(svc.db, input.body, actor.id));
}

/**
 * Store a comment whose writer was checked by the caller (a colleague above, a guest through their link,
 * an answer by mail): the reply's place, the write, and a retry's first result. Guests mention nobody.
 */
export async function writeComment(
  svc: Services,
  authorId: string,
  post: { id: string; authorId: string },
  input: CreateCommentInput,
  mentions: string[],
): Promise<FeedComment> {
  const postId = post.id;
  const retried = await repo.findByClientId(svc.db, authorId, input.clientId);
  if (retried) return sameComment(retried, postId);
  let replyTo: string | null = null;
  if (input.replyTo) {
    const parent = await repo.findComment(svc.db, input.replyTo);
    if (!parent || parent.postId !== postId) {
      throw new AppError('bad_request', 'A reply answers a comment of the same post', { fields: { replyTo: 'unknown' } });
    }
    if (parent.deletedAt) throw new AppError('conflict', 'The comment was deleted');
    replyTo = parent.replyTo ?? parent.id;
  }
  const id = randomUUID();
  try {
    return await svc.write(async (u) => {
      let comment!: FeedComment;
      await u.emit(postStream(postId), 'comment_created', async (seq: number) => {
        comment = await repo.insertComment(u.tx, { id, postId, seq, authorId, clientId: input.clientId, body: input.body, replyTo, mentions });
        comment.attachments = await attachFeedFiles(u.tx, authorId, postId, id, input.fileIds ?? []);
        return { comment, commentCount: await repo.liveCommentCount(u.tx, postId) };
      }, authorId);
      if (mentions.length) await mentionPeople(u, post, comment, mentions, authorId);
      return comment;
    });
  } catch (err) {
    if ((err as { code?: string }).code !== '23505') throw err;
    const first = await repo.findByClientId(svc.db, authorId, input.clientId);
    if (!first) throw err;
    return sameComment(first, postId);
  }
}

/** A page of a post's comments, oldest first, with the post stream's head to follow it from. */
export async function listComments(svc: Services, actor: Actor, postId: string, page: { before: number | null; limit: number }) {
  const post = await accessPost(svc, actor, postId);
  enforce(canReadPost(actor, post.visible), 'see this post');
  const comments = await repo.commentsPage(svc.db, postId, page.before, page.limit);
  return { comments, head: await streamHead(svc.db, postStream(postId)) };
}

export async function editComment(svc: Services, actor: Actor, commentId: string, body: string): Promise<FeedComment> {
  const { comment, post, facts } = await loadComment(svc, actor, commentId);
  enforce(canEditComment(actor, post.visible, post, facts), 'edit this comment');
  const mentions = await mentionedColleagues(svc.db, body, actor.id);
  const newlyMentioned = mentions.filter((id) => !comment.mentions.includes(id));
  return svc.write(async (u) => {
    const edited = await repo.editComment(u.tx, commentId, body, mentions);
    await u.emit(postStream(comment.postId), 'comment_edited', { comment: edited }, actor.id);
    await mentionPeople(u, post, edited, newlyMentioned, actor.id);
    return edited;
  });
}

/** Delete a comment (its author, the post's author, owner and admins), leaving a tombstone. */
export async function deleteComment(svc: Services, actor: Actor, commentId: string): Promise<FeedComment> {
  const { comment, post, facts } = await loadComment(svc, actor, commentId);
  enforce(canDeleteComment(actor, post.visible, post, facts), 'delete this comment');
  return svc.write(async (u) => {
    const deleted = await repo.deleteComment(u.tx, commentId, comment.postId, comment.mentions.map(userStream));
    await u.emit(postStream(comment.postId), 'comment_deleted', { comment: deleted, commentCount: await repo.liveCommentCount(u.tx, comment.postId) }, actor.id);
    return deleted;
  });
}

/** Toggle the actor's reaction on a comment; the post's followers get the comment's new list. */
export async function toggleCommentReaction(svc: Services, actor: Actor, commentId: string, emoji: string): Promise<{ reactions: Reaction[]; added: boolean }> {
  const { comment, post } = await loadComment(svc, actor, commentId);
  enforce(canInteract(actor, post.visible, post), 'react here');
  if (comment.deletedAt) throw new AppError('conflict', 'The comment was deleted');
  return svc.write(async (u) => {
    let added = false;
    let reactions: Reaction[] = [];
    await u.emit(postStream(comment.postId), 'reactions_changed', async () => {
      added = await repo.toggleCommentReaction(u.tx, commentId, actor.id, emoji);
      reactions = (await repo.findComment(u.tx, commentId))!.reactions;
      return { postId: comment.postId, commentId, reactions };
    }, actor.id);
    return { reactions, added };
  });
}
