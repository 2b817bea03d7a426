/**
 * Pure logic of the messenger client: applying chat-stream and user-stream events to a message list and
 * to the chat list (with its unread and mention counters), threads, grouping and mention helpers.
 *
 * Imports from shared/ are relative (not `$shared`) so this module also loads in plain vitest/tsc.
 */
import type { ChatRole, ChatSummary, FileRef, Message } from '../../../../shared/messenger';
import type { StreamEvent } from '../../../../shared/types';

/** Events of a chat stream whose payload is `{message}` (upsert by id). */
const MESSAGE_EVENTS = new Set(['message_created', 'message_edited', 'message_deleted', 'reactions_changed', 'message_pinned', 'message_unpinned', 'card_updated']);

/** The message an event of a chat stream carries, if any. */
export function eventMessage(ev: Pick<StreamEvent, 'event'>): Message | null {
  if (!MESSAGE_EVENTS.has(ev.event.type)) return null;
  const m = (ev.event.payload as { message?: Message } | null)?.message;
  return m && typeof m.id === 'string' && typeof m.seq === 'number' ? m : null;
}

/** Insert or replace a message (by id, or by the author's client id), keeping the list in seq order. */
export function upsertMessage(list: Message[], message: Message): Message[] {
  const i = list.findIndex((m) => m.id === message.id || (m.clientId === message.clientId && m.authorId === message.authorId));
  if (i >= 0) {
    const next = list.slice();
    next[i] = message;
    return next;
  }
  const next = [...list, message];
  // Usually appended at the end; keep order when an event arrives out of place.
  if (list.length && list[list.length - 1].seq > message.seq) next.sort((a, b) => a.seq - b.seq);
  return next;
}

/**
 * Merge a history page into the list. Messages already present (from live events or a send reply) are
 * at least as fresh as the page, so they are kept as they are.
 */
export function mergePage(list: Message[], page: Message[]): Message[] {
  const have = new Set(list.map((m) => m.id));
  const fresh = page.filter((m) => !have.has(m.id));
  if (!fresh.length) return list;
  return [...list, ...fresh].sort((a, b) => a.seq - b.seq);
}

/**
 * Apply one chat-stream event to the message list (unknown events change nothing). A new reply also
 * counts on its thread's first message (once: only past the root's `lastReplySeq`); deleting a reply we
 * had uncounts it.
 */
export function applyChatEvent(list: Message[], ev: Pick<StreamEvent, 'event'>): Message[] {
  const m = eventMessage(ev);
  if (!m) return list;
  const before = list.find((x) => x.id === m.id);
  let next = upsertMessage(list, m);
  const rootAt = m.threadRootId ? next.findIndex((x) => x.id === m.threadRootId) : -1;
  if (rootAt < 0) return next;
  const root = next[rootAt];
  let counted: Message | null = null;
  if (ev.event.type === 'message_created' && m.seq > (root.lastReplySeq ?? 0)) {
    counted = { ...root, replyCount: root.replyCount + 1, lastReplySeq: m.seq };
  } else if (ev.event.type === 'message_deleted' && before && !before.deletedAt) {
    counted = { ...root, replyCount: Math.max(0, root.replyCount - 1) };
  }
  if (counted) {
    next = next.slice();
    next[rootAt] = counted;
  }
  return next;
}

/** Does a message mention this user (by name or through @all)? */
export function mentionsMe(m: Pick<Message, 'mentions' | 'mentionsAll'>, myId: string): boolean {
  return m.mentionsAll || m.mentions.includes(myId);
}

/** Does a message count as unread for this user at read position `readSeq`? */
function countsUnread(m: Message, myId: string, readSeq: number): boolean {
  return m.authorId !== myId && m.seq > readSeq && !m.deletedAt;
}

/** Newest activity first; ties by title for a stable order. */
export function sortChats(chats: ChatSummary[]): ChatSummary[] {
  return [...chats].sort((a, b) => b.lastMessageAt.localeCompare(a.lastMessageAt) || a.id.localeCompare(b.id));
}

function patchChat(chats: ChatSummary[], chatId: string, patch: (c: ChatSummary) => ChatSummary): ChatSummary[] {
  const i = chats.findIndex((c) => c.id === chatId);
  if (i < 0) return chats;
  const patched = patch(chats[i]);
  if (patched === chats[i]) return chats;
  const next = chats.slice();
  next[i] = patched;
  return next;
}

