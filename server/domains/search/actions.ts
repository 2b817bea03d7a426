import { sql } from '../../db/pool';
import { AppError } from '../../../shared/errors';
import type { Message } from '../../../shared/messenger';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { canCreateChat } from '../chats/policy';
import { findMessagesByIds } from '../chats/repo';

/** Marks around the matched words in a snippet: control characters no message can contain as text. */
export const HIGHLIGHT = { start: '\u0002', end: '\u0003' } as const;

/** One search hit: the message, and its text with the matches marked. */
export interface SearchHit {
  message: Message;
  snippet: string;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Search the messages of the chats the actor is in (thread replies included): stemmed Russian and
 * English word forms, or a partial word of three or more letters in the text or in an attached file's
 * name. Best matches first, then newest.
 */
export async function searchMessages(svc: Services, actor: Actor, query: string, chatId: string | null, limit = 50): Promise<SearchHit[]> {
  enforce(canCreateChat(actor), 'search');
  const q = query.trim();
  if (q.length < 2) throw new AppError('bad_request', 'Type at least two characters', { fields: { q: 'too short' } });
  const like = q.length >= 3 ? `%${escapeLike(q)}%` : null;
  const rows = await svc.db.query(sql`
    WITH terms AS (SELECT websearch_to_tsquery('russian', ${q}) AS ru, websearch_to_tsquery('english', ${q}) AS en)
    SELECT m.id,
      ts_headline('russian', m.body, terms.ru || terms.en,
        ${`StartSel=${HIGHLIGHT.start}, StopSel=${HIGHLIGHT.end}, MaxWords=30, MinWords=10, HighlightAll=false`}) AS snippet,
      ts_rank(m.search, terms.ru || terms.en) + CASE WHEN ${like}::text IS NOT NULL AND m.body ILIKE ${like} THEN 0.05 ELSE 0 END AS rank
    FROM messages m
    JOIN chat_members cm ON cm.chat_id = m.chat_id AND cm.user_id = ${actor.id}
    CROSS JOIN terms
    WHERE m.deleted_at IS NULL
      AND (${chatId}::uuid IS NULL OR m.chat_id = ${chatId}::uuid)
      AND (m.search @@ terms.ru OR m.search @@ terms.en OR (${like}::text IS NOT NULL AND m.body ILIKE ${like})
           OR (${like}::text IS NOT NULL AND EXISTS (SELECT 1 FROM files f WHERE f.message_id = m.id AND f.name ILIKE ${like})))
    ORDER BY rank DESC, m.created_at DESC
    LIMIT ${Math.min(Math.max(limit, 1), 100)}`);
  const messages = new Map((await findMessagesByIds(svc.db, rows.map((r) => r.id))).map((m) => [m.id, m]));
  return rows.map((r) => ({ message: messages.get(r.id)!, snippet: markPartial(r.snippet, q, like !== null) }));
}

/** ts_headline marks whole stemmed words only; mark a partial-word match ourselves when it found none. */
function markPartial(snippet: string, q: string, partial: boolean): string {
  if (!partial || snippet.includes(HIGHLIGHT.start)) return snippet;
  const at = snippet.toLowerCase().indexOf(q.toLowerCase());
  if (at < 0) return snippet;
  return snippet.slice(0, at) + HIGHLIGHT.start + snippet.slice(at, at + q.length) + HIGHLIGHT.end + snippet.slice(at + q.length);
}
