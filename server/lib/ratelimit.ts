/** A token bucket: `capacity` tokens, refilled at `perSecond`; each action takes one. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    now = Date.now(),
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  /** Take a token; returns 0 when allowed, else the seconds until one is available. */
  take(now = Date.now()): number {
    // A clock stepping backwards refills nothing and takes nothing away.
    this.tokens = Math.min(this.capacity, this.tokens + (Math.max(0, now - this.last) / 1000) * this.perSecond);
    this.last = Math.max(now, this.last);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.tokens) / this.perSecond);
  }

  /** True when the bucket is full again, so a keyed limiter may forget it. */
  idle(now = Date.now()): boolean {
    return this.tokens + (Math.max(0, now - this.last) / 1000) * this.perSecond >= this.capacity;
  }
}

/** Token buckets per key (e.g. per client address), forgetting keys whose bucket has refilled. */
export class KeyedRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
  ) {
    this.timer = setInterval(() => this.prune(), 60_000);
    this.timer.unref();
  }

  /** 0 when allowed, else seconds to wait. */
  take(key: string, now = Date.now()): number {
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = new TokenBucket(this.capacity, this.perSecond, now)));
    return b.take(now);
  }

  private prune(): void {
    const now = Date.now();
    for (const [k, b] of this.buckets) if (b.idle(now)) this.buckets.delete(k);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
