import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { sql } from '../../db/pool';
import { AppError } from '../../../shared/errors';
import type { LoginBody, RegisterBody } from '../../../shared/api';
import { DIRECTORY_STREAM, type Me, type Workspace } from '../../../shared/types';
import type { Services } from '../../services';
import { hashToken } from '../../lib/tokens';
import { checkPassword, hashPassword } from './passwords';
import { checkAddress, checkLockout, clearFailures, recordFailure } from './throttle';
import { countUsers, findUserByEmail, insertUser, toMe, toPublicUser } from '../people/repo';

/** Serialises concurrent first registrations. */
const REGISTER_LOCK = 720_541_002;

/** What a successful sign-in returns: the user, and the cookie to set. */
export interface SignedIn {
  user: Me;
  workspace: Workspace;
  cookie: string;
}

export async function getWorkspace(svc: Services): Promise<Workspace | null> {
  const rows = await svc.db.query(sql`SELECT name FROM workspace WHERE id = 1`);
  return rows.length ? { name: rows[0].name } : null;
}

/** Create the workspace and its owner: only while no account exists. */
export async function register(svc: Services, input: z.infer<typeof RegisterBody>, ip: string): Promise<SignedIn> {
  checkAddress(svc.limits.auth, ip);
  const passwordHash = await hashPassword(input.password);
  const user = await svc.write(async (u) => {
    await u.tx.query(sql`SELECT pg_advisory_xact_lock(${REGISTER_LOCK})`);
    if ((await countUsers(u.tx)) > 0) throw new AppError('registration_closed', 'This workspace already has an owner; ask for an invitation');
    await u.tx.query(sql`INSERT INTO workspace (id, name) VALUES (1, ${input.workspaceName})`);
    const row = await insertUser(u.tx, {
      id: randomUUID(),
      email: input.email,
      name: input.name,
      passwordHash,
      role: 'owner',
      locale: input.locale ?? 'en',
    });
    await u.emit(DIRECTORY_STREAM, 'user_joined', { user: toPublicUser(row) }, row.id);
    return row;
  });
  svc.log.info('workspace created', { userId: user.id });
  const { cookie } = await svc.sessions.open(user.id);
  return { user: toMe(user), workspace: { name: input.workspaceName }, cookie };
}

/** Check the password and open a session; rate limited per address and locked out per e-mail. */
export async function login(svc: Services, input: z.infer<typeof LoginBody>, ip: string): Promise<SignedIn> {
  checkAddress(svc.limits.auth, ip);
  await checkLockout(svc.db, input.email);
  const user = await findUserByEmail(svc.db, input.email);
  // Guests have no password (their links open one thread); they are refused like a wrong password.
  const account = user && user.role !== 'guest' ? user : null;
  const ok = await checkPassword(account?.password_hash ?? null, input.password);
  if (!account || !ok) {
    await recordFailure(svc.db, input.email);
    svc.log.warn('login failed', { ip, email: input.email });
    throw new AppError('invalid_credentials', 'Wrong e-mail or password');
  }
  if (!account.active) throw new AppError('forbidden', 'This account has been deactivated');
  await clearFailures(svc.db, input.email);
  const { cookie } = await svc.sessions.open(account.id);
  const workspace = (await getWorkspace(svc)) ?? { name: '' };
  return { user: toMe(account), workspace, cookie };
}

/** End the session behind `token` and close its live sockets everywhere. */
export async function logout(svc: Services, token: string): Promise<void> {
  await svc.sessions.close(token);
  await svc.control({ type: 'close_session', sessionHash: hashToken(token), code: 4401, reason: 'signed out' });
}
