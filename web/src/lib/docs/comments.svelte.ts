/**
 * An open page's comments: loaded from GET /api/docs/pages/:id/comments and kept current by the page's
 * comment stream (`doccomments:<id>`), so a thread another person starts or answers appears at once.
 * One store per open page (`commentsFor(session)`), shared by the editor's highlight plugin and the
 * side panel. `active` is the thread the reader is looking at (clicked in the text or in the panel).
 */
import type { CreateDocCommentBody, DocComment, DocCommentEvent } from '$shared/docs';
import { docCommentsStream } from '$shared/docs';
import type { StreamEvent } from '$shared/types';
import type { z } from 'zod';
import { api } from '$lib/api';
import { realtime } from '$lib/realtime/live.svelte';
import type { DocSession } from './session.svelte';

/** A thread: its first comment (with the anchor) and its replies in order. */
export interface CommentThread {
  root: DocComment;
  replies: DocComment[];
}

/** Threads in the order they were started, replies under them; a deleted thread with no live reply is left out. */
export function threadsOf(comments: DocComment[]): CommentThread[] {
  const byId = new Map<string, CommentThread>();
  const out: CommentThread[] = [];
  for (const c of comments) {
    if (c.parentId) continue;
    const th = { root: c, replies: [] as DocComment[] };
    byId.set(c.id, th);
    out.push(th);
  }
  for (const c of comments) if (c.parentId) byId.get(c.parentId)?.replies.push(c);
  return out.filter((th) => !th.root.deletedAt || th.replies.some((r) => !r.deletedAt));
}

/** Insert or replace a comment (by id), keeping creation order. Pure. */
export function upsertComment(list: DocComment[], c: DocComment): DocComment[] {
  const i = list.findIndex((x) => x.id === c.id);
  if (i >= 0) return list.map((x) => (x.id === c.id ? c : x));
  return [...list, c].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
}

export class DocComments {
  comments = $state<DocComment[]>([]);
  loaded = $state(false);
  failed = $state(false);
  /** The thread being looked at (its highlight is stronger). */
  active = $state<string | null>(null);
  /** Bumped on every change, so the editor's decorations are recomputed. */
  version = $state(0);
  threads = $derived(threadsOf(this.comments));

  private stopStream: (() => void) | null = null;
  private listeners = new Set<() => void>();

  constructor(readonly pageId: string) {}

  /** Load, then follow the page's comment stream until `stop`. */
  async start(): Promise<void> {
    await this.load();
    const client = realtime();
    if (client && !this.stopStream) {
      this.stopStream = client.subscribe(docCommentsStream(this.pageId), (ev) => this.onEvent(ev), () => void this.load());
    }
  }

  stop(): void {
    this.stopStream?.();
    this.stopStream = null;
    this.listeners.clear();
  }

  /** Look at a thread (null: none); its highlight in the text becomes the strong one. */
  focus(id: string | null): void {
    if (this.active === id) return;
    this.active = id;
    this.changed();
  }

  /** Hear every change (the editor plugin redraws its highlights); returns the function that stops. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    this.version += 1;
    for (const fn of this.listeners) fn();
  }

  private async load(): Promise<void> {
    try {
      const { comments } = await api.get<{ comments: DocComment[] }>(`/api/docs/pages/${this.pageId}/comments`);
      this.comments = comments;
      this.failed = false;
    } catch (e) {
      this.failed = true;
      console.warn('docs: comments load failed', e);
    } finally {
      this.loaded = true;
      this.changed();
    }
  }

  private put(c: DocComment): DocComment {
    this.comments = upsertComment(this.comments, c);
    this.changed();
    return c;
  }

  private onEvent(ev: StreamEvent): void {
    const p = ev.event.payload as DocCommentEvent | null;
    if ((ev.event.type === 'comment_added' || ev.event.type === 'comment_changed') && p?.comment?.pageId === this.pageId) this.put(p.comment);
  }

  private path(rest = ''): string {
    return `/api/docs/pages/${this.pageId}/comments${rest}`;
  }

  async add(body: z.input<typeof CreateDocCommentBody>): Promise<DocComment> {
    return this.put((await api.post<{ comment: DocComment }>(this.path(), body)).comment);
  }

  async edit(id: string, body: string): Promise<DocComment> {
    return this.put((await api.patch<{ comment: DocComment }>(this.path(`/${id}`), { body })).comment);
  }

  async remove(id: string): Promise<DocComment> {
    return this.put((await api.del<{ comment: DocComment }>(this.path(`/${id}`))).comment);
  }

  async resolve(id: string, resolved: boolean): Promise<DocComment> {
    return this.put((await api.post<{ comment: DocComment }>(this.path(`/${id}/${resolved ? 'resolve' : 'reopen'}`))).comment);
  }
}

const stores = new WeakMap<DocSession, DocComments>();

/** The comments of an open page (one store per session: the editor and the panel share it). */
export function commentsFor(session: DocSession): DocComments {
  let s = stores.get(session);
  if (!s) {
    s = new DocComments(session.id);
    stores.set(session, s);
  }
  return s;
}
