import type { SQLQuery } from '@databases/pg';
import { attachmentsColumn } from '../files/feed';
import type { FileRefRow } from '../files/actions';
import { sql, type Queryable } from '../../db/pool';
import type { FeedFilter, Reaction } from '../../../shared/feed';
import { postStream } from '../../../shared/feed';

/**
 * THE visibility rule in SQL: true when the user whose id is the SQL expression `viewer` may see the
 * post aliased `p`. Every feed query (list, get, comment, react, vote, read, readers, subscribe, audience
 * counts) filters with it, so they all agree; `canSeePost` in policy.ts is its pure twin.
 *
 * Active employees only (never guests or deactivated people); the author; audience `everyone`; the
 * viewer's department (case-insensitive, trimmed); a workgroup the viewer is a member of, or an open
 * one; the viewer by name or @mention. Workspace admins get nothing extra.
 */
export function visibleTo(viewer: SQLQuery): SQLQuery {
  return sql`EXISTS (
    SELECT 1 FROM users v WHERE v.id = ${viewer} AND v.active AND v.role <> 'guest' AND (
      p.author_id = v.id
      OR EXISTS (
        SELECT 1 FROM feed_audience a WHERE a.post_id = p.id AND (
          a.kind = 'everyone'
          OR (a.kind = 'user' AND a.user_id = v.id)
          OR (a.kind = 'department' AND v.department <> '' AND a.ref = lower(btrim(v.department)))
          OR (a.kind = 'group' AND EXISTS (
                SELECT 1 FROM work_groups g WHERE g.id = a.group_id AND (
                  g.visibility = 'open'
                  OR EXISTS (SELECT 1 FROM work_group_members gm WHERE gm.group_id = g.id AND gm.user_id = v.id))))))))`;
}

/** The rule for one user, by id. */
export const visibleToUser = (userId: string) => visibleTo(sql`${userId}::uuid`);

/** Whether a post exists, whether the user can see it, and the facts permissions need. */
export interface PostAccess {
  id: string;
  authorId: string;
  deleted: boolean;
  visible: boolean;
  important: boolean;
}

export async function postAccess(q: Queryable, postId: string, userId: string): Promise<PostAccess | null> {
  const rows = await q.query(sql`
    SELECT p.id, p.author_id, p.deleted_at IS NOT NULL AS deleted, p.important, ${visibleToUser(userId)} AS visible
    FROM feed_posts p WHERE p.id = ${postId}`);
  if (!rows.length) return null;
  const r = rows[0];
  return { id: r.id, authorId: r.author_id, deleted: r.deleted, visible: r.visible, important: r.important };
}

// ---- Post rows --------------------------------------------------------------------------------------

/** A post row with its author and counters; `read` and `my_reactions` are the viewer's (none when null). */
const postColumns = (viewerId: string | null) => sql`
  p.id, p.author_id, p.client_id, p.title, p.body, p.important, p.mentions, p.created_at, p.created_at::text AS at_text,
  p.edited_at, p.deleted_at,
  au.name AS author_name, au.position AS author_position, au.avatar IS NOT NULL AS author_has_avatar, au.avatar_version AS author_avatar_version,
  COALESCE((SELECT s.head FROM streams s WHERE s.id = 'post:' || p.id), 0) AS head,
  (SELECT count(*)::int FROM feed_comments c WHERE c.post_id = p.id AND c.deleted_at IS NULL) AS comment_count,
  COALESCE((SELECT json_agg(json_build_object('emoji', r.emoji, 'userIds', r.users) ORDER BY r.first, r.emoji)
            FROM (SELECT emoji, array_agg(user_id ORDER BY created_at, user_id) AS users, min(created_at) AS first
                  FROM feed_post_reactions WHERE post_id = p.id GROUP BY emoji) r), '[]') AS reactions,
  EXISTS (SELECT 1 FROM feed_reads fr WHERE fr.post_id = p.id AND fr.user_id = ${viewerId}::uuid) AS read,
  ${attachmentsColumn(sql`f.post_id = p.id AND f.comment_id IS NULL`)} AS attachments`;

