/**
 * The realtime client's per-stream subscriptions, independent of the socket (the client lends it a way to
 * send requests):
 *
 *  - After every (re)connect each stream is re-subscribed (in batches) with `after` = the last seq applied
 *    for it, so the hub sends exactly what was missed.
 *  - Events are deduplicated by (stream, seq), reordered, and gaps are filled with `fetch` (StreamCursor).
 *  - A subscribe answer with `reload: true` (too much missed) calls the stream's reload callback.
 *
 * Imports from shared/ are relative (not `$shared`) so this module also loads in plain vitest/tsc.
 */
import { RESUME_CAP } from '../../../../shared/protocol';
import type { ClientMessage, OkReply, ReplyPayloads, SubscribeResult } from '../../../../shared/protocol';
import type { EventBody, StreamEvent } from '../../../../shared/types';
import { StreamCursor } from './cursor';
import { RealtimeError, type EventHandler, type LogFn, type ReloadHandler, type SubscribeOptions } from './types';

/** What the subscriptions need from the connection that owns them. */
export interface SubscriptionHost {
  /** The client is started (not stopped for good). */
  isRunning(): boolean;
  /** The connection is open and hello was accepted. */
  isOnline(): boolean;
  nextId(): string;
  /** Send a request on the current connection and resolve with its successful reply. */
  send(frame: ClientMessage): Promise<unknown>;
  log: LogFn;
}

interface Subscription {
  stream: string;
  cursor: StreamCursor;
  onEvent: EventHandler;
  onReload: ReloadHandler | undefined;
  /** A subscribe request for it is in flight on the current connection. */
  subscribing: boolean;
  /** A gap fill is running. */
  fetching: boolean;
}

/** Streams re-subscribed per request after a (re)connect. */
const BATCH = 100;

export class StreamSubscriptions {
  private readonly streams = new Map<string, Subscription>();

  constructor(private readonly host: SubscriptionHost) {}

  /** Follow a stream (replacing a previous subscription to it); returns the function that ends it. */
  add(stream: string, onEvent: EventHandler, onReload: ReloadHandler | undefined, options: SubscribeOptions): () => void {
    const sub: Subscription = {
      stream,
      cursor: new StreamCursor(options.after ?? null),
      onEvent,
      onReload,
      subscribing: false,
      fetching: false,
    };
    this.streams.set(stream, sub);
    if (this.host.isOnline()) void this.subscribeBatch([sub]);
    return () => this.unsubscribe(sub);
  }

  /** The last seq applied for a stream (null before it is anchored or when not subscribed). */
  lastSeq(stream: string): number | null {
    return this.streams.get(stream)?.cursor.last ?? null;
  }

  /** Subscribe every stream again on a fresh connection, resuming after each cursor. */
  resubscribeAll(): void {
    const subs = [...this.streams.values()];
    for (let i = 0; i < subs.length; i += BATCH) void this.subscribeBatch(subs.slice(i, i + BATCH));
  }

  /** The connection closed: no subscribe request is in flight any more. */
  connectionLost(): void {
    for (const sub of this.streams.values()) sub.subscribing = false;
  }

  /** An `event` frame from the hub. */
  onEventFrame(frame: StreamEvent): void {
    const sub = this.streams.get(frame.stream);
    if (!sub || typeof frame.seq !== 'number') return;
    const event: StreamEvent = { stream: frame.stream, seq: frame.seq, event: frame.event as EventBody };
    this.deliver(sub, sub.cursor.offer(event));
    if (!sub.subscribing && !sub.fetching && sub.cursor.hasGap()) void this.fillGap(sub);
  }

  private deliver(sub: Subscription, events: StreamEvent[]): void {
    for (const ev of events) {
      try {
        sub.onEvent(ev);
      } catch (e) {
        this.host.log(`realtime: ${sub.stream} event handler failed`, e);
      }
    }
  }

