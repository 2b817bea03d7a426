/**
 * One live list of posts: the whole feed (with its filter tabs), a workgroup's feed, or a single post.
 *
 *  - The newest page loads over HTTP at once; older pages follow the keyset cursor (endless scrolling,
 *    at most MAX_POSTS).
 *  - New posts come from the audience streams of GET /api/feed/streams (or the group's stream). They are
 *    subscribed without a position: each anchors at the hub's head and then reloads the newest page, so
 *    nothing between the two is lost. A post announced on several streams is kept once, by id.
 *  - Each post on screen follows its own stream `post:<id>` from the post's `head` (comments, edits,
 *    reactions, poll, reads, deletion); a subscription lingers a little after the post scrolls away.
 *  - My read marks from other devices, mentions and the groups I join arrive on `user:<me>` (feedUser).
 */
import {
  groupFeedStream,
  postStream,
  type CreateCommentInput,
  type CreatePostInput,
  type EditPostInput,
  type FeedComment,
  type FeedFilter,
  type FeedPage,
  type FeedPost,
  type PollState,
  type Reaction,
  type ReadState,
  type WorkGroup,
} from '$shared/feed';
import type { GuestLinkInfo } from '$shared/guests';
import type { StreamEvent } from '$shared/types';
import { untrack } from 'svelte';
import { api, isApiError } from '../api';
import { realtime } from '../realtime/live.svelte';
import type { RealtimeClient } from '../realtime/socket';
import { session } from '../session.svelte';
import {
  addPost,
  appendPage,
  applyAudienceEvent,
  applyPostEvent,
  findPost,
  markedRead,
  matchesFilter,
  MAX_POSTS,
  mergeComments,
  mergePinned,
  mergePost,
  mergeTop,
  patchPost,
  setReactions,
  upsertComment,
  type FeedItem,
  type FeedState,
  type ListContext,
} from './model';
import { withInvited } from './guests';
import { feedUser } from './user.svelte';

/** Posts per page. */
const PAGE = 20;
/** A post stream stays followed this long after its post left the screen. */
const LINGER_MS = 15_000;
/** Comments per page when "show all" loads them, and at most this many pages. */
const COMMENT_PAGE = 200;
const COMMENT_PAGES = 10;

export interface Reader {
  userId: string;
  readAt: string;
}

export interface FeedListOptions {
  /** A workgroup's feed. */
  groupId?: string | null;
  /** A single post (a notification's or a permalink's target). */
  postId?: string | null;
  /** Events of the group's stream that are not about posts (settings, members). */
  onGroupEvent?: (ev: StreamEvent) => void;
}

interface Watch {
  count: number;
  stop: () => void;
  timer: ReturnType<typeof setTimeout> | null;
}

export class FeedList {
  /** Replaced, never mutated (see model.ts). */
  state = $state.raw<FeedState>({ posts: [], pinned: [] });
  filter = $state<FeedFilter>('all');
  nextCursor = $state<string | null>(null);
  loaded = $state(false);
  failed = $state(false);
  loadingMore = $state(false);
  moreFailed = $state(false);
  /** The single post is gone (deleted, or no longer visible to me). */
  gone = $state(false);
  /** Enough posts are loaded; endless scrolling stopped. */
  full = $derived(this.state.posts.length >= MAX_POSTS);

  readonly groupId: string | null;
  readonly postId: string | null;
  private readonly onGroupEvent: ((ev: StreamEvent) => void) | undefined;
  private client: RealtimeClient | null = null;
  private started = false;
  private life = 0;
  private generation = 0;
  private refreshing = false;
  private again = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly audience = new Map<string, () => void>();
  private readonly watches = new Map<string, Watch>();
  private stopUser: (() => void) | null = null;
  private stopDepartment: (() => void) | null = null;

  constructor(options: FeedListOptions = {}) {
    this.groupId = options.groupId ?? null;
    this.postId = options.postId ?? null;
    this.onGroupEvent = options.onGroupEvent;
  }

