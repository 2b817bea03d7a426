/**
 * One live list of posts: the whole feed (with its filter tabs), a workgroup's feed, or a single post.
 *
 *  - The newest page loads over HTTP at once; older pages follow the keyset cursor. Scrolling is endless:
 *    the list keeps a window of at most MAX_POSTS posts, dropping whole pages at the far end and fetching
 *    them again by their cursors when the reader scrolls back (./window.ts).
 *  - New posts come from the audience streams of GET /api/feed/streams (or the group's stream). They are
 *    subscribed without a position: each anchors at the hub's head and then reloads the newest page, so
 *    nothing between the two is lost. A post announced on several streams is kept once, by id. While the
 *    window's top pages are dropped, new posts wait above it (counted in `unseen`).
 *  - Each post on screen follows its own stream `post:<id>` (./watches.ts).
 *  - My read marks from other devices, mentions and the groups I join arrive on `user:<me>` (feedUser).
 *  - What the viewer does with a post (edit, react, comment, …) is FeedPosts (./posts.svelte.ts).
 */
import { groupFeedStream, type CreatePostInput, type FeedFilter, type FeedPage, type FeedPost, type WorkGroup } from '$shared/feed';
import type { StreamEvent } from '$shared/types';
import { untrack } from 'svelte';
import { api, isApiError } from '../api';
import { realtime } from '../realtime/live.svelte';
import type { RealtimeClient } from '../realtime/socket';
import { session } from '../session.svelte';
import { feedUser } from './user.svelte';
import { addPost, appendPage, applyAudienceEvent, applyPostEvent, findPost, markedRead, matchesFilter, mergePinned, mergePost, mergeTop, patchPost, type FeedItem, type ListContext } from './model';
import { FeedPosts } from './posts.svelte';
import { PostWatches } from './watches';
import { atTop, firstPage, newerLoaded, olderLoaded, reachesWindow, trimBottom, trimTop, type FetchedPage, type Paging } from './window';

export type { Reader } from './posts.svelte';

/** Posts per page. */
const PAGE = 20;
/** Pages fetched at most to close a gap above the window before the list starts over from the top. */
const GAP_PAGES = 10;
const NO_PAGES: Paging = { pages: [], above: [], below: null };

export interface FeedListOptions {
  /** A workgroup's feed. */
  groupId?: string | null;
  /** A single post (a notification's or a permalink's target). */
  postId?: string | null;
  /** Events of the group's stream that are not about posts (settings, members). */
  onGroupEvent?: (ev: StreamEvent) => void;
}

export class FeedList extends FeedPosts {
  filter = $state<FeedFilter>('all');
  /** Which pages the window holds, which were dropped above it, and the cursor below it. */
  paging = $state.raw<Paging>(NO_PAGES);
  loaded = $state(false);
  failed = $state(false);
  loadingMore = $state(false);
  moreFailed = $state(false);
  loadingNewer = $state(false);
  newerFailed = $state(false);
  /** New posts announced since the reader last looked at the top of the list. */
  unseen = $state(0);
  /** The single post is gone (deleted, or no longer visible to me). */
  gone = $state(false);
  /** The cursor of the next older page (null: the window reaches the first post). */
  nextCursor = $derived(this.paging.below);
  /** The window holds the newest posts (nothing dropped above it). */
  top = $derived(atTop(this.paging));

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
  private readonly watches = new PostWatches({
    client: () => this.client,
    headOf: (postId) => findPost(this.state, postId)?.head,
    onEvent: (postId, ev) => this.onPostEvent(postId, ev),
    refetch: (postId) => void this.refetch(postId),
  });
  private stopUser: (() => void) | null = null;
  private stopDepartment: (() => void) | null = null;

  constructor(options: FeedListOptions = {}) {
    super();
    this.groupId = options.groupId ?? null;
    this.postId = options.postId ?? null;
    this.onGroupEvent = options.onGroupEvent;
  }