  private reload(sub: Subscription): void {
    try {
      sub.onReload?.();
    } catch (e) {
      this.host.log(`realtime: ${sub.stream} reload handler failed`, e);
    }
  }

  private async subscribeBatch(subs: Subscription[]): Promise<void> {
    if (subs.length === 0) return;
    for (const sub of subs) sub.subscribing = true;
    const streams = subs.map((s) => (s.cursor.last === null ? { stream: s.stream } : { stream: s.stream, after: s.cursor.last }));
    let reply: ReplyPayloads['subscribe'];
    try {
      reply = (await this.host.send({ type: 'subscribe', id: this.host.nextId(), streams })) as OkReply<'subscribe'>;
    } catch (e) {
      for (const sub of subs) sub.subscribing = false;
      this.host.log('realtime: subscribe failed', e);
      // The hub refuses a whole request when one of its streams is not (or no longer) ours: ask for each
      // alone, so one lost stream does not leave the others unsubscribed.
      if (subs.length > 1 && e instanceof RealtimeError && (e.code === 'forbidden' || e.code === 'not_found')) {
        for (const sub of subs) if (this.streams.get(sub.stream) === sub) void this.subscribeBatch([sub]);
      }
      return;
    }
    for (const result of reply.streams) {
      const sub = subs.find((s) => s.stream === result.stream);
      if (!sub || this.streams.get(sub.stream) !== sub) continue;
      sub.subscribing = false;
      this.onSubscribed(sub, result);
    }
    for (const sub of subs) sub.subscribing = false;
  }

  private onSubscribed(sub: Subscription, result: SubscribeResult): void {
    const { cursor } = sub;
    if (result.reload) {
      cursor.reset(Math.max(result.head, cursor.highest ?? result.head));
      this.reload(sub);
      return;
    }
    if (!cursor.anchored) {
      this.deliver(sub, cursor.anchor(result.head));
      this.reload(sub);
    } else {
      this.deliver(sub, cursor.anchor(result.head));
    }
    if (!sub.fetching && cursor.hasGap(result.head)) void this.fillGap(sub, result.head);
  }

  /** Fetch what is missing after the cursor until the buffered events connect. */
  private async fillGap(sub: Subscription, knownHead?: number): Promise<void> {
    sub.fetching = true;
    let head = knownHead;
    let stalls = 0;
    try {
      while (this.host.isRunning() && this.streams.get(sub.stream) === sub && sub.cursor.hasGap(head)) {
        const before = sub.cursor.last as number;
        const reply = (await this.host.send({
          type: 'fetch',
          id: this.host.nextId(),
          stream: sub.stream,
          after: before,
          limit: RESUME_CAP,
        })) as OkReply<'fetch'>;
        if (this.streams.get(sub.stream) !== sub) return;
        for (const ev of reply.events) this.deliver(sub, sub.cursor.offer(ev));
        head = reply.head;
        const progressed = (sub.cursor.last as number) > before;
        if (reply.more && progressed) continue;
        if (!sub.cursor.hasGap(head)) break;
        // Still a hole: its events may be committed but not yet delivered. Wait a little, then give up
        // and resynchronize through the consumer's snapshot.
        stalls = progressed ? 0 : stalls + 1;
        if (stalls >= 3) {
          sub.cursor.reset(Math.max(head, sub.cursor.highest ?? head));
          this.reload(sub);
          break;
        }
        await new Promise((r) => setTimeout(r, 200 * (stalls + 1)));
      }
    } catch (e) {
      // Connection trouble: the resubscribe after reconnect resumes from the cursor.
      this.host.log(`realtime: fetch ${sub.stream} failed`, e);
    } finally {
      sub.fetching = false;
    }
  }

  private unsubscribe(sub: Subscription): void {
    if (this.streams.get(sub.stream) !== sub) return;
    this.streams.delete(sub.stream);
    if (this.host.isOnline()) {
      this.host.send({ type: 'unsubscribe', id: this.host.nextId(), streams: [sub.stream] }).catch(() => {});
    }
  }
}