/**
 * Apply one chat-stream event to the chat list: the head moves, a new message from someone else after
 * my read position counts as unread (and as a mention when it names me), deleting an unread one uncounts
 * it. `previous` is the message as it was before the event, when known (for the mention count).
 */
export function applyChatEventToList(
  chats: ChatSummary[],
  chatId: string,
  ev: Pick<StreamEvent, 'seq' | 'event'>,
  myId: string,
  previous?: Message,
): ChatSummary[] {
  const m = eventMessage(ev);
  const next = patchChat(chats, chatId, (c) => {
    // At or below the head the summary already counts it (a list loaded after the event).
    if (ev.seq <= c.head) return c;
    const updated = { ...c, head: ev.seq };
    if (!m) return applyMembership(updated, ev.event, myId);
    if (ev.event.type === 'message_created') {
      updated.lastMessageAt = m.createdAt > c.lastMessageAt ? m.createdAt : c.lastMessageAt;
      if (m.authorId === myId) return updated;
      if (countsUnread(m, myId, c.readSeq)) {
        // Replies count in their thread, not in the chat's unread; a mention counts wherever it is.
        if (!m.threadRootId) updated.unread = c.unread + 1;
        if (mentionsMe(m, myId)) updated.mentions = c.mentions + 1;
      }
    } else if (ev.event.type === 'message_deleted' && m.authorId !== myId && m.seq > c.readSeq && !previous?.deletedAt) {
      if (!m.threadRootId) updated.unread = Math.max(0, c.unread - 1);
      if (previous && mentionsMe(previous, myId)) updated.mentions = Math.max(0, c.mentions - 1);
    }
    return updated;
  });
  return next === chats ? chats : sortChats(next);
}

/** Chat-level changes: renamed, members added or removed, a member's role changed. */
function applyMembership(c: ChatSummary, event: StreamEvent['event'], myId: string): ChatSummary {
  const p = (event.payload ?? {}) as { title?: string; userIds?: string[]; userId?: string; role?: ChatSummary['myRole'] };
  switch (event.type) {
    case 'chat_renamed':
      return typeof p.title === 'string' ? { ...c, title: p.title } : c;
    case 'members_added':
      return Array.isArray(p.userIds) ? { ...c, memberIds: [...new Set([...c.memberIds, ...p.userIds])] } : c;
    case 'member_removed':
      return { ...c, memberIds: c.memberIds.filter((id) => id !== p.userId) };
    case 'member_role_changed':
      return p.userId === myId && p.role ? { ...c, myRole: p.role } : c;
    default:
      return c;
  }
}

/**
 * A new read position (my own mark_read reply or a `chat_read` event from another device). Returns the
 * list and whether the counters are exact: reading up to the head clears them; a partial read can be
 * recounted from `loaded` messages when they reach back to the read position, otherwise the caller
 * reloads the list.
 */
export function applyRead(
  chats: ChatSummary[],
  chatId: string,
  readSeq: number,
  myId: string,
  loaded: Message[] = [],
): { chats: ChatSummary[]; exact: boolean } {
  let exact = true;
  const next = patchChat(chats, chatId, (c) => {
    if (readSeq <= c.readSeq) return c;
    if (readSeq >= c.head) return { ...c, readSeq, unread: 0, mentions: 0 };
    const coversGap = loaded.length > 0 && loaded[0].seq <= readSeq + 1;
    if (!coversGap) {
      exact = false;
      return { ...c, readSeq };
    }
    const unread = loaded.filter((m) => !m.threadRootId && countsUnread(m, myId, readSeq));
    return { ...c, readSeq, unread: unread.length, mentions: unread.filter((m) => mentionsMe(m, myId)).length };
  });
  return { chats: next, exact };
}

/**
 * Apply one `user:<me>` event to the chat list: `chat_added` inserts (or replaces) the summary,
 * `chat_removed` drops it, `chat_read` moves the read position, `chat_renamed` and `chat_avatar_changed`
 * update a group's face.
 */
