import { randomUUID } from 'node:crypto';
import { AppError } from '../../../shared/errors';
import type { CallGuestMe, CallLinkInfo } from '../../../shared/calls';
import { sql } from '../../db/pool';
import { hashToken, newToken } from '../../lib/tokens';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { checkAddress } from '../auth/throttle';
import { memberRole } from '../chats/repo';
import { availability } from './engine';
import { leaveParticipant } from './actions';
import { callInvitationMail } from './mail';
import { canUseCall } from './policy';
import * as repo from './repo';

/**
 * Guests of a call: a chat member makes a link (a 256-bit token, kept as its SHA-256, expiring after
 * CALL_LINK_DAYS, revocable, mailed when an address is given). Opening it gives the browser a guest
 * session of its own (cookie `artel_call_guest`) for that call only; the guest then knocks and waits in
 * the lobby. Revoking the link ends its sessions and closes their sockets on every node at once.
 */

/** The cookie of a call guest's browser session (apart from feed guests' and colleagues'). */
export const CALL_GUEST_COOKIE = 'artel_call_guest';

/** Where a call link opens in the web client. */
export const callLinkUrl = (svc: Services, token: string) => `${svc.config.publicUrl}/c/${token}`;

async function manageable(svc: Services, actor: Actor, callId: string): Promise<repo.CallRow> {
  if (actor.role === 'guest') throw new AppError('not_found', 'No such call');
  const call = await repo.findCall(svc.db, callId);
  if (!call) throw new AppError('not_found', 'No such call');
  enforce(canUseCall(actor, await memberRole(svc.db, call.chat_id, actor.id)), 'invite guests to this call');
  return call;
}

export async function createLink(svc: Services, actor: Actor, callId: string, input: { name?: string; email?: string; days?: number }): Promise<CallLinkInfo> {
  const call = await manageable(svc, actor, callId);
  if (call.status === 'ended') throw new AppError('conflict', 'This call has ended');
  const token = newToken();
  const expiresAt = new Date(Date.now() + (input.days ?? svc.config.callLinkDays) * 86_400_000);
  const url = callLinkUrl(svc, token);
  const link = await svc.write(async (u) => {
    const link = await repo.insertLink(u.tx, {
      id: randomUUID(), callId, tokenHash: hashToken(token), name: input.name ?? null, email: input.email ?? null, createdBy: actor.id, expiresAt,
    });
    if (input.email) {
      const [facts] = await u.tx.query(sql`SELECT (SELECT name FROM users WHERE id = ${actor.id}) AS author, (SELECT name FROM workspace) AS workspace`);
      const mail = callInvitationMail({
        to: input.email, author: facts.author, workspace: facts.workspace ?? '', title: call.title, link: url, expiresAt,
        scheduledFor: call.scheduled_for,
      });
      u.afterCommit(await svc.mailer.enqueue(u.tx, mail));
    }
    return link;
  });
  svc.log.info('call link created', { call: callId, link: link.id, by: actor.id, mailed: Boolean(input.email) });
  return { ...repo.toLinkInfo(link), url };
}

export async function listLinks(svc: Services, actor: Actor, callId: string): Promise<CallLinkInfo[]> {
  await manageable(svc, actor, callId);
  return (await repo.linksOfCall(svc.db, callId)).map(repo.toLinkInfo);
}

/** Revoke a link: its guests leave the call and the lobby, and their sockets close (4403) on every node. */
export async function revokeLink(svc: Services, actor: Actor, callId: string, linkId: string): Promise<CallLinkInfo[]> {
  await manageable(svc, actor, callId);
  const link = await repo.linkById(svc.db, linkId);
  if (!link || link.call_id !== callId) throw new AppError('not_found', 'No such call link');
  const sessions = await repo.revokeLink(svc.db, linkId);
  const guests = await svc.db.query(sql`
    SELECT id FROM call_participants WHERE link_id = ${linkId} AND state IN ('lobby', 'admitted', 'joined')`);
  for (const g of guests) await leaveParticipant(svc, g.id, 'removed', { endIfEmpty: true, actorId: actor.id });
  // Their participants are already gone; closing the sockets stops everything else they could still send.
  for (const sessionHash of sessions) await svc.control({ type: 'close_session', sessionHash, code: 4403, reason: 'link revoked' });
  svc.log.info('call link revoked', { call: callId, link: linkId, by: actor.id, sessions: sessions.length, participants: guests.length });
  return (await repo.linksOfCall(svc.db, callId)).map(repo.toLinkInfo);
}

