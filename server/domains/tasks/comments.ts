import { randomUUID } from 'node:crypto';
import { AppError } from '../../../shared/errors';
import { taskStream, type TaskComment } from '../../../shared/tasks';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { streamHead } from '../streams/repo';
import { userStream } from '../streams/access';
import { accessTask } from './access';
import * as repo from './commentsRepo';
import { pushCounters } from './counters';
import { pushTaskCounters } from './events';
import { throttle } from './limits';
import { canComment, canDeleteComment, canEditComment, canReadTask } from './policy';

/**
 * Comments: the task's own stream carries them (`comment_created {comment, commentCount}`,
 * `comment_edited {comment}`, `comment_deleted {comment, commentCount}`); a comment keeps the seq of
 * its `comment_created`, and the people named on the task see their "new comments" counters move.
 */

function sameTask(first: TaskComment, taskId: string): TaskComment {
  if (first.taskId !== taskId) throw new AppError('conflict', 'This client id was already used for another task');
  return first;
}

/** Comment on a task. Idempotent by client id: a retry (even a racing one) returns the first comment. */
export async function addComment(svc: Services, actor: Actor, taskId: string, input: { clientId: string; body: string }): Promise<TaskComment> {
  const { rel } = await accessTask(svc.db, actor, taskId);
  enforce(canComment(actor, rel), 'comment on this task');
  const retried = await repo.findByClientId(svc.db, actor.id, input.clientId);
  if (retried) return sameTask(retried, taskId);
  throttle(svc, 'comment', actor.id);
  const id = randomUUID();
  try {
    return await svc.write(async (u) => {
      let comment!: TaskComment;
      await u.emit(taskStream(taskId), 'comment_created', async (seq: number) => {
        comment = await repo.insertComment(u.tx, { id, taskId, seq, authorId: actor.id, clientId: input.clientId, body: input.body });
        return { comment, commentCount: await repo.liveCommentCount(u.tx, taskId) };
      }, actor.id);
      // Writing a comment means having the task open: the writer has read up to it.
      await repo.markRead(u.tx, taskId, actor.id, comment.seq);
      await pushTaskCounters(u, taskId, actor.id);
      return comment;
    });
  } catch (err) {
    if ((err as { code?: string }).code !== '23505') throw err;
    const first = await repo.findByClientId(svc.db, actor.id, input.clientId);
    if (!first) throw err;
    return sameTask(first, taskId);
  }
}

/** A page of comments, oldest first, with the stream's head and my read position. */
export async function listComments(svc: Services, actor: Actor, taskId: string, page: { before: number | null; limit: number }) {
  const { rel } = await accessTask(svc.db, actor, taskId);
  enforce(canReadTask(actor, rel), 'see this task');
  const comments = await repo.commentsPage(svc.db, taskId, page.before, page.limit);
  return { comments, head: await streamHead(svc.db, taskStream(taskId)) };
}

async function loadComment(svc: Services, actor: Actor, taskId: string, commentId: string) {
  const { rel } = await accessTask(svc.db, actor, taskId);
  const comment = await repo.findComment(svc.db, commentId);
  if (!comment || comment.taskId !== taskId) {
    enforce(canReadTask(actor, rel), 'see this task');
    throw new AppError('not_found', 'No such comment');
  }
  return { rel, comment, facts: { authorId: comment.authorId, deleted: comment.deletedAt !== null } };
}

export async function editComment(svc: Services, actor: Actor, taskId: string, commentId: string, body: string): Promise<TaskComment> {
  const { rel, facts } = await loadComment(svc, actor, taskId, commentId);
  enforce(canEditComment(actor, rel, facts), 'edit this comment');
  return svc.write(async (u) => {
    const edited = await repo.editComment(u.tx, commentId, body);
    await u.emit(taskStream(taskId), 'comment_edited', { comment: edited }, actor.id);
    return edited;
  });
}

/** Delete a comment (its author, the task's creator, admins): a tombstone, its text scrubbed from the stream. */
export async function deleteComment(svc: Services, actor: Actor, taskId: string, commentId: string): Promise<TaskComment> {
  const { rel, facts } = await loadComment(svc, actor, taskId, commentId);
  enforce(canDeleteComment(actor, rel, facts), 'delete this comment');
  return svc.write(async (u) => {
    const deleted = await repo.deleteComment(u.tx, commentId, taskId);
    await u.emit(taskStream(taskId), 'comment_deleted', { comment: deleted, commentCount: await repo.liveCommentCount(u.tx, taskId) }, actor.id);
    await pushTaskCounters(u, taskId, actor.id);
    return deleted;
  });
}

/**
 * Move my read position on the task stream (to `seq`, at most its head; default the head): comments
 * up to it are no longer new for me. My other devices learn it (`task_read`) with my new counters.
 */
export async function markTaskRead(svc: Services, actor: Actor, taskId: string, seq?: number): Promise<{ readSeq: number }> {
  const { rel } = await accessTask(svc.db, actor, taskId);
  enforce(canReadTask(actor, rel), 'see this task');
  return svc.write(async (u) => {
    const head = await streamHead(u.tx, taskStream(taskId));
    const { readSeq, moved } = await repo.markRead(u.tx, taskId, actor.id, Math.min(seq ?? head, head));
    if (moved) {
      await u.emit(userStream(actor.id), 'task_read', { taskId, readSeq }, actor.id);
      await pushCounters(u, [actor.id], actor.id);
    }
    return { readSeq };
  });
}
