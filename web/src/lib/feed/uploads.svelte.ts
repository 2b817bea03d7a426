/**
 * Files being attached to the post or comment being written (the chat composer's way, on the feed's
 * route): each uploads at once to `POST /api/feed/files` (raw body, URL-encoded name in `X-File-Name`)
 * with its progress shown; the draft goes with the ids of those that finished. A refused upload shows
 * why and stays until removed; removing one still uploading cancels it.
 */
import type { FileRef } from '$shared/messenger';
import type { ErrorBody } from '$shared/errors';
import { ApiError } from '../api';
import { filesProblem, FILES_MAX, roomFor, type UploadState } from './attachments';

export interface FeedUpload {
  key: string;
  name: string;
  size: number;
  /** 0..1 while uploading. */
  progress: number;
  state: UploadState;
  file?: FileRef;
  error?: ApiError;
}

/** Send one file with upload progress (fetch has none); resolves with the stored file. */
function sendFile(xhr: XMLHttpRequest, file: File, onprogress: (p: number) => void): Promise<FileRef> {
  return new Promise((resolve, reject) => {
    xhr.open('POST', '/api/feed/files');
    xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
    xhr.setRequestHeader('x-file-name', encodeURIComponent(file.name || 'file'));
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (e) => e.lengthComputable && onprogress(e.loaded / e.total);
    xhr.onload = () => {
      let body: { file?: FileRef; error?: ErrorBody } | null = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300 && body?.file) return resolve(body.file);
      const code = xhr.status === 413 ? 'payload_too_large' : xhr.status >= 500 ? 'unavailable' : 'bad_request';
      reject(new ApiError(xhr.status, body?.error ?? { code, message: `HTTP ${xhr.status}` }));
    };
    xhr.onerror = () => reject(new ApiError(0, { code: 'unavailable', message: 'Network error' }));
    xhr.onabort = () => reject(new ApiError(0, { code: 'unavailable', message: 'Cancelled' }));
    xhr.send(file);
  });
}

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
      sendFile(xhr, f, (p) => this.update(key, { progress: p }))
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
