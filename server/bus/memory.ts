import { HandlerRegistry, type Bus, type BusHandler } from './bus';
import type { Logger } from '../log';

/** The bus of a single node: delivery inside the process, asynchronously like a real broker. */
export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  private readonly registry = new HandlerRegistry();
  private closed = false;

  constructor(private readonly log?: Logger) {}

  async publish(channel: string, message: string): Promise<void> {
    if (this.closed) throw new Error('bus closed');
    queueMicrotask(() =>
      this.registry.deliver(channel, message, (err) => this.log?.error('bus handler failed', { channel, err })),
    );
  }

  async subscribe(channel: string, handler: BusHandler): Promise<void> {
    this.registry.add(channel, handler);
  }

  async unsubscribe(channel: string, handler: BusHandler): Promise<void> {
    this.registry.remove(channel, handler);
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('bus closed');
  }

  async close(): Promise<void> {
    this.closed = true;
    this.registry.clear();
  }
}