export interface PostRow {
  id: string;
  author_id: string;
  client_id: string;
  title: string | null;
  body: string;
  important: boolean;
  mentions: string[];
  created_at: Date;
  at_text: string;
  edited_at: Date | null;
  deleted_at: Date | null;
  author_name: string;
  author_position: string;
  author_has_avatar: boolean;
  author_avatar_version: number;
  head: number;
  comment_count: number;
  reactions: Reaction[];
  read: boolean;
  attachments: FileRefRow[];
}

/** Posts by id (no visibility filter: callers have checked it), as `viewerId` sees them. */
export async function postRows(q: Queryable, viewerId: string | null, ids: string[]): Promise<PostRow[]> {
  if (!ids.length) return [];
  const rows = await q.query(sql`
    SELECT ${postColumns(viewerId)} FROM feed_posts p JOIN users au ON au.id = p.author_id
    WHERE p.id = ANY(${ids}::uuid[]) ORDER BY p.created_at DESC, p.id DESC`);
  return rows as PostRow[];
}

/** Where a feed page starts: strictly older than this post (keyset on created_at, id). */
export interface FeedCursor {
  at: string;
  id: string;
}

/** Which posts a feed page or the pinned block holds, among those the viewer can see. */
export interface FeedScope {
  filter: FeedFilter;
  groupId: string | null;
}

function scopeCondition(viewerId: string, scope: FeedScope): SQLQuery {
  const filters: Record<FeedFilter, SQLQuery> = {
    all: sql`true`,
    mine: sql`p.author_id = ${viewerId}`,
    mentions: sql`(${viewerId}::uuid = ANY (p.mentions) OR EXISTS (
      SELECT 1 FROM feed_comments c WHERE c.post_id = p.id AND c.deleted_at IS NULL AND ${viewerId}::uuid = ANY (c.mentions)))`,
    important: sql`p.important`,
  };
  const group = scope.groupId
    ? sql`EXISTS (SELECT 1 FROM feed_audience ga WHERE ga.post_id = p.id AND ga.kind = 'group' AND ga.group_id = ${scope.groupId}::uuid)`
    : sql`true`;
  return sql`p.deleted_at IS NULL AND ${visibleToUser(viewerId)} AND ${filters[scope.filter]} AND ${group}`;
}

/** A page of the feed, newest first; one row more than `limit` means there is a next page. */
export async function feedPage(q: Queryable, viewerId: string, scope: FeedScope, cursor: FeedCursor | null, limit: number): Promise<PostRow[]> {
  const after = cursor ? sql`(p.created_at, p.id) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)` : sql`true`;
  const rows = await q.query(sql`
    SELECT ${postColumns(viewerId)} FROM feed_posts p JOIN users au ON au.id = p.author_id
    WHERE ${scopeCondition(viewerId, scope)} AND ${after}
    ORDER BY p.created_at DESC, p.id DESC LIMIT ${limit + 1}`);
  return rows as PostRow[];
}

/** Important posts of others that the viewer has not marked read yet: pinned above their feed. */
export async function pinnedRows(q: Queryable, viewerId: string, scope: FeedScope, limit: number): Promise<PostRow[]> {
  const rows = await q.query(sql`
    SELECT ${postColumns(viewerId)} FROM feed_posts p JOIN users au ON au.id = p.author_id
    WHERE ${scopeCondition(viewerId, scope)} AND p.important AND p.author_id <> ${viewerId}
      AND NOT EXISTS (SELECT 1 FROM feed_reads fr WHERE fr.post_id = p.id AND fr.user_id = ${viewerId})
    ORDER BY p.created_at DESC, p.id DESC LIMIT ${limit}`);
  return rows as PostRow[];
}

export async function findByClientId(q: Queryable, authorId: string, clientId: string): Promise<{ id: string } | null> {
  const rows = await q.query(sql`SELECT id FROM feed_posts WHERE author_id = ${authorId} AND client_id = ${clientId}`);
  return rows.length ? { id: rows[0].id as string } : null;
}

