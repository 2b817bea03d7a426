/**
 * Pure helpers of the messenger's extras: search snippets as safe HTML, file sizes, who is typing,
 * thread read positions and thread unread counters, "seen by".
 *
 * Imports from shared/ are relative (not `$shared`) so this module also loads in plain vitest/tsc.
 */
import type { ChatSummary, Message } from '../../../../shared/messenger';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for HTML. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/**
 * A search snippet as safe HTML: the text is escaped and each match (between \u0002 and \u0003) is wrapped
 * in <mark>. Markers that do not pair up are dropped; nothing from the snippet becomes markup.
 */
export function snippetHtml(snippet: string): string {
  let out = '';
  let open = false;
  for (const part of snippet.split(/([\u0002\u0003])/)) {
    if (part === '\u0002') {
      if (!open) out += '<mark>';
      open = true;
    } else if (part === '\u0003') {
      if (open) out += '</mark>';
      open = false;
    } else {
      out += escapeHtml(part);
    }
  }
  return open ? out + '</mark>' : out;
}

/** A size in bytes as people read it, with the unit names given (B, KB, MB, GB). */
export function humanSize(bytes: number, units: readonly [string, string, string, string], locale = 'en'): string {
  let n = bytes;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  const digits = i === 0 || n >= 10 ? 0 : 1;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(n)} ${units[i]}`;
}

/** Who types where: chatId -> userId -> when their indicator expires (ms). */
export type TypingMap = Record<string, Record<string, number>>;

/** How long a typing push keeps its indicator on. */
export const TYPING_TTL_MS = 5000;
/** Send `typing` at most this often while the user types. */
export const TYPING_SEND_MS = 3000;

/** Record a typing push (expired entries of that chat are dropped on the way). */
export function addTyping(map: TypingMap, chatId: string, userId: string, now: number): TypingMap {
  const live = Object.fromEntries(Object.entries(map[chatId] ?? {}).filter(([, until]) => until > now));
  return { ...map, [chatId]: { ...live, [userId]: now + TYPING_TTL_MS } };
}

/** A user stopped typing (their message arrived). */
export function clearTyping(map: TypingMap, chatId: string, userId: string): TypingMap {
  if (!map[chatId]?.[userId]) return map;
  const { [userId]: _gone, ...rest } = map[chatId];
  return { ...map, [chatId]: rest };
}

/** Who is typing in a chat now, never me, in the order they started. */
export function typingUsers(map: TypingMap, chatId: string, myId: string, now: number): string[] {
  return Object.entries(map[chatId] ?? {})
    .filter(([id, until]) => id !== myId && until > now)
    .map(([id]) => id);
}

/** Is a message a reply from someone else that a thread read position of `readSeq` has not covered? */
function unreadReply(m: Message, myId: string, readSeq: number): boolean {
  return m.authorId !== myId && !m.deletedAt && m.seq > readSeq;
}

/**
 * The replies of a thread shown as unread: those from others past my thread read position. Without a
 * known position, the newest `fallback` replies from others (the chat's thread counter) are shown so.
 */
export function unreadReplyIds(replies: Message[], myId: string, readSeq: number | null, fallback: number): Set<string> {
  if (readSeq !== null) return new Set(replies.filter((m) => unreadReply(m, myId, readSeq)).map((m) => m.id));
  const others = replies.filter((m) => unreadReply(m, myId, 0));
  return new Set(others.slice(Math.max(0, others.length - fallback)).map((m) => m.id));
}

/**
 * A thread's read position moved from `from` (null: unknown) to `to`: the chat's thread counter loses the
 * replies in between. Exact only when both the old position and the thread's replies are known;
 * otherwise the caller reloads the chat list (the hub's count is authoritative).
 */
export function applyThreadRead(
  chats: ChatSummary[],
  chatId: string,
  replies: Message[] | null,
  from: number | null,
  to: number,
  myId: string,
): { chats: ChatSummary[]; exact: boolean } {
  const i = chats.findIndex((c) => c.id === chatId);
  if (i < 0) return { chats, exact: true };
  if (from !== null && to <= from) return { chats, exact: true };
  if (from === null || !replies) return { chats, exact: false };
  const read = replies.filter((m) => unreadReply(m, myId, from) && m.seq <= to).length;
  if (!read) return { chats, exact: true };
  const next = chats.slice();
  next[i] = { ...chats[i], threadUnread: Math.max(0, chats[i].threadUnread - read) };
  return { chats: next, exact: true };
}

/** Do I take part in a thread (wrote its first message or a reply)? */
export function takesPart(messages: Message[], rootId: string, myId: string): boolean {
  return messages.some((m) => (m.id === rootId || m.threadRootId === rootId) && m.authorId === myId);
}

/** A new reply from someone else in a thread I take part in counts on the chat's thread counter. */
export function countThreadReply(chats: ChatSummary[], chatId: string): ChatSummary[] {
  return chats.map((c) => (c.id === chatId ? { ...c, threadUnread: c.threadUnread + 1 } : c));
}

/**
 * "Seen": in a direct chat, my latest message the other person has read; in a group, my latest message
 * and the others who have read it. Null when there is nothing to show.
 */
export function seenBy(
  messages: Pick<Message, 'id' | 'seq' | 'authorId' | 'deletedAt'>[],
  readPositions: Record<string, number>,
  myId: string,
  direct: boolean,
): { messageId: string; userIds: string[] } | null {
  const others = Object.entries(readPositions).filter(([id]) => id !== myId);
  const mine = messages.filter((m) => m.authorId === myId && !m.deletedAt && m.seq < Number.MAX_SAFE_INTEGER);
  if (direct) {
    const read = others[0]?.[1] ?? 0;
    const last = mine.filter((m) => m.seq <= read).pop();
    return last ? { messageId: last.id, userIds: [others[0][0]] } : null;
  }
  const last = mine.pop();
  if (!last) return null;
  const userIds = others.filter(([, seq]) => seq >= last.seq).map(([id]) => id);
  return userIds.length ? { messageId: last.id, userIds } : null;
}

/** Should a new message raise a browser notification (tab hidden; direct chat or mentions me; not mine)? */
export function shouldNotify(m: Pick<Message, 'authorId' | 'mentions' | 'mentionsAll' | 'deletedAt'>, chat: Pick<ChatSummary, 'kind'>, myId: string, hidden: boolean): boolean {
  if (!hidden || m.authorId === myId || m.deletedAt) return false;
  return chat.kind === 'direct' || m.mentionsAll || m.mentions.includes(myId);
}
