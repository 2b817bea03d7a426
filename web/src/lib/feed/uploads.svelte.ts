/**
 * Files being attached to the post or comment being written (the chat composer's way, on the feed's
 * route): each uploads at once to `POST /api/feed/files` (raw body, URL-encoded name in `X-File-Name`)
 * with its progress shown; the draft goes with the ids of those that finished. A refused upload shows
 * why and stays until removed; removing one still uploading cancels it.
 */
import { sendFile, type Upload } from '$lib/chats/uploads.svelte';
import type { ApiError } from '../api';
import { filesProblem, FILES_MAX, roomFor } from './attachments';

/** One file of the draft: as in the chat composer (its state is an `UploadState` of ./attachments). */
export type FeedUpload = Upload;

export class FeedUploads {
  items = $state<FeedUpload[]>([]);
  /** How many files the last attempt left out (past FILES_MAX). */
  skipped = $state(0);
  busy = $derived(this.items.some((u) => u.state === 'uploading'));
  ready = $derived(this.items.filter((u) => u.state === 'done').map((u) => u.file!));
  /** Why the draft cannot go yet: a file still uploading, or one that was refused. */
  problem = $derived(filesProblem(this.items.map((u) => u.state)));

  private readonly requests = new Map<string, XMLHttpRequest>();

  /** Start uploading files; past FILES_MAX (refused ones do not count) the rest are left out. */
  add(files: Iterable<File>): void {
    const list = [...files];
    const room = roomFor(this.items.filter((u) => u.state !== 'failed').length, list.length);
    this.skipped = list.length - room;
    for (const f of list.slice(0, room)) {
      const key = crypto.randomUUID();
      const xhr = new XMLHttpRequest();
      this.requests.set(key, xhr);
      this.items.push({ key, name: f.name || 'file', size: f.size, progress: 0, state: 'uploading' });
      sendFile('/api/feed/files', f, (p) => this.update(key, { progress: p }), xhr)
        .then(
          (file) => this.update(key, { state: 'done', progress: 1, file }),
          (error: ApiError) => this.update(key, { state: 'failed', error }),
        )
        .finally(() => this.requests.delete(key));
    }
  }

  private update(key: string, patch: Partial<FeedUpload>): void {
    const u = this.items.find((x) => x.key === key);
    if (u) Object.assign(u, patch);
  }

  remove(key: string): void {
    this.requests.get(key)?.abort();
    this.items = this.items.filter((u) => u.key !== key);
    this.skipped = 0;
  }

  /** The ids to send with the draft (at most FILES_MAX), or undefined for none. */
  fileIds(): string[] | undefined {
    const ids = this.ready.map((f) => f.id).slice(0, FILES_MAX);
    return ids.length ? ids : undefined;
  }

  /** Forget every file (the draft was sent or dropped); uploads still running are cancelled. */
  clear(): void {
    for (const xhr of this.requests.values()) xhr.abort();
    this.requests.clear();
    this.items = [];
    this.skipped = 0;
  }
}
