import type { TemplatedApp, WebSocket } from 'uWebSockets.js';
import type { Bus, BusHandler } from '../bus';
import type { Logger } from '../log';

/**
 * Local delivery: uWS topics fed from the bus. A node subscribes to a bus channel while at least one
 * local socket wants it. This is the only caller of app.publish.
 */
export class Topics {
  private readonly counts = new Map<string, number>();
  private readonly forward: BusHandler = (message, channel) => {
    if (this.app.numSubscribers(channel) === 0) return;
    this.app.publish(channel, message, false);
  };

  constructor(
    private readonly app: TemplatedApp,
    private readonly bus: Bus,
    private readonly log: Logger,
  ) {}

  /**
   * Subscribe an open socket to a channel's topic (the caller tracks its channels and calls `release`
   * for each when the socket closes); resolves once the bus delivers that channel here.
   */
  async join(ws: WebSocket<unknown>, channel: string): Promise<void> {
    ws.subscribe(channel);
    const n = (this.counts.get(channel) ?? 0) + 1;
    this.counts.set(channel, n);
    if (n === 1) await this.bus.subscribe(channel, this.forward);
  }

  /** Unsubscribe a live socket. */
  leave(ws: WebSocket<unknown>, channel: string): void {
    ws.unsubscribe(channel);
    this.release(channel);
  }

  /** Account for a closed socket's channels (uWS already dropped its subscriptions). */
  release(channel: string): void {
    const n = (this.counts.get(channel) ?? 0) - 1;
    if (n > 0) {
      this.counts.set(channel, n);
      return;
    }
    this.counts.delete(channel);
    this.bus.unsubscribe(channel, this.forward).catch((err) => this.log.warn('bus unsubscribe failed', { channel, err }));
  }

  /** Deliver to this node's sockets on a topic, without the bus (node-local pushes such as presence). */
  publishLocal(topic: string, message: string): void {
    this.app.publish(topic, message, false);
  }
}
