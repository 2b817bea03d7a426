/**
 * Pure helpers of forwarding and quoting: the Markdown a quote inserts into the composer, which chats
 * the forward dialog offers for a search, and which upload failures are worth another attempt.
 *
 * Imports from shared/ are relative (not `$shared`) so this module also loads in plain vitest/tsc.
 */
import { MENTION_PATTERN } from '../../../../shared/mentions';

/**
 * The quote of a message as Markdown: `> **Author:** first line`, every further line prefixed with `> `
 * (blank lines too, so the quote stays one block), and an empty line after it so the reply starts as
 * a paragraph of its own. Mentions inside become plain `@Name` text and `@all` is broken with a
 * zero-width space: quoting someone must not notify them (or everyone) a second time.
 */
export function quoteText(body: string, authorName: string, nameOf: (id: string) => string | null): string {
  const plain = body
    .replace(MENTION_PATTERN, (_, id: string) => `@${nameOf(id) ?? id}`)
    .replace(/(^|[\s(])@(all|все)(?=$|[\s.,!?:;)])/giu, '$1@\u200b$2')
    .trim();
  const lines = plain.split(/\r?\n/);
  const author = authorName.replace(/[*_`~[\]]/g, '');
  lines[0] = `**${author}:** ${lines[0]}`.trimEnd();
  return lines.map((l) => (l ? `> ${l}` : '>')).join('\n') + '\n\n';
}

/**
 * Where a quote goes in the composer's text: after what is there (on a line of its own) when something
 * is written already, at the start otherwise. Returns the new text and the caret (its end).
 */
export function withQuote(text: string, quote: string): { text: string; caret: number } {
  const before = text.trimEnd();
  const next = before ? `${before}\n\n${quote}` : quote;
  return { text: next, caret: next.length };
}

/** The chats whose name matches a search (every word of the query starts a word of the name, any case). */
export function matchingChats<T extends { name: string }>(chats: T[], query: string): T[] {
  const words = query.toLocaleLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return chats;
  return chats.filter((c) => {
    const name = c.name.toLocaleLowerCase();
    const parts = name.split(/[\s,.\-–—()]+/);
    return words.every((w) => name.startsWith(w) || parts.some((p) => p.startsWith(w)));
  });
}

/** Why an upload failed, as far as retrying goes. */
export type UploadFailure =
  /** No answer at all (no network): tried again by itself once the connection is back. */
  | 'offline'
  /** The hub answered "not now" (5xx, rate limited): the user may try again. */
  | 'retryable'
  /** The hub refused the file (too large, not allowed): trying again cannot help. */
  | 'final';

export function uploadFailure(status: number, code: string | undefined): UploadFailure {
  if (status === 0) return 'offline';
  if (status === 413 || code === 'payload_too_large') return 'final';
  if (status >= 500 || status === 429 || code === 'unavailable' || code === 'rate_limited' || code === 'internal') return 'retryable';
  return 'final';
}
