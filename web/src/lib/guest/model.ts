/**
 * The guest page's pure logic: applying the post stream's events to the one thread a guest sees.
 *
 * Imports from shared/ are relative (not `$shared`) so this module also loads in plain vitest/tsc.
 */
import type { FeedComment, FeedPost } from '../../../../shared/feed';
import { forGuest, type GuestThread } from '../../../../shared/guests';
import type { StreamEvent } from '../../../../shared/types';

/** Insert or replace a comment, keeping the stream's order (by seq). */
export function upsertComment(list: FeedComment[], c: FeedComment): FeedComment[] {
  const i = list.findIndex((x) => x.id === c.id);
  if (i >= 0) return list.map((x, j) => (j === i ? c : x));
  return [...list, c].sort((a, b) => a.seq - b.seq);
}

/** Apply one event of `post:<id>`; unknown events change nothing. The post keeps the audience it had. */
export function applyThreadEvent(thread: GuestThread, ev: Pick<StreamEvent, 'event'>): GuestThread {
  const payload = (ev.event.payload ?? {}) as { comment?: FeedComment; post?: FeedPost };
  switch (ev.event.type) {
    case 'comment_created':
    case 'comment_edited':
    case 'comment_deleted': {
      const c = payload.comment;
      if (!c || c.postId !== thread.post.id) return thread;
      const people = c.guestName ? { ...thread.people, [c.authorId]: { name: c.guestName, guest: true } } : thread.people;
      return { ...thread, people, comments: upsertComment(thread.comments, forGuest({ ...c, attachments: c.attachments ?? [] })) };
    }
    case 'post_edited':
      return payload.post ? { ...thread, post: forGuest({ ...payload.post, attachments: payload.post.attachments ?? [], audience: thread.post.audience }) } : thread;
    case 'post_deleted':
      return { ...thread, post: { ...thread.post, title: null, body: '', deletedAt: new Date().toISOString() } };
    default:
      return thread;
  }
}

/** Top-level comments, each with its replies (one level), in order. */
export function commentTree(comments: FeedComment[]): { comment: FeedComment; replies: FeedComment[] }[] {
  const top = comments.filter((c) => !c.replyTo);
  return top.map((comment) => ({ comment, replies: comments.filter((c) => c.replyTo === comment.id) }));
}

/** The name to show for a person of the thread. */
export function nameOf(thread: Pick<GuestThread, 'people'>, id: string, guestName: string | null = null): string {
  return guestName ?? thread.people[id]?.name ?? '…';
}
