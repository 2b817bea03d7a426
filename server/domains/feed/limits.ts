import { AppError } from '../../../shared/errors';
import { KeyedRateLimiter } from '../../lib/ratelimit';
import type { Services } from '../../services';

/**
 * Per-person rate limits of the feed, whatever door a post or comment comes through. They live beside
 * the hub's services (one set per running hub) rather than in them, so the feed brings its own limits:
 * posts 20 at once, then one every 3 s; comments 30 at once, then one a second.
 */
const limiters = new WeakMap<Services, { post: KeyedRateLimiter; comment: KeyedRateLimiter }>();

function limitsOf(svc: Services) {
  let l = limiters.get(svc);
  if (!l) limiters.set(svc, (l = { post: new KeyedRateLimiter(20, 1 / 3), comment: new KeyedRateLimiter(30, 1) }));
  return l;
}

/** Take a token for `what`, or throw a retryable rate_limited naming the wait. */
export function throttle(svc: Services, what: 'post' | 'comment', userId: string): void {
  const wait = limitsOf(svc)[what].take(userId);
  if (wait) throw new AppError('rate_limited', `You are ${what === 'post' ? 'posting' : 'commenting'} too fast`, { retryAfter: wait });
}
