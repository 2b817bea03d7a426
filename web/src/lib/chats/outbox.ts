/**
 * The offline send queue, pure part: an ordered list of messages waiting to be sent, persisted per user
 * in localStorage (it survives a reload), and which send failures are worth retrying.
 *
 * Each item keeps its clientId for its whole life: the hub stores a message once per clientId, so sending
 * an item again after a lost connection or a reload never writes it twice.
 *
 * Imports from shared/ are relative (not `$shared`) so this module also loads in plain vitest/tsc.
 */
import type { ErrorCode } from '../../../../shared/errors';
import type { FileRef } from '../../../../shared/messenger';

export interface OutboxItem {
  clientId: string;
  chatId: string;
  body: string;
  threadRootId?: string;
  /** Files already uploaded, sent as `fileIds` (and shown while pending). */
  attachments?: FileRef[];
  /** When it was written (shown as its time while pending). */
  createdAt: string;
  /** 'queued' waits for its turn; 'failed' was refused and waits for retry or discard. */
  state: 'queued' | 'failed';
  /** The refusal's error code, for a failed item. */
  error?: ErrorCode;
}

/** The storage the queue persists to (localStorage in the browser, a map in tests). */
export type KeyValue = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export const outboxKey = (userId: string) => `artel.outbox.${userId}`;

function isItem(x: unknown): x is OutboxItem {
  const i = x as OutboxItem;
  return (
    !!i && typeof i.clientId === 'string' && typeof i.chatId === 'string' && typeof i.body === 'string' &&
    typeof i.createdAt === 'string' && (i.state === 'queued' || i.state === 'failed')
  );
}

/** Read the queue (a damaged entry reads as empty). */
export function loadOutbox(store: KeyValue, userId: string): OutboxItem[] {
  try {
    const raw = JSON.parse(store.getItem(outboxKey(userId)) ?? '[]');
    return Array.isArray(raw) ? raw.filter(isItem) : [];
  } catch {
    return [];
  }
}

export function saveOutbox(store: KeyValue, userId: string, items: OutboxItem[]): void {
  try {
    if (items.length) store.setItem(outboxKey(userId), JSON.stringify(items));
    else store.removeItem(outboxKey(userId));
  } catch {
    /* storage full or unavailable: the queue still lives in memory */
  }
}

/** Failures that say "not now" rather than "never": the item stays queued and is sent again later. */
const RETRYABLE: ReadonlySet<string> = new Set(['unavailable', 'rate_limited', 'internal']);

export function isRetryable(code: string | undefined): boolean {
  return !code || RETRYABLE.has(code);
}

/** The first item whose turn it is (queued, in order). */
export function nextQueued(items: OutboxItem[]): OutboxItem | undefined {
  return items.find((i) => i.state === 'queued');
}

/** Remove an item (sent or discarded). */
export function withoutItem(items: OutboxItem[], clientId: string): OutboxItem[] {
  return items.filter((i) => i.clientId !== clientId);
}

/** Mark an item refused (not sent), or queue it again for a retry (it keeps its clientId and place). */
export function withState(items: OutboxItem[], clientId: string, state: OutboxItem['state'], error?: ErrorCode): OutboxItem[] {
  return items.map((i) => (i.clientId === clientId ? { ...i, state, error: state === 'failed' ? error : undefined } : i));
}
