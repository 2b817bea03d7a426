import { sql, type Queryable } from '../../db/pool';
import type { ChatRole, ChatSummary, FileRef, Message, Reaction } from '../../../shared/messenger';
import type { Card } from '../../../shared/cards';
import { toFileRef } from '../files/actions';
import { AppError } from '../../../shared/errors';

export interface ChatRow {
  id: string;
  kind: 'direct' | 'group';
  title: string;
  direct_key: string | null;
}

const MESSAGE_COLUMNS = sql`m.id, m.chat_id, m.seq, m.author_id, m.client_id, m.body, m.thread_root_id, m.mentions, m.mentions_all,
  m.created_at, m.edited_at, m.deleted_at, m.pinned_at, m.pinned_by, m.forwarded_from, m.card,
  (SELECT count(*)::int FROM messages r WHERE r.thread_root_id = m.id AND r.deleted_at IS NULL) AS reply_count,
  (SELECT max(r.seq) FROM messages r WHERE r.thread_root_id = m.id AND r.deleted_at IS NULL) AS last_reply_seq,
  COALESCE((SELECT json_agg(json_build_object('emoji', r.emoji, 'userIds', r.users) ORDER BY r.first)
            FROM (SELECT emoji, array_agg(user_id ORDER BY created_at) AS users, min(created_at) AS first
                  FROM message_reactions WHERE message_id = m.id GROUP BY emoji) r), '[]') AS reactions,
  COALESCE((SELECT json_agg(json_build_object('id', f.id, 'name', f.name, 'size', f.size, 'mime', f.mime, 'is_image', f.is_image,
                                     'preview_sha256', f.preview_sha256, 'width', f.width, 'height', f.height)
            ORDER BY f.created_at, f.id) FROM files f WHERE f.message_id = m.id), '[]') AS attachments`;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toMessage(r: any): Message {
  const deleted = r.deleted_at !== null;
  return {
    id: r.id,
    chatId: r.chat_id,
    seq: r.seq,
    authorId: r.author_id,
    clientId: r.client_id,
    body: deleted ? '' : r.body,
    threadRootId: r.thread_root_id,
    mentions: deleted ? [] : r.mentions,
    mentionsAll: deleted ? false : r.mentions_all,
    createdAt: r.created_at.toISOString(),
    editedAt: iso(r.edited_at),
    deletedAt: iso(r.deleted_at),
    reactions: deleted ? [] : (r.reactions as Reaction[]),
    attachments: deleted ? [] : r.attachments.map(toFileRef),
    pinnedAt: deleted ? null : iso(r.pinned_at),
    pinnedBy: deleted ? null : r.pinned_by,
    forwardedFrom: r.forwarded_from,
    card: deleted ? null : (r.card ?? null),
    replyCount: r.reply_count,
    lastReplySeq: r.last_reply_seq,
  };
}

export async function findChat(q: Queryable, id: string): Promise<ChatRow | null> {
  const rows = await q.query(sql`SELECT id, kind, title, direct_key FROM chats WHERE id = ${id}`);
  return (rows[0] as ChatRow) ?? null;
}

export async function findDirectChat(q: Queryable, key: string): Promise<ChatRow | null> {
  const rows = await q.query(sql`SELECT id, kind, title, direct_key FROM chats WHERE direct_key = ${key}`);
  return (rows[0] as ChatRow) ?? null;
}

/** The actor's role in a chat, or null when not a member. */
export async function memberRole(q: Queryable, chatId: string, userId: string): Promise<ChatRole | null> {
  const rows = await q.query(sql`SELECT role FROM chat_members WHERE chat_id = ${chatId} AND user_id = ${userId}`);
  return rows.length ? (rows[0].role as ChatRole) : null;
}

/** Whether a chat exists and the user's role in it (null: not a member), in one round trip. */
export async function chatAndRole(q: Queryable, chatId: string, userId: string): Promise<{ exists: boolean; role: ChatRole | null }> {
  const [row] = await q.query(sql`
    SELECT EXISTS (SELECT 1 FROM chats WHERE id = ${chatId}) AS exists,
      (SELECT role FROM chat_members WHERE chat_id = ${chatId} AND user_id = ${userId}) AS role`);
  return { exists: row.exists as boolean, role: (row.role as ChatRole | null) ?? null };
}