function cookieFor(svc: Services, token: string, expires: Date): string {
  const parts = [`${CALL_GUEST_COOKIE}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Expires=${expires.toUTCString()}`];
  if (svc.config.secureCookies) parts.push('Secure');
  return parts.join('; ');
}

export const blankCallGuestCookie = (svc: Services) => cookieFor(svc, '', new Date(0));

/** A call guest as the permission checks see them. */
export interface CallGuest {
  actor: Actor;
  session: repo.CallGuestSessionRow;
  sessionHash: string;
}

/** The call guest behind a session token (from the cookie), or null. */
export async function callGuestFromToken(svc: Services, token: string): Promise<CallGuest | null> {
  if (token.length > 100) return null;
  const sessionHash = hashToken(token);
  const session = await repo.guestSession(svc.db, sessionHash);
  if (!session) return null;
  return { actor: { id: session.guest_id, role: 'guest', active: true, grant: { callId: session.call_id, linkId: session.link_id } }, session, sessionHash };
}

/**
 * Open a call link with the guest's name: a new guest (a users row with role 'guest', no password,
 * never in the directory) and a browser session for this call only. Rate limited per address.
 */
export async function openLink(svc: Services, input: { token: string; name: string }, ip: string): Promise<{ me: CallGuestMe; cookie: string }> {
  checkAddress(svc.limits.auth, ip);
  const link = await repo.linkByToken(svc.db, hashToken(input.token));
  if (!link) throw new AppError('link_invalid', 'This link is not valid. Ask for a new one');
  if (link.revoked_at) throw new AppError('link_revoked', 'This link was revoked');
  if (link.expires_at.getTime() <= Date.now()) throw new AppError('link_invalid', 'This link has expired. Ask for a new one');
  const call = (await repo.findCall(svc.db, link.call_id))!;
  if (call.status === 'ended') throw new AppError('conflict', 'This call has ended');
  const guestId = randomUUID();
  const session = newToken();
  await svc.db.tx(async (tx) => {
    // The address is never used to reach anyone: it only keeps users.email unique and non-empty.
    await tx.query(sql`
      INSERT INTO users (id, email, name, password_hash, role) VALUES (${guestId}, ${`call-guest-${guestId}@guests.invalid`}, ${input.name}, '!', 'guest')`);
    await repo.insertGuestSession(tx, { id: hashToken(session), linkId: link.id, guestId, expiresAt: link.expires_at });
  });
  svc.log.info('call link opened', { call: call.id, link: link.id, guest: guestId, ip });
  const guest = (await callGuestFromToken(svc, session))!;
  return { me: await guestMe(svc, guest), cookie: cookieFor(svc, session, link.expires_at) };
}

export async function guestMe(svc: Services, guest: CallGuest): Promise<CallGuestMe> {
  const call = (await repo.findCall(svc.db, guest.session.call_id))!;
  const [{ name: workspace }] = await svc.db.query(sql`SELECT name FROM workspace`);
  return {
    id: guest.actor.id,
    name: guest.session.name,
    callId: call.id,
    expiresAt: guest.session.expires_at.toISOString(),
    workspace: workspace ?? '',
    call: repo.toSummary(call),
    video: availability(svc.media),
  };
}

export async function setGuestName(svc: Services, guest: CallGuest, name: string): Promise<CallGuestMe> {
  await svc.db.query(sql`UPDATE users SET name = ${name}, updated_at = now() WHERE id = ${guest.actor.id} AND role = 'guest'`);
  return { ...(await guestMe(svc, guest)), name };
}

/** Leave the call page: the session ends (the link itself still works). */
export async function closeSession(svc: Services, guest: CallGuest): Promise<void> {
  await svc.db.query(sql`DELETE FROM call_guest_sessions WHERE id = ${guest.sessionHash}`);
  await svc.control({ type: 'close_session', sessionHash: guest.sessionHash, code: 4401, reason: 'signed out' });
}
