/**
 * Sending messages: optimistic, ordered and offline-proof. Every message goes through the queue (persisted
 * in localStorage, so it survives a reload); the queue sends one item at a time, in order, whenever the
 * connection is up, always with the item's own clientId, so the hub stores each message once however
 * often it is resent. A refusal that will not change on retry marks the item "not sent".
 *
 * A message may wait for its files (uploads still running, or waiting for the network): it keeps its
 * place, and nothing after it is sent before it. Forwards go through the same queue.
 */
import { SvelteMap } from 'svelte/reactivity';
import type { FileRef, Message } from '$shared/messenger';
import type { RealtimeClient } from '../realtime/socket';
import {
  isRetryable, loadOutbox, nextQueued, saveOutbox, sendFields, withFiles, withLostFiles, withState, withoutItem, type OutboxItem,
} from './outbox';
import type { UploadTask } from './uploads.svelte';

/** How long to wait before trying again after a retryable failure while connected. */
const RETRY_MS = 2000;

export class Sender {
  items = $state<OutboxItem[]>([]);

  private client: RealtimeClient | null = null;
  private userId = '';
  private pumping = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private offStatus: (() => void) | null = null;
  /** The uploads each queued message waits for (they live in this tab only). */
  readonly uploads = new SvelteMap<string, UploadTask[]>();

  /** `delivered` receives the stored message of every item sent. */
  constructor(private readonly delivered: (message: Message) => void) {}

  attach(client: RealtimeClient, userId: string): void {
    this.detach();
    this.client = client;
    this.userId = userId;
    this.items = withLostFiles(loadOutbox(localStorage, userId));
    this.offStatus = client.onStatus((s) => {
      if (s === 'online') void this.pump();
    });
  }

  detach(): void {
    this.offStatus?.();
    this.offStatus = null;
    this.client = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.items = [];
    for (const tasks of this.uploads.values()) for (const u of tasks) u.drop();
    this.uploads.clear();
  }

  private set(items: OutboxItem[]): void {
    this.items = items;
    if (this.userId) saveOutbox(localStorage, this.userId, items);
  }

  /**
   * Queue a new message and start sending; returns its clientId. `waiting` are files still uploading (or
   * waiting for the network): the message is sent once they are up, in its place in the queue.
   */
  send(chatId: string, body: string, threadRootId?: string, attachments: FileRef[] = [], waiting: UploadTask[] = []): string {
    const item: OutboxItem = {
      clientId: crypto.randomUUID(),
      chatId,
      body,
      ...(threadRootId ? { threadRootId } : {}),
      ...(attachments.length ? { attachments } : {}),
      ...(waiting.length ? { waiting: waiting.map((u) => u.name) } : {}),
      createdAt: new Date().toISOString(),
      state: 'queued',
    };
    if (waiting.length) this.watch(item.clientId, waiting);
    return this.enqueue(item);
  }

  /**
   * Queue a forward of `original` into a chat. The hub copies its text and files; they are kept on the
   * item only to show it while pending.
   */
  forward(chatId: string, original: Message): string {
    return this.enqueue({
      clientId: crypto.randomUUID(),
      chatId,
      body: original.body,
      ...(original.attachments.length ? { attachments: original.attachments } : {}),
      forwardOf: original.id,
      forwardedFrom: { chatId: original.chatId, messageId: original.id, authorId: original.authorId },
      createdAt: new Date().toISOString(),
      state: 'queued',
    });
  }

  private enqueue(item: OutboxItem): string {
    this.set([...this.items, item]);
    void this.pump();
    return item.clientId;
  }

  /** Wait for a message's uploads: each one finishing (or failing) lets the queue look again. */
  private watch(clientId: string, tasks: UploadTask[]): void {
    this.uploads.set(clientId, tasks);
    for (const u of tasks) u.onSettled(() => void this.pump());
  }