export async function insertPost(
  q: Queryable,
  p: { id: string; authorId: string; clientId: string; title: string | null; body: string; important: boolean; mentions: string[] },
): Promise<void> {
  await q.query(sql`
    INSERT INTO feed_posts (id, author_id, client_id, title, body, important, mentions)
    VALUES (${p.id}, ${p.authorId}, ${p.clientId}, ${p.title}, ${p.body}, ${p.important}, ${p.mentions}::uuid[])`);
}

export async function editPost(
  q: Queryable,
  id: string,
  p: { title: string | null | undefined; body: string | undefined; important: boolean | undefined; mentions: string[] },
): Promise<void> {
  await q.query(sql`
    UPDATE feed_posts SET
      title = CASE WHEN ${p.title !== undefined} THEN ${p.title ?? null} ELSE title END,
      body = COALESCE(${p.body ?? null}, body),
      important = COALESCE(${p.important ?? null}, important),
      mentions = ${p.mentions}::uuid[],
      edited_at = now()
    WHERE id = ${id}`);
}

/**
 * Delete a post for real, leaving a tombstone: its text, comments, reactions, poll and reads go, and so
 * does every stored event that carried its text (the post stream, the audience announcements, the
 * mention notifications), so that neither a page nor a resume can bring it back.
 */
export async function deletePost(q: Queryable, id: string, announcedOn: string[], notified: string[]): Promise<void> {
  await q.query(sql`UPDATE feed_posts SET deleted_at = now(), title = NULL, body = '', mentions = '{}' WHERE id = ${id}`);
  await q.query(sql`UPDATE feed_comments SET deleted_at = COALESCE(deleted_at, now()), body = '', mentions = '{}' WHERE post_id = ${id}`);
  await q.query(sql`DELETE FROM feed_post_reactions WHERE post_id = ${id}`);
  await q.query(sql`DELETE FROM feed_comment_reactions WHERE comment_id IN (SELECT c.id FROM feed_comments c WHERE c.post_id = ${id})`);
  await q.query(sql`DELETE FROM feed_polls WHERE post_id = ${id}`);
  await q.query(sql`DELETE FROM feed_reads WHERE post_id = ${id}`);
  await q.query(sql`UPDATE events SET payload = jsonb_build_object('postId', ${id}::text, 'scrubbed', true) WHERE stream_id = ${postStream(id)}`);
  await q.query(sql`
    UPDATE events SET payload = jsonb_build_object('postId', ${id}::text, 'scrubbed', true)
    WHERE stream_id = ANY(${announcedOn}::text[]) AND type = 'post_created' AND payload->'post'->>'id' = ${id}::text`);
  await q.query(sql`
    UPDATE events SET payload = jsonb_set(payload, '{excerpt}', '""')
    WHERE stream_id = ANY(${notified}::text[]) AND type = 'feed_mention' AND payload->>'postId' = ${id}::text`);
}

/** Replace the post carried by its stored announcements (after an edit), so that resumes show the current text. */
export async function refreshAnnouncements(q: Queryable, id: string, announcedOn: string[], post: unknown): Promise<void> {
  await q.query(sql`
    UPDATE events SET payload = jsonb_build_object('post', ${JSON.stringify(post)}::jsonb)
    WHERE stream_id = ANY(${announcedOn}::text[]) AND type = 'post_created' AND payload->'post'->>'id' = ${id}::text`);
}

// ---- Audience ---------------------------------------------------------------------------------------

export interface AudienceRow {
  post_id: string;
  kind: 'everyone' | 'department' | 'group' | 'user' | 'email';
  ref: string;
  user_id: string | null;
  group_id: string | null;
  label: string | null;
  mentioned: boolean;
  group_name: string | null;
  group_open: boolean | null;
  user_name: string | null;
  /** MD5 of a department entry's key: its feed stream's name. */
  dept_stream_key: string | null;
}

