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
  /**
   * A forward of this message: the hub copies its text and files, so `body` and `attachments` hold the
   * original's only to show it while pending, and are not sent.
   */
  forwardOf?: string;
  /** A forward's origin, shown while pending (the stored copy carries its own). */
  forwardedFrom?: { chatId: string; messageId: string; authorId: string };
  /**
   * Names of files the message still waits for: they upload in this tab, and the item is not sent before
   * they are up (nor is anything after it). After a reload they are gone, and the item is marked failed.
   */
  waiting?: string[];
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

/** The fields of the `message_send` request that sends an item. */
export function sendFields(item: OutboxItem): { chatId: string; clientId: string; body: string; threadRootId?: string; fileIds?: string[]; forwardOf?: string } {
  return {
    chatId: item.chatId,
    clientId: item.clientId,
    ...(item.threadRootId ? { threadRootId: item.threadRootId } : {}),
    ...(item.forwardOf
      ? { body: '', forwardOf: item.forwardOf }
      : { body: item.body, ...(item.attachments?.length ? { fileIds: item.attachments.map((f) => f.id) } : {}) }),
  };
}

/** Its awaited files are up: add them to an item's attachments; it no longer waits. */
export function withFiles(items: OutboxItem[], clientId: string, files: FileRef[]): OutboxItem[] {
  return items.map((i) => {
    if (i.clientId !== clientId) return i;
    const { waiting: _, ...rest } = i;
    return { ...rest, attachments: [...(i.attachments ?? []), ...files] };
  });
}

/**
 * Items read back after a reload that still waited for files: those files lived in the closed tab, so
 * the items are marked failed (sending them without the files, or discarding them, is the user's call).
 */
export function withLostFiles(items: OutboxItem[]): OutboxItem[] {
  return items.map((i) => (i.waiting?.length && i.state === 'queued' ? { ...i, state: 'failed' as const } : i));
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
