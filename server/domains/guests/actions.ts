import { randomBytes } from 'node:crypto';
import { sql, type Queryable } from '../../db/pool';
import { AppError } from '../../../shared/errors';
import type { FeedComment, CreateCommentInput } from '../../../shared/feed';
import { forGuest, type GuestLinkInfo, type GuestMe, type GuestThread } from '../../../shared/guests';
import { hashToken, newToken } from '../../lib/tokens';
import type { Services } from '../../services';
import type { Unit } from '../../db/unit';
import { grantedPost, type Actor } from '../people/policy';
import { CALL_GUEST_COOKIE, callGuestFromToken, type CallGuest } from '../calls/links';
import { docGuestFromCookie, type DocGuest } from '../docs/guests/session';
import { enforce } from '../people/actions';
import { checkAddress } from '../auth/throttle';
import { accessPost } from '../feed/actions';
import { writeComment } from '../feed/comments';
import { commentsPage } from '../feed/commentsRepo';
import { throttle } from '../feed/limits';
import { postAccess } from '../feed/repo';
import { loadPost } from '../feed/view';
import { canManageGuests, guestMayComment, guestMayRead } from './policy';
import { guestInvitationMail, replyAddress, threadMessageId } from './mail';
import * as repo from './repo';

/** The cookie of a guest's browser session (separate from colleagues' `artel_session`). */
export const GUEST_COOKIE = 'artel_guest';
/** Most comments the guest page loads (a thread longer than this shows its newest). */
const THREAD_COMMENTS = 500;

/** A reply token: hex, since mail systems may change the case of an address's local part. */
const newReplyToken = () => randomBytes(20).toString('hex');

/** Fresh tokens for one mail to a guest: the page's URL and the personal reply address. */
export async function mintTokens(svc: Services, q: Queryable, linkId: string): Promise<{ url: string; replyTo: string }> {
  const open = newToken();
  const reply = newReplyToken();
  await repo.insertToken(q, hashToken(open), linkId, 'open');
  await repo.insertToken(q, hashToken(reply), linkId, 'reply');
  return { url: `${svc.config.publicUrl}/g/${open}`, replyTo: replyAddress(reply, svc.config.mailDomain) };
}

/**
 * Invite a post's external addresses, inside the post's transaction: each gets a guest, a link and a
 * mail (sent after commit). An address that belongs to a colleague is not a guest: the caller adds the
 * returned colleagues to the audience by name.
 */
export async function inviteGuests(svc: Services, u: Unit, actor: Actor, postId: string, emails: string[]): Promise<string[]> {
  const colleagues: string[] = [];
  if (!emails.length) return colleagues;
  const [post] = await u.tx.query(sql`
    SELECT p.title, p.body, a.name AS author, (SELECT name FROM workspace) AS workspace
    FROM feed_posts p JOIN users a ON a.id = p.author_id WHERE p.id = ${postId}`);
  const expiresAt = new Date(Date.now() + svc.config.guestLinkDays * 86_400_000);
  for (const email of emails) {
    const who = await repo.guestFor(u.tx, email);
    if ('colleagueId' in who) {
      if (who.colleagueId && who.colleagueId !== actor.id) colleagues.push(who.colleagueId);
      continue;
    }
    const linkId = await repo.upsertLink(u.tx, { guestId: who.guestId, postId, createdBy: actor.id, expiresAt });
    const { url, replyTo } = await mintTokens(svc, u.tx, linkId);
    const messageId = threadMessageId(postId, svc.config.mailDomain);
    await repo.rememberMessageId(u.tx, messageId, postId);
    const mail = guestInvitationMail({ to: email, author: post.author, workspace: post.workspace ?? '', title: post.title, body: post.body, link: url, replyTo, messageId, expiresAt });
    u.afterCommit(await svc.mailer.enqueue(u.tx, mail));
  }
  svc.log.info('guests invited', { postId, count: emails.length - colleagues.length });
  return colleagues;
}

function cookieFor(svc: Services, token: string, expires: Date): string {
  const parts = [`${GUEST_COOKIE}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Expires=${expires.toUTCString()}`];
  if (svc.config.secureCookies) parts.push('Secure');
  return parts.join('; ');
}

export const blankGuestCookie = (svc: Services) => cookieFor(svc, '', new Date(0));