export function applyUserEvent(
  chats: ChatSummary[],
  ev: Pick<StreamEvent, 'event'>,
  myId: string,
): { chats: ChatSummary[]; exact: boolean } {
  const p = (ev.event.payload ?? {}) as { chat?: ChatSummary; chatId?: string; readSeq?: number; title?: string; avatarUrl?: string | null };
  // A group's new name or picture reaches every member's own stream (the name comes on the chat stream too).
  if (ev.event.type === 'chat_renamed' && typeof p.chatId === 'string' && typeof p.title === 'string') {
    const title = p.title;
    return { chats: patchChat(chats, p.chatId, (c) => (c.title === title ? c : { ...c, title })), exact: true };
  }
  if (ev.event.type === 'chat_avatar_changed' && typeof p.chatId === 'string' && p.avatarUrl !== undefined) {
    const avatarUrl = typeof p.avatarUrl === 'string' ? p.avatarUrl : null;
    return { chats: patchChat(chats, p.chatId, (c) => (c.avatarUrl === avatarUrl ? c : { ...c, avatarUrl })), exact: true };
  }
  if (ev.event.type === 'chat_added' && p.chat && typeof p.chat.id === 'string') {
    return { chats: sortChats([...chats.filter((c) => c.id !== p.chat!.id), p.chat]), exact: true };
  }
  if (ev.event.type === 'chat_removed' && typeof p.chatId === 'string') {
    return { chats: chats.filter((c) => c.id !== p.chatId), exact: true };
  }
  if (ev.event.type === 'chat_read' && typeof p.chatId === 'string' && typeof p.readSeq === 'number') {
    return applyRead(chats, p.chatId, p.readSeq, myId);
  }
  return { chats, exact: true };
}

/**
 * What needs attention over all chats (the sidebar badge and the tab title): unread messages of the main
 * lists plus unread replies in the threads I take part in. The two never overlap (a reply counts only in
 * its thread). Mentions are not added on top: almost all are among those messages already, and the
 * summary cannot tell which few (in threads I have not joined) are not.
 */
export function totalUnread(chats: ChatSummary[]): number {
  return chats.reduce((n, c) => n + c.unread + c.threadUnread, 0);
}

/** A chat member and their role in it (the settings panel's list). */
export interface ChatMember {
  userId: string;
  role: ChatRole;
}

/**
 * Apply one chat-stream event to a chat's member list: people added join as plain members, a removed
 * one goes, a role changes. Applying an event twice changes nothing more (a snapshot may already hold it).
 */
export function applyMemberEvent(members: ChatMember[], event: StreamEvent['event']): ChatMember[] {
  const p = (event.payload ?? {}) as { userIds?: unknown; userId?: unknown; role?: unknown };
  switch (event.type) {
    case 'members_added': {
      if (!Array.isArray(p.userIds)) return members;
      const have = new Set(members.map((m) => m.userId));
      const fresh = p.userIds.filter((id): id is string => typeof id === 'string' && !have.has(id));
      return fresh.length ? [...members, ...fresh.map((userId): ChatMember => ({ userId, role: 'member' }))] : members;
    }
    case 'member_removed':
      return members.some((m) => m.userId === p.userId) ? members.filter((m) => m.userId !== p.userId) : members;
    case 'member_role_changed': {
      const role = p.role;
      if (role !== 'owner' && role !== 'admin' && role !== 'member') return members;
      return members.map((m) => (m.userId === p.userId && m.role !== role ? { ...m, role } : m));
    }
    default:
      return members;
  }
}

const ROLE_ORDER: Record<ChatRole, number> = { owner: 0, admin: 1, member: 2 };

/** The member list as shown: the owner, then admins, then members, each by name. */
export function sortMembers<M extends ChatMember>(members: M[], nameOf: (userId: string) => string): M[] {
  return [...members].sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || nameOf(a.userId).localeCompare(nameOf(b.userId)));
}

/**
 * What I may do in a chat, as the hub decides it (server/domains/chats/policy.ts): the panel only offers
 * what would be allowed. Direct chats never change.
 */
export function chatRights(chat: Pick<ChatSummary, 'kind' | 'myRole'>, myId: string) {
  const group = chat.kind === 'group';
  const manager = group && (chat.myRole === 'owner' || chat.myRole === 'admin');
  return {
    /** Rename, change the picture, add people. */
    manage: manager,
    leave: group,
    /** Remove this member: the owner anyone else, admins plain members (leaving is separate). */
    remove: (target: ChatMember) =>
      group && target.userId !== myId && (chat.myRole === 'owner' || (chat.myRole === 'admin' && target.role === 'member')),
    /** Make this member an admin or a plain member again: the owner only. */
    setRole: (target: ChatMember) => group && chat.myRole === 'owner' && target.userId !== myId && target.role !== 'owner',
  };
}

