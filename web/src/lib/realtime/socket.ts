/**
 * The realtime client: one WebSocket to the hub's `/ws`, framework-free so it can be unit-tested with a
 * fake socket.
 *
 *  - The first frame is `hello {v: PROTOCOL_VERSION}`; requests are correlated with replies by `re`.
 *  - Reconnects with exponential backoff and jitter (at most ~10 s); after every (re)connect it
 *    re-subscribes each stream with `after` = the last seq applied for it, so the hub sends exactly what
 *    was missed.
 *  - Events are deduplicated by (stream, seq), reordered, and gaps are filled with `fetch` (StreamCursor).
 *  - A subscribe answer with `reload: true` (too much missed) calls the stream's reload callback.
 *  - Close codes 4401 / 4403 (signed out, deactivated, revoked) stop it for good and call `onAuthLost`.
 *
 * Imports from shared/ are relative (not `$shared`) so this module also loads in plain vitest/tsc.
 */
import { CloseCode, PROTOCOL_VERSION, RESUME_CAP } from '../../../../shared/protocol';
import type { ClientMessage, ErrorReply, OkReply, ReplyPayloads, SubscribeResult } from '../../../../shared/protocol';
import type { ErrorBody, ErrorCode } from '../../../../shared/errors';
import type { EventBody, PresenceStatus, StreamEvent } from '../../../../shared/types';
import { StreamCursor, backoffDelay } from './cursor';

/** What the connection indicator shows. */
export type ConnectionStatus = 'online' | 'connecting' | 'offline';

/** The part of the browser WebSocket this client uses (a fake implements it in tests). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

/** A client frame without its id (the client assigns one). */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
export type RequestMessage = WithoutId<ClientMessage> & { id?: string };

/** A failed realtime request: the hub's error reply, a timeout, or a lost connection. */
export class RealtimeError extends Error {
  readonly code: ErrorCode;
  readonly fields: Record<string, string> | undefined;
  constructor(body: ErrorBody) {
    super(body.message);
    this.name = 'RealtimeError';
    this.code = body.code;
    this.fields = body.fields;
  }
}

export type EventHandler = (event: StreamEvent) => void;
export type ReloadHandler = () => void;
export type PresenceHandler = (userId: string, status: PresenceStatus) => void;
export type StatusHandler = (status: ConnectionStatus) => void;

export interface SubscribeOptions {
  /**
   * The last seq the consumer already has (e.g. from a page it loaded together with its seq). Without
   * it the subscription anchors at the hub's head and calls `onReload` once so the consumer loads its
   * snapshot after the anchor: nothing between the two can be lost.
   */
  after?: number;
}

export interface RealtimeOptions {
  /** Absolute ws:/wss: URL of the hub's realtime endpoint. */
  url: string;
  /** Creates the socket; defaults to the browser WebSocket. */
  createSocket?: (url: string) => WebSocketLike;
  /** Called once when the hub closes with 4401/4403 or `checkAuth` says the session is gone. */
  onAuthLost?: (code: number) => void;
  /**
   * Called after a connection attempt failed before it opened (a rejected upgrade looks like that, the
   * browser hides its HTTP status). Resolve false when the session is gone; true (or throw) otherwise.
   */
  checkAuth?: () => Promise<boolean>;
  /** Called when the hub accepted hello. */
  onHello?: (reply: OkReply<'hello'>) => void;
  /** Called when the hub refuses our protocol version (the page needs a reload for a newer client). */
  onProtocolMismatch?: () => void;
  random?: () => number;
  requestTimeoutMs?: number;
  pingIntervalMs?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  log?: (message: string, detail?: unknown) => void;
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

interface Pending {
  resolve: (reply: unknown) => void;
  reject: (err: RealtimeError) => void;
  timer: ReturnType<typeof setTimeout>;
}

interface Waiting {
  frame: ClientMessage;
  resolve: (reply: unknown) => void;
  reject: (err: RealtimeError) => void;
  timer: ReturnType<typeof setTimeout>;
}

const OPEN = 1;

/** The ws:/wss: URL of `/ws` on the page's own origin. */
export function realtimeUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}