  /**
   * Send a failed item again (same clientId, same place). Its uploads that can succeed are tried again,
   * those refused for good (too large) are left out; files lost with a reload are left out too.
   */
  retry(clientId: string): void {
    const tasks = this.uploads.get(clientId);
    let items = this.items;
    if (tasks) {
      const keep = tasks.filter((u) => u.state !== 'failed' || u.retryable);
      for (const u of tasks) if (!keep.includes(u)) u.drop();
      for (const u of keep) u.retry();
      if (keep.length) this.uploads.set(clientId, keep);
      else this.uploads.delete(clientId);
      items = items.map((i) => (i.clientId === clientId ? { ...i, waiting: keep.length ? keep.map((u) => u.name) : undefined } : i));
    } else {
      items = items.map((i) => (i.clientId === clientId && i.waiting ? { ...i, waiting: undefined } : i));
    }
    this.set(withState(items, clientId, 'queued'));
    void this.pump();
  }

  /** Try one upload of a queued message again (the message keeps waiting for it). */
  retryUpload(clientId: string, key: string): void {
    this.uploads.get(clientId)?.find((u) => u.key === key)?.retry();
    if (this.items.find((i) => i.clientId === clientId)?.state === 'failed') this.retry(clientId);
  }

  /** Send a queued message without one of its files. */
  removeUpload(clientId: string, key: string): void {
    const tasks = this.uploads.get(clientId) ?? [];
    tasks.find((u) => u.key === key)?.drop();
    const keep = tasks.filter((u) => u.key !== key);
    if (keep.length) this.uploads.set(clientId, keep);
    else this.uploads.delete(clientId);
    this.set(this.items.map((i) => (i.clientId === clientId ? { ...i, waiting: keep.length ? keep.map((u) => u.name) : undefined } : i)));
    void this.pump();
  }

  discard(clientId: string): void {
    for (const u of this.uploads.get(clientId) ?? []) u.drop();
    this.uploads.delete(clientId);
    this.set(withoutItem(this.items, clientId));
  }

  /**
   * An item waiting for files: 'wait' while any is on its way, 'failed' when one failed and needs the
   * user (or they were lost with a reload), otherwise the files are added to it and it can go.
   */
  private settleFiles(item: OutboxItem): 'wait' | 'failed' | 'ready' {
    const tasks = this.uploads.get(item.clientId);
    if (!tasks) {
      this.set(withState(this.items, item.clientId, 'failed'));
      return 'failed';
    }
    if (tasks.some((u) => u.pending)) return 'wait';
    const failed = tasks.find((u) => u.state === 'failed');
    if (failed) {
      this.set(withState(this.items, item.clientId, 'failed', failed.error?.code));
      return 'failed';
    }
    this.uploads.delete(item.clientId);
    for (const u of tasks) u.drop();
    this.set(withFiles(this.items, item.clientId, tasks.map((u) => u.file!)));
    return 'ready';
  }

  /** Items of one chat, in order. */
  forChat(chatId: string): OutboxItem[] {
    return this.items.filter((i) => i.chatId === chatId);
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const client = this.client;
        const item = nextQueued(this.items);
        if (!item) return;
        if (item.waiting?.length) {
          const files = this.settleFiles(item);
          if (files === 'wait') return;
          continue;
        }
        if (!client || client.status !== 'online') return;
        try {
          const reply = await client.request({ type: 'message_send', ...sendFields(item) });
          if (this.client !== client) return;
          // Show the stored message before dropping the pending one: no flicker, never twice.
          this.delivered(reply.message);
          this.set(withoutItem(this.items, item.clientId));
        } catch (e) {
          if (this.client !== client) return;
          const code = (e as { code?: string }).code;
          if (isRetryable(code)) {
            // Disconnected: the status handler pumps again once back. Still connected: try again soon.
            if (client.status === 'online') this.later();
            return;
          }
          console.warn('chat: message refused', e);
          this.set(withState(this.items, item.clientId, 'failed', code as OutboxItem['error']));
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private later(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.pump();
    }, RETRY_MS);
  }
}
