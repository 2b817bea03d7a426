import type { z } from 'zod';
import { AppError } from '../../../shared/errors';
import { chatStream, type AddMembersBody, type ChatSummary, type MemberRoleBody } from '../../../shared/messenger';
import type { Services } from '../../services';
import type { Unit } from '../../db/unit';
import type { Actor } from '../people/policy';
import { enforce, sniffImage } from '../people/actions';
import { userStream } from '../streams/access';
import { streamChannel } from '../streams';
import { streamHead } from '../streams/repo';
import { canManageChat, canRemoveMember, canSetMemberRole, canUseChat } from './policy';
import * as repo from './repo';

async function load(svc: Services, actor: Actor, chatId: string) {
  const chat = await repo.findChat(svc.db, chatId);
  if (!chat) throw new AppError('not_found', 'No such chat');
  return { chat, role: await repo.memberRole(svc.db, chatId, actor.id) };
}

/** Tell every member's own stream (their chat lists) about a change of the chat. */
async function toMembers(u: Unit, chatId: string, type: string, payload: unknown, actorId: string): Promise<void> {
  for (const userId of await repo.memberIds(u.tx, chatId)) await u.emit(userStream(userId), type, payload, actorId);
}

export async function renameChat(svc: Services, actor: Actor, chatId: string, title: string): Promise<void> {
  const { chat, role } = await load(svc, actor, chatId);
  enforce(canManageChat(actor, role, chat.kind), 'rename this chat');
  await svc.write(async (u) => {
    await repo.renameChat(u.tx, chatId, title);
    await u.emit(chatStream(chatId), 'chat_renamed', { chatId, title }, actor.id);
    await toMembers(u, chatId, 'chat_renamed', { chatId, title }, actor.id);
  });
}

export async function addMembers(svc: Services, actor: Actor, chatId: string, input: z.infer<typeof AddMembersBody>): Promise<ChatSummary> {
  const { chat, role } = await load(svc, actor, chatId);
  enforce(canManageChat(actor, role, chat.kind), 'add people to this chat');
  const wanted = [...new Set(input.userIds)];
  const colleagues = await repo.activeColleagues(svc.db, wanted);
  if (colleagues.length !== wanted.length) throw new AppError('bad_request', 'Some people are not active colleagues');
  await svc.write(async (u) => {
    const added = await repo.addMembers(u.tx, chatId, colleagues);
    if (!added.length) return;
    await u.emit(chatStream(chatId), 'members_added', { chatId, userIds: added }, actor.id);
    for (const userId of added) {
      const [summary] = await repo.chatList(u.tx, userId, chatId);
      await u.emit(userStream(userId), 'chat_added', { chat: summary }, actor.id);
    }
  });
  return (await repo.chatList(svc.db, actor.id, chatId))[0];
}

/**
 * Remove a member, or leave. A departing owner hands the chat to its longest-standing admin or member.
 * The removed person's sockets stop following the chat at once, on every node.
 */
export async function removeMember(svc: Services, actor: Actor, chatId: string, userId: string): Promise<void> {
  const { chat, role } = await load(svc, actor, chatId);
  const targetRole = await repo.memberRole(svc.db, chatId, userId);
  enforce(canRemoveMember(actor, role, chat.kind, { id: userId, role: targetRole }), 'remove this member');
  await svc.write(async (u) => {
    await repo.removeMember(u.tx, chatId, userId);
    await u.emit(userStream(userId), 'chat_removed', { chatId }, actor.id);
    await u.emit(chatStream(chatId), 'member_removed', { chatId, userId }, actor.id);
    if (targetRole === 'owner') {
      const heir = await repo.successor(u.tx, chatId);
      if (heir) {
        await repo.setMemberRole(u.tx, chatId, heir, 'owner');
        await u.emit(chatStream(chatId), 'member_role_changed', { chatId, userId: heir, role: 'owner' }, actor.id);
      }
    }
    u.afterCommit(() => svc.control({ type: 'revoke_stream', userId, channel: streamChannel(chatStream(chatId)) }));
    // And what hangs on the membership: the chat's calls and who waits at their door.
    u.afterCommit(() => svc.control({ type: 'recheck_streams', userId }));
  });
}

export async function setMemberRole(svc: Services, actor: Actor, chatId: string, userId: string, input: z.infer<typeof MemberRoleBody>): Promise<void> {
  const { chat, role } = await load(svc, actor, chatId);
  const targetRole = await repo.memberRole(svc.db, chatId, userId);
  enforce(canSetMemberRole(actor, role, chat.kind, { id: userId, role: targetRole }), "change this member's role");
  await svc.write(async (u) => {
    await repo.setMemberRole(u.tx, chatId, userId, input.role);
    await u.emit(chatStream(chatId), 'member_role_changed', { chatId, userId, role: input.role }, actor.id);
  });
}

/** Set or clear a group's picture (PNG, JPEG, GIF or WebP by its bytes); members see it change live. */
export async function setChatAvatar(svc: Services, actor: Actor, chatId: string, data: Buffer | null): Promise<void> {
  const { chat, role } = await load(svc, actor, chatId);
  enforce(canManageChat(actor, role, chat.kind), "change this chat's picture");
  const type = data ? sniffImage(data) : null;
  if (data && !type) throw new AppError('bad_request', 'The picture must be a PNG, JPEG, GIF or WebP image');
  await svc.write(async (u) => {
    await repo.setChatAvatar(u.tx, chatId, data, type);
    const [summary] = await repo.chatList(u.tx, actor.id, chatId);
    await toMembers(u, chatId, 'chat_avatar_changed', { chatId, avatarUrl: summary.avatarUrl }, actor.id);
  });
}

/**
 * The members of a chat with their roles (for its settings panel), and the chat stream's head read
 * before them: the client applies only membership events past it on top of this snapshot.
 */
export async function listMembers(svc: Services, actor: Actor, chatId: string) {
  const { role } = await load(svc, actor, chatId);
  enforce(canUseChat(actor, role), 'see the members of this chat');
  const head = await streamHead(svc.db, chatStream(chatId));
  return { members: await repo.memberRoles(svc.db, chatId), head };
}

export async function chatAvatar(svc: Services, actor: Actor, chatId: string) {
  const { role } = await load(svc, actor, chatId);
  enforce(canUseChat(actor, role), 'see this chat');
  const avatar = await repo.chatAvatar(svc.db, chatId);
  if (!avatar) throw new AppError('not_found', 'No picture');
  return avatar;
}