  private get myId(): string {
    return session.me?.id ?? '';
  }

  private context(): ListContext {
    return {
      myId: this.myId,
      filter: this.filter,
      groupId: this.groupId,
      pinning: this.filter === 'all' && !this.postId,
      complete: this.loaded && this.nextCursor === null,
    };
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.life++;
    this.client = realtime();
    this.stopUser = feedUser.listen((ev) => this.onUserEvent(ev));
    this.stopDepartment = this.onDepartmentChange(() => void this.followAudience());
    this.refresh();
    void this.followAudience();
  }

  stop(): void {
    this.started = false;
    this.life++;
    this.generation++;
    this.stopUser?.();
    this.stopUser = null;
    this.stopDepartment?.();
    this.stopDepartment = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const stop of this.audience.values()) stop();
    this.audience.clear();
    this.dropWatches();
  }

  /** Show another tab: the list starts over. */
  setFilter(filter: FeedFilter): void {
    if (filter === this.filter) return;
    this.filter = filter;
    this.generation++;
    this.dropWatches();
    this.state = { posts: [], pinned: [] };
    this.nextCursor = null;
    this.loaded = false;
    this.failed = false;
    this.moreFailed = false;
    this.loadingMore = false;
    this.refresh();
  }

  /** Load the newest page (again); calls made while one is running are served by one more run after it. */
  refresh(): void {
    if (this.refreshing) {
      this.again = true;
      return;
    }
    this.refreshing = true;
    void this.loadTop().finally(() => {
      this.refreshing = false;
      if (this.again && this.started) {
        this.again = false;
        this.refresh();
      }
    });
  }

  private url(cursor: string | null): string {
    const q = new URLSearchParams({ filter: this.filter, limit: String(PAGE) });
    if (this.groupId) q.set('group', this.groupId);
    if (cursor) q.set('cursor', cursor);
    return `/api/feed?${q}`;
  }

  private async loadTop(): Promise<void> {
    const gen = this.generation;
    try {
      if (this.postId) {
        const { post } = await api.get<{ post: FeedPost }>(`/api/feed/posts/${this.postId}`);
        if (gen !== this.generation) return;
        this.state = { posts: post.deletedAt ? [] : [mergePost(findPost(this.state, post.id), post, this.myId)], pinned: [] };
        this.gone = !!post.deletedAt;
        this.loaded = true;
        this.failed = false;
        if (!this.gone) this.loadComments(post.id).catch((e) => console.warn('feed: comments failed', e));
        return;
      }
      const page = await api.get<FeedPage>(this.url(null));
      if (gen !== this.generation) return;
      const top = mergeTop(this.state.posts, page.posts, this.myId, page.nextCursor !== null);
      if (top.replaced || !this.loaded) this.nextCursor = page.nextCursor;
      const pinned = this.context().pinning ? mergePinned(this.state.pinned, page.pinned ?? [], this.myId) : [];
      this.state = { posts: top.posts, pinned: pinned.filter((p) => matchesFilter(p, 'all', this.myId, this.groupId)) };
      this.loaded = true;
      this.failed = false;
    } catch (e) {
      if (gen !== this.generation) return;
      if (this.postId && isApiError(e, 'not_found', 'forbidden')) {
        this.gone = true;
        this.loaded = true;
        return;
      }
      this.failed = !this.loaded;
      console.warn('feed: load failed', e);
    }
  }

  /** The next older page (the endless scroll's sentinel came into view). */
  async loadMore(): Promise<void> {
    if (!this.loaded || !this.nextCursor || this.loadingMore || this.full || this.postId) return;
    const gen = this.generation;
    this.loadingMore = true;
    this.moreFailed = false;
    try {
      const page = await api.get<FeedPage>(this.url(this.nextCursor));
      if (gen !== this.generation) return;
      this.state = { ...this.state, posts: appendPage(this.state.posts, page.posts, this.myId) };
      this.nextCursor = page.nextCursor;
    } catch (e) {
      if (gen === this.generation) this.moreFailed = true;
      console.warn('feed: older page failed', e);
    } finally {
      if (gen === this.generation) this.loadingMore = false;
    }
  }

  // ---- streams ----

  /**
   * Follow the audience streams the hub names for me. Called again when my department changes: a stream
   * I may no longer read is dropped at once (the hub refuses a whole subscribe batch over one of them).
   */
  private async followAudience(): Promise<void> {
    if (this.postId || !this.client) return;
    if (this.groupId) return this.follow(groupFeedStream(this.groupId));
    const life = this.life;
    try {
      const { streams } = await api.get<{ streams: string[] }>('/api/feed/streams');
      if (life !== this.life) return;
      for (const [stream, stop] of this.audience) {
        if (!streams.includes(stream)) {
          stop();
          this.audience.delete(stream);
        }
      }
      for (const stream of streams) this.follow(stream);
    } catch (e) {
      console.warn('feed: streams failed', e);
      if (life === this.life) this.retryTimer = setTimeout(() => void this.followAudience(), 5000);
    }
  }

  /** Call `run` whenever my department changes (not at first). */
  private onDepartmentChange(run: () => void): () => void {
    let last = session.me?.department;
    return $effect.root(() => {
      $effect(() => {
        const department = session.me?.department;
        if (department === last) return;
        last = department;
        untrack(run);
      });
    });
  }

  private follow(stream: string): void {
    if (!this.client || this.audience.has(stream)) return;
    this.audience.set(
      stream,
      this.client.subscribe(stream, (ev) => this.onAudienceEvent(ev), () => this.refresh()),
    );
  }

  private onAudienceEvent(ev: StreamEvent): void {
    if (ev.event.type.startsWith('group_')) {
      this.onGroupEvent?.(ev);
      return;
    }
    this.state = applyAudienceEvent(this.state, ev, this.context());
    const deleted = ev.event.type === 'post_deleted' ? (ev.event.payload as { postId?: string } | null)?.postId : undefined;
    if (deleted) this.unwatch(deleted);
  }

  private onUserEvent(ev: StreamEvent): void {
    const p = (ev.event.payload ?? {}) as { postId?: string; group?: WorkGroup; groupId?: string };
    switch (ev.event.type) {
      case 'feed_read':
        if (p.postId) this.state = patchPost(this.state, p.postId, (item) => markedRead(item));
        break;
      case 'feed_mention':
        if (this.filter === 'mentions' && !this.postId) this.refresh();
        break;
      case 'group_added':
        // The group's posts are mine to see now: follow its stream and show what it already has.
        if (!this.groupId && !this.postId && p.group?.id) {
          this.follow(groupFeedStream(p.group.id));
          this.refresh();
        }
        break;
      case 'group_removed':
        if (!this.groupId && !this.postId && p.groupId) {
          this.audience.get(groupFeedStream(p.groupId))?.();
          this.audience.delete(groupFeedStream(p.groupId));
        }
        // Its posts may be hidden from me now: ask again, and forget those I no longer see.
        for (const item of [...this.state.posts, ...this.state.pinned]) {
          if (item.audience.groups.some((g) => g.id === p.groupId)) void this.refetch(item.id);
        }
        break;
    }
  }

  /** Follow a post's own stream while it is on screen; returns the function that lets it go. */
  watch(postId: string): () => void {
    let w = this.watches.get(postId);
    const item = findPost(this.state, postId);
    if (w) {
      w.count++;
      if (w.timer) clearTimeout(w.timer);
      w.timer = null;
      // Events that arrived while the post was not in the list are not in its copy: fetch it again.
      if (item && (this.client?.lastSeq(postStream(postId)) ?? 0) > item.head) void this.refetch(postId);
    } else {
      if (!item || !this.client) return () => {};
      const stop = this.client.subscribe(
        postStream(postId),
        (ev) => this.onPostEvent(postId, ev),
        () => void this.refetch(postId),
        { after: item.head },
      );
      w = { count: 1, stop, timer: null };
      this.watches.set(postId, w);
    }
    const watch = w;
    let released = false;
    return () => {
      if (released || this.watches.get(postId) !== watch) return;
      released = true;
      if (--watch.count > 0) return;
      watch.timer = setTimeout(() => {
        if (this.watches.get(postId) !== watch || watch.count > 0) return;
        watch.stop();
        this.watches.delete(postId);
      }, LINGER_MS);
    };
  }

  /** Stop following a post's stream at once (it was deleted or is hidden from me now). */
  private unwatch(postId: string): void {
    const w = this.watches.get(postId);
    if (!w) return;
    if (w.timer) clearTimeout(w.timer);
    w.stop();
    this.watches.delete(postId);
  }

  private dropWatches(): void {
    for (const w of this.watches.values()) {
      if (w.timer) clearTimeout(w.timer);
      w.stop();
    }
    this.watches.clear();
  }

  private onPostEvent(postId: string, ev: StreamEvent): void {
    this.state = patchPost(this.state, postId, (item) => applyPostEvent(item, ev, this.myId));
    if (ev.event.type === 'post_deleted') this.drop(postId);
  }

  /** Load one post again (its stream said reload); a post I may no longer see leaves the list. */
  private async refetch(postId: string): Promise<void> {
    try {
      const { post } = await api.get<{ post: FeedPost }>(`/api/feed/posts/${postId}`);
      if (post.deletedAt) return this.drop(postId);
      this.put(post);
      if (findPost(this.state, postId)?.allComments) await this.loadComments(postId);
    } catch (e) {
      if (isApiError(e, 'not_found', 'forbidden')) this.drop(postId);
      else console.warn('feed: post reload failed', e);
    }
  }

  private drop(postId: string): void {
    this.state = patchPost(this.state, postId, () => null);
    this.unwatch(postId);
    if (this.postId === postId) this.gone = true;
  }

  private put(post: FeedPost): void {
    this.state = patchPost(this.state, post.id, (item) => mergePost(item, post, this.myId));
  }

  private patch(postId: string, fn: (item: FeedItem) => FeedItem): void {
    this.state = patchPost(this.state, postId, fn);
  }

  find(postId: string): FeedItem | undefined {
    return findPost(this.state, postId);
  }

  // ---- actions (each rejects with the request's ApiError) ----

  /** Publish a post (idempotent per clientId); it shows at once when it belongs to this list. */
  async create(input: CreatePostInput): Promise<FeedPost> {
    const { post } = await api.post<{ post: FeedPost }>('/api/feed/posts', input);
    this.state = addPost(this.state, post, { ...this.context(), complete: true }, false);
    return post;
  }

  async edit(postId: string, body: EditPostInput): Promise<void> {
    this.put((await api.patch<{ post: FeedPost }>(`/api/feed/posts/${postId}`, body)).post);
  }

  async remove(postId: string): Promise<void> {
    await api.del(`/api/feed/posts/${postId}`);
    this.drop(postId);
  }

  async markRead(postId: string): Promise<void> {
    const counts = await api.post<ReadState>(`/api/feed/posts/${postId}/read`);
    this.patch(postId, (item) => markedRead(item, counts));
  }

  async readers(postId: string): Promise<{ readers: Reader[] } & ReadState> {
    return api.get(`/api/feed/posts/${postId}/readers`);
  }

  async react(postId: string, emoji: string): Promise<void> {
    const { reactions } = await api.post<{ reactions: Reaction[] }>(`/api/feed/posts/${postId}/reactions`, { emoji });
    this.patch(postId, (item) => setReactions(item, null, reactions, this.myId));
  }

  /** Vote (replacing my earlier choice), or retract with no options. */
  async vote(postId: string, optionIds: string[]): Promise<void> {
    const path = `/api/feed/posts/${postId}/poll/vote`;
    const { poll } = optionIds.length ? await api.post<{ poll: PollState }>(path, { optionIds }) : await api.del<{ poll: PollState }>(path);
    this.patch(postId, (item) => ({ ...item, poll }));
  }

  /** Load every comment of a post ("show all N comments"). */
  async loadComments(postId: string): Promise<void> {
    let all: FeedComment[] = [];
    let before: number | null = null;
    for (let i = 0; i < COMMENT_PAGES; i++) {
      const q: string = `limit=${COMMENT_PAGE}${before === null ? '' : `&before=${before}`}`;
      const { comments }: { comments: FeedComment[] } = await api.get(`/api/feed/posts/${postId}/comments?${q}`);
      all = [...comments, ...all];
      if (comments.length < COMMENT_PAGE) break;
      before = comments[0].seq;
    }
    this.patch(postId, (item) => ({ ...item, comments: mergeComments(all, item.comments), allComments: true }));
  }

  /** Back to the latest few comments. */
  collapseComments(postId: string): void {
    this.patch(postId, (item) => (item.allComments ? { ...item, allComments: false } : item));
  }

  async comment(postId: string, input: CreateCommentInput): Promise<FeedComment> {
    const { comment } = await api.post<{ comment: FeedComment }>(`/api/feed/posts/${postId}/comments`, input);
    this.commented(postId, comment);
    return comment;
  }

  /** A comment the hub stored for me (a send's reply, or a slash command's link): shown at once, once. */
  commented(postId: string, comment: FeedComment): void {
    this.patch(postId, (item) => {
      const known = item.comments.some((c) => c.id === comment.id);
      return { ...item, comments: upsertComment(item.comments, comment), commentCount: item.commentCount + (known ? 0 : 1) };
    });
  }

  async editComment(postId: string, commentId: string, body: string): Promise<void> {
    const { comment } = await api.patch<{ comment: FeedComment }>(`/api/feed/comments/${commentId}`, { body });
    this.patch(postId, (item) => ({ ...item, comments: upsertComment(item.comments, comment, false) }));
  }

  async deleteComment(postId: string, commentId: string): Promise<void> {
    const { comment } = await api.del<{ comment: FeedComment }>(`/api/feed/comments/${commentId}`);
    this.patch(postId, (item) => {
      const wasLive = item.comments.some((c) => c.id === commentId && !c.deletedAt);
      return { ...item, comments: upsertComment(item.comments, comment, false), commentCount: Math.max(0, item.commentCount - (wasLive ? 1 : 0)) };
    });
  }

  async reactComment(postId: string, commentId: string, emoji: string): Promise<void> {
    const { reactions } = await api.post<{ reactions: Reaction[] }>(`/api/feed/comments/${commentId}/reactions`, { emoji });
    this.patch(postId, (item) => setReactions(item, commentId, reactions, this.myId));
  }

  // ---- external guests (the author, owner and admins) ----

  async guests(postId: string): Promise<GuestLinkInfo[]> {
    return (await api.get<{ guests: GuestLinkInfo[] }>(`/api/feed/posts/${postId}/guests`)).guests;
  }

  /** Invite one more address (or mail a fresh link to one invited before); the post counts it at once. */
  async inviteGuest(postId: string, email: string, before: GuestLinkInfo[]): Promise<GuestLinkInfo[]> {
    const { guests } = await api.post<{ guests: GuestLinkInfo[] }>(`/api/feed/posts/${postId}/guests`, { email });
    this.patch(postId, (item) => ({ ...item, audience: withInvited(item.audience, email, before, item.author.id === this.myId) }));
    return guests;
  }

  async revokeGuest(postId: string, linkId: string): Promise<GuestLinkInfo[]> {
    return (await api.del<{ guests: GuestLinkInfo[] }>(`/api/feed/posts/${postId}/guests/${linkId}`)).guests;
  }
}
