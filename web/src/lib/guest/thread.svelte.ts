/**
 * The guest page's state: the thread loaded with the guest cookie, kept live through the post's stream,
 * and the guest's own comments and name. When the link is revoked the hub closes the socket (4403) and
 * the page says so.
 */
import type { FeedComment } from '$shared/feed';
import type { FileRef } from '$shared/messenger';
import type { GuestMe, GuestThread } from '$shared/guests';
import { api, isApiError } from '../api';
import { RealtimeClient, realtimeUrl } from '../realtime/socket';
import { applyThreadEvent, upsertComment } from './model';

export type GuestPhase = 'loading' | 'ready' | 'ended' | 'revoked' | 'error';

export class GuestThreadState {
  thread = $state<GuestThread | null>(null);
  phase = $state<GuestPhase>('loading');
  online = $state(false);
  private rt: RealtimeClient | null = null;

  async load(): Promise<void> {
    try {
      this.thread = await api.get<GuestThread>('/api/guest/thread');
      this.phase = 'ready';
      this.follow(this.thread.post.id, this.thread.post.head);
    } catch (e) {
      this.phase = isApiError(e, 'unauthenticated') ? 'ended' : 'error';
    }
  }

  private follow(postId: string, after: number): void {
    const rt = new RealtimeClient({
      url: realtimeUrl(location),
      onAuthLost: (code) => this.lost(code),
      checkAuth: async () => {
        try {
          await api.get('/api/guest/thread');
          return true;
        } catch (e) {
          if (isApiError(e, 'unauthenticated')) return false;
          throw e;
        }
      },
    });
    rt.onStatus((s) => (this.online = s === 'online'));
    rt.subscribe(
      `post:${postId}`,
      (ev) => {
        if (!this.thread) return;
        this.thread = applyThreadEvent(this.thread, ev);
        // Someone new in the thread: the page learns names from the hub (guests cannot read the directory).
        const author = (ev.event.payload as { comment?: { authorId: string } } | null)?.comment?.authorId;
        if (author && !this.thread.people[author]) void this.reload();
      },
      () => void this.reload(),
      { after },
    );
    rt.start();
    this.rt = rt;
  }

  private async reload(): Promise<void> {
    try {
      const fresh = await api.get<GuestThread>('/api/guest/thread');
      if (this.thread) this.thread = { ...fresh, post: { ...fresh.post, audience: this.thread.post.audience } };
    } catch (e) {
      if (isApiError(e, 'unauthenticated')) this.lost(4401);
    }
  }

  private lost(code: number): void {
    this.stop();
    this.phase = code === 4403 ? 'revoked' : 'ended';
    // Revoked: the sender took the discussion back (maybe it went to the wrong address), so what was on
    // the screen goes too, not only the means to answer.
    if (code === 4403) this.thread = null;
  }

  /** Upload a file for the next comment (raw body, name in X-File-Name like the colleagues' uploads). */
  async upload(file: File): Promise<FileRef> {
    const res = await fetch('/api/guest/files', {
      method: 'POST',
      body: file,
      headers: { 'content-type': file.type || 'application/octet-stream', 'x-file-name': encodeURIComponent(file.name) },
    });
    const answer = await res.json().catch(() => null);
    if (!res.ok) throw new Error(answer?.error?.message ?? `HTTP ${res.status}`);
    return (answer as { file: FileRef }).file;
  }

  async comment(body: string, replyTo: string | null, fileIds: string[] = []): Promise<FeedComment> {
    const { comment } = await api.post<{ comment: FeedComment }>('/api/guest/comments', {
      clientId: crypto.randomUUID(),
      body,
      replyTo: replyTo ?? undefined,
      fileIds: fileIds.length ? fileIds : undefined,
    });
    if (this.thread) this.thread = { ...this.thread, comments: upsertComment(this.thread.comments, comment) };
    return comment;
  }

  async rename(name: string): Promise<void> {
    const { me } = await api.patch<{ me: GuestMe }>('/api/guest/me', { name });
    if (this.thread) this.thread = { ...this.thread, me, people: { ...this.thread.people, [me.id]: { name: me.name, guest: true } } };
  }

  stop(): void {
    this.rt?.stop();
    this.rt = null;
  }
}
