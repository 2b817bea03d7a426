/**
 * Per-stream ordering of realtime events, free of any I/O so it can be unit-tested.
 *
 * A cursor knows the last seq its consumer applied (`last`). Offered events are
 *  - dropped when `seq <= last` (duplicates: a resume overlapping live delivery, a retried fetch),
 *  - released in order when they continue the sequence (`seq === last + 1`), together with any
 *    buffered successors,
 *  - buffered when they run ahead (`seq > last + 1`): a gap the caller fills with `fetch {after: last}`.
 *
 * A cursor may start unanchored (`last === null`): the stream was subscribed without a known position,
 * and the hub's subscribe answer (its `head`) anchors it. Until then every event is buffered.
 */
import type { StreamEvent } from '../../../../shared/types';

export class StreamCursor {
  private _last: number | null;
  private readonly pending = new Map<number, StreamEvent>();

  constructor(last: number | null = null) {
    this._last = last;
  }

  /** The last applied seq, or null before the cursor is anchored. */
  get last(): number | null {
    return this._last;
  }

  /** Whether the cursor knows its position in the stream. */
  get anchored(): boolean {
    return this._last !== null;
  }

  /** How many events wait for a missing predecessor (or for the anchor). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Highest seq seen, applied or buffered (null when nothing is known). */
  get highest(): number | null {
    let max = this._last;
    for (const seq of this.pending.keys()) if (max === null || seq > max) max = seq;
    return max;
  }

  /** True when events after `last` are known to exist but have not arrived: fetch `after: last`. */
  hasGap(head?: number): boolean {
    if (this._last === null) return false;
    return this.pending.size > 0 || (head !== undefined && head > this._last);
  }

  /** Offer one event; returns the events now ready to apply, in order (often just this one, or none). */
  offer(event: StreamEvent): StreamEvent[] {
    if (!Number.isInteger(event.seq) || event.seq < 0) return [];
    if (this._last !== null && event.seq <= this._last) return [];
    if (!this.pending.has(event.seq)) this.pending.set(event.seq, event);
    return this.drain();
  }

  /**
   * Anchor an unanchored cursor at the hub's `head`: buffered events up to it are dropped (the consumer's
   * snapshot, loaded after the anchor, contains them) and those right after it are released.
   * On an anchored cursor this only releases what is ready.
   */
  anchor(head: number): StreamEvent[] {
    if (this._last === null) {
      this._last = head;
      for (const seq of [...this.pending.keys()]) if (seq <= head) this.pending.delete(seq);
    }
    return this.drain();
  }

  /**
   * Forget the position and everything buffered and continue after `seq` (the hub said "reload", or a gap
   * proved unfillable): the consumer refetches its snapshot, which covers everything up to here.
   */
  reset(seq: number): void {
    this.pending.clear();
    this._last = seq;
  }

  private drain(): StreamEvent[] {
    const out: StreamEvent[] = [];
    if (this._last === null) return out;
    for (;;) {
      const next = this.pending.get(this._last + 1);
      if (!next) break;
      this.pending.delete(next.seq);
      this._last = next.seq;
      out.push(next);
    }
    return out;
  }
}

/**
 * Reconnect delay: exponential from `baseMs`, capped at `maxMs`, with "equal jitter" (half fixed, half
 * random) so that a crowd of clients dropped at once does not come back at once.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random, baseMs = 500, maxMs = 10_000): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.round(exp / 2 + (exp / 2) * random());
}
