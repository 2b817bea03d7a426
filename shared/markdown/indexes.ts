/** Precomputed indexes that keep link destinations and code spans linear in the input. */

import { WS } from './chars';

/**
 * For `[text](dest)`: where each destination starting at q ends. The destination runs to the first `)` that
 * is not balanced by a `(` after q and must not contain whitespace or control characters. Built in linear
 * time: with depth[k] = (count of `(`) − (count of `)`) in s[0, k), the closing `)` is at k − 1 for the first
 * k > q with depth[k] = depth[q] − 1.
 */
export class DestIndex {
  private readonly nextLower: Int32Array;
  private readonly nextBad: Int32Array;

  constructor(s: string) {
    const n = s.length;
    const depth = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) depth[i + 1] = depth[i] + (s[i] === '(' ? 1 : s[i] === ')' ? -1 : 0);
    // lastSeen[v + n] = smallest index > k seen so far with depth v.
    const lastSeen = new Int32Array(2 * n + 3).fill(-1);
    this.nextLower = new Int32Array(n + 1);
    for (let k = n; k >= 0; k--) {
      this.nextLower[k] = lastSeen[depth[k] - 1 + n + 1];
      lastSeen[depth[k] + n + 1] = k;
    }
    this.nextBad = new Int32Array(n + 1);
    this.nextBad[n] = n;
    for (let i = n - 1; i >= 0; i--) {
      const c = s.charCodeAt(i);
      const bad = c <= 0x20 || (c >= 0x7f && c <= 0x9f) || WS.test(s[i]);
      this.nextBad[i] = bad ? i : this.nextBad[i + 1];
    }
  }

  /** Index of the `)` closing a destination that starts at q, or -1. */
  end(q: number): number {
    const k = this.nextLower[q];
    if (k < 0) return -1;
    const e = k - 1;
    return this.nextBad[q] >= e ? e : -1;
  }
}

/**
 * Code spans: a run of n backticks up to the next run of exactly n. Runs are indexed once by length; the
 * lookup pointers only move forward, as the scan does.
 */
export class CodeRuns {
  private readonly byLen = new Map<number, number[]>();
  private readonly ptr = new Map<number, number>();

  constructor(s: string) {
    for (let i = 0; i < s.length; ) {
      if (s[i] !== '`') {
        i++;
        continue;
      }
      let j = i;
      while (s[j] === '`') j++;
      const len = j - i;
      let list = this.byLen.get(len);
      if (!list) this.byLen.set(len, (list = []));
      list.push(i);
      i = j;
    }
  }

  /** Start of the first maximal run of exactly `len` backticks starting after `after`, or -1. */
  next(len: number, after: number): number {
    const list = this.byLen.get(len);
    if (!list) return -1;
    let p = this.ptr.get(len) ?? 0;
    while (p < list.length && list[p] <= after) p++;
    this.ptr.set(len, p);
    return p < list.length ? list[p] : -1;
  }
}
