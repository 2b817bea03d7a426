/**
 * Files being attached to the next message of one composer: each is uploaded at once
 * (`POST /api/chats/:id/files`, raw body, name in `X-File-Name`) with its progress shown; the message
 * is sent with the ids of those that finished. Files are not queued while offline: an upload that fails
 * shows its reason and can be removed.
 */
import { MAX_ATTACHMENTS, type FileRef } from '$shared/messenger';
import type { ErrorBody } from '$shared/errors';
import { ApiError } from '../api';

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

export class Uploads {
  items = $state<Upload[]>([]);
  busy = $derived(this.items.some((u) => u.state === 'uploading'));
  ready = $derived(this.items.filter((u) => u.state === 'done').map((u) => u.file!));

  constructor(private readonly chatId: string) {}

  /** Start uploading files (beyond MAX_ATTACHMENTS they are ignored). */
  add(files: Iterable<File>): void {
    for (const f of files) {
      if (this.items.length >= MAX_ATTACHMENTS) return;
      const key = crypto.randomUUID();
      this.items.push({ key, name: f.name || 'file', size: f.size, progress: 0, state: 'uploading' });
      sendFile(`/api/chats/${this.chatId}/files`, f, (p) => this.patch(key, { progress: p })).then(
        (file) => this.patch(key, { state: 'done', progress: 1, file }),
        (error: ApiError) => this.patch(key, { state: 'failed', error }),
      );
    }
  }

  private patch(key: string, p: Partial<Upload>): void {
    const u = this.items.find((x) => x.key === key);
    if (u) Object.assign(u, p);
  }

  remove(key: string): void {
    this.items = this.items.filter((u) => u.key !== key);
  }

  /** The finished files, taken for a message (the list empties). */
  take(): FileRef[] {
    const files = this.ready;
    this.items = [];
    return files;
  }
}
