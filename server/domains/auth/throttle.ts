import { sql, type Queryable } from '../../db/pool';
import { AppError } from '../../../shared/errors';
import type { KeyedRateLimiter } from '../../lib/ratelimit';

/** Failed logins tolerated per e-mail inside the window before it is locked. */
export const MAX_FAILURES = 5;
const WINDOW_MINUTES = 15;
const LOCK_MINUTES = 15;

/** Refuse with 429 when this address has used up its attempts. */
export function checkAddress(limiter: KeyedRateLimiter, ip: string): void {
  const wait = limiter.take(ip);
  if (wait > 0) throw new AppError('rate_limited', 'Too many attempts, try again later', { retryAfter: wait });
}

/** Refuse with 429 while the e-mail is locked out, whatever the password. */
export async function checkLockout(q: Queryable, email: string): Promise<void> {
  const rows = await q.query(sql`
    SELECT ceil(extract(epoch FROM locked_until - now()))::int AS wait FROM login_failures
    WHERE email = ${email} AND locked_until > now()`);
  if (rows.length) {
    throw new AppError('locked_out', 'Too many failed attempts: this account is locked for a while', { retryAfter: rows[0].wait });
  }
}

/** Count a failure; the MAX_FAILURES-th inside the window locks the e-mail. */
export async function recordFailure(q: Queryable, email: string): Promise<void> {
  await q.query(sql`
    INSERT INTO login_failures AS f (email, failures, window_start) VALUES (${email}, 1, now())
    ON CONFLICT (email) DO UPDATE SET
      failures = CASE WHEN f.window_start < now() - make_interval(mins => ${WINDOW_MINUTES}) THEN 1 ELSE f.failures + 1 END,
      window_start = CASE WHEN f.window_start < now() - make_interval(mins => ${WINDOW_MINUTES}) THEN now() ELSE f.window_start END`);
  await q.query(sql`
    UPDATE login_failures SET locked_until = now() + make_interval(mins => ${LOCK_MINUTES}), failures = 0, window_start = now()
    WHERE email = ${email} AND failures >= ${MAX_FAILURES}`);
}

export async function clearFailures(q: Queryable, email: string): Promise<void> {
  await q.query(sql`DELETE FROM login_failures WHERE email = ${email}`);
}