/**
 * What a send needs to know before it writes, in one round trip: whether the chat exists, the sender's
 * role in it, its members (for mentions), and the message an earlier attempt with this client id stored.
 */
export async function sendFacts(q: Queryable, chatId: string, userId: string, clientId: string) {
  const [row] = await q.query(sql`
    SELECT EXISTS (SELECT 1 FROM chats WHERE id = ${chatId}) AS chat,
      (SELECT role FROM chat_members WHERE chat_id = ${chatId} AND user_id = ${userId}) AS role,
      ARRAY(SELECT user_id FROM chat_members WHERE chat_id = ${chatId} ORDER BY joined_at, user_id) AS members,
      EXISTS (SELECT 1 FROM messages WHERE author_id = ${userId} AND client_id = ${clientId}) AS retried`);
  return { chat: row.chat as boolean, role: (row.role as ChatRole | null) ?? null, members: row.members as string[], retried: row.retried as boolean };
}

export async function memberIds(q: Queryable, chatId: string): Promise<string[]> {
  const rows = await q.query(sql`SELECT user_id FROM chat_members WHERE chat_id = ${chatId} ORDER BY joined_at, user_id`);
  return rows.map((r) => r.user_id as string);
}

/** A chat's members with their roles, longest-standing first. */
export async function memberRoles(q: Queryable, chatId: string): Promise<{ userId: string; role: ChatRole }[]> {
  const rows = await q.query(sql`SELECT user_id, role FROM chat_members WHERE chat_id = ${chatId} ORDER BY joined_at, user_id`);
  return rows.map((r) => ({ userId: r.user_id as string, role: r.role as ChatRole }));
}

export async function insertChat(
  q: Queryable,
  c: { id: string; kind: 'direct' | 'group'; title: string; directKey: string | null; createdBy: string },
  members: { userId: string; role: ChatRole }[],
): Promise<void> {
  await q.query(sql`INSERT INTO chats (id, kind, title, direct_key, created_by) VALUES (${c.id}, ${c.kind}, ${c.title}, ${c.directKey}, ${c.createdBy})`);
  for (const m of members) {
    await q.query(sql`INSERT INTO chat_members (chat_id, user_id, role) VALUES (${c.id}, ${m.userId}, ${m.role})`);
  }
}

/** Active, non-guest users among `ids`. */
export async function activeColleagues(q: Queryable, ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  const rows = await q.query(sql`SELECT id FROM users WHERE id = ANY(${ids}::uuid[]) AND active AND role <> 'guest'`);
  return rows.map((r) => r.id as string);
}

export async function findMessage(q: Queryable, id: string): Promise<Message | null> {
  const rows = await q.query(sql`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.id = ${id}`);
  return rows.length ? toMessage(rows[0]) : null;
}

export async function findMessagesByIds(q: Queryable, ids: string[]): Promise<Message[]> {
  if (!ids.length) return [];
  const rows = await q.query(sql`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.id = ANY(${ids}::uuid[])`);
  return rows.map(toMessage);
}

export async function findByClientId(q: Queryable, authorId: string, clientId: string): Promise<Message | null> {
  const rows = await q.query(sql`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.author_id = ${authorId} AND m.client_id = ${clientId}`);
  return rows.length ? toMessage(rows[0]) : null;
}

