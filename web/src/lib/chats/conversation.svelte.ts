/**
 * The open chat's messages: the newest page first, older pages on demand, live events applied on top.
 */
import type { Message } from '$shared/messenger';
import type { StreamEvent } from '$shared/types';
import { api } from '../api';
import { applyChatEvent, mergePage, upsertMessage } from './model';

/** Messages per history page. */
export const PAGE_SIZE = 50;
/** Messages per older page while scrolling back (larger: fewer round trips through long histories). */
const OLDER_PAGE = 100;
/** Replies loaded when a thread opens (the hub's largest page). */
const THREAD_PAGE = 200;

export class Conversation {
  /** Replaced, never mutated (see model.ts), so not deeply proxied: 10,000 messages stay cheap. */
  messages = $state.raw<Message[]>([]);
  loaded = $state(false);
  failed = $state(false);
  hasOlder = $state(false);
  loadingOlder = $state(false);
  /** Each member's read position (for "seen"), from the history page and `read` pushes. */
  readPositions = $state<Record<string, number>>({});
  /** Threads whose replies were loaded. */
  readonly threads = new Set<string>();
  /** My read position in each loaded thread, as the hub said when it was loaded. */
  threadReadSeqs = $state<Record<string, number>>({});

  private generation = 0;

  constructor(readonly chatId: string) {}

  private page() {
    return this.get(`limit=${PAGE_SIZE}`);
  }

  private async get(query: string) {
    const page = await api.get<{ messages: Message[]; head: number; readPositions?: Record<string, number>; threadReadSeq?: number }>(
      `/api/chats/${this.chatId}/messages?${query}`,
    );
    for (const [id, seq] of Object.entries(page.readPositions ?? {})) this.setRead(id, seq);
    return page;
  }

  /** Load (or reload after a stream reset) the newest page; a newer load wins over an older one. */
  async load(): Promise<void> {
    const gen = ++this.generation;
    try {
      const { messages } = await this.page();
      if (gen !== this.generation) return;
      // After a reload, what we had may be stale or have a hole: start over from the newest page.
      this.messages = this.loaded ? messages : mergePage(this.messages, messages);
      this.hasOlder = messages.length === PAGE_SIZE;
      this.loaded = true;
      this.failed = false;
    } catch (e) {
      if (gen !== this.generation) return;
      this.failed = !this.loaded;
      console.warn('chat: history failed', e);
    }
  }

  /** Load the page before the oldest message shown; resolves true when something was added. */
  async loadOlder(): Promise<boolean> {
    if (!this.hasOlder || this.loadingOlder || !this.messages.length) return false;
    this.loadingOlder = true;
    const gen = this.generation;
    try {
      const { messages } = await this.get(`limit=${OLDER_PAGE}&before=${this.messages[0].seq}`);
      if (gen !== this.generation) return false;
      this.messages = mergePage(this.messages, messages);
      this.hasOlder = messages.length === OLDER_PAGE;
      return messages.length > 0;
    } catch (e) {
      console.warn('chat: older history failed', e);
      return false;
    } finally {
      this.loadingOlder = false;
    }
  }

  /** Load a thread: its first message and replies (the main list's pages leave replies out). */
  async loadThread(rootId: string): Promise<void> {
    const gen = this.generation;
    try {
      const { messages, threadReadSeq } = await this.get(`thread=${rootId}&limit=${THREAD_PAGE}`);
      if (gen !== this.generation) return;
      this.messages = mergePage(this.messages, messages);
      if (typeof threadReadSeq === 'number') this.threadReadSeqs = { ...this.threadReadSeqs, [rootId]: threadReadSeq };
      this.threads.add(rootId);
    } catch (e) {
      console.warn('chat: thread failed', e);
    }
  }

  /**
   * Show the history around a message (a search hit): the page around it and the messages after it up
   * to the newest, so live messages still join a contiguous list.
   */
  async jump(seq: number): Promise<void> {
    const gen = ++this.generation;
    try {
      let list = (await this.get(`around=${seq}&limit=${PAGE_SIZE}`)).messages;
      for (let i = 0; i < 5 && list.length; i++) {
        const { messages } = await this.get(`after=${list[list.length - 1].seq}&limit=${THREAD_PAGE}`);
        list = mergePage(list, messages);
        if (messages.length < THREAD_PAGE) break;
      }
      if (gen !== this.generation) return;
      const last = list.length ? list[list.length - 1].seq : 0;
      this.messages = mergePage(list, this.messages.filter((m) => m.seq > last));
      this.hasOlder = true;
      this.loaded = true;
      this.failed = false;
    } catch (e) {
      if (gen === this.generation) console.warn('chat: jump failed', e);
    }
  }

  /** A member's read position moved (never back). */
  setRead(userId: string, seq: number): void {
    if ((this.readPositions[userId] ?? -1) < seq) this.readPositions = { ...this.readPositions, [userId]: seq };
  }

  apply(ev: StreamEvent): void {
    this.messages = applyChatEvent(this.messages, ev);
  }

  /** A message from a request's reply (send, edit, delete, reaction). */
  put(message: Message): void {
    if (message.chatId === this.chatId) this.messages = upsertMessage(this.messages, message);
  }

  find(id: string): Message | undefined {
    return this.messages.find((m) => m.id === id);
  }

  /** The newest seq shown. */
  get lastSeq(): number {
    return this.messages.length ? this.messages[this.messages.length - 1].seq : 0;
  }

  close(): void {
    this.generation++;
  }
}
