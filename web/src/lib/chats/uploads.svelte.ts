/**
 * Files being attached to the next message of one composer: each is uploaded at once
 * (`POST /api/chats/:id/files`, raw body, name in `X-File-Name`) with its progress shown; the message
 * is sent with the ids of those that finished. A message may be sent before its files are up: it then
 * waits in the send queue (in its place) for them (see sender.svelte.ts).
 *
 * An upload that got no answer (no network) is tried again by itself once the connection is back; one
 * the hub answered "not now" (5xx) shows a retry button; a refusal (too large) only shows why.
 */
import { MAX_ATTACHMENTS, type FileRef } from '$shared/messenger';
import type { ErrorBody } from '$shared/errors';
import { ApiError } from '../api';
import { connection } from '../realtime/live.svelte';
import { uploadFailure, type UploadFailure } from './forward';

/** A file being uploaded, as plain data (the feed keeps its uploads so). */
export interface Upload {
  key: string;
  name: string;
  size: number;
  /** 0..1 while uploading. */
  progress: number;
  state: 'uploading' | 'done' | 'failed';
  file?: FileRef;
  error?: ApiError;
}

/**
 * Send one file to `url` (raw body, URL-encoded name in `X-File-Name`) with upload progress (fetch has
 * none); resolves with the stored file. The feed passes its own `xhr` to be able to cancel it.
 */
export function sendFile(url: string, file: File, onprogress: (p: number) => void, xhr = new XMLHttpRequest()): Promise<FileRef> {
  return new Promise((resolve, reject) => {
    xhr.open('POST', url);
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

/** Uploads that got no answer, tried again when the connection comes back. */
const offline = new Set<UploadTask>();
let watching = false;

/**
 * Start watching for the connection to come back (once, on the first upload that failed for want of
 * one): the realtime socket going online, or the browser saying the network is back.
 */
function watchConnection(): void {
  if (watching || typeof window === 'undefined') return;
  watching = true;
  const again = () => {
    for (const task of [...offline]) task.retry();
  };
  window.addEventListener('online', again);
  let last = connection.status;
  $effect.root(() => {
    $effect(() => {
      const now = connection.status;
      if (now === 'online' && last !== 'online') again();
      last = now;
    });
  });
}

/** One file being uploaded: its own reactive state, so it can move from the composer to a queued message. */
export class UploadTask implements Upload {
  readonly key = crypto.randomUUID();
  readonly name: string;
  readonly size: number;
  /** 0..1 while uploading. */
  progress = $state(0);
  state = $state<'uploading' | 'done' | 'failed'>('uploading');
  file = $state<FileRef>();
  error = $state<ApiError>();
  /** For a failed upload: whether and how it may be tried again. */
  failure = $state<UploadFailure>();
  private attempt = 0;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly url: string,
    private readonly blob: File,
  ) {
    this.name = blob.name || 'file';
    this.size = blob.size;
    this.start();
  }

  /** Whether a retry button makes sense (the hub or the network may answer differently next time). */
  get retryable(): boolean {
    return this.state === 'failed' && this.failure !== 'final';
  }

  /** Still worth waiting for: uploading, or to be tried again by itself once back online. */
  get pending(): boolean {
    return this.state === 'uploading' || (this.state === 'failed' && this.failure === 'offline');
  }

  /** Run `fn` each time this upload finishes or fails; returns the unsubscribe. */
  onSettled(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  retry(): void {
    if (this.retryable) this.start();
  }

  /** Forget it (removed by the user, or its message discarded): no automatic retry any more. */
  drop(): void {
    offline.delete(this);
    this.listeners.clear();
    this.attempt++;
  }

  private start(): void {
    const attempt = ++this.attempt;
    offline.delete(this);
    Object.assign(this, { state: 'uploading', progress: 0, error: undefined, failure: undefined });
    sendFile(this.url, this.blob, (p) => attempt === this.attempt && (this.progress = p)).then(
      (file) => this.settle(attempt, { state: 'done', progress: 1, file }),
      (error: ApiError) => {
        const failure = uploadFailure(error.status, error.code);
        // A 5xx while the socket is down too is the hub being away: treat it as no answer at all.
        const away = failure === 'retryable' && error.status >= 500 && connection.status !== 'online';
        this.settle(attempt, { state: 'failed', error, failure: away ? 'offline' : failure });
      },
    );
  }

  private settle(attempt: number, patch: Partial<Pick<UploadTask, 'state' | 'progress' | 'file' | 'error' | 'failure'>>): void {
    if (attempt !== this.attempt) return;
    Object.assign(this, patch);
    if (this.failure === 'offline') {
      offline.add(this);
      watchConnection();
    }
    for (const fn of [...this.listeners]) fn();
  }
}

export class Uploads {
  items = $state<UploadTask[]>([]);
  busy = $derived(this.items.some((u) => u.state === 'uploading'));
  ready = $derived(this.items.filter((u) => u.state === 'done').map((u) => u.file!));
  /** The files a message would carry: all but those refused for good (they stay listed with the reason). */
  usable = $derived(this.items.filter((u) => !(u.state === 'failed' && u.failure === 'final')));
  /** A message can go once no file needs the user: each is uploaded, uploading, or waiting for the network. */
  sendable = $derived(this.usable.every((u) => u.state === 'done' || u.pending));

  constructor(private readonly chatId: string) {}

  /** Start uploading files (beyond MAX_ATTACHMENTS they are ignored). */
  add(files: Iterable<File>): void {
    for (const f of files) {
      if (this.items.length >= MAX_ATTACHMENTS) return;
      this.items.push(new UploadTask(`/api/chats/${this.chatId}/files`, f));
    }
  }

  retry(key: string): void {
    this.items.find((u) => u.key === key)?.retry();
  }

  remove(key: string): void {
    this.items.find((u) => u.key === key)?.drop();
    this.items = this.items.filter((u) => u.key !== key);
  }

  /**
   * The files, taken for a message: those uploaded, and those the message waits for. Files refused for
   * good stay in the list, their reason shown, until removed.
   */
  take(): { files: FileRef[]; waiting: UploadTask[] } {
    const files = this.ready;
    const waiting = this.usable.filter((u) => u.state !== 'done');
    this.items = this.items.filter((u) => !this.usable.includes(u));
    return { files, waiting };
  }
}
