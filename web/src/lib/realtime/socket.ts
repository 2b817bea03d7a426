/**
 * The realtime client: one WebSocket to the hub's `/ws`, framework-free so it can be unit-tested with a
 * fake socket. This module is the connection lifecycle; `subscriptions.ts` keeps the per-stream state,
 * `requests.ts` the request/reply bookkeeping, and `types.ts` the public types (re-exported here).
 *
 *  - The first frame is `hello {v: PROTOCOL_VERSION}`; requests are correlated with replies by `re`.
 *  - Reconnects with exponential backoff and jitter (at most ~10 s); after every (re)connect it
 *    re-subscribes each stream with `after` = the last seq applied for it (see `subscriptions.ts`: events
 *    are deduplicated, reordered and gaps filled with `fetch`; `reload: true` calls the reload callback).
 *  - Close codes 4401 / 4403 (signed out, deactivated, revoked) stop it for good and call `onAuthLost`.
 *
 * Imports from shared/ are relative (not `$shared`) so this module also loads in plain vitest/tsc.
 */
import { CloseCode, PROTOCOL_VERSION } from '../../../../shared/protocol';
import type { ClientMessage, OkReply } from '../../../../shared/protocol';
import type { PresenceStatus, StreamEvent } from '../../../../shared/types';
import { backoffDelay } from './cursor';
import { RequestTracker, parseFrame } from './requests';
import { Listeners } from './listeners';
import { StreamSubscriptions } from './subscriptions';
import { RealtimeError, resolveOptions } from './types';
import type { ConnectionStatus, EventHandler, PresenceHandler, RealtimeOptions, ReloadHandler } from './types';
import type { LogFn, RequestMessage, ResolvedOptions, StatusHandler, SubscribeOptions, WebSocketLike } from './types';

// The public API: the rest of the app imports the realtime client and its types from this module.
export { RealtimeError } from './types';
export type { ConnectionStatus, EventHandler, PresenceHandler, RealtimeOptions, ReloadHandler } from './types';
export type { RequestMessage, StatusHandler, SubscribeOptions, WebSocketLike } from './types';

/** A push frame the client does not handle itself (`typing`, `read`, …): its type and fields. */
export type PushFrame = { type: string } & Record<string, unknown>;

/** The ws:/wss: URL of `/ws` on the page's own origin. */
export function realtimeUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}

export class RealtimeClient {
  private readonly opts: ResolvedOptions;
  private readonly log: LogFn = (...args) => this.opts.log(...args);
  private ws: WebSocketLike | null = null;
  private _status: ConnectionStatus = 'offline';
  private running = false;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private readonly requests: RequestTracker;
  private readonly subs: StreamSubscriptions;
  private readonly statusHandlers: Listeners<[ConnectionStatus]>;
  private readonly presenceHandlers: Listeners<[string, PresenceStatus]>;
  private readonly pushHandlers: Listeners<[PushFrame]>;

  constructor(options: RealtimeOptions) {
    this.opts = resolveOptions(options);
    this.statusHandlers = new Listeners(this.log, 'status');
    this.presenceHandlers = new Listeners(this.log, 'presence');
    this.pushHandlers = new Listeners(this.log, 'push');
    this.requests = new RequestTracker(this.opts.requestTimeoutMs, this.log);
    this.subs = new StreamSubscriptions({
      isRunning: () => this.running,
      isOnline: () => this._status === 'online',
      nextId: () => this.requests.nextId(),
      send: (frame) => this.send(frame),
      log: this.log,
    });
  }

  /** Current connection status. */
  get status(): ConnectionStatus {
    return this._status;
  }

