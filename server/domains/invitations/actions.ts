import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { sql, type Queryable } from '../../db/pool';
import { AppError } from '../../../shared/errors';
import type { AcceptInvitationBody, InvitationPreview, InviteBody } from '../../../shared/api';
import { DIRECTORY_STREAM, type InvitationSummary } from '../../../shared/types';
import type { Services } from '../../services';
import { hashToken, newToken } from '../../lib/tokens';
import { canAdminister, canInvite, type Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { findUserByEmail, insertUser, promoteGuest, toMe, toPublicUser } from '../people/repo';
import { hashPassword } from '../auth/passwords';
import { checkAddress } from '../auth/throttle';
import { getWorkspace, type SignedIn } from '../auth/actions';
import { invitationMail } from './mail';

const SUMMARY = sql`i.id, i.email, i.role, u.name AS invited_by, i.created_at, i.expires_at, i.accepted_at, i.revoked_at`;

function toSummary(r: any): InvitationSummary {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    id: r.id,
    email: r.email,
    role: r.role,
    invitedBy: r.invited_by,
    createdAt: r.created_at.toISOString(),
    expiresAt: r.expires_at.toISOString(),
    acceptedAt: iso(r.accepted_at),
    revokedAt: iso(r.revoked_at),
  };
}

/** Invite a colleague: a single-use 256-bit link, stored hashed, mailed (relay or outbox). */
export async function invite(svc: Services, actor: Actor, input: z.infer<typeof InviteBody>): Promise<InvitationSummary> {
  enforce(canInvite(actor, input.role), `invite ${input.role === 'admin' ? 'an admin' : 'colleagues'}`);
  // An external guest of some feed thread may be invited to join for real.
  const existing = await findUserByEmail(svc.db, input.email);
  if (existing && existing.role !== 'guest') throw new AppError('conflict', 'Someone with this e-mail is already in the workspace');
  const token = newToken();
  const id = randomUUID();
  const workspace = (await getWorkspace(svc))?.name ?? 'Artel';
  const summary = await svc.write(async (u) => {
    // A new invitation to the same address replaces the pending one.
    await u.tx.query(sql`
      UPDATE invitations SET revoked_at = now()
      WHERE lower(email) = lower(${input.email}) AND accepted_at IS NULL AND revoked_at IS NULL`);
    await u.tx.query(sql`
      INSERT INTO invitations (id, token_hash, email, role, invited_by, expires_at)
      VALUES (${id}, ${hashToken(token)}, ${input.email}, ${input.role}, ${actor.id},
              now() + make_interval(days => ${svc.config.invitationDays}))`);
    const [row] = await u.tx.query(sql`SELECT ${SUMMARY} FROM invitations i JOIN users u ON u.id = i.invited_by WHERE i.id = ${id}`);
    const link = `${svc.config.publicUrl}/invite/${token}`;
    const deliver = await svc.mailer.enqueue(u.tx, invitationMail({ to: input.email, inviter: row.invited_by, workspace, link, expiresAt: row.expires_at }));
    u.afterCommit(deliver);
    return toSummary(row);
  });
  svc.log.info('invitation created', { by: actor.id, invitation: id });
  return summary;
}

export async function listInvitations(svc: Services, actor: Actor): Promise<InvitationSummary[]> {
  enforce(canAdminister(actor), 'see invitations');
  const rows = await svc.db.query(sql`
    SELECT ${SUMMARY} FROM invitations i JOIN users u ON u.id = i.invited_by ORDER BY i.created_at DESC LIMIT 500`);
  return rows.map(toSummary);
}

export async function revokeInvitation(svc: Services, actor: Actor, id: string): Promise<void> {
  enforce(canAdminister(actor), 'revoke invitations');
  const rows = await svc.db.query(sql`
    UPDATE invitations SET revoked_at = now() WHERE id = ${id} AND accepted_at IS NULL AND revoked_at IS NULL RETURNING id`);
  if (!rows.length) throw new AppError('not_found', 'No pending invitation with this id');
}

async function findUsable(q: Queryable, token: string) {
  const rows = await q.query(sql`
    SELECT i.id, i.email, i.role, i.expires_at, u.name AS invited_by FROM invitations i JOIN users u ON u.id = i.invited_by
    WHERE i.token_hash = ${hashToken(token)} AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()`);
  if (!rows.length) throw new AppError('invitation_invalid', 'This invitation link is not valid: it was used, revoked or has expired');
  return rows[0];
}

/** What the invitation page shows before accepting. */
export async function previewInvitation(svc: Services, token: string, ip: string): Promise<InvitationPreview> {
  checkAddress(svc.limits.auth, ip);
  const inv = await findUsable(svc.db, token);
  const workspaceName = (await getWorkspace(svc))?.name ?? '';
  return { email: inv.email, workspaceName, invitedBy: inv.invited_by, expiresAt: inv.expires_at.toISOString() };
}

/** Accept: the token is spent in the same transaction that creates the account, so it works once. */
export async function acceptInvitation(svc: Services, input: z.infer<typeof AcceptInvitationBody>, ip: string): Promise<SignedIn> {
  checkAddress(svc.limits.auth, ip);
  await findUsable(svc.db, input.token);
  const passwordHash = await hashPassword(input.password);
  const userId = randomUUID();
  const user = await svc.write(async (u) => {
    // The row lock makes a concurrent second accept wait, then find the invitation spent.
    const usable = await u.tx.query(sql`
      SELECT email, role FROM invitations
      WHERE token_hash = ${hashToken(input.token)} AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()
      FOR UPDATE`);
    if (!usable.length) throw new AppError('invitation_invalid', 'This invitation link is not valid: it was used, revoked or has expired');
    const { email, role } = usable[0];
    const existing = await findUserByEmail(u.tx, email);
    if (existing && existing.role !== 'guest') throw new AppError('conflict', 'Someone with this e-mail is already in the workspace');
    const account = { name: input.name, passwordHash, role, locale: input.locale ?? 'en' };
    const row = existing
      ? await promoteGuest(u.tx, existing.id, account)
      : await insertUser(u.tx, { id: userId, email, ...account });
    await u.tx.query(sql`
      UPDATE invitations SET accepted_at = now(), accepted_by = ${row.id} WHERE token_hash = ${hashToken(input.token)}`);
    await u.emit(DIRECTORY_STREAM, 'user_joined', { user: toPublicUser(row) }, row.id);
    return row;
  });
  svc.log.info('invitation accepted', { userId: user.id });
  const { cookie } = await svc.sessions.open(user.id);
  return { user: toMe(user), workspace: (await getWorkspace(svc)) ?? { name: '' }, cookie };
}