/** Why a link no longer opens anything, or nothing when it does. */
function checkLink(link: repo.LinkRow | null): asserts link is repo.LinkRow {
  if (!link) throw new AppError('link_invalid', 'This link is not valid. Ask the sender for a new one');
  if (link.revoked_at) throw new AppError('link_revoked', 'This link was revoked by its sender');
  if (link.expires_at.getTime() <= Date.now()) throw new AppError('link_invalid', 'This link has expired. Ask the sender for a new one');
}

const toMe = (link: repo.LinkRow): GuestMe => ({
  id: link.guest_id,
  name: link.name,
  email: link.email,
  postId: link.post_id,
  expiresAt: link.expires_at.toISOString(),
});

/** Open the thread of a link: a guest session (cookie) for that link only. Rate limited per address. */
export async function openLink(svc: Services, token: string, ip: string): Promise<{ me: GuestMe; cookie: string }> {
  checkAddress(svc.limits.auth, ip);
  const link = await repo.linkByToken(svc.db, hashToken(token), 'open');
  checkLink(link);
  const session = newToken();
  await repo.insertSession(svc.db, hashToken(session), link.id, link.expires_at);
  svc.log.info('guest link opened', { link: link.id, post: link.post_id, ip });
  return { me: toMe(link), cookie: cookieFor(svc, session, link.expires_at) };
}

/**
 * A guest as the permission checks see them: a thread guest (their link to one post), or a call guest
 * (their session of one call's link; see domains/calls/links.ts).
 */
export type GuestAuth =
  | {
      kind: 'post';
      actor: Actor;
      link: repo.LinkRow;
      /** SHA-256 of the session token: revoking the link closes this session's sockets. */
      sessionHash: string;
    }
  | ({ kind: 'call' } & CallGuest)
  | ({ kind: 'doc' } & DocGuest);

/** The thread guest behind a guest route; a call guest has no thread. */
function threadGuest(guest: GuestAuth): Extract<GuestAuth, { kind: 'post' }> {
  if (guest.kind !== 'post') throw new AppError('forbidden', 'A call link does not open a thread');
  return guest;
}

function readCookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

async function threadGuestOf(svc: Services, header: string | undefined): Promise<GuestAuth | null> {
  const token = readCookie(header, GUEST_COOKIE);
  if (!token || token.length > 100) return null;
  const sessionHash = hashToken(token);
  const link = await repo.linkBySession(svc.db, sessionHash);
  if (!link) return null;
  return { kind: 'post', actor: { id: link.guest_id, role: 'guest', active: true, grant: { postId: link.post_id, linkId: link.id } }, link, sessionHash };
}

async function callGuestOf(svc: Services, header: string | undefined): Promise<GuestAuth | null> {
  const token = readCookie(header, CALL_GUEST_COOKIE);
  const guest = token ? await callGuestFromToken(svc, token) : null;
  return guest ? { kind: 'call', ...guest } : null;
}

/** A document page's guest (domains/docs/guests): only their /api/doc-guest/* routes and their page's /yjs socket. */
async function docGuestOf(svc: Services, header: string | undefined): Promise<GuestAuth | null> {
  const guest = await docGuestFromCookie(svc, header);
  return guest ? { kind: 'doc', ...guest } : null;
}

/**
 * The guest behind a Cookie header: a live session of a live link, or null. The HTTP guest routes are
 * the thread's (`accept` 'post', the default): a call guest never reaches them. A socket takes either
 * ('post-first' or 'call-first': a browser may hold both cookies, and the page says which it is).
 */
export async function guestFromCookieHeader(
  svc: Services,
  header: string | undefined,
  accept: 'post' | 'call' | 'doc' | 'post-first' | 'call-first' = 'post',
): Promise<GuestAuth | null> {
  const order = { post: [threadGuestOf], call: [callGuestOf], doc: [docGuestOf], 'post-first': [threadGuestOf, callGuestOf], 'call-first': [callGuestOf, threadGuestOf] }[accept];
  for (const of of order) {
    const guest = await of(svc, header);
    if (guest) return guest;
  }
  return null;
}

/** Leave the guest page: the session ends (the link itself still works). */
export async function closeGuestSession(svc: Services, sessionHash: string): Promise<void> {
  await svc.db.query(sql`DELETE FROM guest_sessions WHERE id = ${sessionHash}`);
  await svc.control({ type: 'close_session', sessionHash, code: 4401, reason: 'signed out' });
}