  /** Open the connection (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.attempt = 0;
    this.connect();
  }

  /** Close the connection for good; pending requests fail with `unavailable`. */
  stop(): void {
    this.running = false;
    this.clearReconnect();
    this.stopPing();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      this.detach(ws);
      try {
        ws.close(CloseCode.normal, 'bye');
      } catch {
        /* already closed */
      }
    }
    this.requests.failAll('Realtime client stopped');
    this.setStatus('offline');
  }

  /** Skip the backoff wait and try now (e.g. the browser went back online). */
  reconnectNow(): void {
    if (!this.running || this.ws) return;
    this.clearReconnect();
    this.connect();
  }

  /** Listen to connection status changes; the handler is called at once with the current status. */
  onStatus(handler: StatusHandler): () => void {
    const off = this.statusHandlers.add(handler);
    handler(this._status);
    return off;
  }

  /** Listen to presence pushes. */
  onPresence(handler: PresenceHandler): () => void {
    return this.presenceHandlers.add(handler);
  }

  /** Listen to other pushes that are neither replies, events nor presence (e.g. `typing`, `read`). */
  onPush(handler: (frame: PushFrame) => void): () => void {
    return this.pushHandlers.add(handler);
  }

  /**
   * Follow a stream. `onEvent` gets each event exactly once, in seq order. `onReload` is called when the
   * consumer must refetch its snapshot (the first anchoring without `after`, or the hub said reload).
   * Returns the function that ends the subscription. Subscribing to a stream again replaces the previous
   * subscription.
   */
  subscribe(stream: string, onEvent: EventHandler, onReload?: ReloadHandler, options: SubscribeOptions = {}): () => void {
    return this.subs.add(stream, onEvent, onReload, options);
  }

  /** The last seq applied for a stream (null before it is anchored or when not subscribed). */
  lastSeq(stream: string): number | null {
    return this.subs.lastSeq(stream);
  }

  /**
   * Send a request and resolve with the hub's successful reply; reject with RealtimeError on an error
   * reply, a timeout or a lost connection. While the connection is not ready, the request waits for it
   * (up to the request timeout).
   */
  request<M extends RequestMessage>(msg: M): Promise<OkReply<M['type']>> {
    const frame = { ...msg, id: msg.id ?? this.requests.nextId() } as ClientMessage;
    if (!this.running) return Promise.reject(new RealtimeError({ code: 'unavailable', message: 'Realtime client stopped' }));
    if (this._status === 'online') return this.send(frame) as Promise<OkReply<M['type']>>;
    return this.requests.enqueue(frame) as Promise<OkReply<M['type']>>;
  }

  // ---- connection lifecycle ----

  private connect(): void {
    this.reconnectTimer = null;
    if (!this.running) return;
    this.setStatus(this.attempt >= 2 ? 'offline' : 'connecting');
    let ws: WebSocketLike;
    try {
      ws = this.opts.createSocket(this.opts.url);
    } catch (e) {
      this.opts.log('realtime: cannot create socket', e);
      this.scheduleReconnect(false, 0);
      return;
    }
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.hello(ws);
    };
    ws.onmessage = (ev) => {
      if (this.ws === ws) this.onFrame(ev.data);
    };
    ws.onerror = () => {
      /* onclose follows */
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.onClosed(ev.code, opened);
    };
  }

  private hello(ws: WebSocketLike): void {
    this.send({ type: 'hello', id: this.requests.nextId(), v: PROTOCOL_VERSION }, ws).then(
      (reply) => {
        if (this.ws !== ws) return;
        this.attempt = 0;
        this.setStatus('online');
        this.startPing(ws);
        this.opts.onHello?.(reply as OkReply<'hello'>);
        this.subs.resubscribeAll();
        this.requests.flushWaiting((frame) => this.send(frame));
      },
      (err: RealtimeError) => {
        if (this.ws !== ws) return;
        if (err.code === 'protocol_version') {
          this.opts.log('realtime: protocol version refused', err);
          this.stop();
          this.opts.onProtocolMismatch?.();
        } else if (err.code === 'unauthenticated' || err.code === 'forbidden') {
          this.authLost(CloseCode.unauthenticated);
        } else {
          this.abandon(ws, CloseCode.badFrame);
        }
      },
    );
  }

  private onClosed(code: number, opened: boolean): void {
    const ws = this.ws;
    this.ws = null;
    if (ws) this.detach(ws);
    this.stopPing();
    this.requests.failPending('Connection closed');
    this.subs.connectionLost();
    if (!this.running) return;
    if (code === CloseCode.unauthenticated || code === CloseCode.forbidden) {
      this.authLost(code);
      return;
    }
    this.scheduleReconnect(!opened, code === CloseCode.rateLimited ? this.opts.maxBackoffMs : 0);
  }

  /** Drop a socket we no longer trust (no pong, bad hello) and go through the reconnect path at once. */
  private abandon(ws: WebSocketLike, code: number): void {
    if (this.ws !== ws) return;
    try {
      ws.close(code);
    } catch {
      /* ignore */
    }
    this.onClosed(code, true);
  }

  private scheduleReconnect(failedBeforeOpen: boolean, minDelay: number): void {
    this.attempt++;
    this.setStatus(this.attempt >= 2 ? 'offline' : 'connecting');
    const delay = Math.max(
      minDelay,
      backoffDelay(this.attempt - 1, this.opts.random, this.opts.baseBackoffMs, this.opts.maxBackoffMs),
    );
    const wait = () => {
      if (!this.running) return;
      this.clearReconnect();
      this.reconnectTimer = setTimeout(() => this.connect(), delay);
    };
    if (failedBeforeOpen && this.opts.checkAuth) {
      this.opts.checkAuth().then(
        (ok) => (ok ? wait() : this.authLost(CloseCode.unauthenticated)),
        () => wait(),
      );
    } else {
      wait();
    }
  }

  private authLost(code: number): void {
    this.stop();
    this.opts.onAuthLost?.(code);
  }

  private detach(ws: WebSocketLike): void {
    ws.onopen = null;
    ws.onmessage = null;
    ws.onclose = null;
    ws.onerror = null;
  }

  private clearReconnect(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  private startPing(ws: WebSocketLike): void {
    this.stopPing();
    this.pingTimer = setInterval(() => {
      if (this.ws !== ws) return;
      this.send({ type: 'ping', id: this.requests.nextId() }, ws).catch((err: RealtimeError) => {
        // No answer in time: the connection is dead even if the browser has not noticed yet.
        if (err.code === 'unavailable' && this.ws === ws) this.abandon(ws, CloseCode.timeout);
      });
    }, this.opts.pingIntervalMs);
  }

  private stopPing(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private setStatus(status: ConnectionStatus): void {
    if (this._status === status) return;
    this._status = status;
    this.statusHandlers.emit(status);
  }

  private send(frame: ClientMessage, ws: WebSocketLike | null = this.ws): Promise<unknown> {
    return this.requests.send(frame, ws);
  }

  // ---- incoming frames ----

  private onFrame(data: unknown): void {
    const msg = parseFrame(data, this.log);
    if (!msg) return;
    if ('re' in msg) {
      this.requests.settle(msg);
    } else if (msg.type === 'event') {
      this.subs.onEventFrame(msg as unknown as StreamEvent);
    } else if (msg.type === 'presence' && msg.statuses && typeof msg.statuses === 'object') {
      for (const [userId, status] of Object.entries(msg.statuses as Record<string, PresenceStatus>)) this.presenceHandlers.emit(userId, status);
    } else if (typeof msg.type === 'string') {
      this.pushHandlers.emit(msg as PushFrame);
    }
  }
}
