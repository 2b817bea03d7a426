/**
 * Pure logic of the live feed client: the list of posts (a page, older pages by cursor, new posts from
 * the audience streams, kept once by id), each post's own stream applied on top (comments, edits,
 * reactions, poll, reads, deletion), pinned important posts, poll percentages, comment threads, and
 * the composer's audience chips. Which pages an endless list keeps is ./window.ts.
 *
 * Imports from shared/ are relative (not `$shared`) so this module also loads in plain vitest/tsc.
 */
import type { AudienceSummary, FeedComment, FeedFilter, FeedPost, PollState, Reaction } from '../../../../shared/feed';
import type { Role, StreamEvent } from '../../../../shared/types';

/** A post as the list holds it: the post and every comment known on this device. */
export interface FeedItem extends FeedPost {
  /** Comments known here (the post's latest, a loaded page, live ones), by seq; tombstones included. */
  comments: FeedComment[];
  /** Whether all comments were loaded ("show all"). */
  allComments: boolean;
}

/** What one list shows: the posts (newest first) and, above them, important posts I have not read. */
export interface FeedState {
  posts: FeedItem[];
  pinned: FeedItem[];
}

type Event = Pick<StreamEvent, 'seq' | 'event'>;

// ---- posts ------------------------------------------------------------------------------------------

