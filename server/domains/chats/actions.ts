import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { AppError } from '../../../shared/errors';
import { chatStream, type ChatSummary, type CreateChatBody, type Message, type ReadPush, type TypingPush } from '../../../shared/messenger';
import { parseMentions } from '../../../shared/mentions';
import type { Services } from '../../services';
import type { Unit } from '../../db/unit';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { streamHead } from '../streams/repo';
import { userStream } from '../streams/access';
import { streamChannel } from '../streams';
import { canCreateChat, canDeleteMessage, canEditMessage, canUseChat } from './policy';
import * as repo from './repo';
import { attachFiles, copyAttachments } from '../files/actions';

/** Most messages one history page returns. */
export const PAGE_MAX = 200;

async function chatAndRole(svc: Services, actor: Actor, chatId: string) {
  const chat = await repo.findChat(svc.db, chatId);
  if (!chat) throw new AppError('not_found', 'No such chat');
  const role = await repo.memberRole(svc.db, chatId, actor.id);
  enforce(canUseChat(actor, role), 'use this chat');
  return { chat, role };
}

/** Tell each member's own stream that a chat appeared in their list. */
async function announceChat(svc: Services, u: Unit, chatId: string, userIds: string[], actorId: string): Promise<void> {
  for (const userId of userIds) {
    const [summary] = await repo.chatList(u.tx, userId, chatId);
    await u.emit(userStream(userId), 'chat_added', { chat: summary }, actorId);
  }
}

/** Open the direct chat with a colleague (the same one every time), or create a group chat. */
export async function createChat(svc: Services, actor: Actor, input: z.infer<typeof CreateChatBody>): Promise<ChatSummary> {
  enforce(canCreateChat(actor), 'start chats');
  const wanted = input.kind === 'direct' ? [input.userId] : input.memberIds;
  const others = (await repo.activeColleagues(svc.db, wanted.filter((id) => id !== actor.id)));
  if (input.kind === 'direct') {
    if (input.userId === actor.id) throw new AppError('bad_request', 'A direct chat needs another person');
    if (!others.length) throw new AppError('not_found', 'No such colleague');
  } else if (others.length !== new Set(wanted.filter((id) => id !== actor.id)).size) {
    throw new AppError('bad_request', 'Some members are not active colleagues');
  }
  const directKey = input.kind === 'direct' ? [actor.id, input.userId].sort().join(':') : null;
  if (directKey) {
    const existing = await repo.findDirectChat(svc.db, directKey);
    if (existing) return (await repo.chatList(svc.db, actor.id, existing.id))[0];
  }
  const id = randomUUID();
  try {
    await svc.write(async (u) => {
      const members = [{ userId: actor.id, role: 'owner' as const }, ...others.map((userId) => ({ userId, role: 'member' as const }))];
      await repo.insertChat(u.tx, { id, kind: input.kind, title: input.kind === 'group' ? input.title : '', directKey, createdBy: actor.id }, members);
      await u.emit(chatStream(id), 'chat_created', { chatId: id, memberIds: members.map((m) => m.userId) }, actor.id);
      await announceChat(svc, u, id, members.map((m) => m.userId), actor.id);
    });
  } catch (err) {
    // Both people opened their direct chat at once: the other insert won, use that chat.
    if (directKey && (err as { code?: string }).code === '23505') {
      const existing = await repo.findDirectChat(svc.db, directKey);
      if (existing) return (await repo.chatList(svc.db, actor.id, existing.id))[0];
    }
    throw err;
  }
  return (await repo.chatList(svc.db, actor.id, id))[0];
}

export async function listChats(svc: Services, actor: Actor): Promise<ChatSummary[]> {
  enforce(canCreateChat(actor), 'use chats');
  return repo.chatList(svc.db, actor.id);
}

export async function chatHistory(svc: Services, actor: Actor, chatId: string, page: repo.PageOf) {
  await chatAndRole(svc, actor, chatId);
  if (page.thread) {
    const root = await repo.findMessage(svc.db, page.thread);
    if (!root || root.chatId !== chatId || root.threadRootId) throw new AppError('not_found', 'No such thread in this chat');
  }
  const messages = await repo.history(svc.db, chatId, { ...page, limit: Math.min(Math.max(page.limit, 1), PAGE_MAX) });
  const head = await streamHead(svc.db, chatStream(chatId));
  const readPositions = await repo.readPositions(svc.db, chatId);
  // A thread page also says how far the reader has read that thread (0: never opened).
  if (page.thread) return { messages, head, readPositions, threadReadSeq: await repo.threadReadSeq(svc.db, page.thread, actor.id) };
  return { messages, head, readPositions };
}