export async function insertMessage(
  q: Queryable,
  m: {
    id: string; chatId: string; seq: number; authorId: string; clientId: string; body: string; threadRootId: string | null;
    mentions: string[]; mentionsAll: boolean; forwardedFrom: Message['forwardedFrom']; card?: Card | null;
  },
  attachments: FileRef[] = [],
): Promise<Message> {
  // One round trip for the row and the chat's last activity (this is the hot path of every send).
  const [row] = await q.query(sql`
    WITH inserted AS (
      INSERT INTO messages (id, chat_id, seq, author_id, client_id, body, thread_root_id, mentions, mentions_all, forwarded_from, card)
      VALUES (${m.id}, ${m.chatId}, ${m.seq}, ${m.authorId}, ${m.clientId}, ${m.body}, ${m.threadRootId}, ${m.mentions}::uuid[],
              ${m.mentionsAll}, ${m.forwardedFrom ? JSON.stringify(m.forwardedFrom) : null}::jsonb, ${m.card ? JSON.stringify(m.card) : null}::jsonb)
      RETURNING created_at),
    touched AS (UPDATE chats SET last_message_at = now() WHERE id = ${m.chatId})
    SELECT created_at FROM inserted`);
  // A new message has no reactions, replies or pin yet: build it here rather than read it back (hot path).
  return {
    ...m,
    createdAt: row.created_at.toISOString(),
    editedAt: null,
    deletedAt: null,
    reactions: [],
    attachments,
    pinnedAt: null,
    pinnedBy: null,
    replyCount: 0,
    lastReplySeq: null,
  };
}

export async function editMessage(q: Queryable, id: string, body: string, mentions: string[], mentionsAll: boolean): Promise<Message> {
  await q.query(sql`UPDATE messages SET body = ${body}, mentions = ${mentions}::uuid[], mentions_all = ${mentionsAll}, edited_at = now() WHERE id = ${id}`);
  return (await findMessage(q, id))!;
}

/**
 * Delete for real, leaving a tombstone: the text goes from the row and from every stored event that
 * carried it (created, edited), so neither history nor a resume can bring it back.
 */
export async function deleteMessage(q: Queryable, id: string): Promise<Message> {
  const [m] = await q.query(sql`UPDATE messages SET deleted_at = now(), body = '', mentions = '{}', mentions_all = false, pinned_at = NULL, pinned_by = NULL
    WHERE id = ${id} RETURNING chat_id`);
  await q.query(sql`DELETE FROM message_reactions WHERE message_id = ${id}`);
  await q.query(sql`
    UPDATE events SET payload = jsonb_set(payload, '{message,body}', '""')
    WHERE stream_id = ${'chat:' + m.chat_id} AND payload->'message'->>'id' = ${id}`);
  return (await findMessage(q, id))!;
}

/** Add the reaction, or take it back when it was there; true when added. */
export async function toggleReaction(q: Queryable, messageId: string, userId: string, emoji: string): Promise<boolean> {
  const removed = await q.query(sql`DELETE FROM message_reactions WHERE message_id = ${messageId} AND user_id = ${userId} AND emoji = ${emoji} RETURNING 1`);
  if (removed.length) return false;
  await q.query(sql`INSERT INTO message_reactions (message_id, user_id, emoji) VALUES (${messageId}, ${userId}, ${emoji})`);
  return true;
}

/** Move a read position forward (never back, never past the chat's head); returns the position. */
export async function markRead(q: Queryable, chatId: string, userId: string, seq: number, head: number): Promise<number> {
  const [row] = await q.query(sql`
    UPDATE chat_members SET read_seq = GREATEST(read_seq, LEAST(${seq}::bigint, ${head}::bigint))
    WHERE chat_id = ${chatId} AND user_id = ${userId} RETURNING read_seq`);
  // The membership was checked before this transaction: someone who left (or was removed) meanwhile has no row.
  if (!row) throw new AppError('forbidden', 'You are not a member of this chat');
  return row.read_seq as number;
}

/** Which page of history: before or after a seq, around one (to jump to a message), or the newest. */
export interface PageOf {
  before?: number | null;
  after?: number | null;
  around?: number | null;
  /** A thread's first message: the page holds it and its replies; otherwise the main list (no replies). */
  thread?: string | null;
  limit: number;
}

