/**
 * Knowing that our edits are stored. The y-websocket protocol has no acknowledgement, but the hub handles
 * each socket's messages strictly in order and stores an update before it handles the next message, and
 * it echoes every awareness change back to its sender. So after local edits we bump our own awareness
 * state (a new clock); when the echo carrying that clock (or a later one) comes back, everything sent
 * before it is in PostgreSQL. This module holds the pure parts: reading a client's clock out of an
 * awareness update, and the small state machine that says "saving" or "saved".
 */
import * as decoding from 'lib0/decoding';

/**
 * The clock of `clientId` in an encoded awareness update (y-protocols/awareness: a count, then per
 * client its id, clock and JSON state), or null when the update does not mention it or does not decode.
 */
export function awarenessClock(update: Uint8Array, clientId: number): number | null {
  try {
    const decoder = decoding.createDecoder(update);
    const count = decoding.readVarUint(decoder);
    let found: number | null = null;
    for (let i = 0; i < count; i++) {
      const id = decoding.readVarUint(decoder);
      const clock = decoding.readVarUint(decoder);
      decoding.readVarString(decoder);
      if (id === clientId) found = Math.max(found ?? 0, clock);
    }
    return found;
  } catch {
    return null;
  }
}

/** What the save indicator says about our own edits. */
export type SaveState = 'saved' | 'saving';

/**
 * Tracks local edits against the hub's echoes. `edited()` on every local change; `asked(clock)` when the
 * awareness bump that asks for confirmation went out with that clock; `echoed(clock)` for each clock of
 * ours the hub sent back. Edits made after the last ask keep the state "saving" until a newer ask is
 * echoed.
 */
export class SaveTracker {
  /** Local edits so far (a counter, so a later edit is told apart from one already confirmed). */
  private edits = 0;
  /** The edit count covered by the last ask, and that ask's clock. */
  private askedEdits = 0;
  private askedClock: number | null = null;
  /** The edit count the hub has confirmed. */
  private confirmedEdits = 0;

  get state(): SaveState {
    return this.confirmedEdits >= this.edits ? 'saved' : 'saving';
  }

  /** Whether there are edits not yet covered by an ask (the owner should ask again soon). */
  get needsAsk(): boolean {
    return this.askedEdits < this.edits || (this.askedClock === null && this.confirmedEdits < this.edits);
  }

  edited(): void {
    this.edits++;
  }

  asked(clock: number): void {
    this.askedEdits = this.edits;
    this.askedClock = clock;
  }

  /** An echo of our awareness with `clock`: confirms the last ask when it is at least that ask's clock. */
  echoed(clock: number): boolean {
    if (this.askedClock === null || clock < this.askedClock) return false;
    this.confirmedEdits = Math.max(this.confirmedEdits, this.askedEdits);
    this.askedClock = null;
    return true;
  }

  /** The connection dropped: an ask in flight may never be echoed, so the next connection asks again. */
  reset(): void {
    this.askedClock = null;
    this.askedEdits = this.confirmedEdits;
  }
}
