import type { Queryable } from '../../db/pool';
import type { Actor, Verdict } from '../people/policy';
import { canReadStream } from './policy';
import { chatAndRole } from '../chats/repo';
import { canUseChat } from '../chats/policy';
import { audienceStreamAccess, departmentStreamAccess, postStreamAccess } from '../feed';
import { groupFeedAccess } from '../groups';
import { FEED_ALL_STREAM } from '../../../shared/feed';
import { guestStreamVerdict } from '../guests/policy';
import { boardStreamAccess, recordStreamAccess } from '../crm';
import { CRM_BOARD_STREAM, type CrmKind } from '../../../shared/crm';
import { taskStreamAccess } from '../tasks';
import { callStreamAccess, doorStreamAccess, lobbyStreamAccess } from '../calls/access';
import { spaceStreamAccess } from '../docs/actions';
import { commentStreamAccess } from '../docs/comments';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const CHAT = new RegExp(`^chat:(${UUID})$`);
const USER = new RegExp(`^user:(${UUID})$`);
const POST = new RegExp(`^post:(${UUID})$`);
const FEED_GROUP = new RegExp(`^feed:group:(${UUID})$`);
const FEED_USER = new RegExp(`^feed:user:(${UUID})$`);
const FEED_DEPT = /^feed:dept:([0-9a-f]{32})$/;
const CRM_RECORD = new RegExp(`^crm:(lead|contact|company|deal):(${UUID})$`);
const TASK = new RegExp(`^task:(${UUID})$`);
const CALL = new RegExp(`^call:(${UUID})$`);
const LOBBY = new RegExp(`^lobby:(${UUID})$`);
const DOOR = new RegExp(`^door:(${UUID})$`);
const DOC_SPACE = new RegExp(`^docspace:(${UUID})$`);
const DOC_COMMENTS = new RegExp(`^doccomments:(${UUID})$`);

/** A user's own stream: their chat list changes and read positions, for all their devices. */
export const userStream = (userId: string) => `user:${userId}`;

/**
 * May the actor follow this stream? Gathers the facts a stream's policy needs (membership), then asks
 * the pure policy. A chat that exists but is not the actor's is forbidden; one that does not exist is
 * not found. Feed streams: a post's stream to whoever can see the post (the feed's one visibility
 * rule); `feed:all` to active employees; `feed:group:<id>` to whoever can see the group (members, and
 * everyone for an open group); `feed:dept:<key>` to that department's employees; `feed:user:<id>` to
 * that person only.
 */
export async function streamAccess(db: Queryable, actor: Actor, stream: string): Promise<Verdict> {
  // A guest follows the one post their link grants, and nothing else whatever the stream.
  const guest = guestStreamVerdict(actor, stream);
  if (guest !== undefined) return guest;
  const chat = CHAT.exec(stream);
  if (chat) {
    const { exists, role } = await chatAndRole(db, chat[1], actor.id);
    return exists ? canUseChat(actor, role) : 'not_found';
  }
  const user = USER.exec(stream);
  if (user) return actor.active && user[1] === actor.id ? null : 'forbidden';
  const post = POST.exec(stream);
  if (post) return postStreamAccess(db, actor, post[1]);
  // A task's stream: whoever can see the task (the tasks' one visibility rule).
  const task = TASK.exec(stream);
  if (task) return taskStreamAccess(db, actor, task[1]);
  // A call's stream: its chat's members, and its admitted guests; a lobby seat's: the guest waiting there.
  const call = CALL.exec(stream);
  if (call) return callStreamAccess(db, actor, call[1]);
  const lobby = LOBBY.exec(stream);
  if (lobby) return lobbyStreamAccess(db, actor, lobby[1]);
  // Who waits in a call's lobby: its chat's members, never a guest.
  const door = DOOR.exec(stream);
  if (door) return doorStreamAccess(db, actor, door[1]);
  // A knowledge-base space's page tree: whoever may read the space.
  const docSpace = DOC_SPACE.exec(stream);
  if (docSpace) return spaceStreamAccess(db, actor, docSpace[1]);
  // A page's comments: whoever may read the page.
  const docComments = DOC_COMMENTS.exec(stream);
  if (docComments) return commentStreamAccess(db, actor, docComments[1]);
  if (stream === FEED_ALL_STREAM) return audienceStreamAccess(actor, null);
  const feedUser = FEED_USER.exec(stream);
  if (feedUser) return audienceStreamAccess(actor, feedUser[1]);
  const group = FEED_GROUP.exec(stream);
  if (group) return groupFeedAccess(db, actor, group[1]);
  const dept = FEED_DEPT.exec(stream);
  if (dept) return departmentStreamAccess(db, actor, dept[1]);
  // CRM: a record's stream to whoever can see the record; `crm:all` to those who see every record.
  const crm = CRM_RECORD.exec(stream);
  if (crm) return recordStreamAccess(db, actor, crm[1] as CrmKind, crm[2]);
  if (stream === CRM_BOARD_STREAM) return boardStreamAccess(db, actor);
  return canReadStream(actor, stream);
}
