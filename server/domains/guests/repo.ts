import { randomUUID } from 'node:crypto';
import { sql, type Queryable } from '../../db/pool';
import type { GuestLinkInfo } from '../../../shared/guests';

/** A guest link with its guest, as access checks need it. */
export interface LinkRow {
  id: string;
  guest_id: string;
  post_id: string;
  email: string;
  name: string;
  expires_at: Date;
  revoked_at: Date | null;
  mailed_seq: number;
}

const LINK_COLUMNS = sql`l.id, l.guest_id, l.post_id, u.email, u.name, l.expires_at, l.revoked_at, l.mailed_seq`;

/**
 * The user behind an external address: the existing guest, a new guest (no usable password, never in
 * the directory), or — when a colleague has that address — the colleague, who is added by name instead.
 */
export async function guestFor(q: Queryable, email: string): Promise<{ guestId: string } | { colleagueId: string | null }> {
  const [found] = await q.query(sql`SELECT id, role, active FROM users WHERE lower(email) = ${email}`);
  if (found) return found.role === 'guest' ? { guestId: found.id } : { colleagueId: found.active ? found.id : null };
  const id = randomUUID();
  // '!' is no argon2 hash: no password ever matches it.
  await q.query(sql`
    INSERT INTO users (id, email, name, password_hash, role)
    VALUES (${id}, ${email}, ${email.split('@')[0].slice(0, 100) || email}, '!', 'guest')
    ON CONFLICT DO NOTHING`);
  const [row] = await q.query(sql`SELECT id, role FROM users WHERE lower(email) = ${email}`);
  return row.role === 'guest' ? { guestId: row.id } : { colleagueId: row.id };
}

/** Create (or renew, when the guest already had one for this post: a new expiry, no longer revoked) the link. */
export async function upsertLink(q: Queryable, l: { guestId: string; postId: string; createdBy: string; expiresAt: Date }): Promise<string> {
  const [row] = await q.query(sql`
    INSERT INTO guest_links (id, guest_id, post_id, created_by, expires_at)
    VALUES (${randomUUID()}, ${l.guestId}, ${l.postId}, ${l.createdBy}, ${l.expiresAt})
    ON CONFLICT (post_id, guest_id) DO UPDATE
      SET created_by = EXCLUDED.created_by, created_at = now(), expires_at = EXCLUDED.expires_at, revoked_at = NULL
    RETURNING id`);
  return row.id;
}

export type TokenKind = 'open' | 'reply';

/** Remember a token (hashed) that a mail to the guest carries. */
export async function insertToken(q: Queryable, hash: string, linkId: string, kind: TokenKind): Promise<void> {
  await q.query(sql`INSERT INTO guest_tokens (id, link_id, kind) VALUES (${hash}, ${linkId}, ${kind})`);
}

/** The link behind a token of that kind (whatever its state: callers tell revoked and expired apart). */
export async function linkByToken(q: Queryable, hash: string, kind: TokenKind): Promise<LinkRow | null> {
  const rows = await q.query(sql`
    SELECT ${LINK_COLUMNS} FROM guest_tokens t
    JOIN guest_links l ON l.id = t.link_id JOIN users u ON u.id = l.guest_id WHERE t.id = ${hash} AND t.kind = ${kind}`);
  return (rows[0] as LinkRow) ?? null;
}

export async function linkById(q: Queryable, id: string): Promise<LinkRow | null> {
  const rows = await q.query(sql`SELECT ${LINK_COLUMNS} FROM guest_links l JOIN users u ON u.id = l.guest_id WHERE l.id = ${id}`);
  return (rows[0] as LinkRow) ?? null;
}

/** The live link behind a guest session (none when the session, or its link, expired or was revoked). */
export async function linkBySession(q: Queryable, sessionHash: string): Promise<LinkRow | null> {
  const rows = await q.query(sql`
    SELECT ${LINK_COLUMNS} FROM guest_sessions s
    JOIN guest_links l ON l.id = s.link_id JOIN users u ON u.id = l.guest_id
    WHERE s.id = ${sessionHash} AND s.expires_at > now() AND l.revoked_at IS NULL AND l.expires_at > now()`);
  return (rows[0] as LinkRow) ?? null;
}

export async function insertSession(q: Queryable, sessionHash: string, linkId: string, expiresAt: Date): Promise<void> {
  await q.query(sql`INSERT INTO guest_sessions (id, link_id, expires_at) VALUES (${sessionHash}, ${linkId}, ${expiresAt})`);
  await q.query(sql`UPDATE guest_links SET last_seen_at = now() WHERE id = ${linkId}`);
}

/** Revoke a link: its sessions go; returns their ids so their sockets can be closed. */
export async function revokeLink(q: Queryable, linkId: string): Promise<string[]> {
  await q.query(sql`UPDATE guest_links SET revoked_at = COALESCE(revoked_at, now()) WHERE id = ${linkId}`);
  const rows = await q.query(sql`DELETE FROM guest_sessions WHERE link_id = ${linkId} RETURNING id`);
  return rows.map((r) => r.id as string);
}

export async function linksOfPost(q: Queryable, postId: string): Promise<GuestLinkInfo[]> {
  const rows = await q.query(sql`
    SELECT l.id, u.email, u.name, l.created_at, l.expires_at, l.revoked_at, l.last_seen_at
    FROM guest_links l JOIN users u ON u.id = l.guest_id WHERE l.post_id = ${postId} ORDER BY l.created_at, u.email`);
  return rows.map((r) => ({
    id: r.id,
    email: r.email,
    name: r.name,
    createdAt: r.created_at.toISOString(),
    expiresAt: r.expires_at.toISOString(),
    revokedAt: r.revoked_at?.toISOString() ?? null,
    lastSeenAt: r.last_seen_at?.toISOString() ?? null,
  }));
}

export async function setGuestName(q: Queryable, guestId: string, name: string): Promise<void> {
  await q.query(sql`UPDATE users SET name = ${name}, updated_at = now() WHERE id = ${guestId} AND role = 'guest'`);
}

/** Remember a Message-ID of a post's mail thread (ours or one that came in). */
export async function rememberMessageId(q: Queryable, messageId: string, postId: string): Promise<void> {
  await q.query(sql`INSERT INTO mail_threads (message_id, post_id) VALUES (${messageId}, ${postId}) ON CONFLICT DO NOTHING`);
}

/** The post a mail answers, from the first of its In-Reply-To / References ids that we know. */
export async function postOfMessageIds(q: Queryable, ids: string[]): Promise<string | null> {
  if (!ids.length) return null;
  const rows = await q.query(sql`
    SELECT post_id FROM mail_threads WHERE message_id = ANY(${ids}::text[])
    ORDER BY array_position(${ids}::text[], message_id) LIMIT 1`);
  return rows[0]?.post_id ?? null;
}