async function names(q: Queryable, ids: string[]): Promise<GuestThread['people']> {
  const rows = await q.query(sql`SELECT id, name, role FROM users WHERE id = ANY(${[...new Set(ids)]}::uuid[])`);
  return Object.fromEntries(rows.map((r) => [r.id, { name: r.name, guest: r.role === 'guest' }]));
}

/** The one post a guest sees, with its comments: who else it reaches is left out. */
export async function guestThread(svc: Services, auth: GuestAuth): Promise<GuestThread> {
  const guest = threadGuest(auth);
  const postId = grantedPost(guest.actor)!;
  const post = await loadPost(svc.db, guest.actor.id, postId);
  enforce(guestMayRead(guest.actor, postId), 'see this thread');
  const comments = await commentsPage(svc.db, postId, null, THREAD_COMMENTS);
  const [{ name: workspace }] = await svc.db.query(sql`SELECT name FROM workspace`);
  const ids = [post.author.id, ...post.mentions, ...comments.flatMap((c) => [c.authorId, ...c.mentions])];
  return {
    me: toMe(guest.link),
    workspace,
    post: forGuest({ ...post, audience: { everyone: false, departments: [], groups: [], users: [], emails: [], externalCount: 0 } }),
    comments: comments.map(forGuest),
    people: await names(svc.db, ids),
  };
}

/** A guest's comment on their post (from the page, or from their answer by mail). */
export async function guestComment(svc: Services, actor: Actor, input: CreateCommentInput): Promise<FeedComment> {
  const postId = grantedPost(actor);
  if (!postId) throw new AppError('forbidden', 'Only a guest link may comment here');
  throttle(svc, 'comment', actor.id);
  const post = await postAccess(svc.db, postId, actor.id);
  if (!post) throw new AppError('not_found', 'The post is gone');
  enforce(guestMayComment(actor, postId, post), 'comment on this thread');
  return forGuest(await writeComment(svc, actor.id, post, input, []));
}

export async function setGuestName(svc: Services, auth: GuestAuth, name: string): Promise<GuestMe> {
  const guest = threadGuest(auth);
  await repo.setGuestName(svc.db, guest.actor.id, name);
  return { ...toMe(guest.link), name };
}

/** A post's guest links, for its author and the workspace's admins who see it. */
export async function listGuests(svc: Services, actor: Actor, postId: string): Promise<GuestLinkInfo[]> {
  const post = await accessPost(svc, actor, postId);
  enforce(canManageGuests(actor, post), 'see who was invited');
  return repo.linksOfPost(svc.db, postId);
}

/** Revoke a guest's link: their page stops working and their live sockets close at once, on every node. */
export async function revokeGuest(svc: Services, actor: Actor, postId: string, linkId: string): Promise<GuestLinkInfo[]> {
  const post = await accessPost(svc, actor, postId);
  enforce(canManageGuests(actor, post), 'revoke guest links');
  const link = await repo.linkById(svc.db, linkId);
  if (!link || link.post_id !== postId) throw new AppError('not_found', 'No such guest link');
  const sessions = await repo.revokeLink(svc.db, linkId);
  for (const sessionHash of sessions) await svc.control({ type: 'close_session', sessionHash, code: 4403, reason: 'link revoked' });
  svc.log.info('guest link revoked', { link: linkId, post: postId, by: actor.id, sockets: sessions.length });
  return repo.linksOfPost(svc.db, postId);
}

/** Invite one more external address to a post (or send a fresh link to one already invited). */
export async function addGuest(svc: Services, actor: Actor, postId: string, email: string): Promise<GuestLinkInfo[]> {
  const post = await accessPost(svc, actor, postId);
  enforce(canManageGuests(actor, post), 'invite guests');
  if (post.deleted) throw new AppError('conflict', 'The post was deleted');
  await svc.write(async (u) => {
    await u.tx.query(sql`
      INSERT INTO feed_audience (post_id, kind, ref) VALUES (${postId}, 'email', ${email}) ON CONFLICT DO NOTHING`);
    const colleagues = await inviteGuests(svc, u, actor, postId, [email]);
    if (colleagues.length) throw new AppError('bad_request', 'This address belongs to a colleague: add them by name', { fields: { email: 'colleague' } });
  });
  return repo.linksOfPost(svc.db, postId);
}
