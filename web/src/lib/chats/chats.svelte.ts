/**
 * The messenger's live state: the chat list with its counters (GET /api/chats, the `user:<me>` stream and
 * every chat's stream), the open conversation, the send queue, and the requests that change messages.
 *
 * One subscription per chat stream feeds both the list's counters and, for the open chat, its messages;
 * each resumes after the last seq applied (the list's head at first), so reconnects lose nothing.
 */
import { chatStream, type ChatRole, type ChatSummary, type Message } from '$shared/messenger';
import type { StreamEvent } from '$shared/types';
import { api } from '../api';
import { Listeners } from '../realtime/listeners';
import type { PushFrame, RealtimeClient } from '../realtime/socket';
import { Conversation } from './conversation.svelte';
import { addTyping, applyThreadRead, clearTyping, countThreadReply, takesPart, TYPING_SEND_MS, type TypingMap } from './extras';
import {
  applyChatEventToList,
  applyMemberEvent,
  applyRead,
  applyUserEvent,
  eventMessage,
  sortChats,
  threadReplies,
  totalUnread,
  type ChatMember,
} from './model';
import { notifier } from './notify.svelte';
import { Sender } from './sender.svelte';

/** Every `user:<me>` event, for other parts of the app (the feed): a stream has one subscription, this one. */
export const userEvents = new Listeners<[StreamEvent]>((m, d) => console.warn(m, d ?? ''), 'user event');

/** Wait this long after the last reason to mark a chat read before telling the hub. */
const READ_DEBOUNCE_MS = 400;

class ChatsStore {
  chats = $state<ChatSummary[]>([]);
  loaded = $state(false);
  failed = $state(false);
  unread = $derived(totalUnread(this.chats));
  conversation = $state<Conversation | null>(null);
  readonly sender = new Sender((m) => this.put(m));
  /** Who is typing where (expiry times; see extras.typingUsers). */
  typing = $state<TypingMap>({});
  /** My read position in each thread this device has learnt (thread_read replies and events). */
  threadReads = $state<Record<string, number>>({});
  /** Members with their roles of the chats whose settings were opened, kept live by the chat streams. */
  members = $state<Record<string, { list: ChatMember[]; head: number }>>({});
  /** Chats I left or was removed from since the page loaded: where the chat was, a notice says why. */
  departed = $state<Record<string, 'left' | 'removed'>>({});

  private client: RealtimeClient | null = null;
  private myId = '';
  private generation = 0;
  private stops: (() => void)[] = [];
  private chatSubs = new Map<string, () => void>();
  private readTimer: ReturnType<typeof setTimeout> | null = null;
  private threadTimer: ReturnType<typeof setTimeout> | null = null;
  private reloadTimer: ReturnType<typeof setTimeout> | null = null;
  private lastTyped = new Map<string, number>();
  /** Chat-stream events that arrive while a chat's member list loads, applied on top of it. */
  private memberEvents = new Map<string, StreamEvent[]>();

