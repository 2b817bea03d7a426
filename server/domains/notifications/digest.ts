import { sql } from '../../db/pool';
import type { Services } from '../../services';
import { markdownToText } from '../../../shared/markdown';
import { parseMentions } from '../../../shared/mentions';

/** One digest run at a time across every node. */
const DIGEST_LOCK = 720_541_003;
/** Mentions listed in one mail at most; the rest are summed up. */
const MAX_LISTED = 20;

interface Pending {
  user_id: string;
  email: string;
  locale: 'en' | 'ru';
  chat_id: string;
  chat_title: string;
  author: string;
  body: string;
  seq: number;
  created_at: Date;
}

/**
 * Mail people who are offline a digest of the mentions they have not read for `afterMinutes`, once per
 * mention. Runs under an advisory lock, so with several nodes only one mails. Returns how many mails.
 */
export async function runMentionDigest(svc: Services, isOnline: (userId: string) => boolean, afterMinutes: number): Promise<number> {
  const deliveries: (() => Promise<void>)[] = [];
  const mails = await svc.db.tx(async (tx) => {
    deliveries.length = 0;
    const [{ locked }] = await tx.query(sql`SELECT pg_try_advisory_xact_lock(${DIGEST_LOCK}) AS locked`);
    if (!locked) return 0;
    const rows = (await tx.query(sql`
      SELECT cm.user_id, u.email, u.locale, c.id AS chat_id,
        CASE WHEN c.kind = 'direct' THEN a.name ELSE c.title END AS chat_title,
        a.name AS author, m.body, m.seq, m.created_at
      FROM chat_members cm
      JOIN users u ON u.id = cm.user_id AND u.active
      JOIN chats c ON c.id = cm.chat_id
      JOIN messages m ON m.chat_id = cm.chat_id AND m.seq > GREATEST(cm.read_seq, cm.notified_seq)
      JOIN users a ON a.id = m.author_id
      WHERE m.deleted_at IS NULL AND m.author_id <> cm.user_id
        AND (cm.user_id = ANY (m.mentions) OR m.mentions_all)
        AND m.created_at <= now() - make_interval(mins => ${afterMinutes})
      ORDER BY cm.user_id, m.created_at`)) as Pending[];
    const byUser = new Map<string, Pending[]>();
    for (const r of rows) if (!isOnline(r.user_id)) byUser.set(r.user_id, [...(byUser.get(r.user_id) ?? []), r]);
    const named = [...new Set([...byUser.values()].flat().flatMap((r) => parseMentions(r.body).userIds))];
    const names = new Map(
      named.length ? (await tx.query(sql`SELECT id, name FROM users WHERE id = ANY(${named}::uuid[])`)).map((r) => [r.id as string, r.name as string]) : [],
    );
    for (const [userId, mentions] of byUser) {
      deliveries.push(await svc.mailer.enqueue(tx, digestMail(svc.config.publicUrl, mentions, (id) => names.get(id) ?? null)));
      const upTo = new Map<string, number>();
      for (const m of mentions) upTo.set(m.chat_id, Math.max(upTo.get(m.chat_id) ?? 0, m.seq));
      for (const [chatId, seq] of upTo) {
        await tx.query(sql`UPDATE chat_members SET notified_seq = GREATEST(notified_seq, ${seq}::bigint) WHERE chat_id = ${chatId} AND user_id = ${userId}`);
      }
    }
    if (byUser.size) svc.log.info('mention digests queued', { mails: byUser.size });
    return byUser.size;
  });
  // Sent after the commit that records them as notified: a crash can delay a digest, never repeat one.
  for (const deliver of deliveries) await deliver();
  return mails;
}

function digestMail(publicUrl: string, mentions: Pending[], mentionName: (id: string) => string | null) {
  const ru = mentions[0].locale === 'ru';
  const lines = mentions.slice(0, MAX_LISTED).map((m) => {
    const text = markdownToText(m.body, { mentionName }).replace(/\s+/g, ' ').slice(0, 200);
    return `${m.author} — ${m.chat_title}: ${text}\n${publicUrl}/app/chats/${m.chat_id}`;
  });
  const more = mentions.length - MAX_LISTED;
  if (more > 0) lines.push(ru ? `…и ещё ${more}` : `…and ${more} more`);
  const n = mentions.length;
  return {
    to: mentions[0].email,
    subject: ru ? `Вас упомянули в Artel: ${n}` : `You were mentioned in Artel: ${n}`,
    text: [(ru ? 'Непрочитанные упоминания:' : 'Unread mentions:'), '', ...lines].join('\n'),
  };
}