export type ChatRights = ReturnType<typeof chatRights>;

/** The tab title with an unread prefix: `(3) Chats · Artel`; an older prefix is replaced. */
export function badgeTitle(title: string, unread: number): string {
  const bare = title.replace(/^\(\d+\+?\) /, '');
  return unread > 0 ? `(${unread > 999 ? '999+' : unread}) ${bare}` : bare;
}

/** The main timeline: messages that are not thread replies. */
export function timeline(list: Message[]): Message[] {
  return list.filter((m) => !m.threadRootId);
}

/** The replies of one thread, oldest first. */
export function threadReplies<M extends Message>(list: M[], rootId: string): M[] {
  return list.filter((m) => m.threadRootId === rootId);
}

/** Consecutive messages of one author within this many ms are shown as one group. */
export const GROUP_WINDOW_MS = 5 * 60_000;

/** Whether `m` continues the group of `prev` (same author, close in time, neither deleted). */
export function continuesGroup(prev: Pick<Message, 'authorId' | 'createdAt'> | undefined, m: Pick<Message, 'authorId' | 'createdAt'>): boolean {
  if (!prev || prev.authorId !== m.authorId) return false;
  const gap = Date.parse(m.createdAt) - Date.parse(prev.createdAt);
  return gap >= 0 && gap < GROUP_WINDOW_MS;
}

/** The direct chat's other member (or null for a group, or a direct chat with nobody else left). */
export function directPeer(chat: Pick<ChatSummary, 'kind' | 'memberIds'>, myId: string): string | null {
  if (chat.kind !== 'direct') return null;
  return chat.memberIds.find((id) => id !== myId) ?? null;
}

/** The `@query` being typed just before the caret, if any: where it starts and what was typed. */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const m = /(^|[\s(])@([\p{L}\p{N}_.-]{0,30})$/u.exec(before);
  if (!m) return null;
  return { start: before.length - m[2].length - 1, query: m[2] };
}

/** Replace the `@query` at `start..caret` with a mention token; returns the text and the new caret. */
export function insertMention(text: string, start: number, caret: number, userId: string): { text: string; caret: number } {
  const token = `<@${userId}> `;
  return { text: text.slice(0, start) + token + text.slice(caret), caret: start + token.length };
}

/** Do two ISO dates fall on different local days (a day divider between two messages)? */
export function differentDay(a: string | undefined, b: string): boolean {
  if (!a) return true;
  return new Date(a).toDateString() !== new Date(b).toDateString();
}

/** A message as the lists show it: stored, or still in the send queue (`pending`). */
export type ShownMessage = Message & { pending?: 'queued' | 'failed' };

/**
 * Queued messages of a chat as messages of their author, after the stored ones; an item whose stored
 * message is already there (its event beat the send's reply) is not shown twice.
 */
export function withPending(
  stored: Message[],
  queue: { clientId: string; chatId: string; body: string; threadRootId?: string; attachments?: FileRef[]; createdAt: string; state: 'queued' | 'failed' }[],
  authorId: string,
): ShownMessage[] {
  const sent = new Set(stored.filter((m) => m.authorId === authorId).map((m) => m.clientId));
  const pending = queue
    .filter((i) => !sent.has(i.clientId))
    .map(
      (i): ShownMessage =>
        // What the hub adds when it stores a message (seq, pins, forwarding) is blank until then.
        ({
          id: `pending:${i.clientId}`,
          chatId: i.chatId,
          seq: Number.MAX_SAFE_INTEGER,
          authorId,
          clientId: i.clientId,
          body: i.body,
          threadRootId: i.threadRootId ?? null,
          mentions: [],
          mentionsAll: false,
          createdAt: i.createdAt,
          editedAt: null,
          deletedAt: null,
          reactions: [],
          attachments: i.attachments ?? [],
          pinnedAt: null,
          pinnedBy: null,
          forwardedFrom: null,
          replyCount: 0,
          lastReplySeq: null,
          pending: i.state,
        }),
    );
  return pending.length ? [...stored, ...pending] : stored;
}
