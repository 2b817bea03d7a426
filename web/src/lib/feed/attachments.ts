/**
 * Pure rules of attaching files to a post or a comment: which pasted or dropped things are files to
 * attach, how many fit, the server's size limit read from its refusal, and what a draft may send.
 *
 * Imports from shared/ are relative (not `$shared`) so this module also loads in plain vitest/tsc.
 */
import { FEED_LIMITS } from '../../../../shared/feed';

/** Most files on one post or comment. */
export const FILES_MAX = FEED_LIMITS.attachmentsMax;

/** Is something being dragged that carries files (not text or a link)? */
export function carriesFiles(types: readonly string[] | null | undefined): boolean {
  return !!types && Array.from(types).includes('Files');
}

/**
 * The files a paste attaches: the clipboard's files, unless it also carries plain text. Office suites
 * put a picture of the copied text next to the text itself; the text is what the writer meant then.
 * A screenshot, a copied image or files copied in a file manager carry no plain text.
 */
export function pastedFiles<F>(types: readonly string[], files: readonly F[]): F[] {
  if (!files.length || types.includes('text/plain')) return [];
  return [...files];
}

/** How many of `incoming` files fit next to `current` ones (at most FILES_MAX in all). */
export function roomFor(current: number, incoming: number, max: number = FILES_MAX): number {
  return Math.max(0, Math.min(incoming, max - current));
}

/**
 * The upload limit in bytes named by a `payload_too_large` refusal ("The body is larger than N bytes"),
 * or null when the message does not say (the caller then shows the message without the number).
 */
export function uploadLimit(message: string | null | undefined): number | null {
  const m = /larger than (\d+) bytes/i.exec(message ?? '');
  const n = m ? Number(m[1]) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

export type UploadState = 'uploading' | 'done' | 'failed';

/**
 * Whether a draft may be sent with its files: not while one still uploads (it would go without it), nor
 * with a refused one in the list (the writer meant to attach it: they remove it or pick another).
 */
export function filesProblem(states: readonly UploadState[]): 'uploading' | 'failed' | null {
  if (states.includes('uploading')) return 'uploading';
  if (states.includes('failed')) return 'failed';
  return null;
}