/** Newest first: creation time, then id (the server's order). */
export function comparePosts(a: Pick<FeedPost, 'createdAt' | 'id'>, b: Pick<FeedPost, 'createdAt' | 'id'>): number {
  return Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** The emoji I reacted with, read from who reacted (events carry no `myReactions`). */
export function myReactionsOf(reactions: Reaction[], myId: string): string[] {
  return reactions.filter((r) => r.userIds.includes(myId)).map((r) => r.emoji);
}

/** A poll with my choices: a stream event's poll has none, so the ones known before are kept. */
export function withMyChoices(poll: PollState, previous: PollState | null | undefined): PollState {
  if (poll.myChoices.length || !previous?.myChoices.length) return poll;
  const ids = new Set(poll.options.map((o) => o.id));
  return { ...poll, myChoices: previous.myChoices.filter((id) => ids.has(id)) };
}

/**
 * A post from the server merged with what the list already has. `neutral` posts (stream events and
 * announcements) know nothing of the viewer: my read mark, reactions and poll choices are kept. An older
 * copy (lower head) never replaces a newer one.
 */
export function mergePost(local: FeedItem | undefined, fresh: FeedPost, myId: string, neutral = false): FeedItem {
  if (local && fresh.head < local.head) return local;
  const comments = mergeComments(local?.comments ?? [], fresh.lastComments ?? []);
  let poll = fresh.poll;
  if (poll && neutral) poll = withMyChoices(poll, local?.poll);
  return {
    ...fresh,
    audience: keepEmails(fresh.audience, local?.audience),
    myReactions: myReactionsOf(fresh.reactions, myId),
    poll,
    read: fresh.read || (local?.read ?? false),
    comments,
    allComments: local?.allComments ?? false,
  };
}

/** External addresses are shown to the author only; a viewer-neutral copy has none, so keep ours. */
function keepEmails(audience: AudienceSummary, previous: AudienceSummary | undefined): AudienceSummary {
  return !audience.emails.length && previous?.emails.length ? { ...audience, emails: previous.emails } : audience;
}

/** Insert or replace posts by id, newest first. */
function upsertPosts(list: FeedItem[], posts: FeedPost[], myId: string, neutral: boolean): FeedItem[] {
  if (!posts.length) return list;
  const byId = new Map(list.map((p) => [p.id, p]));
  for (const post of posts) byId.set(post.id, mergePost(byId.get(post.id), post, myId, neutral));
  return [...byId.values()].sort(comparePosts);
}

/** An older page (by cursor) joins the end of the list; posts already there keep their newer copy. */
export function appendPage(list: FeedItem[], page: FeedPost[], myId: string): FeedItem[] {
  return upsertPosts(list, page, myId, false);
}

/**
 * The newest page loaded again (first load, a stream said "reload", the socket came back). When it is
 * full and does not reach the posts we have, there may be a hole between them: the list starts over
 * from the page (`replaced`, and the page's cursor is the one to use).
 */
export function mergeTop(list: FeedItem[], page: FeedPost[], myId: string, pageFull: boolean): { posts: FeedItem[]; replaced: boolean } {
  if (!list.length || (pageFull && page.length && comparePosts(page[page.length - 1], list[0]) < 0)) {
    // Start over from the page, keeping what we know of the posts it shares with the old list.
    const old = new Map(list.map((p) => [p.id, p]));
    return { posts: page.map((p) => mergePost(old.get(p.id), p, myId)).sort(comparePosts), replaced: true };
  }
  return { posts: upsertPosts(list, page, myId, false), replaced: false };
}

/** The pinned posts of a fresh first page, merged with the copies we hold. */
export function mergePinned(current: FeedItem[], fresh: FeedPost[], myId: string): FeedItem[] {
  const byId = new Map(current.map((p) => [p.id, p]));
  return fresh
    .map((p) => mergePost(byId.get(p.id), p, myId))
    .filter((p) => !p.read && !p.deletedAt)
    .sort(comparePosts);
}

/** Does a post belong to a list with this filter (and workgroup)? New posts are placed by this. */
export function matchesFilter(post: FeedPost, filter: FeedFilter, myId: string, groupId: string | null = null): boolean {
  if (groupId && !post.audience.groups.some((g) => g.id === groupId)) return false;
  switch (filter) {
    case 'mine':
      return post.author.id === myId;
    case 'mentions':
      return post.mentions.includes(myId);
    case 'important':
      return post.important;
    default:
      return true;
  }
}

/** Should a post be pinned for me: important, someone else's, not read, not deleted. */
export function pinsFor(post: Pick<FeedPost, 'important' | 'read' | 'deletedAt' | 'author'>, myId: string): boolean {
  return post.important && !post.read && !post.deletedAt && post.author.id !== myId;
}

/** Change one post wherever it is shown; `null` removes it. Pinned posts that got read leave the pins. */
export function patchPost(state: FeedState, postId: string, fn: (item: FeedItem) => FeedItem | null): FeedState {
  let changed = false;
  const patch = (list: FeedItem[]) => {
    const i = list.findIndex((p) => p.id === postId);
    if (i < 0) return list;
    const next = fn(list[i]);
    if (next === list[i]) return list;
    changed = true;
    return next ? list.map((p, j) => (j === i ? next : p)) : list.filter((_, j) => j !== i);
  };
  const posts = patch(state.posts);
  let pinned = patch(state.pinned);
  if (pinned.some((p) => p.read)) {
    pinned = pinned.filter((p) => !p.read);
    changed = true;
  }
  return changed ? { posts, pinned } : state;
}

/** The post with this id, from either list. */
export function findPost(state: FeedState, postId: string): FeedItem | undefined {
  return state.posts.find((p) => p.id === postId) ?? state.pinned.find((p) => p.id === postId);
}

/** What a list needs to know to place a new post. */
export interface ListContext {
  myId: string;
  filter: FeedFilter;
  groupId: string | null;
  /** This list shows pinned posts (the first page of `all`). */
  pinning: boolean;
  /** Every older post is loaded (no cursor left): an old post may join at the bottom. */
  complete: boolean;
  /**
   * The list holds the newest posts (false when the endless feed dropped its top pages): otherwise a
   * post newer than all it holds waits for the reader to scroll back up (default true).
   */
  top?: boolean;
}

/**
 * A new post (an audience announcement, or my own send's answer): kept once by id, placed by time, and
 * pinned when it is an important post of someone else. A post older than everything loaded waits for
 * its page instead (it would otherwise sit out of place), and so does one newer than everything loaded
 * when the list's top pages were dropped.
 */
export function addPost(state: FeedState, post: FeedPost, ctx: ListContext, neutral = true): FeedState {
  if (post.deletedAt || !post.id) return state;
  let { posts, pinned } = state;
  const oldest = posts[posts.length - 1];
  const newest = posts[0];
  const inRange = (ctx.complete || !oldest || comparePosts(post, oldest) <= 0) && (ctx.top !== false || !newest || comparePosts(post, newest) >= 0);
  if (matchesFilter(post, ctx.filter, ctx.myId, ctx.groupId) && (inRange || posts.some((p) => p.id === post.id))) {
    posts = upsertPosts(posts, [post], ctx.myId, neutral);
  }
  const known = findPost(state, post.id);
  if (ctx.pinning && matchesFilter(post, 'all', ctx.myId, ctx.groupId) && pinsFor({ ...post, read: post.read || !!known?.read }, ctx.myId)) {
    pinned = upsertPosts(pinned, [post], ctx.myId, neutral);
  }
  return posts === state.posts && pinned === state.pinned ? state : { posts, pinned };
}

/** Apply one event of an audience stream (`feed:*`): new posts and deletions; others change nothing. */
export function applyAudienceEvent(state: FeedState, ev: Pick<StreamEvent, 'event'>, ctx: ListContext): FeedState {
  const p = (ev.event.payload ?? {}) as { post?: FeedPost; postId?: string };
  if (ev.event.type === 'post_created' && p.post && typeof p.post.id === 'string') return addPost(state, p.post, ctx);
  if (ev.event.type === 'post_deleted' && typeof p.postId === 'string') return patchPost(state, p.postId, () => null);
  return state;
}

/**
 * Apply one event of a post's own stream (`post:<id>`) to the post. Events at or below the post's head
 * are already in it. Returns null when the post was deleted. Scrubbed events (the payload of a deleted
 * post's history) only move the head.
 */
export function applyPostEvent(item: FeedItem, ev: Event, myId: string): FeedItem | null {
  if (ev.seq <= item.head) return item;
  const p = (ev.event.payload ?? {}) as {
    post?: FeedPost;
    comment?: FeedComment;
    commentCount?: number;
    commentId?: string | null;
    reactions?: Reaction[];
    poll?: PollState;
    userId?: string;
    readCount?: number;
    audienceCount?: number;
  };
  const next: FeedItem = { ...item, head: ev.seq };
  switch (ev.event.type) {
    case 'post_deleted':
      return null;
    case 'post_edited':
      if (p.post && p.post.id === item.id) {
        const e = p.post;
        Object.assign(next, {
          title: e.title,
          body: e.body,
          // The post stream carries posts without their audience (its guests follow it): keep ours.
          mentions: e.mentions,
          important: e.important,
          editedAt: e.editedAt,
          readCount: e.readCount,
          audienceCount: e.audienceCount,
        });
      }
      return next;
    case 'comment_created':
    case 'comment_deleted':
      if (p.comment && typeof p.comment.id === 'string') next.comments = upsertComment(item.comments, p.comment, ev.event.type === 'comment_created');
      if (typeof p.commentCount === 'number') next.commentCount = p.commentCount;
      return next;
    case 'comment_edited':
      if (p.comment && typeof p.comment.id === 'string') next.comments = upsertComment(item.comments, p.comment, false);
      return next;
    case 'reactions_changed':
      return Array.isArray(p.reactions) ? setReactions(next, p.commentId ?? null, p.reactions, myId) : next;
    case 'poll_changed':
      if (p.poll) next.poll = withMyChoices(p.poll, item.poll);
      return next;
    case 'post_read':
      if (typeof p.readCount === 'number') next.readCount = p.readCount;
      if (typeof p.audienceCount === 'number') next.audienceCount = p.audienceCount;
      if (p.userId === myId) next.read = true;
      return next;
    default:
      return next;
  }
}

/** New reactions of the post (`commentId` null) or of one of its comments. */
export function setReactions(item: FeedItem, commentId: string | null, reactions: Reaction[], myId: string): FeedItem {
  if (!commentId) return { ...item, reactions, myReactions: myReactionsOf(reactions, myId) };
  const i = item.comments.findIndex((c) => c.id === commentId);
  if (i < 0) return item;
  return { ...item, comments: item.comments.map((c, j) => (j === i ? { ...c, reactions } : c)) };
}

/** My read mark (the answer of POST read, a `feed_read` from my other device). */
export function markedRead(item: FeedItem, counts?: { readCount: number; audienceCount: number }): FeedItem {
  if (item.read && !counts) return item;
  return { ...item, read: true, ...(counts ?? {}) };
}

// ---- comments ---------------------------------------------------------------------------------------

/** Insert or replace a comment (by id) in seq order; `insert: false` only replaces a known one. */
export function upsertComment(list: FeedComment[], comment: FeedComment, insert = true): FeedComment[] {
  const i = list.findIndex((c) => c.id === comment.id);
  if (i >= 0) return list.map((c, j) => (j === i ? comment : c));
  if (!insert) return list;
  return [...list, comment].sort((a, b) => a.seq - b.seq);
}

/** Merge comments (a loaded page, a post's latest); the ones we hold are at least as fresh. */
export function mergeComments(list: FeedComment[], more: FeedComment[]): FeedComment[] {
  const have = new Set(list.map((c) => c.id));
  const fresh = more.filter((c) => !have.has(c.id));
  return fresh.length ? [...list, ...fresh].sort((a, b) => a.seq - b.seq) : list;
}

/** A comment as the card shows it: indented under its top-level comment, or naming whom it answers. */
export interface ShownComment {
  comment: FeedComment;
  depth: 0 | 1;
  /** A reply shown without its top-level comment (only the latest few are shown). */
  orphan: boolean;
  /** For an orphan: the comment it answers, when known here. */
  answers: FeedComment | null;
}

/**
 * The comments a card shows: all of them threaded (top-level by seq, each followed by its replies), or
 * only the latest `limit` live ones. A deleted top-level comment keeps its place while it has replies.
 */
export function shownComments(comments: FeedComment[], expanded: boolean, limit = 3): ShownComment[] {
  const live = comments.filter((c) => !c.deletedAt);
  const chosen = expanded ? comments : live.slice(-limit);
  const ids = new Set(chosen.map((c) => c.id));
  const byId = new Map(comments.map((c) => [c.id, c]));
  const out: ShownComment[] = [];
  for (const c of chosen) {
    if (c.replyTo && ids.has(c.replyTo)) continue; // placed under its top-level comment
    if (c.replyTo) {
      out.push({ comment: c, depth: 1, orphan: true, answers: byId.get(c.replyTo) ?? null });
      continue;
    }
    const replies = chosen.filter((r) => r.replyTo === c.id);
    if (c.deletedAt && !replies.some((r) => !r.deletedAt)) continue;
    out.push({ comment: c, depth: 0, orphan: false, answers: null });
    for (const r of replies) if (!r.deletedAt) out.push({ comment: r, depth: 1, orphan: false, answers: null });
  }
  return out;
}

/** How many live comments `shownComments` leaves out (the "show all N comments" link appears then). */
export function hiddenComments(item: Pick<FeedItem, 'commentCount' | 'comments' | 'allComments'>, limit = 3): number {
  if (item.allComments) return 0;
  const shown = Math.min(limit, item.comments.filter((c) => !c.deletedAt).length);
  return Math.max(0, item.commentCount - shown);
}

/** The comment a "Reply" answers: a reply to a reply attaches to its top-level comment. */
export function replyTarget(comment: Pick<FeedComment, 'id' | 'replyTo'>): string {
  return comment.replyTo ?? comment.id;
}

// ---- polls ------------------------------------------------------------------------------------------

/**
 * Each option's share of the voters, in whole percent. In a single-choice poll the shares add up to 100
 * (largest remainders get the rounding); in a multiple-choice poll each is its own share of the voters.
 */
export function pollPercents(poll: Pick<PollState, 'options' | 'totalVoters' | 'multiple'>): number[] {
  const total = poll.totalVoters;
  if (total <= 0) return poll.options.map(() => 0);
  const exact = poll.options.map((o) => (Math.max(0, o.votes) / total) * 100);
  if (poll.multiple) return exact.map((x) => Math.min(100, Math.round(x)));
  const floors = exact.map(Math.floor);
  let left = 100 - floors.reduce((a, b) => a + b, 0);
  if (left <= 0 || exact.reduce((a, b) => a + b, 0) < 99.999) return exact.map((x) => Math.min(100, Math.round(x)));
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    floors[i]++;
    left--;
  }
  return floors;
}

