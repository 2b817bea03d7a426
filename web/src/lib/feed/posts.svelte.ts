/**
 * The posts a feed list holds and what the viewer does with them: edit, delete, read, react, vote,
 * comment, invite external guests. Each action asks the server and puts its answer into the list at
 * once (the streams confirm it later; merging by head and id keeps it once). FeedList (feed.svelte.ts)
 * adds loading, paging and the live streams on top.
 */
import type { EditPostInput, CreateCommentInput, FeedComment, FeedPost, PollState, Reaction, ReadState } from '$shared/feed';
import type { GuestLinkInfo } from '$shared/guests';
import { api } from '../api';
import { session } from '../session.svelte';
import { withInvited } from './guests';
import { findPost, markedRead, mergeComments, mergePost, patchPost, setReactions, upsertComment, type FeedItem, type FeedState } from './model';

/** Comments per page when "show all" loads them, and at most this many pages. */
const COMMENT_PAGE = 200;
const COMMENT_PAGES = 10;

export interface Reader {
  userId: string;
  readAt: string;
}

export class FeedPosts {
  /** Replaced, never mutated (see model.ts). */
  state = $state.raw<FeedState>({ posts: [], pinned: [] });

  protected get myId(): string {
    return session.me?.id ?? '';
  }

  /** A post left the list (deleted, or hidden from me now); FeedList stops following it. */
  protected forget(postId: string): void {
    void postId;
  }

  protected drop(postId: string): void {
    this.state = patchPost(this.state, postId, () => null);
    this.forget(postId);
  }

  protected put(post: FeedPost): void {
    this.state = patchPost(this.state, post.id, (item) => mergePost(item, post, this.myId));
  }

  protected patch(postId: string, fn: (item: FeedItem) => FeedItem): void {
    this.state = patchPost(this.state, postId, fn);
  }

  find(postId: string): FeedItem | undefined {
    return findPost(this.state, postId);
  }

  // ---- actions (each rejects with the request's ApiError) ----

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