export async function audienceRows(q: Queryable, postIds: string[]): Promise<AudienceRow[]> {
  if (!postIds.length) return [];
  const rows = await q.query(sql`
    SELECT a.post_id, a.kind, a.ref, a.user_id, a.group_id, a.label, a.mentioned, g.name AS group_name,
      g.visibility = 'open' AS group_open, u.name AS user_name, CASE WHEN a.kind = 'department' THEN md5(a.ref) END AS dept_stream_key
    FROM feed_audience a LEFT JOIN work_groups g ON g.id = a.group_id LEFT JOIN users u ON u.id = a.user_id
    WHERE a.post_id = ANY(${postIds}::uuid[])
    ORDER BY a.post_id, a.kind, lower(COALESCE(g.name, u.name, a.label, a.ref)), a.ref`);
  return rows as AudienceRow[];
}

/** Record a post's audience; departments get their key from the same lower(btrim()) the rule uses. */
export async function insertAudience(
  q: Queryable,
  postId: string,
  a: { everyone: boolean; departments: string[]; groupIds: string[]; userIds: string[]; emails: string[] },
): Promise<void> {
  if (a.everyone) await q.query(sql`INSERT INTO feed_audience (post_id, kind, ref) VALUES (${postId}, 'everyone', '') ON CONFLICT DO NOTHING`);
  for (const d of a.departments) {
    await q.query(sql`INSERT INTO feed_audience (post_id, kind, ref, label) VALUES (${postId}, 'department', lower(btrim(${d})), ${d}) ON CONFLICT DO NOTHING`);
  }
  for (const g of a.groupIds) {
    await q.query(sql`INSERT INTO feed_audience (post_id, kind, ref, group_id) VALUES (${postId}, 'group', ${g}, ${g}) ON CONFLICT DO NOTHING`);
  }
  await addPeople(q, postId, a.userIds, false);
  for (const e of a.emails) {
    await q.query(sql`INSERT INTO feed_audience (post_id, kind, ref) VALUES (${postId}, 'email', lower(${e})) ON CONFLICT DO NOTHING`);
  }
}

/** Add people to a post's audience (by name, or by @mention); returns those who were not in it yet. */
export async function addPeople(q: Queryable, postId: string, userIds: string[], mentioned: boolean): Promise<string[]> {
  if (!userIds.length) return [];
  const rows = await q.query(sql`
    INSERT INTO feed_audience (post_id, kind, ref, user_id, mentioned)
    SELECT ${postId}, 'user', id::text, id, ${mentioned} FROM unnest(${userIds}::uuid[]) AS id
    ON CONFLICT (post_id, kind, ref) DO UPDATE SET mentioned = feed_audience.mentioned OR EXCLUDED.mentioned
    RETURNING user_id, (xmax = 0) AS inserted`);
  return rows.filter((r) => r.inserted).map((r) => r.user_id as string);
}

/** Departments (as keys) that at least one active employee has, among `departments`. */
export async function staffedDepartments(q: Queryable, departments: string[]): Promise<Set<string>> {
  if (!departments.length) return new Set();
  const rows = await q.query(sql`
    SELECT DISTINCT lower(btrim(department)) AS key FROM users
    WHERE active AND role <> 'guest' AND department <> '' AND lower(btrim(department)) = ANY(
      SELECT lower(btrim(d)) FROM unnest(${departments}::text[]) AS d)`);
  return new Set(rows.map((r) => r.key as string));
}

/** lower(btrim()) of each name, computed where the rule computes it. */
export async function departmentKeys(q: Queryable, departments: string[]): Promise<string[]> {
  if (!departments.length) return [];
  const rows = await q.query(sql`SELECT lower(btrim(d)) AS key FROM unnest(${departments}::text[]) WITH ORDINALITY AS t(d, n) ORDER BY n`);
  return rows.map((r) => r.key as string);
}

/** The key of a user's department feed stream (MD5 of the same lower(btrim()) the rule uses), or null. */
export async function departmentStreamKey(q: Queryable, userId: string): Promise<string | null> {
  const rows = await q.query(sql`SELECT md5(lower(btrim(department))) AS key FROM users WHERE id = ${userId} AND department <> ''`);
  return rows.length ? (rows[0].key as string) : null;
}

