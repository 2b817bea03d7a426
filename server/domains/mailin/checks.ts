import { sql } from '../../db/pool';
import { hashToken } from '../../lib/tokens';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { findUserByEmail } from '../people/repo';
import { accessPost } from '../feed/actions';
import { canInteract } from '../feed/policy';
import type { PostAccess } from '../feed/repo';
import * as guestRepo from '../guests/repo';
import type { InboundMail } from '../inbound';
import type { Mailbox } from './route';
import { refused, SmtpReply } from './replies';

/**
 * Who may mail which mailbox. Used twice: at RCPT time with the envelope (so most refusals happen before
 * the sender transmits the mail), and again after parsing, with the header too.
 */

export const sameAddress = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

async function workspaceName(svc: Services): Promise<string> {
  const [row] = await svc.db.query(sql`SELECT name FROM workspace`);
  return (row?.name as string | undefined) || 'this workspace';
}

/** The active employee (owner, admin or employee) behind a sender address, or 550 5.7.1. */
export async function colleagueSender(svc: Services, address: string): Promise<Actor> {
  const user = address ? await findUserByEmail(svc.db, address) : null;
  if (!user || !user.active || user.role === 'guest') {
    throw refused(`Only colleagues of ${await workspaceName(svc)} can post by e-mail; ${address || 'an empty sender'} is not one of them`);
  }
  return { id: user.id, role: user.role, active: user.active };
}

/** A post a colleague may comment on by mail: it exists, they can see it, it is not deleted. */
export async function postForColleague(svc: Services, actor: Actor, postId: string): Promise<PostAccess> {
  let post: PostAccess;
  try {
    post = await accessPost(svc, actor, postId);
  } catch (err) {
    if ((err as { code?: string }).code === 'not_found') throw new SmtpReply(550, '5.1.1', 'No such post: it was never created here');
    throw err;
  }
  const verdict = canInteract(actor, post.visible, post);
  if (verdict === 'conflict') throw new SmtpReply(550, '5.1.1', 'This post was deleted: comments are closed');
  if (verdict) throw refused('You cannot see this post, so you cannot comment on it by e-mail');
  return post;
}

/** The live guest link behind a reply address, or the refusal saying why it no longer works. */
export async function liveReplyLink(svc: Services, token: string): Promise<guestRepo.LinkRow> {
  const link = await guestRepo.linkByToken(svc.db, hashToken(token.toLowerCase()), 'reply');
  if (!link) throw new SmtpReply(550, '5.1.1', 'No such reply address here: check that it was copied whole');
  if (link.revoked_at) throw refused('This reply address no longer works: the sender revoked your access to the discussion');
  if (link.expires_at.getTime() <= Date.now()) throw refused('This reply address has expired: ask the sender to invite you again');
  return link;
}

/** A guest as the permission checks see them, acting through one link (as guests/actions.ts builds it). */
export const guestActor = (link: guestRepo.LinkRow): Actor => ({
  id: link.guest_id,
  role: 'guest',
  active: true,
  grant: { postId: link.post_id, linkId: link.id },
});

/** The RCPT-time check of one of our mailboxes, with the envelope sender ('' or null for a bounce). */
export async function checkRecipient(svc: Services, from: string | null, box: Mailbox): Promise<void> {
  if (box.kind === 'reply') {
    // The guest's From header is checked after the mail is read: providers often rewrite envelope senders
    // (SRS, bounce addresses), and the 160-bit token in the address is what identifies the guest.
    await liveReplyLink(svc, box.token);
    return;
  }
  // A bounce (null sender) is read, recognised as automatic and dropped: refusing it would bounce again.
  if (!from) return;
  const actor = await colleagueSender(svc, from);
  if (box.kind === 'post') await postForColleague(svc, actor, box.postId);
}

/**
 * Authentication-Results are facts only when our own receiving relay wrote them: a sender can put any
 * header into a mail. So they count only when their authserv-id is MAIL_DOMAIN (configure the relay in
 * front of Artel to use that id, and to remove such headers arriving from outside, RFC 8601 section 5),
 * and then only to refuse: a DMARC failure, or SPF failing without a passing DKIM signature. They never
 * make a sender more trusted than the envelope and From checks already did, so a forged "pass" gains nothing.
 */
export function checkAuthResults(mail: InboundMail, domain: string): void {
  const facts = mail.headersFrom;
  if (facts.authServId !== domain.toLowerCase()) return;
  if (facts.dmarc === 'fail' || (facts.spf === 'fail' && facts.dkim !== 'pass')) {
    throw refused(`The mail failed the sender checks of ${domain} (SPF/DKIM/DMARC) for ${mail.from.address}`);
  }
}
