import { randomUUID } from 'node:crypto';
import { RealtimeClient } from './client';

/**
 * A chat client that behaves like the web client under failure: an ordered send queue with a client id
 * per message, and on a dropped socket it reconnects to any node that answers, resumes the chat stream
 * from its last contiguous seq and resends what was not acknowledged, with the same client ids.
 */
export class ResilientChatClient {
  /** Every event of the chat stream received, by seq (duplicates collapse here, as in a real client). */
  readonly received = new Map<number, any>();
  /** Messages acknowledged by the hub, by client id. */
  readonly acked = new Map<string, any>();
  reconnects = 0;
  private rt: RealtimeClient | null = null;
  private readonly queue: { clientId: string; body: string }[] = [];

  constructor(
    private readonly urls: string[],
    private readonly cookie: string,
    private readonly chatId: string,
    /** The Origin browsers send: the public address in front of the nodes. */
    private readonly origin: string,
  ) {}

  /** The highest seq up to which every event has arrived. */
  contiguous(): number {
    let s = 0;
    while (this.received.has(s + 1)) s++;
    return s;
  }

  private async connect(): Promise<RealtimeClient> {
    for (let attempt = 0; ; attempt++) {
      const url = this.urls[attempt % this.urls.length];
      try {
        const rt = await RealtimeClient.open(url, this.cookie, this.origin);
        rt.ws.on('message', (data) => {
          const f = JSON.parse(data.toString());
          if (f.type === 'event' && f.stream === `chat:${this.chatId}`) this.received.set(f.seq, f);
        });
        const sub = await rt.request({ type: 'subscribe', streams: [{ stream: `chat:${this.chatId}`, after: this.contiguous() }] });
        if (!sub.ok) throw new Error(JSON.stringify(sub));
        // Events sent before our listener was attached are in rt.frames too.
        for (const f of rt.events(`chat:${this.chatId}`)) this.received.set(f.seq, f);
        if (attempt > 0 || this.rt) this.reconnects++;
        this.rt = rt;
        rt.closed.then(() => {
          if (this.rt === rt) this.rt = null;
        });
        return rt;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** Send `bodies` in order, surviving node failures, until every one is acknowledged. */
  async sendAll(bodies: string[], pauseMs = 5): Promise<void> {
    for (const body of bodies) this.queue.push({ clientId: randomUUID(), body });
    while (this.queue.length) {
      const rt = this.rt ?? (await this.connect());
      const item = this.queue[0];
      const r = await rt
        .request({ type: 'message_send', chatId: this.chatId, clientId: item.clientId, body: item.body }, 5_000)
        .catch(() => null);
      if (r?.ok) {
        this.acked.set(item.clientId, r.message);
        this.queue.shift();
        if (pauseMs) await new Promise((res) => setTimeout(res, pauseMs));
      } else if (r?.error.code === 'rate_limited') {
        // Retryable: wait as told, then send the same item again.
        await new Promise((res) => setTimeout(res, (r.error.retryAfter ?? 1) * 1000));
      } else if (r && r.error.code !== 'closed' && r.error.code !== 'internal' && r.error.code !== 'unavailable') {
        throw new Error(`send refused: ${JSON.stringify(r)}`);
      } else {
        // The socket died mid-request: reconnect and resend the same item (same client id).
        this.rt?.close();
        this.rt = null;
      }
    }
  }

  /**
   * Wait until everything up to `head` has arrived, reconnecting if the socket drops, and filling gaps
   * from the stored events as a real client does: the bus is at-most-once (a node killed between its
   * commit and its publish never announces that event).
   */
  async catchUp(head: number, ms = 15_000): Promise<void> {
    const until = Date.now() + ms;
    while (this.contiguous() < head) {
      if (Date.now() > until) throw new Error(`stuck at ${this.contiguous()} of ${head}`);
      const rt = this.rt ?? (await this.connect());
      const r = await rt.request({ type: 'fetch', stream: `chat:${this.chatId}`, after: this.contiguous() }).catch(() => null);
      if (r?.ok) for (const e of r.events) this.received.set(e.seq, { type: 'event', ...e });
      else await new Promise((res) => setTimeout(res, 50));
    }
  }

  close(): void {
    this.rt?.close();
  }
}
