import type { ChatRole } from '../../../shared/messenger';
import type { Actor, Verdict } from '../people/policy';

/** Starting chats: every active employee; guests only ever join the one object their link grants. */
export function canCreateChat(actor: Actor): Verdict {
  return actor.active && actor.role !== 'guest' ? null : 'forbidden';
}

/** Reading and writing a chat: its members only. `role` is the actor's role in it, null when not a member. */
export function canUseChat(actor: Actor, role: ChatRole | null): Verdict {
  return actor.active && role !== null ? null : 'forbidden';
}

/** Renaming a group chat and adding people to it: its owner and admins. Direct chats never change. */
export function canManageChat(actor: Actor, role: ChatRole | null, kind: 'direct' | 'group'): Verdict {
  if (canUseChat(actor, role)) return 'forbidden';
  if (kind === 'direct') return 'conflict';
  return role === 'owner' || role === 'admin' ? null : 'forbidden';
}

/**
 * Removing `target` from a group chat: anyone may leave; the owner removes anyone; admins remove plain
 * members. Nobody leaves a direct chat.
 */
export function canRemoveMember(
  actor: Actor,
  role: ChatRole | null,
  kind: 'direct' | 'group',
  target: { id: string; role: ChatRole | null },
): Verdict {
  if (canUseChat(actor, role)) return 'forbidden';
  if (kind === 'direct') return 'conflict';
  if (target.role === null) return 'not_found';
  if (target.id === actor.id) return null;
  if (role === 'owner') return null;
  return role === 'admin' && target.role === 'member' ? null : 'forbidden';
}

/** Making a member an admin or a plain member again: the owner only. */
export function canSetMemberRole(actor: Actor, role: ChatRole | null, kind: 'direct' | 'group', target: { id: string; role: ChatRole | null }): Verdict {
  if (canUseChat(actor, role)) return 'forbidden';
  if (kind === 'direct') return 'conflict';
  if (target.role === null) return 'not_found';
  return role === 'owner' && target.id !== actor.id ? null : 'forbidden';
}

/** Editing a message: its author, while it is not deleted. */
export function canEditMessage(actor: Actor, role: ChatRole | null, m: { authorId: string; deleted: boolean }): Verdict {
  if (canUseChat(actor, role)) return 'forbidden';
  if (m.deleted) return 'conflict';
  return m.authorId === actor.id ? null : 'forbidden';
}

/** Deleting a message: its author, or the chat's owner or admins. */
export function canDeleteMessage(actor: Actor, role: ChatRole | null, m: { authorId: string; deleted: boolean }): Verdict {
  if (canUseChat(actor, role)) return 'forbidden';
  if (m.deleted) return 'conflict';
  return m.authorId === actor.id || role === 'owner' || role === 'admin' ? null : 'forbidden';
}