  /** Follow my chats on a realtime client (and load the list). */
  attach(client: RealtimeClient, myId: string): void {
    this.reset();
    this.client = client;
    this.myId = myId;
    this.sender.attach(client, myId);
    // Without `after` the stream anchors first and then asks for the snapshot: the list loads (again)
    // after it. Load at once as well, so the list and the send queue show while the socket is down.
    this.stops.push(client.subscribe(`user:${myId}`, (ev) => this.onUserEvent(ev), () => void this.load()));
    this.stops.push(client.onPush((p) => this.onPush(p)));
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
    this.typing = {};
    this.threadReads = {};
    this.members = {};
    this.departed = {};
    this.memberEvents.clear();
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
        // Events may have been skipped: a member list shown from this chat starts again from a snapshot.
        if (this.members[chat.id]) {
          this.members = withoutKey(this.members, chat.id);
          this.loadMembers(chat.id).catch((e) => console.warn('chats: members reload failed', e));
        }
      },
      { after: chat.head },
    );
    this.chatSubs.set(chat.id, stop);
  }

  private onUserEvent(ev: StreamEvent): void {
    userEvents.emit(ev);
    if (ev.event.type === 'thread_read') {
      const p = ev.event.payload as { chatId?: string; rootId?: string; readSeq?: number } | null;
      if (p?.chatId && p.rootId && typeof p.readSeq === 'number') this.applyThreadRead(p.chatId, p.rootId, p.readSeq);
      return;
    }
    const { chats, exact } = applyUserEvent(this.chats, ev, this.myId);
    this.chats = chats;
    if (!exact) void this.load();
    const p = ev.event.payload as { chat?: ChatSummary; chatId?: string } | null;
    if (ev.event.type === 'chat_added' && p?.chat) {
      this.follow(p.chat);
      if (this.departed[p.chat.id]) this.departed = withoutKey(this.departed, p.chat.id);
    }
    if (ev.event.type === 'chat_removed' && p?.chatId) this.dropped(p.chatId, ev.event.actorId === this.myId ? 'left' : 'removed');
  }

  /** A chat I am no longer in: stop following it and remember why it went. */
  private dropped(chatId: string, why: 'left' | 'removed'): void {
    this.chatSubs.get(chatId)?.();
    this.chatSubs.delete(chatId);
    if (this.chat(chatId)) this.chats = this.chats.filter((c) => c.id !== chatId);
    if (this.members[chatId]) this.members = withoutKey(this.members, chatId);
    if (this.departed[chatId] !== why) this.departed = { ...this.departed, [chatId]: why };
  }

  private onChatEvent(chatId: string, ev: StreamEvent): void {
    const conv = this.conversation?.chatId === chatId ? this.conversation : null;
    const id = (ev.event.payload as { message?: Message } | null)?.message?.id;
    const previous = id ? conv?.find(id) : undefined;
    const fresh = ev.seq > (this.chat(chatId)?.head ?? Infinity);
    this.chats = applyChatEventToList(this.chats, chatId, ev, this.myId, previous);
    conv?.apply(ev);
    this.memberEvent(chatId, ev);
    const m = eventMessage(ev);
    if (!m || ev.event.type !== 'message_created' || !fresh) return;
    this.typing = clearTyping(this.typing, chatId, m.authorId);
    if (m.threadRootId && m.authorId !== this.myId) {
      // Counted when we know I take part in the thread; otherwise the hub's count decides.
      if (conv && takesPart(conv.messages, m.threadRootId, this.myId)) this.chats = countThreadReply(this.chats, chatId);
      else this.reloadSoon();
    }
    const chat = this.chat(chatId);
    if (chat) notifier.message(chat, m, this.myId);
  }

  /** Keep a loaded (or loading) member list in step with its chat stream. */
  private memberEvent(chatId: string, ev: StreamEvent): void {
    this.memberEvents.get(chatId)?.push(ev);
    const entry = this.members[chatId];
    if (!entry || ev.seq <= entry.head) return;
    const list = applyMemberEvent(entry.list, ev.event);
    if (list !== entry.list) this.members = { ...this.members, [chatId]: { list, head: ev.seq } };
  }

  /**
   * Load a chat's members with their roles (the settings panel). Events that arrive meanwhile are kept
   * and those past the snapshot's head applied on top, so nothing between the two is lost.
   */
  async loadMembers(chatId: string): Promise<void> {
    if (this.memberEvents.has(chatId)) return;
    const gen = this.generation;
    this.memberEvents.set(chatId, []);
    try {
      const snap = await api.get<{ members: ChatMember[]; head: number }>(`/api/chats/${chatId}/members`);
      if (gen !== this.generation || !this.chat(chatId)) return;
      let { list, head } = (this.members[chatId]?.head ?? -1) > snap.head ? this.members[chatId] : { list: snap.members, head: snap.head };
      for (const ev of this.memberEvents.get(chatId) ?? []) {
        if (ev.seq <= head) continue;
        list = applyMemberEvent(list, ev.event);
        head = ev.seq;
      }
      this.members = { ...this.members, [chatId]: { list, head } };
    } finally {
      this.memberEvents.delete(chatId);
    }
  }

  /** Rename a group (its owner and admins); every member's list follows through the stream events. */
  async rename(chatId: string, title: string): Promise<void> {
    await api.patch(`/api/chats/${chatId}`, { title });
    this.chats = this.chats.map((c) => (c.id === chatId ? { ...c, title } : c));
  }

  /** Set a group's picture (raw image bytes), or clear it with null. */
  async setPicture(chatId: string, image: Blob | null): Promise<void> {
    if (image) await api.put(`/api/chats/${chatId}/avatar`, image);
    else await api.del(`/api/chats/${chatId}/avatar`);
  }

  async addMembers(chatId: string, userIds: string[]): Promise<void> {
    await api.post(`/api/chats/${chatId}/members`, { userIds });
  }

  async removeMember(chatId: string, userId: string): Promise<void> {
    await api.del(`/api/chats/${chatId}/members/${userId}`);
  }

  async setRole(chatId: string, userId: string, role: Exclude<ChatRole, 'owner'>): Promise<void> {
    await api.patch(`/api/chats/${chatId}/members/${userId}`, { role });
  }

  /** Leave a group: it goes from the list at once (its `chat_removed` event follows, changing nothing). */
  async leave(chatId: string): Promise<void> {
    await api.del(`/api/chats/${chatId}/members/${this.myId}`);
    this.dropped(chatId, 'left');
  }

  /** Pushes that are not stored: someone types, someone's read position moved. */
  private onPush(p: PushFrame): void {
    if (typeof p.chatId !== 'string' || typeof p.userId !== 'string' || !this.chat(p.chatId)) return;
    if (p.type === 'typing' && p.userId !== this.myId) this.typing = addTyping(this.typing, p.chatId, p.userId, Date.now());
    if (p.type === 'read' && typeof p.readSeq === 'number' && this.conversation?.chatId === p.chatId) {
      this.conversation.setRead(p.userId, p.readSeq);
    }
  }

  /** The user types in a chat's composer: tell the others, at most every few seconds. */
  typed(chatId: string): void {
    const now = Date.now();
    if (!this.client || this.client.status !== 'online' || now - (this.lastTyped.get(chatId) ?? 0) < TYPING_SEND_MS) return;
    this.lastTyped.set(chatId, now);
    this.client.request({ type: 'typing', chatId }).catch(() => {});
  }

  private reloadSoon(): void {
    if (this.reloadTimer) return;
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = null;
      void this.load();
    }, 1000);
  }

  /** Mark a thread read up to its newest reply, soon (called while its panel is open and visible). */
  markThreadRead(rootId: string, seq: number): void {
    if ((this.threadReads[rootId] ?? -1) >= seq) return;
    if (this.threadTimer) clearTimeout(this.threadTimer);
    this.threadTimer = setTimeout(() => {
      this.threadTimer = null;
      const client = this.client;
      if (!client) return;
      client.request({ type: 'thread_read', rootId, seq }).then(
        ({ readSeq }) => {
          const chatId = this.conversation?.find(rootId)?.chatId;
          if (chatId) this.applyThreadRead(chatId, rootId, readSeq);
        },
        (e) => console.warn('chats: thread read failed', e),
      );
    }, READ_DEBOUNCE_MS);
  }

  private applyThreadRead(chatId: string, rootId: string, readSeq: number): void {
    const conv = this.conversation?.chatId === chatId && this.conversation.threads.has(rootId) ? this.conversation : null;
    const from = this.threadReads[rootId] ?? null;
    const { chats, exact } = applyThreadRead(this.chats, chatId, conv ? threadReplies(conv.messages, rootId) : null, from, readSeq, this.myId);
    this.chats = chats;
    if (from === null || readSeq > from) this.threadReads = { ...this.threadReads, [rootId]: readSeq };
    if (!exact) this.reloadSoon();
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
      | { type: 'reaction_toggle'; messageId: string; emoji: string }
      | { type: 'message_pin'; messageId: string; pinned: boolean },
  ): Promise<void> {
    if (!this.client) return;
    const { message } = await this.client.request(req);
    this.put(message);
  }
}

function withoutKey<V>(record: Record<string, V>, key: string): Record<string, V> {
  const rest = { ...record };
  delete rest[key];
  return rest;
}

export const chats = new ChatsStore();
