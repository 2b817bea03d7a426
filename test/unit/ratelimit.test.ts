import { afterEach, describe, expect, it } from 'vitest';
import { KeyedRateLimiter, TokenBucket } from '../../server/lib/ratelimit';

const T0 = 1_700_000_000_000;

describe('TokenBucket', () => {
  it('starts full: `capacity` takes pass at once, the next one waits', () => {
    const b = new TokenBucket(3, 1, T0);
    expect([b.take(T0), b.take(T0), b.take(T0)]).toEqual([0, 0, 0]);
    expect(b.take(T0)).toBe(1);
  });

  it('a refused take costs nothing: tokens keep refilling while refused', () => {
    const b = new TokenBucket(2, 1, T0);
    b.take(T0);
    b.take(T0);
    expect(b.take(T0 + 500)).toBe(1); // half a token: wait ceil(0.5 s)
    expect(b.take(T0 + 999)).toBe(1);
    expect(b.take(T0 + 1000)).toBe(0); // one whole token by now, despite the refusals
    expect(b.take(T0 + 1000)).toBe(1);
  });

  it('refills at perSecond and never beyond capacity', () => {
    const b = new TokenBucket(5, 2, T0);
    for (let i = 0; i < 5; i++) expect(b.take(T0)).toBe(0);
    expect(b.take(T0)).toBe(1);
    // 1 s later: 2 tokens.
    expect(b.take(T0 + 1000)).toBe(0);
    expect(b.take(T0 + 1000)).toBe(0);
    expect(b.take(T0 + 1000)).toBe(1);
    // An hour later: full (5), not 7200.
    const later = T0 + 3_600_000;
    for (let i = 0; i < 5; i++) expect(b.take(later)).toBe(0);
    expect(b.take(later)).toBeGreaterThan(0);
  });

  it('the wait is whole seconds, never too short, and at most a second more than needed', () => {
    const b = new TokenBucket(1, 1 / 6, T0); // one token per 6 s
    expect(b.take(T0)).toBe(0);
    expect(b.take(T0)).toBe(6);
    // At each moment the exact wait is (6000 - elapsed) ms; the answer rounds it up (floating point may add a second).
    for (const elapsed of [1000, 2000, 3000, 4500, 5500, 5999]) {
      const probe = new TokenBucket(1, 1 / 6, T0);
      probe.take(T0);
      const wait = probe.take(T0 + elapsed);
      expect(Number.isInteger(wait)).toBe(true);
      const exact = (6000 - elapsed) / 1000;
      expect(wait).toBeGreaterThanOrEqual(Math.ceil(exact));
      expect(wait).toBeLessThanOrEqual(Math.ceil(exact) + 1);
      // Waiting as told is always enough.
      expect(probe.take(T0 + elapsed + wait * 1000)).toBe(0);
    }
    expect(b.take(T0 + 6000)).toBe(0);
  });

  it('idle() tells when the bucket is full again', () => {
    const b = new TokenBucket(3, 1, T0);
    expect(b.idle(T0)).toBe(true);
    b.take(T0);
    b.take(T0);
    expect(b.idle(T0)).toBe(false);
    expect(b.idle(T0 + 1999)).toBe(false);
    expect(b.idle(T0 + 2000)).toBe(true);
    // idle() only looks: it does not change the bucket.
    expect(b.take(T0)).toBe(0);
    expect(b.take(T0)).toBe(1);
  });

  it('the hub socket budget (burst 60, 20/s): 60 at once, then 20 per second', () => {
    const b = new TokenBucket(60, 20, T0);
    let passed = 0;
    for (let i = 0; i < 200; i++) if (b.take(T0) === 0) passed++;
    expect(passed).toBe(60);
    passed = 0;
    for (let i = 0; i < 200; i++) if (b.take(T0 + 1000) === 0) passed++;
    expect(passed).toBe(20);
  });

  it('a steady rate at perSecond is never refused', () => {
    const b = new TokenBucket(2, 10, T0);
    for (let i = 0; i < 1000; i++) expect(b.take(T0 + i * 100)).toBe(0);
  });

  it('a clock stepping backwards does not take tokens away', () => {
    const b = new TokenBucket(10, 1 / 6, T0);
    expect(b.take(T0)).toBe(0); // 9 left
    expect(b.take(T0 - 3_600_000)).toBe(0); // clock went back one hour: still 8 left
  });
});

describe('KeyedRateLimiter', () => {
  const limiters: KeyedRateLimiter[] = [];
  const make = (capacity: number, perSecond: number) => {
    const l = new KeyedRateLimiter(capacity, perSecond);
    limiters.push(l);
    return l;
  };
  afterEach(() => {
    for (const l of limiters.splice(0)) l.stop();
  });

  it('the auth limit: 10 attempts per address at once, then one every 6 s', () => {
    const l = make(10, 1 / 6);
    for (let i = 0; i < 10; i++) expect(l.take('127.0.0.1', T0)).toBe(0);
    expect(l.take('127.0.0.1', T0)).toBe(6);
    const wait = l.take('127.0.0.1', T0 + 2000);
    expect(wait === 4 || wait === 5).toBe(true); // 4 s exactly, floating point may round up to 5
    expect(l.take('127.0.0.1', T0 + 6000)).toBe(0);
    expect(l.take('127.0.0.1', T0 + 6000)).toBe(6);
    expect(l.take('127.0.0.1', T0 + 12_000)).toBe(0);
  });

  it('keys are independent: one address using up its budget does not affect another', () => {
    const l = make(2, 1);
    expect(l.take('a', T0)).toBe(0);
    expect(l.take('a', T0)).toBe(0);
    expect(l.take('a', T0)).toBe(1);
    expect(l.take('b', T0)).toBe(0);
    expect(l.take('b', T0)).toBe(0);
    expect(l.take('b', T0)).toBe(1);
    expect(l.take('a', T0)).toBe(1);
  });

  it('a key first seen late starts with a full bucket at that time', () => {
    const l = make(3, 1);
    l.take('early', T0);
    const late = T0 + 10 * 60_000;
    for (let i = 0; i < 3; i++) expect(l.take('late', late)).toBe(0);
    expect(l.take('late', late)).toBe(1);
  });

  it('keys are compared exactly (IPv4 text vs IPv6-mapped are different keys)', () => {
    const l = make(1, 1);
    expect(l.take('127.0.0.1', T0)).toBe(0);
    expect(l.take('127.0.0.1', T0)).toBe(1);
    expect(l.take('::ffff:127.0.0.1', T0)).toBe(0);
  });

  it('stop() can be called and the limiter still answers', () => {
    const l = make(1, 1);
    l.stop();
    expect(l.take('k', T0)).toBe(0);
    expect(l.take('k', T0)).toBe(1);
  });
});
