import type { Queryable } from '../../db/pool';
import type { Actor, Verdict } from '../people/policy';
import { canReadStream } from './policy';
import { findChat, memberRole } from '../chats/repo';
import { canUseChat } from '../chats/policy';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const CHAT = new RegExp(`^chat:(${UUID})$`);
const USER = new RegExp(`^user:(${UUID})$`);

/** A user's own stream: their chat list changes and read positions, for all their devices. */
export const userStream = (userId: string) => `user:${userId}`;

/**
 * May the actor follow this stream? Gathers the facts a stream's policy needs (membership), then asks
 * the pure policy. A chat that exists but is not the actor's is forbidden; one that does not exist is
 * not found.
 */
export async function streamAccess(db: Queryable, actor: Actor, stream: string): Promise<Verdict> {
  const chat = CHAT.exec(stream);
  if (chat) {
    if (!(await findChat(db, chat[1]))) return 'not_found';
    return canUseChat(actor, await memberRole(db, chat[1], actor.id));
  }
  const user = USER.exec(stream);
  if (user) return actor.active && user[1] === actor.id ? null : 'forbidden';
  return canReadStream(actor, stream);
}
