import type { Queryable } from '../../db/pool';
import { grantedCall, type Actor, type Verdict } from '../people/policy';
import { memberRole } from '../chats/repo';
import { canFollowCall, canFollowLobby, canUseCall } from './policy';
import * as repo from './repo';

/**
 * May the actor follow `call:<id>`? Its chat's members may; a guest of that call once admitted (or in
 * it). Unknown calls are not found; a guest asking about another call is told the same.
 */
export async function callStreamAccess(db: Queryable, actor: Actor, callId: string): Promise<Verdict> {
  const call = await repo.findCall(db, callId);
  if (!call) return 'not_found';
  if (actor.role === 'guest') {
    if (grantedCall(actor) !== callId) return 'not_found';
    const mine = await repo.activeOfUser(db, callId, actor.id);
    return canFollowCall(actor, call, null, mine.some((p) => p.state === 'admitted' || p.state === 'joined'));
  }
  return canFollowCall(actor, call, await memberRole(db, call.chat_id, actor.id), false);
}

/** May the actor follow `lobby:<participantId>`? Only the one waiting there. */
export async function lobbyStreamAccess(db: Queryable, actor: Actor, participantId: string): Promise<Verdict> {
  const p = await repo.findParticipant(db, participantId);
  if (!p) return 'not_found';
  return canFollowLobby(actor, { userId: p.user_id, callId: p.call_id });
}

/** May the actor follow `door:<callId>` (who waits in the lobby)? The call's chat's members only. */
export async function doorStreamAccess(db: Queryable, actor: Actor, callId: string): Promise<Verdict> {
  const call = await repo.findCall(db, callId);
  if (!call || actor.role === 'guest') return 'not_found';
  return canUseCall(actor, await memberRole(db, call.chat_id, actor.id));
}