/** Whether a user may follow the department stream `key`: an active employee of that department. */
export async function inDepartmentStream(q: Queryable, userId: string, key: string): Promise<boolean> {
  const rows = await q.query(sql`
    SELECT 1 FROM users WHERE id = ${userId} AND active AND role <> 'guest' AND department <> ''
      AND md5(lower(btrim(department))) = ${key}`);
  return rows.length > 0;
}

/** Everyone the comments of a post mention (to blank their notifications when it goes). */
export async function commentMentionIds(q: Queryable, postId: string): Promise<string[]> {
  const rows = await q.query(sql`SELECT DISTINCT unnest(mentions) AS id FROM feed_comments WHERE post_id = ${postId}`);
  return rows.map((r) => r.id as string);
}

/** The e-mail addresses of a post's external audience. */
export async function emailRecipients(q: Queryable, postId: string): Promise<string[]> {
  const rows = await q.query(sql`SELECT ref FROM feed_audience WHERE post_id = ${postId} AND kind = 'email' ORDER BY ref`);
  return rows.map((r) => r.ref as string);
}

// ---- Reads --------------------------------------------------------------------------------------------

/** Mark read (once; the first time counts); true when this call marked it. */
export async function markRead(q: Queryable, postId: string, userId: string): Promise<boolean> {
  const rows = await q.query(sql`INSERT INTO feed_reads (post_id, user_id) VALUES (${postId}, ${userId}) ON CONFLICT DO NOTHING RETURNING 1`);
  return rows.length > 0;
}

/**
 * "Read by N of M" of posts: M counts the active employees who can see the post now (the author
 * excluded: nobody confirms their own post), N those of them who marked it read.
 */
export async function readCounts(q: Queryable, postIds: string[]): Promise<Map<string, { readCount: number; audienceCount: number }>> {
  if (!postIds.length) return new Map();
  const rows = await q.query(sql`
    SELECT p.id,
      (SELECT count(*)::int FROM users uu WHERE uu.id <> p.author_id AND ${visibleTo(sql`uu.id`)}) AS audience_count,
      (SELECT count(*)::int FROM feed_reads fr JOIN users uu ON uu.id = fr.user_id
         WHERE fr.post_id = p.id AND uu.id <> p.author_id AND ${visibleTo(sql`uu.id`)}) AS read_count
    FROM feed_posts p WHERE p.id = ANY(${postIds}::uuid[])`);
  return new Map(rows.map((r) => [r.id as string, { readCount: r.read_count as number, audienceCount: r.audience_count as number }]));
}

/** Who read a post (still in its audience), first readers first. */
export async function readers(q: Queryable, postId: string): Promise<{ userId: string; readAt: string }[]> {
  const rows = await q.query(sql`
    SELECT fr.user_id, fr.read_at FROM feed_reads fr JOIN feed_posts p ON p.id = fr.post_id
    WHERE fr.post_id = ${postId} AND fr.user_id <> p.author_id AND ${visibleTo(sql`fr.user_id`)}
    ORDER BY fr.read_at, fr.user_id`);
  return rows.map((r) => ({ userId: r.user_id, readAt: r.read_at.toISOString() }));
}

// ---- Reactions on posts -------------------------------------------------------------------------------

/** Add the reaction, or take it back when it was there; true when added. */
export async function togglePostReaction(q: Queryable, postId: string, userId: string, emoji: string): Promise<boolean> {
  const removed = await q.query(sql`DELETE FROM feed_post_reactions WHERE post_id = ${postId} AND user_id = ${userId} AND emoji = ${emoji} RETURNING 1`);
  if (removed.length) return false;
  await q.query(sql`INSERT INTO feed_post_reactions (post_id, user_id, emoji) VALUES (${postId}, ${userId}, ${emoji})`);
  return true;
}

export async function postReactions(q: Queryable, postId: string): Promise<Reaction[]> {
  const rows = await q.query(sql`
    SELECT emoji, array_agg(user_id ORDER BY created_at, user_id) AS users, min(created_at) AS first
    FROM feed_post_reactions WHERE post_id = ${postId} GROUP BY emoji ORDER BY first, emoji`);
  return rows.map((r) => ({ emoji: r.emoji, userIds: r.users }));
}
