import { randomUUID } from 'node:crypto';
import { AppError } from '../../../../shared/errors';
import type { DocGuestMe } from '../../../../shared/docs';
import { sql } from '../../../db/pool';
import { hashToken, newToken } from '../../../lib/tokens';
import type { Services } from '../../../services';
import { checkAddress } from '../../auth/throttle';
import { grantedPage, type Actor } from '../../people/policy';
import type { DocAccess } from '../policy';
import * as repo from './repo';

/**
 * A page's guest: opening a link with a name gives the browser a guest of its own (a users row with role
 * 'guest', no password, never in the directory) and a session (cookie `artel_doc_guest`, apart from feed
 * and call guests' and colleagues'). The session reaches the /yjs socket of that one page, with the
 * link's access, and the /api/doc-guest/* routes; every other route and stream refuses it.
 */

/** The cookie of a document guest's browser session. */
export const DOC_GUEST_COOKIE = 'artel_doc_guest';

/** A document guest as the permission checks see them. */
export interface DocGuest {
  actor: Actor;
  session: repo.DocGuestSessionRow;
  sessionHash: string;
}

function cookieFor(svc: Services, token: string, expires: Date): string {
  const parts = [`${DOC_GUEST_COOKIE}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Expires=${expires.toUTCString()}`];
  if (svc.config.secureCookies) parts.push('Secure');
  return parts.join('; ');
}

export const blankDocGuestCookie = (svc: Services) => cookieFor(svc, '', new Date(0));

function readCookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

/** The document guest behind a Cookie header: a live session of a live link to a page that exists, or null. */
export async function docGuestFromCookie(svc: Services, header: string | undefined): Promise<DocGuest | null> {
  const token = readCookie(header, DOC_GUEST_COOKIE);
  if (!token || token.length > 100) return null;
  const sessionHash = hashToken(token);
  const session = await repo.guestSession(svc.db, sessionHash);
  if (!session) return null;
  const actor: Actor = { id: session.guest_id, role: 'guest', active: true, grant: { pageId: session.page_id, linkId: session.link_id, access: session.access } };
  return { actor, session, sessionHash };
}

/**
 * What a document guest may do at /yjs/<docId>: their link's access on their one page, asked again of
 * the database (a revoked or expired link, or a deleted page, grants nothing); any other document is
 * not found to them.
 */
export async function docGuestAccess(svc: Services, actor: Actor, docId: string): Promise<DocAccess> {
  const grant = grantedPage(actor);
  if (!grant || grant.pageId !== docId) throw new AppError('not_found', 'No such document');
  const link = await repo.linkById(svc.db, grant.linkId);
  if (!link || link.page_id !== docId) throw new AppError('not_found', 'No such document');
  if (link.revoked_at) throw new AppError('link_revoked', 'This link was revoked');
  if (link.expires_at.getTime() <= Date.now()) throw new AppError('link_invalid', 'This link has expired');
  const [page] = await svc.db.query(sql`SELECT deleted_at FROM doc_pages WHERE id = ${docId}`);
  if (!page || page.deleted_at) throw new AppError('not_found', 'This page was deleted');
  await repo.touchLink(svc.db, link.id);
  return link.access;
}

/**
 * Open a page link under the guest's name: a new guest and a session for this page only. Forged,
 * expired and revoked tokens are refused with nothing created. Rate limited per address.
 */
export async function openDocLink(svc: Services, input: { token: string; name: string }, ip: string): Promise<{ me: DocGuestMe; cookie: string }> {
  checkAddress(svc.limits.auth, ip);
  const link = await repo.linkByToken(svc.db, hashToken(input.token));
  if (!link) throw new AppError('link_invalid', 'This link is not valid. Ask for a new one');
  if (link.revoked_at) throw new AppError('link_revoked', 'This link was revoked');
  if (link.expires_at.getTime() <= Date.now()) throw new AppError('link_invalid', 'This link has expired. Ask for a new one');
  const [page] = await svc.db.query(sql`SELECT deleted_at FROM doc_pages WHERE id = ${link.page_id}`);
  if (!page || page.deleted_at) throw new AppError('link_invalid', 'The page of this link was deleted');
  const guestId = randomUUID();
  const session = newToken();
  await svc.db.tx(async (tx) => {
    // The address is never used to reach anyone: it only keeps users.email unique and non-empty.
    await tx.query(sql`
      INSERT INTO users (id, email, name, password_hash, role) VALUES (${guestId}, ${`doc-guest-${guestId}@guests.invalid`}, ${input.name}, '!', 'guest')`);
    await repo.insertGuestSession(tx, { id: hashToken(session), linkId: link.id, guestId, expiresAt: link.expires_at });
    await repo.touchLink(tx, link.id);
  });
  svc.log.info('document link opened', { page: link.page_id, link: link.id, guest: guestId, ip });
  const guest = (await docGuestFromCookie(svc, `${DOC_GUEST_COOKIE}=${session}`))!;
  return { me: await docGuestMe(svc, guest), cookie: cookieFor(svc, session, link.expires_at) };
}

export async function docGuestMe(svc: Services, guest: DocGuest): Promise<DocGuestMe> {
  const [row] = await svc.db.query(sql`SELECT title, (SELECT name FROM workspace) AS workspace FROM doc_pages WHERE id = ${guest.session.page_id}`);
  return {
    id: guest.actor.id,
    name: guest.session.name,
    pageId: guest.session.page_id,
    title: row?.title ?? '',
    access: guest.session.access,
    expiresAt: guest.session.expires_at.toISOString(),
    workspace: row?.workspace ?? '',
  };
}

export async function setDocGuestName(svc: Services, guest: DocGuest, name: string): Promise<DocGuestMe> {
  await svc.db.query(sql`UPDATE users SET name = ${name}, updated_at = now() WHERE id = ${guest.actor.id} AND role = 'guest'`);
  return { ...(await docGuestMe(svc, guest)), name };
}

/** Leave the page: the session ends and its sockets close (the link itself still works). */
export async function closeDocGuestSession(svc: Services, guest: DocGuest): Promise<void> {
  await repo.deleteGuestSession(svc.db, guest.sessionHash);
  await svc.control({ type: 'close_session', sessionHash: guest.sessionHash, code: 4401, reason: 'signed out' });
}
