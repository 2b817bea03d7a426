import { randomUUID } from 'node:crypto';
import { sql } from '../../db/pool';
import type { Unit } from '../../db/unit';
import type { Card, CardKind } from '../../../shared/cards';
import { chatStream, type Message } from '../../../shared/messenger';
import { findMessage, insertMessage } from '../chats/repo';

/**
 * Cards in chats: a record made from a chat posts a message carrying its summary; later changes of the
 * record update every card that shows it and are told in the card's thread. Both run inside the
 * transaction that changes the record, so a card never shows what did not commit.
 */

/** The text of a card message (what search, notifications and plain clients show). */
export function cardText(card: Card): string {
  const label: Record<CardKind, string> = { task: 'Task', deal: 'Deal', lead: 'Lead', contact: 'Contact', company: 'Company', call: 'Call', doc: 'Document' };
  return `${label[card.kind]}: ${card.title}`;
}

/** Post the card of a new record into a chat (or a thread of it), linked to the record. */
export async function postCard(
  u: Unit,
  p: { actorId: string; chatId: string; clientId: string; card: Card; threadRootId?: string | null; sourceId?: string | null },
): Promise<Message> {
  let message!: Message;
  const id = randomUUID();
  await u.emit(chatStream(p.chatId), 'message_created', async (seq: number) => {
    message = await insertMessage(u.tx, {
      id, chatId: p.chatId, seq, authorId: p.actorId, clientId: p.clientId, body: cardText(p.card),
      threadRootId: p.threadRootId ?? null, mentions: [], mentionsAll: false, forwardedFrom: null, card: p.card,
    });
    return { message };
  }, p.actorId);
  await u.tx.query(sql`
    INSERT INTO record_links (kind, record_id, chat_id, message_id, source_id, created_by)
    VALUES (${p.card.kind}, ${p.card.id}, ${p.chatId}, ${id}, ${p.sourceId ?? null}, ${p.actorId})`);
  return message;
}

/** The chats (and card messages) a record is linked to, for its timeline. */
export async function linksOf(q: Unit['tx'], kind: CardKind, recordId: string): Promise<{ chatId: string; messageId: string; sourceId: string | null }[]> {
  const rows = await q.query(sql`
    SELECT chat_id, message_id, source_id FROM record_links WHERE kind = ${kind} AND record_id = ${recordId} ORDER BY created_at`);
  return rows.map((r) => ({ chatId: r.chat_id, messageId: r.message_id, sourceId: r.source_id }));
}

/**
 * A record changed: its cards show the new summary, and when `note` is given (a stage moved, a task done,
 * a deadline changed) it is posted by the actor into each card's thread.
 */
export async function recordChanged(u: Unit, card: Card, actorId: string, note: string | null): Promise<void> {
  const links = await u.tx.query(sql`
    UPDATE messages m SET card = ${JSON.stringify(card)}::jsonb
    FROM record_links l WHERE l.kind = ${card.kind} AND l.record_id = ${card.id} AND m.id = l.message_id AND m.deleted_at IS NULL
    RETURNING m.id, m.chat_id, m.thread_root_id`);
  for (const link of links) {
    const updated = await findMessage(u.tx, link.id);
    if (updated) await u.emit(chatStream(link.chat_id), 'card_updated', { message: updated }, actorId);
    if (!note) continue;
    await u.emit(chatStream(link.chat_id), 'message_created', async (seq: number) => ({
      message: await insertMessage(u.tx, {
        id: randomUUID(), chatId: link.chat_id, seq, authorId: actorId, clientId: randomUUID(), body: note,
        // A card posted inside a thread tells its changes in that thread.
        threadRootId: link.thread_root_id ?? link.id, mentions: [], mentionsAll: false, forwardedFrom: null,
      }),
    }), actorId);
  }
}
