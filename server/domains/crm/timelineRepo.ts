import { sql, type Queryable } from '../../db/pool';
import type { CrmTimelineEntry, TimelineType } from '../../../shared/crm';

interface EntryRow {
  id: string;
  record_id: string;
  seq: number;
  type: TimelineType;
  author_id: string | null;
  author_name: string | null;
  client_id: string | null;
  body: string;
  data: Record<string, unknown>;
  created_at: Date;
}

function toEntry(r: EntryRow): CrmTimelineEntry {
  return {
    id: r.id,
    recordId: r.record_id,
    seq: r.seq,
    type: r.type,
    author: r.author_id ? { id: r.author_id, name: r.author_name ?? '' } : null,
    clientId: r.client_id,
    body: r.body,
    data: r.data,
    createdAt: r.created_at.toISOString(),
  };
}

const COLUMNS = sql`t.id, t.record_id, t.seq, t.type, t.author_id, au.name AS author_name, t.client_id, t.body, t.data, t.created_at`;

export async function insertEntry(
  q: Queryable,
  e: { id: string; recordId: string; seq: number; type: TimelineType; authorId: string | null; clientId: string | null; body: string; data: Record<string, unknown> },
): Promise<CrmTimelineEntry> {
  const rows = await q.query(sql`
    WITH t AS (
      INSERT INTO crm_timeline (id, record_id, seq, type, author_id, client_id, body, data)
      VALUES (${e.id}, ${e.recordId}, ${e.seq}, ${e.type}, ${e.authorId}, ${e.clientId}, ${e.body}, ${JSON.stringify(e.data)}::jsonb)
      RETURNING *)
    SELECT ${COLUMNS} FROM t LEFT JOIN users au ON au.id = t.author_id`);
  return toEntry(rows[0] as EntryRow);
}

export async function entryByClientId(q: Queryable, authorId: string, clientId: string): Promise<CrmTimelineEntry | null> {
  const rows = await q.query(sql`
    SELECT ${COLUMNS} FROM crm_timeline t LEFT JOIN users au ON au.id = t.author_id
    WHERE t.author_id = ${authorId} AND t.client_id = ${clientId}`);
  return rows.length ? toEntry(rows[0] as EntryRow) : null;
}

export async function entryById(q: Queryable, id: string): Promise<CrmTimelineEntry | null> {
  const rows = await q.query(sql`SELECT ${COLUMNS} FROM crm_timeline t LEFT JOIN users au ON au.id = t.author_id WHERE t.id = ${id}`);
  return rows.length ? toEntry(rows[0] as EntryRow) : null;
}

/** A page of a record's timeline, newest first: entries with seq below `before` (all when null). */
export async function entries(q: Queryable, recordId: string, before: number | null, limit: number): Promise<CrmTimelineEntry[]> {
  const rows = await q.query(sql`
    SELECT ${COLUMNS} FROM crm_timeline t LEFT JOIN users au ON au.id = t.author_id
    WHERE t.record_id = ${recordId} AND (${before}::bigint IS NULL OR t.seq < ${before}::bigint)
    ORDER BY t.seq DESC LIMIT ${limit}`);
  return (rows as EntryRow[]).map(toEntry);
}

// ---- Chat links ---------------------------------------------------------------------------------------

/** The chat_linked entry of an existing link, or null. */
export async function chatLinkEntry(q: Queryable, recordId: string, chatId: string, messageId: string | null): Promise<string | null> {
  const rows = await q.query(sql`
    SELECT entry_id FROM crm_chat_links
    WHERE record_id = ${recordId} AND chat_id = ${chatId} AND message_id IS NOT DISTINCT FROM ${messageId}::uuid`);
  return rows.length ? (rows[0].entry_id as string) : null;
}

export async function insertChatLink(
  q: Queryable,
  l: { recordId: string; chatId: string; messageId: string | null; linkedBy: string; entryId: string },
): Promise<void> {
  await q.query(sql`
    INSERT INTO crm_chat_links (record_id, chat_id, message_id, linked_by, entry_id)
    VALUES (${l.recordId}, ${l.chatId}, ${l.messageId}, ${l.linkedBy}, ${l.entryId})`);
}

/** Which chat a message belongs to (null: no such message). */
export async function messageChat(q: Queryable, messageId: string): Promise<string | null> {
  const rows = await q.query(sql`SELECT chat_id FROM messages WHERE id = ${messageId}`);
  return rows.length ? (rows[0].chat_id as string) : null;
}

/** Records linked to a chat, and the messages they were linked from. */
export async function linksOfChat(q: Queryable, chatId: string): Promise<{ recordId: string; messageId: string | null }[]> {
  const rows = await q.query(sql`SELECT record_id, message_id FROM crm_chat_links WHERE chat_id = ${chatId} ORDER BY created_at, record_id`);
  return rows.map((r) => ({ recordId: r.record_id, messageId: r.message_id }));
}

/** The chats (and messages) a record is linked to: where its changes should be posted back. */
export async function chatsOfRecord(q: Queryable, recordId: string): Promise<{ chatId: string; messageId: string | null }[]> {
  const rows = await q.query(sql`SELECT chat_id, message_id FROM crm_chat_links WHERE record_id = ${recordId} ORDER BY created_at`);
  return rows.map((r) => ({ chatId: r.chat_id, messageId: r.message_id }));
}
