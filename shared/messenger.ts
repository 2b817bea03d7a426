import { z } from 'zod';
import type { Card } from './cards';

/** Longest message body, in characters. */
export const MAX_MESSAGE_CHARS = 10_000;
/** Most members a group chat may be created with at once. */
export const MAX_CHAT_MEMBERS = 500;

/** A member's role inside one chat. */
export type ChatRole = 'owner' | 'admin' | 'member';

/** The chat stream's id for a chat. */
export const chatStream = (chatId: string) => `chat:${chatId}`;

/** A reaction on a message: an emoji and who reacted with it. */
export interface Reaction {
  emoji: string;
  userIds: string[];
}

/** A file attached to a message; `url` downloads it (members of the chat only). */
export interface FileRef {
  id: string;
  name: string;
  size: number;
  mime: string;
  isImage: boolean;
  url: string;
  /** Images: a WebP within 640x640, auto-rotated, first frame only (members of the chat only). */
  previewUrl?: string;
  /** Images: the original's size as displayed (after EXIF rotation), to reserve its box before loading. */
  width?: number;
  height?: number;
}

/** Most files one message may carry. */
export const MAX_ATTACHMENTS = 10;

/** A message as clients see it; a deleted one keeps its place with an empty body. */
export interface Message {
  id: string;
  chatId: string;
  seq: number;
  authorId: string;
  clientId: string;
  body: string;
  threadRootId: string | null;
  mentions: string[];
  mentionsAll: boolean;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  reactions: Reaction[];
  attachments: FileRef[];
  pinnedAt: string | null;
  pinnedBy: string | null;
  /** Set on a forwarded copy: where the original was, and who wrote it. */
  forwardedFrom: { chatId: string; messageId: string; authorId: string } | null;
  /** A record made from the chat (a task, a deal…): its live summary. */
  card?: Card | null;
  /** On the first message of a thread: how many replies it has, and the seq of the latest. */
  replyCount: number;
  lastReplySeq: number | null;
}

/** A chat in the chat list of one user, with that user's counters. */
export interface ChatSummary {
  id: string;
  kind: 'direct' | 'group';
  title: string;
  /** A group's picture (members only), or null; direct chats show the other person's avatar. */
  avatarUrl: string | null;
  memberIds: string[];
  myRole: ChatRole;
  /** The chat stream's latest seq. */
  head: number;
  readSeq: number;
  /** Unread messages of the main list (thread replies count in their thread instead). */
  unread: number;
  /** Unread messages that mention me, in the main list or in threads. */
  mentions: number;
  /** Unread replies in the threads I take part in. */
  threadUnread: number;
  lastMessageAt: string;
}

const uuid = z.string().uuid();
const body = z.string().trim().min(1).max(MAX_MESSAGE_CHARS);
/** A message's text may be empty when files come with it. */
const sendBody = z.string().trim().max(MAX_MESSAGE_CHARS);
const fileIds = z.array(uuid).max(MAX_ATTACHMENTS);
const emoji = z.string().min(1).max(32).regex(/^[^\s<>&"']+$/u, 'not an emoji');

/** POST /api/chats: a direct chat with one colleague, or a group chat. */
export const CreateChatBody = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('direct'), userId: uuid }).strict(),
  z
    .object({ kind: z.literal('group'), title: z.string().trim().min(1).max(100), memberIds: z.array(uuid).max(MAX_CHAT_MEMBERS) })
    .strict(),
]);

/** POST /api/chats/:id/messages: the HTTP door to the same send as the realtime `message_send`. */
export const SendMessageBody = z
  .object({ clientId: uuid, body: sendBody, threadRootId: uuid.optional(), fileIds: fileIds.optional() })
  .strict()
  .refine((m) => m.body.length > 0 || (m.fileIds?.length ?? 0) > 0, { message: 'A message needs text or files', path: ['body'] });

/** PATCH /api/chats/:id */
export const RenameChatBody = z.object({ title: z.string().trim().min(1).max(100) }).strict();
/** POST /api/chats/:id/members */
export const AddMembersBody = z.object({ userIds: z.array(uuid).min(1).max(MAX_CHAT_MEMBERS) }).strict();
/** PATCH /api/chats/:id/members/:userId */
export const MemberRoleBody = z.object({ role: z.enum(['admin', 'member']) }).strict();

/** Realtime requests of the messenger (joined into ClientMessageSchema). */
export const messengerRequests = (requestId: z.ZodString) =>
  [
    z
      .object({
        type: z.literal('message_send'), id: requestId, chatId: uuid, clientId: uuid, body: sendBody,
        threadRootId: uuid.optional(), fileIds: fileIds.optional(),
        /** Forward this message (which the sender can read) into the chat; `body` is an optional comment. */
        forwardOf: uuid.optional(),
      })
      .strict(),
    z.object({ type: z.literal('message_edit'), id: requestId, messageId: uuid, body }).strict(),
    z.object({ type: z.literal('message_delete'), id: requestId, messageId: uuid }).strict(),
    z.object({ type: z.literal('reaction_toggle'), id: requestId, messageId: uuid, emoji }).strict(),
    z.object({ type: z.literal('mark_read'), id: requestId, chatId: uuid, seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }).strict(),
    z.object({ type: z.literal('typing'), id: requestId, chatId: uuid }).strict(),
    z.object({ type: z.literal('thread_read'), id: requestId, rootId: uuid, seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }).strict(),
    z.object({ type: z.literal('message_pin'), id: requestId, messageId: uuid, pinned: z.boolean() }).strict(),
  ] as const;

/** Pushed to a chat's followers when a member's read position moves (for "seen by"); not stored. */
export interface ReadPush {
  type: 'read';
  chatId: string;
  userId: string;
  readSeq: number;
}

/** Pushed to a chat's followers while someone types there; not stored (clients expire it after a few seconds). */
export interface TypingPush {
  type: 'typing';
  chatId: string;
  userId: string;
}

/** Successful reply payloads of the messenger's requests. */
export interface MessengerReplies {
  message_send: { message: Message };
  message_edit: { message: Message };
  message_delete: { message: Message };
  reaction_toggle: { message: Message };
  mark_read: { readSeq: number };
  typing: Record<string, never>;
  message_pin: { message: Message };
  thread_read: { readSeq: number };
}
