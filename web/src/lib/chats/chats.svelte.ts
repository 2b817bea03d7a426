/**
 * The messenger's live state: the chat list with its counters (GET /api/chats, the `user:<me>` stream and
 * every chat's stream), the open conversation, the send queue, and the requests that change messages.
 *
 * One subscription per chat stream feeds both the list's counters and, for the open chat, its messages;
 * each resumes after the last seq applied (the list's head at first), so reconnects lose nothing.
 */
import { chatStream, type ChatSummary, type Message } from '$shared/messenger';
import type { StreamEvent } from '$shared/types';
import { api } from '../api';
import type { RealtimeClient } from '../realtime/socket';
import { Conversation } from './conversation.svelte';
import { applyChatEventToList, applyRead, applyUserEvent, sortChats, totalUnread } from './model';
import { Sender } from './sender.svelte';

/** Wait this long after the last reason to mark a chat read before telling the hub. */
const READ_DEBOUNCE_MS = 400;

class ChatsStore {
  chats = $state<ChatSummary[]>([]);
  loaded = $state(false);
  failed = $state(false);
  unread = $derived(totalUnread(this.chats));
  conversation = $state<Conversation | null>(null);
  readonly sender = new Sender((m) => this.put(m));

  private client: RealtimeClient | null = null;
  private myId = '';
  private generation = 0;
  private stops: (() => void)[] = [];
  private chatSubs = new Map<string, () => void>();
  private readTimer: ReturnType<typeof setTimeout> | null = null;

  /** Follow my chats on a realtime client (and load the list). */
  attach(client: RealtimeClient, myId: string): void {
    this.reset();
    this.client = client;
    this.myId = myId;
    this.sender.attach(client, myId);
    // Without `after` the stream anchors first and then asks for the snapshot: the list loads (again)
    // after it. Load at once as well, so the list and the send queue show while the socket is down.
    this.stops.push(client.subscribe(`user:${myId}`, (ev) => this.onUserEvent(ev), () => void this.load()));
    void this.load();
  }

  reset(): void {
    for (const stop of this.stops) stop();
    for (const stop of this.chatSubs.values()) stop();
    this.stops = [];
    this.chatSubs.clear();
    this.sender.detach();
    this.conversation?.close();
    this.conversation = null;
    this.client = null;
    this.generation++;
    this.chats = [];
    this.loaded = false;
    this.failed = false;
  }

  /** (Re)load the chat list; counters that live events already moved past the answer are kept. */
  async load(): Promise<void> {
    const gen = ++this.generation;
    try {
      const { chats } = await api.get<{ chats: ChatSummary[] }>('/api/chats');
      if (gen !== this.generation) return;
      const local = new Map(this.chats.map((c) => [c.id, c]));
      this.chats = sortChats(chats.map((c) => (local.get(c.id)?.head ?? -1) > c.head ? local.get(c.id)! : c));
      this.loaded = true;
      this.failed = false;
      for (const c of chats) this.follow(c);
    } catch (e) {
      if (gen !== this.generation) return;
      this.failed = !this.loaded;
      console.warn('chats: load failed', e);
    }
  }

  private follow(chat: ChatSummary): void {
    if (!this.client || this.chatSubs.has(chat.id)) return;
    const stop = this.client.subscribe(
      chatStream(chat.id),
      (ev) => this.onChatEvent(chat.id, ev),
      () => {
        void this.load();
        if (this.conversation?.chatId === chat.id) void this.conversation.load();
      },
      { after: chat.head },
    );
    this.chatSubs.set(chat.id, stop);
  }

  private onUserEvent(ev: StreamEvent): void {
    const { chats, exact } = applyUserEvent(this.chats, ev, this.myId);
    this.chats = chats;
    if (!exact) void this.load();
    const p = ev.event.payload as { chat?: ChatSummary; chatId?: string } | null;
    if (ev.event.type === 'chat_added' && p?.chat) this.follow(p.chat);
    if (ev.event.type === 'chat_removed' && p?.chatId) {
      this.chatSubs.get(p.chatId)?.();
      this.chatSubs.delete(p.chatId);
    }
  }

  private onChatEvent(chatId: string, ev: StreamEvent): void {
    const conv = this.conversation?.chatId === chatId ? this.conversation : null;
    const id = (ev.event.payload as { message?: Message } | null)?.message?.id;
    const previous = id ? conv?.find(id) : undefined;
    this.chats = applyChatEventToList(this.chats, chatId, ev, this.myId, previous);
    conv?.apply(ev);
  }

  /** A message from a request's reply: shown at once (its event, arriving too, is an idempotent upsert). */
  private put(message: Message): void {
    if (this.conversation?.chatId === message.chatId) this.conversation.put(message);
  }

  chat(id: string): ChatSummary | undefined {
    return this.chats.find((c) => c.id === id);
  }

  /** Show a chat's messages (loading its newest page). */
  open(chatId: string): Conversation {
    if (this.conversation?.chatId === chatId) return this.conversation;
    this.conversation?.close();
    const conv = new Conversation(chatId);
    this.conversation = conv;
    void conv.load();
    return conv;
  }

  close(chatId: string): void {
    if (this.conversation?.chatId !== chatId) return;
    this.conversation.close();
    this.conversation = null;
  }

  /** Mark the open chat read up to its head, soon (called whenever it is seen at the bottom). */
  markRead(chatId: string): void {
    const chat = this.chat(chatId);
    if (!chat || chat.readSeq >= chat.head) return;
    if (this.readTimer) clearTimeout(this.readTimer);
    this.readTimer = setTimeout(() => {
      this.readTimer = null;
      void this.sendRead(chatId);
    }, READ_DEBOUNCE_MS);
  }

  private async sendRead(chatId: string): Promise<void> {
    const chat = this.chat(chatId);
    if (!this.client || !chat || chat.readSeq >= chat.head) return;
    try {
      const { readSeq } = await this.client.request({ type: 'mark_read', chatId, seq: chat.head });
      const loaded = this.conversation?.chatId === chatId ? this.conversation.messages : [];
      const { chats, exact } = applyRead(this.chats, chatId, readSeq, this.myId, loaded);
      this.chats = chats;
      if (!exact) void this.load();
    } catch (e) {
      console.warn('chats: mark read failed', e);
    }
  }

  /** Open (or find) the direct chat with a colleague. */
  async openDirect(userId: string): Promise<ChatSummary> {
    return this.added((await api.post<{ chat: ChatSummary }>('/api/chats', { kind: 'direct', userId })).chat);
  }

  async createGroup(title: string, memberIds: string[]): Promise<ChatSummary> {
    return this.added((await api.post<{ chat: ChatSummary }>('/api/chats', { kind: 'group', title, memberIds })).chat);
  }

  private added(chat: ChatSummary): ChatSummary {
    if (!this.chat(chat.id)) this.chats = sortChats([...this.chats, chat]);
    this.follow(chat);
    return chat;
  }

  /** Edit, delete or react: the reply's message is shown at once. Rejects with the request's error. */
  async change(
    req:
      | { type: 'message_edit'; messageId: string; body: string }
      | { type: 'message_delete'; messageId: string }
      | { type: 'reaction_toggle'; messageId: string; emoji: string },
  ): Promise<void> {
    if (!this.client) return;
    const { message } = await this.client.request(req);
    this.put(message);
  }
}

export const chats = new ChatsStore();
