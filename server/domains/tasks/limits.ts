import { AppError } from '../../../shared/errors';
import { KeyedRateLimiter } from '../../lib/ratelimit';
import type { Services } from '../../services';

/**
 * Per-person rate limits of tasks, whatever door a task or comment comes through (HTTP, a slash command).
 * Kept beside the hub's services, one set per running hub: new tasks 20 at once, then one every 3 s;
 * comments 30 at once, then one a second (as in the feed).
 */
const limiters = new WeakMap<Services, { task: KeyedRateLimiter; comment: KeyedRateLimiter }>();

function limitsOf(svc: Services) {
  let l = limiters.get(svc);
  if (!l) limiters.set(svc, (l = { task: new KeyedRateLimiter(20, 1 / 3), comment: new KeyedRateLimiter(30, 1) }));
  return l;
}

/** Take a token for `what`, or throw a retryable rate_limited naming the wait. */
export function throttle(svc: Services, what: 'task' | 'comment', userId: string): void {
  const wait = limitsOf(svc)[what].take(userId);
  if (wait) throw new AppError('rate_limited', `You are ${what === 'task' ? 'creating tasks' : 'commenting'} too fast`, { retryAfter: wait });
}
