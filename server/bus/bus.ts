/** Receives the messages published on a channel it subscribed to. */
export type BusHandler = (message: string, channel: string) => void;

/**
 * Fan-out between hub nodes. At-most-once: a message may be lost (a Redis restart), never duplicated
 * by the bus itself; correctness never depends on it (clients fill gaps by seq from PostgreSQL).
 * A publisher receives its own messages when it is subscribed to the channel.
 */
export interface Bus {
  readonly kind: 'memory' | 'redis';
  publish(channel: string, message: string): Promise<void>;
  /** Add a handler to a channel; resolves once messages published afterwards will reach it. */
  subscribe(channel: string, handler: BusHandler): Promise<void>;
  unsubscribe(channel: string, handler: BusHandler): Promise<void>;
  /** Throws when the bus cannot carry messages right now (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Keeps handlers per channel; the shared bookkeeping of every bus implementation. */
export class HandlerRegistry {
  private readonly handlers = new Map<string, Set<BusHandler>>();

  /** Add a handler; true when it is the channel's first. */
  add(channel: string, handler: BusHandler): boolean {
    let set = this.handlers.get(channel);
    const first = !set;
    if (!set) this.handlers.set(channel, (set = new Set()));
    set.add(handler);
    return first;
  }

  /** Remove a handler; true when the channel has none left. */
  remove(channel: string, handler: BusHandler): boolean {
    const set = this.handlers.get(channel);
    if (!set) return false;
    set.delete(handler);
    if (set.size > 0) return false;
    this.handlers.delete(channel);
    return true;
  }

  deliver(channel: string, message: string, onError: (err: unknown) => void): void {
    const set = this.handlers.get(channel);
    if (!set) return;
    for (const handler of [...set]) {
      try {
        handler(message, channel);
      } catch (err) {
        onError(err);
      }
    }
  }

  channels(): string[] {
    return [...this.handlers.keys()];
  }

  clear(): void {
    this.handlers.clear();
  }
}