/** A page of history, oldest first. */
export async function history(q: Queryable, chatId: string, p: PageOf): Promise<Message[]> {
  const scope = p.thread
    ? sql`(m.id = ${p.thread} OR m.thread_root_id = ${p.thread})`
    : sql`m.thread_root_id IS NULL`;
  const page = (cond: ReturnType<typeof sql>, order: 'ASC' | 'DESC', limit: number) =>
    q.query(sql`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.chat_id = ${chatId} AND ${scope} AND ${cond}
      ORDER BY m.seq ${order === 'ASC' ? sql`ASC` : sql`DESC`} LIMIT ${limit}`);
  if (p.around != null) {
    const older = await page(sql`m.seq <= ${p.around}::bigint`, 'DESC', Math.ceil(p.limit / 2));
    const newer = await page(sql`m.seq > ${p.around}::bigint`, 'ASC', Math.floor(p.limit / 2));
    return [...older.reverse(), ...newer].map(toMessage);
  }
  if (p.after != null) return (await page(sql`m.seq > ${p.after}::bigint`, 'ASC', p.limit)).map(toMessage);
  const cond = p.before != null ? sql`m.seq < ${p.before}::bigint` : sql`true`;
  return (await page(cond, 'DESC', p.limit)).map(toMessage).reverse();
}

/** A member's read position in a thread, 0 when they never read it. */
export async function threadReadSeq(q: Queryable, rootId: string, userId: string): Promise<number> {
  const rows = await q.query(sql`SELECT read_seq FROM thread_reads WHERE root_id = ${rootId} AND user_id = ${userId}`);
  return rows.length ? (rows[0].read_seq as number) : 0;
}

/** Move a thread read position forward; returns it. */
export async function markThreadRead(q: Queryable, rootId: string, userId: string, seq: number): Promise<number> {
  const [row] = await q.query(sql`
    INSERT INTO thread_reads AS t (root_id, user_id, read_seq) VALUES (${rootId}, ${userId}, ${seq}::bigint)
    ON CONFLICT (root_id, user_id) DO UPDATE SET read_seq = GREATEST(t.read_seq, EXCLUDED.read_seq)
    RETURNING read_seq`);
  return row.read_seq as number;
}

/**
 * The chat list of a user with their counters, most recent activity first. Every counter reads from the
 * person's side (their read position onwards, the threads they follow), never a chat's whole history: a
 * thread is followed by whoever wrote its first message, replied in it, or has read it.
 */
export async function chatList(q: Queryable, userId: string, chatId: string | null = null): Promise<ChatSummary[]> {
  const rows = await q.query(sql`
    WITH followed AS (
      SELECT root_id, read_seq FROM thread_reads WHERE user_id = ${userId}
      UNION
      SELECT r.root_id, COALESCE(tr.read_seq, 0) FROM (
        SELECT id AS root_id FROM messages WHERE author_id = ${userId} AND thread_root_id IS NULL
        UNION
        SELECT thread_root_id FROM messages WHERE author_id = ${userId} AND thread_root_id IS NOT NULL
      ) r LEFT JOIN thread_reads tr ON tr.root_id = r.root_id AND tr.user_id = ${userId}
    ),
    thread_unread AS (
      SELECT x.chat_id, count(*)::int AS n FROM (SELECT root_id, max(read_seq) AS read_seq FROM followed GROUP BY root_id) f
      JOIN messages x ON x.thread_root_id = f.root_id
      WHERE x.author_id <> ${userId} AND x.deleted_at IS NULL AND x.seq > f.read_seq
      GROUP BY x.chat_id
    )
    SELECT c.id, c.kind, c.title, c.avatar IS NOT NULL AS has_avatar, c.avatar_version, c.last_message_at, me.role, me.read_seq, COALESCE(s.head, 0) AS head,
      (SELECT array_agg(user_id ORDER BY joined_at, user_id) FROM chat_members WHERE chat_id = c.id) AS member_ids,
      (SELECT count(*)::int FROM messages x WHERE x.chat_id = c.id AND x.seq > me.read_seq AND x.thread_root_id IS NULL
         AND x.author_id <> ${userId} AND x.deleted_at IS NULL) AS unread,
      (SELECT count(*)::int FROM messages x
         LEFT JOIN thread_reads tr ON tr.root_id = x.thread_root_id AND tr.user_id = ${userId}
         WHERE x.chat_id = c.id AND x.seq > me.read_seq AND x.author_id <> ${userId} AND x.deleted_at IS NULL
           AND x.seq > (CASE WHEN x.thread_root_id IS NULL THEN me.read_seq ELSE GREATEST(me.read_seq, COALESCE(tr.read_seq, 0)) END)
           AND (${userId} = ANY (x.mentions) OR x.mentions_all)) AS mentions,
      COALESCE(tu.n, 0) AS thread_unread
    FROM chat_members me
    JOIN chats c ON c.id = me.chat_id
    LEFT JOIN streams s ON s.id = 'chat:' || c.id
    LEFT JOIN thread_unread tu ON tu.chat_id = c.id
    WHERE me.user_id = ${userId} AND (${chatId}::uuid IS NULL OR c.id = ${chatId}::uuid)
    ORDER BY c.last_message_at DESC, c.id`);
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    title: r.title,
    avatarUrl: r.has_avatar ? `/api/chats/${r.id}/avatar?v=${r.avatar_version}` : null,
    memberIds: r.member_ids,
    myRole: r.role,
    head: r.head,
    readSeq: r.read_seq,
    unread: r.unread,
    mentions: r.mentions,
    threadUnread: r.thread_unread,
    lastMessageAt: r.last_message_at.toISOString(),
  }));
}