function mentionsOf(body: string, members: string[], authorId: string) {
  const { userIds, all } = parseMentions(body);
  return { mentions: userIds.filter((id) => id !== authorId && members.includes(id)), mentionsAll: all };
}

/**
 * Send a message. Idempotent: a retry with the same client id returns the message the first attempt
 * stored (even when the two race), so a resent offline queue never writes twice.
 */
export async function sendMessage(
  svc: Services,
  actor: Actor,
  input: { chatId: string; clientId: string; body: string; threadRootId?: string; fileIds?: string[]; forwardOf?: string },
): Promise<Message> {
  const facts = await repo.sendFacts(svc.db, input.chatId, actor.id, input.clientId);
  if (facts.retried) return sameSend((await repo.findByClientId(svc.db, actor.id, input.clientId))!, input.chatId);
  const wait = svc.limits.send.take(actor.id);
  if (wait) throw new AppError('rate_limited', 'You are sending too fast', { retryAfter: wait });
  if (!facts.chat) throw new AppError('not_found', 'No such chat');
  enforce(canUseChat(actor, facts.role), 'use this chat');
  const fileIds = [...new Set(input.fileIds ?? [])];
  const forward = input.forwardOf ? await forwardable(svc, actor, input) : null;
  const body = forward ? forward.body : input.body;
  if (!body && !fileIds.length && !forward?.attachments.length) {
    throw new AppError('bad_request', 'A message needs text or files', { fields: { body: 'empty' } });
  }
  if (input.threadRootId) {
    const root = await repo.findMessage(svc.db, input.threadRootId);
    if (!root || root.chatId !== input.chatId) throw new AppError('not_found', 'No such message in this chat');
    if (root.threadRootId) throw new AppError('bad_request', 'Replies go to the thread of the first message');
  }
  const { mentions, mentionsAll } = mentionsOf(body, facts.members, actor.id);
  const id = randomUUID();
  const forwardedFrom = forward ? { chatId: forward.chatId, messageId: forward.id, authorId: forward.authorId } : null;
  try {
    return await svc.write(async (u) => {
      let message!: Message;
      await u.emit(
        chatStream(input.chatId),
        'message_created',
        async (seq: number) => {
          // The row first (the files point at it), then its files; nothing is read back.
          message = await repo.insertMessage(u.tx, {
            id, chatId: input.chatId, seq, authorId: actor.id, clientId: input.clientId, body,
            threadRootId: input.threadRootId ?? null, mentions, mentionsAll, forwardedFrom,
          });
          message.attachments = [
            ...(await attachFiles(u.tx, actor.id, input.chatId, id, fileIds)),
            ...(forward ? await copyAttachments(u.tx, forward.id, input.chatId, id, actor.id) : []),
          ];
          return { message };
        },
        actor.id,
      );
      return message;
    });
  } catch (err) {
    if ((err as { code?: string }).code !== '23505') throw err;
    const first = await repo.findByClientId(svc.db, actor.id, input.clientId);
    if (!first) throw err;
    return sameSend(first, input.chatId);
  }
}

/** The message to forward: one the sender can read, not deleted; the copy carries its text and files. */
async function forwardable(svc: Services, actor: Actor, input: { body: string; forwardOf?: string; fileIds?: string[] }): Promise<Message> {
  if (input.body || input.fileIds?.length) throw new AppError('bad_request', 'A forward carries the original only: send a comment as its own message');
  const original = await repo.findMessage(svc.db, input.forwardOf!);
  if (!original) throw new AppError('not_found', 'No such message');
  enforce(canUseChat(actor, await repo.memberRole(svc.db, original.chatId, actor.id)), 'forward this message');
  if (original.deletedAt) throw new AppError('conflict', 'The message was deleted');
  return original;
}

function sameSend(first: Message, chatId: string): Message {
  if (first.chatId !== chatId) throw new AppError('conflict', 'This client id was already used for another chat');
  return first;
}

async function loadForChange(svc: Services, actor: Actor, messageId: string) {
  const message = await repo.findMessage(svc.db, messageId);
  if (!message) throw new AppError('not_found', 'No such message');
  const role = await repo.memberRole(svc.db, message.chatId, actor.id);
  return { message, role, facts: { authorId: message.authorId, deleted: message.deletedAt !== null } };
}

export async function editMessage(svc: Services, actor: Actor, messageId: string, body: string): Promise<Message> {
  const { message, role, facts } = await loadForChange(svc, actor, messageId);
  enforce(canEditMessage(actor, role, facts), 'edit this message');
  const members = await repo.memberIds(svc.db, message.chatId);
  const { mentions, mentionsAll } = mentionsOf(body, members, actor.id);
  return svc.write(async (u) => {
    const edited = await repo.editMessage(u.tx, messageId, body, mentions, mentionsAll);
    await u.emit(chatStream(message.chatId), 'message_edited', { message: edited }, actor.id);
    return edited;
  });
}