export class RealtimeClient {
  private readonly opts: Required<Omit<RealtimeOptions, 'onAuthLost' | 'checkAuth' | 'onHello' | 'onProtocolMismatch'>> &
    Pick<RealtimeOptions, 'onAuthLost' | 'checkAuth' | 'onHello' | 'onProtocolMismatch'>;
  private ws: WebSocketLike | null = null;
  private _status: ConnectionStatus = 'offline';
  private running = false;
  private attempt = 0;
  private seqId = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private readonly pending = new Map<string, Pending>();
  private waiting: Waiting[] = [];
  private readonly streams = new Map<string, Subscription>();
  private readonly statusHandlers = new Set<StatusHandler>();
  private readonly presenceHandlers = new Set<PresenceHandler>();

  constructor(options: RealtimeOptions) {
    this.opts = {
      createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
      random: Math.random,
      requestTimeoutMs: 15_000,
      pingIntervalMs: 25_000,
      baseBackoffMs: 500,
      maxBackoffMs: 10_000,
      log: () => {},
      ...options,
    };
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
    this.failAll('Realtime client stopped');
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
    this.statusHandlers.add(handler);
    handler(this._status);
    return () => this.statusHandlers.delete(handler);
  }

  /** Listen to presence pushes. */
  onPresence(handler: PresenceHandler): () => void {
    this.presenceHandlers.add(handler);
    return () => this.presenceHandlers.delete(handler);
  }

  /**
   * Follow a stream. `onEvent` gets each event exactly once, in seq order. `onReload` is called when the
   * consumer must refetch its snapshot (the first anchoring without `after`, or the hub said reload).
   * Returns the function that ends the subscription. Subscribing to a stream again replaces the previous
   * subscription.
   */
  subscribe(stream: string, onEvent: EventHandler, onReload?: ReloadHandler, options: SubscribeOptions = {}): () => void {
    const sub: Subscription = {
      stream,
      cursor: new StreamCursor(options.after ?? null),
      onEvent,
      onReload,
      subscribing: false,
      fetching: false,
    };
    this.streams.set(stream, sub);
    if (this._status === 'online') void this.subscribeBatch([sub]);
    return () => this.unsubscribe(sub);
  }

  /** The last seq applied for a stream (null before it is anchored or when not subscribed). */
  lastSeq(stream: string): number | null {
    return this.streams.get(stream)?.cursor.last ?? null;
  }

  /**
   * Send a request and resolve with the hub's successful reply; reject with RealtimeError on an error
   * reply, a timeout or a lost connection. While the connection is not ready, the request waits for it
   * (up to the request timeout).
   */
  request<M extends RequestMessage>(msg: M): Promise<OkReply<M['type']>> {
    const frame = { ...msg, id: msg.id ?? this.nextId() } as ClientMessage;
    if (!this.running) return Promise.reject(new RealtimeError({ code: 'unavailable', message: 'Realtime client stopped' }));
    if (this._status === 'online') return this.send(frame) as Promise<OkReply<M['type']>>;
    return new Promise((resolve, reject) => {
      const entry: Waiting = {
        frame,
        resolve: resolve as (r: unknown) => void,
        reject,
        timer: setTimeout(() => {
          this.waiting = this.waiting.filter((w) => w !== entry);
          reject(new RealtimeError({ code: 'unavailable', message: 'Not connected' }));
        }, this.opts.requestTimeoutMs),
      };
      this.waiting.push(entry);
    });
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
    this.send({ type: 'hello', id: this.nextId(), v: PROTOCOL_VERSION }, ws).then(
      (reply) => {
        if (this.ws !== ws) return;
        this.attempt = 0;
        this.setStatus('online');
        this.startPing(ws);
        this.opts.onHello?.(reply as OkReply<'hello'>);
        const subs = [...this.streams.values()];
        for (let i = 0; i < subs.length; i += 100) void this.subscribeBatch(subs.slice(i, i + 100));
        const waiting = this.waiting;
        this.waiting = [];
        for (const w of waiting) {
          clearTimeout(w.timer);
          this.send(w.frame).then(w.resolve, w.reject);
        }
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
    this.failPending('Connection closed');
    for (const sub of this.streams.values()) sub.subscribing = false;
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
      this.send({ type: 'ping', id: this.nextId() }, ws).catch((err: RealtimeError) => {
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
    for (const h of this.statusHandlers) {
      try {
        h(status);
      } catch (e) {
        this.opts.log('realtime: status handler failed', e);
      }
    }
  }

  // ---- requests ----

  private nextId(): string {
    return `r${++this.seqId}`;
  }

  private send(frame: ClientMessage, ws: WebSocketLike | null = this.ws): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (!ws || ws.readyState !== OPEN) {
        reject(new RealtimeError({ code: 'unavailable', message: 'Not connected' }));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(frame.id);
        reject(new RealtimeError({ code: 'unavailable', message: `No reply to ${frame.type}` }));
      }, this.opts.requestTimeoutMs);
      this.pending.set(frame.id, { resolve, reject, timer });
      try {
        ws.send(JSON.stringify(frame));
      } catch (e) {
        clearTimeout(timer);
        this.pending.delete(frame.id);
        reject(new RealtimeError({ code: 'unavailable', message: e instanceof Error ? e.message : 'Send failed' }));
      }
    });
  }

