/**
 * A set of listeners called in turn; one that throws is logged and does not keep the others from running.
 */
import type { LogFn } from './types';

export class Listeners<A extends unknown[]> {
  private readonly handlers = new Set<(...args: A) => void>();

  /** `what` names the listeners in the log line of a failing one. */
  constructor(
    private readonly log: LogFn,
    private readonly what: string,
  ) {}

  /** Add a listener; returns the function that removes it. */
  add(handler: (...args: A) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  emit(...args: A): void {
    for (const h of this.handlers) {
      try {
        h(...args);
      } catch (e) {
        this.log(`realtime: ${this.what} handler failed`, e);
      }
    }
  }
}
