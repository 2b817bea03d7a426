/**
 * Sending messages: optimistic, ordered and offline-proof. Every message goes through the queue (persisted
 * in localStorage, so it survives a reload); the queue sends one item at a time, in order, whenever the
 * connection is up, always with the item's own clientId, so the hub stores each message once however
 * often it is resent. A refusal that will not change on retry marks the item "not sent".
 */
import type { FileRef, Message } from '$shared/messenger';
import type { RealtimeClient } from '../realtime/socket';
import { isRetryable, loadOutbox, nextQueued, saveOutbox, withState, withoutItem, type OutboxItem } from './outbox';

/** How long to wait before trying again after a retryable failure while connected. */
const RETRY_MS = 2000;

export class Sender {
  items = $state<OutboxItem[]>([]);

  private client: RealtimeClient | null = null;
  private userId = '';
  private pumping = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private offStatus: (() => void) | null = null;

  /** `delivered` receives the stored message of every item sent. */
  constructor(private readonly delivered: (message: Message) => void) {}

  attach(client: RealtimeClient, userId: string): void {
    this.detach();
    this.client = client;
    this.userId = userId;
    this.items = loadOutbox(localStorage, userId);
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
  }

  private set(items: OutboxItem[]): void {
    this.items = items;
    if (this.userId) saveOutbox(localStorage, this.userId, items);
  }

  /** Queue a new message and start sending; returns its clientId. */
  send(chatId: string, body: string, threadRootId?: string, attachments: FileRef[] = []): string {
    const item: OutboxItem = {
      clientId: crypto.randomUUID(),
      chatId,
      body,
      ...(threadRootId ? { threadRootId } : {}),
      ...(attachments.length ? { attachments } : {}),
      createdAt: new Date().toISOString(),
      state: 'queued',
    };
    this.set([...this.items, item]);
    void this.pump();
    return item.clientId;
  }

  retry(clientId: string): void {
    this.set(withState(this.items, clientId, 'queued'));
    void this.pump();
  }

  discard(clientId: string): void {
    this.set(withoutItem(this.items, clientId));
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
        if (!client || !item || client.status !== 'online') return;
        try {
          const reply = await client.request({
            type: 'message_send',
            chatId: item.chatId,
            clientId: item.clientId,
            body: item.body,
            ...(item.threadRootId ? { threadRootId: item.threadRootId } : {}),
            ...(item.attachments?.length ? { fileIds: item.attachments.map((f) => f.id) } : {}),
          });
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
