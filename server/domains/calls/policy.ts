import type { ChatRole } from '../../../shared/messenger';
import { grantedCall, type Actor, type Verdict } from '../people/policy';
import { canUseChat } from '../chats/policy';

/**
 * Permissions of calls, pure. A call belongs to a chat: its members start, schedule, join, invite guests
 * and admit them. A guest holds one call (their link's) and reaches nothing else: they wait in the lobby
 * until a colleague in the call admits them, and then signal for their own media only.
 */

const colleague = (a: Actor) => a.active && a.role !== 'guest';

/** Starting or scheduling a chat's call, creating its guest links, following it: the chat's members. */
export function canUseCall(actor: Actor, chatRole: ChatRole | null): Verdict {
  if (!colleague(actor)) return 'forbidden';
  return canUseChat(actor, chatRole);
}

/** Joining a call: a member of its chat, or a guest whose link opens this call (into the lobby first). */
export function canJoinCall(actor: Actor, call: { id: string }, chatRole: ChatRole | null): Verdict {
  if (actor.role === 'guest') return actor.active && grantedCall(actor) === call.id ? null : 'forbidden';
  return canUseCall(actor, chatRole);
}

/** Letting a waiting guest in (or turning them away): a colleague who is in the call. */
export function canAdmit(actor: Actor, chatRole: ChatRole | null, inCall: boolean): Verdict {
  const use = canUseCall(actor, chatRole);
  if (use) return use;
  return inCall ? null : 'forbidden';
}

/**
 * Following a call's stream: its chat's members; a guest only once admitted (a guest in the lobby
 * follows their own `lobby:` stream instead).
 */
export function canFollowCall(actor: Actor, call: { id: string }, chatRole: ChatRole | null, admitted: boolean): Verdict {
  if (actor.role === 'guest') return actor.active && grantedCall(actor) === call.id && admitted ? null : 'forbidden';
  return canUseCall(actor, chatRole);
}

/** Following a lobby stream: only the guest (or colleague) whose participant it is. */
export function canFollowLobby(actor: Actor, participant: { userId: string; callId: string }): Verdict {
  if (!actor.active || participant.userId !== actor.id) return 'forbidden';
  if (actor.role === 'guest' && grantedCall(actor) !== participant.callId) return 'forbidden';
  return null;
}