  private context(): ListContext {
    return {
      myId: this.myId,
      filter: this.filter,
      groupId: this.groupId,
      pinning: this.filter === 'all' && !this.postId,
      complete: this.loaded && this.paging.below === null,
      top: atTop(this.paging),
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
    this.watches.clear();
  }

  /** Show another tab: the list starts over. */
  setFilter(filter: FeedFilter): void {
    if (filter === this.filter) return;
    this.filter = filter;
    this.restart();
  }

  /**
   * Back to the newest posts (the "new posts" button, my own post sent from far down): when the window's
   * top was dropped, the list starts over from the newest page.
   */
  jumpToTop(): void {
    this.unseen = 0;
    if (!atTop(this.paging)) this.restart();
  }

  /** The reader sees the top of the list: nothing new is waiting any more. */
  seen(): void {
    if (this.unseen) this.unseen = 0;
  }

  private restart(): void {
    this.generation++;
    this.watches.clear();
    this.state = { posts: [], pinned: [] };
    this.paging = NO_PAGES;
    this.unseen = 0;
    this.loaded = false;
    this.failed = false;
    this.moreFailed = false;
    this.loadingMore = false;
    this.newerFailed = false;
    this.loadingNewer = false;
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

  private pinnedOf(page: FeedPage): FeedItem[] {
    if (!this.context().pinning) return [];
    return mergePinned(this.state.pinned, page.pinned ?? [], this.myId).filter((p) => matchesFilter(p, 'all', this.myId, this.groupId));
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
      const pinned = this.pinnedOf(page);
      if (this.loaded && !atTop(this.paging)) {
        // The window is far down: its posts stay; the newest ones wait until the reader scrolls back up.
        this.state = { ...this.state, pinned };
      } else {
        const top = mergeTop(this.state.posts, page.posts, this.myId, page.nextCursor !== null);
        const kept = trimBottom(top.posts, top.replaced || !this.loaded ? firstPage(page) : this.paging);
        this.state = { posts: kept.posts, pinned };
        this.paging = kept.paging;
      }
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

  /** The next older page (the sentinel under the list came into view); the top pages go when too many. */
  async loadMore(): Promise<void> {
    const cursor = this.paging.below;
    if (!this.loaded || !cursor || this.loadingMore || this.loadingNewer || this.postId) return;
    const gen = this.generation;
    const before = this.paging;
    this.loadingMore = true;
    this.moreFailed = false;
    try {
      const page = await api.get<FeedPage>(this.url(cursor));
      if (gen !== this.generation || this.paging !== before) return;
      const kept = trimTop(appendPage(this.state.posts, page.posts, this.myId), olderLoaded(before, { cursor, ...page }));
      this.state = { ...this.state, posts: kept.posts };
      this.paging = kept.paging;
    } catch (e) {
      if (gen === this.generation) this.moreFailed = true;
      console.warn('feed: older page failed', e);
    } finally {
      if (gen === this.generation) this.loadingMore = false;
    }
  }

  /**
   * The page above the window again (the sentinel over the list came into view after its top pages were
   * dropped); the bottom pages go when too many. Posts that became visible meanwhile can leave a gap
   * between that page and the window: the pages after it are fetched until the window is reached.
   */
  async loadNewer(): Promise<void> {
    const before = this.paging;
    if (!this.loaded || atTop(before) || this.loadingNewer || this.loadingMore || this.postId) return;
    const gen = this.generation;
    this.loadingNewer = true;
    this.newerFailed = false;
    try {
      const fetched: FetchedPage<FeedPost>[] = [];
      let cursor = before.above[before.above.length - 1];
      let pinned: FeedPage | null = null;
      for (let i = 0; ; i++) {
        const page = await api.get<FeedPage>(this.url(cursor));
        if (gen !== this.generation || this.paging !== before) return;
        if (cursor === null) pinned = page;
        const got = { cursor, posts: page.posts, nextCursor: page.nextCursor };
        fetched.push(got);
        if (reachesWindow(before, got, this.state.posts)) break;
        if (i + 1 >= GAP_PAGES) return this.restart();
        cursor = page.nextCursor;
      }
      let posts = this.state.posts;
      for (const page of fetched) posts = appendPage(posts, page.posts, this.myId);
      const kept = trimBottom(posts, newerLoaded(before, fetched));
      this.state = { posts: kept.posts, pinned: pinned ? this.pinnedOf(pinned) : this.state.pinned };
      this.paging = kept.paging;
    } catch (e) {
      if (gen === this.generation) this.newerFailed = true;
      console.warn('feed: newer page failed', e);
    } finally {
      if (gen === this.generation) this.loadingNewer = false;
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
    const fresh = ev.event.type === 'post_created' ? (ev.event.payload as { post?: FeedPost } | null)?.post : undefined;
    if (fresh?.id && !fresh.deletedAt && !this.postId && fresh.author?.id !== this.myId && !this.find(fresh.id) && matchesFilter(fresh, this.filter, this.myId, this.groupId)) {
      this.unseen++;
    }
    const next = applyAudienceEvent(this.state, ev, this.context());
    if (next !== this.state && atTop(this.paging)) {
      // Live posts join the top; a window grown too long gives up its oldest pages.
      const kept = trimBottom(next.posts, this.paging);
      this.state = kept.posts === next.posts ? next : { ...next, posts: kept.posts };
      this.paging = kept.paging;
    } else {
      this.state = next;
    }
    const deleted = ev.event.type === 'post_deleted' ? (ev.event.payload as { postId?: string } | null)?.postId : undefined;
    if (deleted) this.watches.unwatch(deleted);
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
    return this.watches.watch(postId);
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

  protected override forget(postId: string): void {
    this.watches.unwatch(postId);
    if (this.postId === postId) this.gone = true;
  }

  /** Publish a post (idempotent per clientId); it shows at once when it belongs to this list. */
  async create(input: CreatePostInput): Promise<FeedPost> {
    const { post } = await api.post<{ post: FeedPost }>('/api/feed/posts', input);
    // Far down the feed, the list starts over from the newest page, which holds the post.
    if (!atTop(this.paging)) this.jumpToTop();
    else this.state = addPost(this.state, post, { ...this.context(), complete: true }, false);
    return post;
  }
}