  private failPending(message: string): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(new RealtimeError({ code: 'unavailable', message }));
    }
  }

  private failAll(message: string): void {
    this.failPending(message);
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) {
      clearTimeout(w.timer);
      w.reject(new RealtimeError({ code: 'unavailable', message }));
    }
  }

  // ---- incoming frames ----

  private onFrame(data: unknown): void {
    if (typeof data !== 'string') return;
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(data);
    } catch {
      this.opts.log('realtime: unparsable frame');
      return;
    }
    if (!msg || typeof msg !== 'object') return;
    if ('re' in msg) {
      const re = msg.re;
      if (typeof re !== 'string') {
        this.opts.log('realtime: error without request', msg);
        return;
      }
      const p = this.pending.get(re);
      if (!p) return;
      this.pending.delete(re);
      clearTimeout(p.timer);
      if (msg.ok === true) p.resolve(msg);
      else p.reject(new RealtimeError((msg as unknown as ErrorReply).error ?? { code: 'internal', message: 'Bad reply' }));
      return;
    }
    if (msg.type === 'event') {
      this.onEventFrame(msg as unknown as StreamEvent);
    } else if (msg.type === 'presence' && typeof msg.userId === 'string') {
      const status = msg.status as PresenceStatus;
      for (const h of this.presenceHandlers) {
        try {
          h(msg.userId, status);
        } catch (e) {
          this.opts.log('realtime: presence handler failed', e);
        }
      }
    }
  }

  private onEventFrame(frame: StreamEvent): void {
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
        this.opts.log(`realtime: ${sub.stream} event handler failed`, e);
      }
    }
  }

  private reload(sub: Subscription): void {
    try {
      sub.onReload?.();
    } catch (e) {
      this.opts.log(`realtime: ${sub.stream} reload handler failed`, e);
    }
  }

  // ---- subscriptions ----

  private async subscribeBatch(subs: Subscription[]): Promise<void> {
    if (subs.length === 0) return;
    for (const sub of subs) sub.subscribing = true;
    const streams = subs.map((s) => (s.cursor.last === null ? { stream: s.stream } : { stream: s.stream, after: s.cursor.last }));
    let reply: ReplyPayloads['subscribe'];
    try {
      reply = (await this.send({ type: 'subscribe', id: this.nextId(), streams })) as OkReply<'subscribe'>;
    } catch (e) {
      for (const sub of subs) sub.subscribing = false;
      this.opts.log('realtime: subscribe failed', e);
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
      while (this.running && this.streams.get(sub.stream) === sub && sub.cursor.hasGap(head)) {
        const before = sub.cursor.last as number;
        const reply = (await this.send({
          type: 'fetch',
          id: this.nextId(),
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
      this.opts.log(`realtime: fetch ${sub.stream} failed`, e);
    } finally {
      sub.fetching = false;
    }
  }

  private unsubscribe(sub: Subscription): void {
    if (this.streams.get(sub.stream) !== sub) return;
    this.streams.delete(sub.stream);
    if (this._status === 'online') {
      this.send({ type: 'unsubscribe', id: this.nextId(), streams: [sub.stream] }).catch(() => {});
    }
  }
}
