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