/** The choice after clicking an option: replaces it in a single-choice poll, toggles it in a multiple one. */
export function nextChoice(poll: Pick<PollState, 'multiple'>, current: string[], optionId: string): string[] {
  if (!poll.multiple) return [optionId];
  return current.includes(optionId) ? current.filter((id) => id !== optionId) : [...current, optionId];
}

// ---- audience: ./audience.ts (re-exported here) ---------------------------------------------------

export * from './audience';

// ---- permissions (mirroring the server's; the server still decides) ---------------------------------

const isStaff = (role: Role | undefined) => role === 'owner' || role === 'admin';

export function canEditPost(post: Pick<FeedPost, 'author' | 'deletedAt'>, me: { id: string }): boolean {
  return !post.deletedAt && post.author.id === me.id;
}

/** Deleting a post, and seeing who read it: its author, the workspace's owner and admins. */
export function canModeratePost(post: Pick<FeedPost, 'author' | 'deletedAt'>, me: { id: string; role: Role }): boolean {
  return !post.deletedAt && (post.author.id === me.id || isStaff(me.role));
}

export function canEditComment(comment: Pick<FeedComment, 'authorId' | 'deletedAt'>, me: { id: string }): boolean {
  return !comment.deletedAt && comment.authorId === me.id;
}

/** Deleting a comment: its author, the post's author, the workspace's owner and admins. */
export function canDeleteComment(comment: Pick<FeedComment, 'authorId' | 'deletedAt'>, post: Pick<FeedPost, 'author'>, me: { id: string; role: Role }): boolean {
  return !comment.deletedAt && (comment.authorId === me.id || post.author.id === me.id || isStaff(me.role));
}