export async function renameChat(q: Queryable, chatId: string, title: string): Promise<void> {
  await q.query(sql`UPDATE chats SET title = ${title} WHERE id = ${chatId}`);
}

/** Add members (skipping those already in); returns who was added. */
export async function addMembers(q: Queryable, chatId: string, userIds: string[]): Promise<string[]> {
  const rows = await q.query(sql`
    INSERT INTO chat_members (chat_id, user_id, role)
    SELECT ${chatId}, id, 'member' FROM unnest(${userIds}::uuid[]) AS id
    ON CONFLICT DO NOTHING RETURNING user_id`);
  return rows.map((r) => r.user_id as string);
}

export async function removeMember(q: Queryable, chatId: string, userId: string): Promise<void> {
  await q.query(sql`DELETE FROM chat_members WHERE chat_id = ${chatId} AND user_id = ${userId}`);
}

export async function setMemberRole(q: Queryable, chatId: string, userId: string, role: ChatRole): Promise<void> {
  await q.query(sql`UPDATE chat_members SET role = ${role} WHERE chat_id = ${chatId} AND user_id = ${userId}`);
}

/** The member who has been in the chat longest, admins first: who inherits a departing owner's role. */
export async function successor(q: Queryable, chatId: string): Promise<string | null> {
  const rows = await q.query(sql`
    SELECT user_id FROM chat_members WHERE chat_id = ${chatId}
    ORDER BY (role = 'admin') DESC, joined_at, user_id LIMIT 1`);
  return rows.length ? (rows[0].user_id as string) : null;
}

export async function setPinned(q: Queryable, id: string, by: string | null): Promise<void> {
  await q.query(sql`UPDATE messages SET pinned_at = CASE WHEN ${by}::uuid IS NULL THEN NULL ELSE now() END, pinned_by = ${by}::uuid WHERE id = ${id}`);
}

export async function pinned(q: Queryable, chatId: string): Promise<Message[]> {
  const rows = await q.query(sql`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.chat_id = ${chatId} AND m.pinned_at IS NOT NULL ORDER BY m.pinned_at DESC`);
  return rows.map(toMessage);
}

/** Every member's read position: who has seen a message is whoever's position is at or past its seq. */
export async function readPositions(q: Queryable, chatId: string): Promise<Record<string, number>> {
  const rows = await q.query(sql`SELECT user_id, read_seq FROM chat_members WHERE chat_id = ${chatId}`);
  return Object.fromEntries(rows.map((r) => [r.user_id as string, r.read_seq as number]));
}

export async function setChatAvatar(q: Queryable, chatId: string, image: Buffer | null, type: string | null): Promise<void> {
  await q.query(sql`UPDATE chats SET avatar = ${image}, avatar_type = ${type}, avatar_version = avatar_version + 1 WHERE id = ${chatId}`);
}

export async function chatAvatar(q: Queryable, chatId: string): Promise<{ image: Buffer; type: string } | null> {
  const rows = await q.query(sql`SELECT avatar, avatar_type FROM chats WHERE id = ${chatId} AND avatar IS NOT NULL`);
  return rows.length ? { image: rows[0].avatar as Buffer, type: rows[0].avatar_type as string } : null;
}
