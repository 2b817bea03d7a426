import { createClient } from 'redis';
import { HandlerRegistry, type Bus, type BusHandler } from './bus';
import type { Logger } from '../log';

type Client = ReturnType<typeof createClient>;

/** The bus between hub nodes: Redis pub/sub, one Redis channel per bus channel while a local handler wants it. */
export class RedisBus implements Bus {
  readonly kind = 'redis' as const;
  private readonly registry = new HandlerRegistry();
  private readonly listener = (message: string, channel: string) =>
    this.registry.deliver(channel, message, (err) => this.log.error('bus handler failed', { channel, err }));

  private constructor(
    private readonly pub: Client,
    private readonly sub: Client,
    private readonly log: Logger,
    private readonly prefix: string,
  ) {}

  /** Connect the publishing and the subscribing client; rejects when Redis does not answer. */
  static async connect(url: string, log: Logger, prefix = 'artel:'): Promise<RedisBus> {
    const reconnectStrategy = (retries: number) => Math.min(100 * 2 ** retries, 3000);
    // Publishing fails at once while Redis is away instead of waiting in an offline queue: the write path
    // publishes after its commit, and an acknowledgement must not wait for Redis (subscribers fill the gap
    // from the stored events). Subscribing may wait for the reconnect; the subscriber re-subscribes then.
    const pub = createClient({ url, disableOfflineQueue: true, socket: { reconnectStrategy, connectTimeout: 5000 } });
    const sub = pub.duplicate({ disableOfflineQueue: false });
    for (const [name, c] of [['pub', pub], ['sub', sub]] as const) {
      c.on('error', (err: Error) => log.warn('redis error', { client: name, err: err.message }));
      c.on('reconnecting', () => log.warn('redis reconnecting', { client: name }));
    }
    await Promise.all([pub.connect(), sub.connect()]);
    return new RedisBus(pub, sub, log, prefix);
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.pub.publish(this.prefix + channel, message);
  }

  async subscribe(channel: string, handler: BusHandler): Promise<void> {
    if (this.registry.add(channel, handler)) {
      await this.sub.subscribe(this.prefix + channel, (message, redisChannel) =>
        this.listener(message, redisChannel.slice(this.prefix.length)),
      );
    }
  }

  async unsubscribe(channel: string, handler: BusHandler): Promise<void> {
    if (this.registry.remove(channel, handler)) await this.sub.unsubscribe(this.prefix + channel);
  }

  async ping(): Promise<void> {
    await this.pub.ping();
  }

  async close(): Promise<void> {
    this.registry.clear();
    await Promise.allSettled([this.sub.quit(), this.pub.quit()]);
  }
}
