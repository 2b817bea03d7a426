import { sql, type Queryable } from '../../../db/pool';
import type { DocLinkInfo } from '../../../../shared/docs';

/** A row of doc_guest_links (never its token hash, which only the lookups by token use). */
export interface DocLinkRow {
  id: string;
  page_id: string;
  access: 'read' | 'edit';
  name: string | null;
  email: string | null;
  created_by: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  last_seen_at: Date | null;
}

const COLUMNS = sql`id, page_id, access, name, email, created_by, created_at, expires_at, revoked_at, last_seen_at`;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const toLinkInfo = (l: DocLinkRow): DocLinkInfo => ({
  id: l.id,
  pageId: l.page_id,
  access: l.access,
  name: l.name,
  email: l.email,
  createdBy: l.created_by,
  createdAt: l.created_at.toISOString(),
  expiresAt: l.expires_at.toISOString(),
  revokedAt: iso(l.revoked_at),
  lastSeenAt: iso(l.last_seen_at),
});

export async function insertLink(
  q: Queryable,
  l: { id: string; pageId: string; tokenHash: string; access: 'read' | 'edit'; name: string | null; email: string | null; createdBy: string; expiresAt: Date },
): Promise<DocLinkRow> {
  const rows = await q.query(sql`
    INSERT INTO doc_guest_links (id, page_id, token_hash, access, name, email, created_by, expires_at)
    VALUES (${l.id}, ${l.pageId}, ${l.tokenHash}, ${l.access}, ${l.name}, ${l.email}, ${l.createdBy}, ${l.expiresAt})
    RETURNING ${COLUMNS}`);
  return rows[0] as DocLinkRow;
}

/** A page's links, the newest first (revoked and expired ones too: the editors see what happened). */
export async function linksOfPage(q: Queryable, pageId: string): Promise<DocLinkRow[]> {
  return (await q.query(sql`SELECT ${COLUMNS} FROM doc_guest_links WHERE page_id = ${pageId} ORDER BY created_at DESC, id`)) as DocLinkRow[];
}

export async function linkById(q: Queryable, id: string): Promise<DocLinkRow | null> {
  const rows = await q.query(sql`SELECT ${COLUMNS} FROM doc_guest_links WHERE id = ${id}`);
  return (rows[0] as DocLinkRow) ?? null;
}

export async function linkByToken(q: Queryable, hash: string): Promise<DocLinkRow | null> {
  const rows = await q.query(sql`SELECT ${COLUMNS} FROM doc_guest_links WHERE token_hash = ${hash}`);
  return (rows[0] as DocLinkRow) ?? null;
}

/** Revoke a link: its sessions go (their ids returned, so their sockets can be closed everywhere). */
export async function revokeLink(q: Queryable, linkId: string): Promise<string[]> {
  await q.query(sql`UPDATE doc_guest_links SET revoked_at = COALESCE(revoked_at, now()) WHERE id = ${linkId}`);
  const rows = await q.query(sql`DELETE FROM doc_guest_sessions WHERE link_id = ${linkId} RETURNING id`);
  return rows.map((r) => r.id as string);
}

export async function touchLink(q: Queryable, linkId: string): Promise<void> {
  await q.query(sql`UPDATE doc_guest_links SET last_seen_at = now() WHERE id = ${linkId}`);
}

/** A live document guest session, with what its link grants now. */
export interface DocGuestSessionRow {
  link_id: string;
  page_id: string;
  access: 'read' | 'edit';
  guest_id: string;
  name: string;
  expires_at: Date;
}

/** The live session behind a document guest's cookie: none once it, its link, its guest or its page is gone. */
export async function guestSession(q: Queryable, sessionHash: string): Promise<DocGuestSessionRow | null> {
  const rows = await q.query(sql`
    SELECT s.link_id, l.page_id, l.access, s.guest_id, u.name, LEAST(s.expires_at, l.expires_at) AS expires_at
    FROM doc_guest_sessions s
      JOIN doc_guest_links l ON l.id = s.link_id
      JOIN users u ON u.id = s.guest_id
      JOIN doc_pages p ON p.id = l.page_id
    WHERE s.id = ${sessionHash} AND s.expires_at > now() AND l.revoked_at IS NULL AND l.expires_at > now()
      AND u.active AND p.deleted_at IS NULL`);
  return (rows[0] as DocGuestSessionRow) ?? null;
}

export async function insertGuestSession(q: Queryable, s: { id: string; linkId: string; guestId: string; expiresAt: Date }): Promise<void> {
  await q.query(sql`INSERT INTO doc_guest_sessions (id, link_id, guest_id, expires_at) VALUES (${s.id}, ${s.linkId}, ${s.guestId}, ${s.expiresAt})`);
}

export async function deleteGuestSession(q: Queryable, sessionHash: string): Promise<void> {
  await q.query(sql`DELETE FROM doc_guest_sessions WHERE id = ${sessionHash}`);
}
