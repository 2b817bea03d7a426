import { describe, expect, it } from 'vitest';
import { StreamCursor, backoffDelay } from '../../web/src/lib/realtime/cursor';
import type { StreamEvent } from '../../shared/types';

const ev = (seq: number, stream = 'directory'): StreamEvent => ({
  stream,
  seq,
  event: { type: 'user_updated', payload: { n: seq }, actorId: null, at: '2025-01-01T00:00:00Z' },
});
const seqs = (events: StreamEvent[]) => events.map((e) => e.seq);

describe('StreamCursor', () => {
  it('releases events that continue the sequence', () => {
    const c = new StreamCursor(3);
    expect(seqs(c.offer(ev(4)))).toEqual([4]);
    expect(seqs(c.offer(ev(5)))).toEqual([5]);
    expect(c.last).toBe(5);
    expect(c.hasGap()).toBe(false);
  });

  it('drops duplicates and anything at or below the last applied seq', () => {
    const c = new StreamCursor(5);
    expect(c.offer(ev(5))).toEqual([]);
    expect(c.offer(ev(2))).toEqual([]);
    expect(seqs(c.offer(ev(6)))).toEqual([6]);
    expect(c.offer(ev(6))).toEqual([]);
    expect(c.last).toBe(6);
  });

  it('buffers out-of-order events, reports the gap, and releases them in order once filled', () => {
    const c = new StreamCursor(1);
    expect(c.offer(ev(4))).toEqual([]);
    expect(c.offer(ev(3))).toEqual([]);
    expect(c.offer(ev(4))).toEqual([]); // duplicate while buffered
    expect(c.pendingCount).toBe(2);
    expect(c.hasGap()).toBe(true);
    expect(c.last).toBe(1);
    expect(seqs(c.offer(ev(2)))).toEqual([2, 3, 4]);
    expect(c.hasGap()).toBe(false);
    expect(c.pendingCount).toBe(0);
  });

  it('knows a gap from the hub head even with nothing buffered', () => {
    const c = new StreamCursor(7);
    expect(c.hasGap(7)).toBe(false);
    expect(c.hasGap(9)).toBe(true);
  });

  it('buffers while unanchored, then anchors at head dropping what the snapshot covers', () => {
    const c = new StreamCursor();
    expect(c.anchored).toBe(false);
    expect(c.offer(ev(10))).toEqual([]);
    expect(c.offer(ev(12))).toEqual([]);
    expect(c.offer(ev(11))).toEqual([]);
    expect(c.hasGap()).toBe(false); // unanchored: nothing to fetch yet
    expect(seqs(c.anchor(10))).toEqual([11, 12]);
    expect(c.last).toBe(12);
    expect(c.anchored).toBe(true);
  });

  it('anchoring leaves a real gap to fill', () => {
    const c = new StreamCursor();
    c.offer(ev(15));
    expect(c.anchor(12)).toEqual([]);
    expect(c.last).toBe(12);
    expect(c.hasGap()).toBe(true);
    expect(seqs(c.offer(ev(13)))).toEqual([13]);
    expect(seqs(c.offer(ev(14)))).toEqual([14, 15]);
  });

  it('does not move an anchored cursor when anchored again', () => {
    const c = new StreamCursor(4);
    expect(c.anchor(9)).toEqual([]);
    expect(c.last).toBe(4);
    expect(c.hasGap(9)).toBe(true);
  });

  it('reset forgets buffered events and continues after the given seq', () => {
    const c = new StreamCursor(1);
    c.offer(ev(5));
    c.offer(ev(6));
    expect(c.highest).toBe(6);
    c.reset(600);
    expect(c.last).toBe(600);
    expect(c.pendingCount).toBe(0);
    expect(c.offer(ev(6))).toEqual([]);
    expect(seqs(c.offer(ev(601)))).toEqual([601]);
  });

  it('ignores malformed seqs', () => {
    const c = new StreamCursor(0);
    expect(c.offer({ ...ev(1), seq: 1.5 })).toEqual([]);
    expect(c.offer({ ...ev(1), seq: -1 })).toEqual([]);
    expect(c.pendingCount).toBe(0);
  });

  it('delivers every event exactly once in order under any arrival order with duplicates', () => {
    for (let trial = 0; trial < 50; trial++) {
      const n = 40;
      const arrivals: number[] = [];
      for (let s = 1; s <= n; s++) arrivals.push(s, s); // every event twice
      for (let i = arrivals.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [arrivals[i], arrivals[j]] = [arrivals[j], arrivals[i]];
      }
      const c = new StreamCursor(0);
      const applied: number[] = [];
      for (const s of arrivals) applied.push(...seqs(c.offer(ev(s))));
      expect(applied).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    }
  });
});

describe('backoffDelay', () => {
  it('grows exponentially with jitter and is capped at about 10 s', () => {
    expect(backoffDelay(0, () => 0)).toBe(250);
    expect(backoffDelay(0, () => 1)).toBe(500);
    expect(backoffDelay(3, () => 0)).toBe(2000);
    expect(backoffDelay(3, () => 1)).toBe(4000);
    for (let a = 0; a < 40; a++) {
      const d = backoffDelay(a, Math.random);
      expect(d).toBeGreaterThan(0);
      expect(d).toBeLessThanOrEqual(10_000);
    }
    expect(backoffDelay(30, () => 0)).toBe(5000);
  });
});
