import { sql, type Queryable } from '../../db/pool';
import { postStream, type FeedComment, type Reaction } from '../../../shared/feed';
import { attachmentsColumn, refsOf } from '../files/feed';

/** A guest's name (colleagues' names come from the directory, which has no guests). */
const GUEST_NAME = sql`(SELECT gu.name FROM users gu WHERE gu.id = c.author_id AND gu.role = 'guest') AS guest_name`;

const COMMENT_COLUMNS = sql`c.id, c.post_id, c.seq, c.author_id, c.client_id, c.body, c.reply_to, c.mentions, c.created_at, c.edited_at, c.deleted_at,
  ${GUEST_NAME}, ${attachmentsColumn(sql`f.comment_id = c.id`)} AS attachments,
  COALESCE((SELECT json_agg(json_build_object('emoji', r.emoji, 'userIds', r.users) ORDER BY r.first, r.emoji)
            FROM (SELECT emoji, array_agg(user_id ORDER BY created_at, user_id) AS users, min(created_at) AS first
                  FROM feed_comment_reactions WHERE comment_id = c.id GROUP BY emoji) r), '[]') AS reactions`;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toComment(r: any): FeedComment {
  const deleted = r.deleted_at !== null;
  return {
    id: r.id,
    postId: r.post_id,
    seq: r.seq,
    authorId: r.author_id,
    guestName: r.guest_name ?? null,
    clientId: r.client_id,
    body: deleted ? '' : r.body,
    replyTo: r.reply_to,
    mentions: deleted ? [] : r.mentions,
    createdAt: r.created_at.toISOString(),
    editedAt: iso(r.edited_at),
    deletedAt: iso(r.deleted_at),
    reactions: deleted ? [] : (r.reactions as Reaction[]),
    attachments: deleted ? [] : refsOf(r.attachments),
  };
}

export async function findComment(q: Queryable, id: string): Promise<FeedComment | null> {
  const rows = await q.query(sql`SELECT ${COMMENT_COLUMNS} FROM feed_comments c WHERE c.id = ${id}`);
  return rows.length ? toComment(rows[0]) : null;
}

export async function findByClientId(q: Queryable, authorId: string, clientId: string): Promise<FeedComment | null> {
  const rows = await q.query(sql`SELECT ${COMMENT_COLUMNS} FROM feed_comments c WHERE c.author_id = ${authorId} AND c.client_id = ${clientId}`);
  return rows.length ? toComment(rows[0]) : null;
}

export async function insertComment(
  q: Queryable,
  c: { id: string; postId: string; seq: number; authorId: string; clientId: string; body: string; replyTo: string | null; mentions: string[] },
): Promise<FeedComment> {
  const [row] = await q.query(sql`
    INSERT INTO feed_comments AS c (id, post_id, seq, author_id, client_id, body, reply_to, mentions)
    VALUES (${c.id}, ${c.postId}, ${c.seq}, ${c.authorId}, ${c.clientId}, ${c.body}, ${c.replyTo}, ${c.mentions}::uuid[])
    RETURNING created_at, ${GUEST_NAME}`);
  // A new comment has no reactions and no edits: build it rather than read it back.
  return { ...c, guestName: row.guest_name ?? null, createdAt: row.created_at.toISOString(), editedAt: null, deletedAt: null, reactions: [], attachments: [] };
}

export async function editComment(q: Queryable, id: string, body: string, mentions: string[]): Promise<FeedComment> {
  await q.query(sql`UPDATE feed_comments SET body = ${body}, mentions = ${mentions}::uuid[], edited_at = now() WHERE id = ${id}`);
  return (await findComment(q, id))!;
}

/**
 * Delete a comment, leaving a tombstone (its replies keep their place): the text goes from the row and
 * from the stored events that carried it, its reactions go, and the excerpts of its mention
 * notifications are blanked.
 */
export async function deleteComment(q: Queryable, id: string, postId: string, notified: string[]): Promise<FeedComment> {
  await q.query(sql`UPDATE feed_comments SET deleted_at = now(), body = '', mentions = '{}' WHERE id = ${id}`);
  await q.query(sql`DELETE FROM feed_comment_reactions WHERE comment_id = ${id}`);
  await q.query(sql`
    UPDATE events SET payload = jsonb_set(payload, '{comment,body}', '""')
    WHERE stream_id = ${postStream(postId)} AND payload->'comment'->>'id' = ${id}::text`);
  await q.query(sql`
    UPDATE events SET payload = jsonb_set(payload, '{excerpt}', '""')
    WHERE stream_id = ANY(${notified}::text[]) AND type = 'feed_mention' AND payload->>'commentId' = ${id}::text`);
  return (await findComment(q, id))!;
}

/** A page of a post's comments (tombstones included, to keep replies in place), oldest first. */
export async function commentsPage(q: Queryable, postId: string, before: number | null, limit: number): Promise<FeedComment[]> {
  const rows = await q.query(sql`
    SELECT ${COMMENT_COLUMNS} FROM feed_comments c
    WHERE c.post_id = ${postId} AND (${before}::bigint IS NULL OR c.seq < ${before}::bigint)
    ORDER BY c.seq DESC LIMIT ${limit}`);
  return rows.map(toComment).reverse();
}

/** The latest `n` live comments of each post, oldest first. */
export async function lastComments(q: Queryable, postIds: string[], n: number): Promise<Map<string, FeedComment[]>> {
  const out = new Map<string, FeedComment[]>();
  if (!postIds.length) return out;
  const rows = await q.query(sql`
    SELECT * FROM (
      SELECT ${COMMENT_COLUMNS}, row_number() OVER (PARTITION BY c.post_id ORDER BY c.seq DESC) AS rank
      FROM feed_comments c WHERE c.post_id = ANY(${postIds}::uuid[]) AND c.deleted_at IS NULL) x
    WHERE x.rank <= ${n} ORDER BY x.post_id, x.seq`);
  for (const r of rows) {
    const list = out.get(r.post_id) ?? [];
    list.push(toComment(r));
    out.set(r.post_id, list);
  }
  return out;
}

/** How many comments of a post are not deleted. */
export async function liveCommentCount(q: Queryable, postId: string): Promise<number> {
  const [row] = await q.query(sql`SELECT count(*)::int AS n FROM feed_comments WHERE post_id = ${postId} AND deleted_at IS NULL`);
  return row.n as number;
}

/** Add the reaction, or take it back when it was there; true when added. */
export async function toggleCommentReaction(q: Queryable, commentId: string, userId: string, emoji: string): Promise<boolean> {
  const removed = await q.query(sql`
    DELETE FROM feed_comment_reactions WHERE comment_id = ${commentId} AND user_id = ${userId} AND emoji = ${emoji} RETURNING 1`);
  if (removed.length) return false;
  await q.query(sql`INSERT INTO feed_comment_reactions (comment_id, user_id, emoji) VALUES (${commentId}, ${userId}, ${emoji})`);
  return true;
}