export async function deleteMessage(svc: Services, actor: Actor, messageId: string): Promise<Message> {
  const { message, role, facts } = await loadForChange(svc, actor, messageId);
  enforce(canDeleteMessage(actor, role, facts), 'delete this message');
  return svc.write(async (u) => {
    const deleted = await repo.deleteMessage(u.tx, messageId);
    await u.emit(chatStream(message.chatId), 'message_deleted', { message: deleted }, actor.id);
    return deleted;
  });
}

export async function toggleReaction(svc: Services, actor: Actor, messageId: string, emoji: string): Promise<Message> {
  const { message, role } = await loadForChange(svc, actor, messageId);
  enforce(canUseChat(actor, role), 'react here');
  if (message.deletedAt) throw new AppError('conflict', 'The message was deleted');
  return svc.write(async (u) => {
    await repo.toggleReaction(u.tx, messageId, actor.id, emoji);
    const updated = (await repo.findMessage(u.tx, messageId))!;
    await u.emit(chatStream(message.chatId), 'reactions_changed', { message: updated }, actor.id);
    return updated;
  });
}

/** Pin a message to its chat, or unpin it: any member may. */
export async function pinMessage(svc: Services, actor: Actor, messageId: string, pinned: boolean): Promise<Message> {
  const { message, role } = await loadForChange(svc, actor, messageId);
  enforce(canUseChat(actor, role), 'pin here');
  if (message.deletedAt) throw new AppError('conflict', 'The message was deleted');
  return svc.write(async (u) => {
    await repo.setPinned(u.tx, messageId, pinned ? actor.id : null);
    const updated = (await repo.findMessage(u.tx, messageId))!;
    await u.emit(chatStream(message.chatId), pinned ? 'message_pinned' : 'message_unpinned', { message: updated }, actor.id);
    return updated;
  });
}

export async function pinnedMessages(svc: Services, actor: Actor, chatId: string): Promise<Message[]> {
  await chatAndRole(svc, actor, chatId);
  return repo.pinned(svc.db, chatId);
}

/** Move the actor's read position in a thread; their other devices learn it through their own stream. */
export async function markThreadRead(svc: Services, actor: Actor, rootId: string, seq: number): Promise<number> {
  const root = await repo.findMessage(svc.db, rootId);
  if (!root || root.threadRootId) throw new AppError('not_found', 'No such thread');
  await chatAndRole(svc, actor, root.chatId);
  return svc.write(async (u) => {
    const head = await streamHead(u.tx, chatStream(root.chatId));
    const readSeq = await repo.markThreadRead(u.tx, rootId, actor.id, Math.min(seq, head));
    await u.emit(userStream(actor.id), 'thread_read', { chatId: root.chatId, rootId, readSeq }, actor.id);
    return readSeq;
  });
}

/** Move the actor's read position; every device of theirs learns it through their own stream. */
export async function markRead(svc: Services, actor: Actor, chatId: string, seq: number): Promise<number> {
  await chatAndRole(svc, actor, chatId);
  return svc.write(async (u) => {
    const head = await streamHead(u.tx, chatStream(chatId));
    const readSeq = await repo.markRead(u.tx, chatId, actor.id, seq, head);
    await u.emit(userStream(actor.id), 'chat_read', { chatId, readSeq }, actor.id);
    // The other members see "seen by" move live; the position itself is durable in chat_members.
    const push: ReadPush = { type: 'read', chatId, userId: actor.id, readSeq };
    u.afterCommit(() => svc.bus.publish(streamChannel(chatStream(chatId)), JSON.stringify(push)).catch(() => {}));
    return readSeq;
  });
}

const lastTyping = new Map<string, number>();
/** A typing notice is forwarded at most this often per person and chat. */
const TYPING_EVERY_MS = 2_000;

/**
 * Tell the chat's followers that the actor is typing. Ephemeral: not stored, no seq, at most one
 * every two seconds per person and chat (clients show it for a few seconds).
 */
export async function announceTyping(svc: Services, actor: Actor, chatId: string, now = Date.now()): Promise<void> {
  await chatAndRole(svc, actor, chatId);
  const key = `${chatId}:${actor.id}`;
  if (now - (lastTyping.get(key) ?? 0) < TYPING_EVERY_MS) return;
  lastTyping.set(key, now);
  if (lastTyping.size > 10_000) for (const [k, t] of lastTyping) if (now - t > TYPING_EVERY_MS) lastTyping.delete(k);
  const push: TypingPush = { type: 'typing', chatId, userId: actor.id };
  await svc.bus.publish(streamChannel(chatStream(chatId)), JSON.stringify(push));
}
