/**
 * A typed client of Janus' WebSocket API (subprotocol `janus-protocol`): one connection, sessions on it,
 * plugin handles in sessions.
 *
 * How Janus answers, and what this turns it into:
 * - every request carries a `transaction`; the reply carries it back. Core failures are `{janus:"error"}`
 *   -> JanusError with Janus' code.
 * - plugin requests (`message`) are either synchronous (`success` with `plugindata`) or asynchronous (an
 *   `ack` first, then an `event` with the same transaction, maybe with a `jsep`). Either way the plugin's
 *   own failures arrive inside them as `plugindata.data.error_code`/`error` -> JanusPluginError.
 * - everything else (`webrtcup`, `hangup`, `media`, `slowlink`, `detached`, plugin events nobody asked
 *   for, `timeout` of a session) goes to the handle or session named by `sender`/`session_id`.
 * - a session lives while requests come: `keepalive` every ~25 s (Janus drops it after its session_timeout).
 * - the connection closing fails every pending request and marks every session and handle gone, with
 *   MediaError('gone').
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { MediaError } from '../engine';

/** A JSON object as Janus sends it. */
export type JanusMessage = Record<string, any>;

/** Janus' core refused a request (`{janus:"error"}`): bad secret, no such session or handle… */
export class JanusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`Janus error ${code}: ${reason}`);
    this.name = 'JanusError';
  }
}

/** A plugin refused a request: the error arrived inside a `success` or an `event`. */
export class JanusPluginError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    readonly plugin: string,
  ) {
    super(`${plugin} error ${code}: ${reason}`);
    this.name = 'JanusPluginError';
  }
}

/** Janus' core error codes we act on (janus/apierror.h). */
export const JANUS_ERR = {
  UNAUTHORIZED: 403,
  SESSION_NOT_FOUND: 458,
  HANDLE_NOT_FOUND: 459,
  JSEP_INVALID_SDP: 465,
} as const;

export interface Jsep {
  type: 'offer' | 'answer';
  sdp: string;
  /** Janus marks offers that restart ICE. */
  restart?: boolean;
  [k: string]: unknown;
}

/** A plugin's reply: its data, and the SDP that came with it, if any. */
export interface PluginReply {
  data: JanusMessage;
  jsep?: Jsep;
}

/** What a handle hears without asking. */
export type HandleEvent =
  | { type: 'webrtcup' }
  | { type: 'hangup'; reason: string }
  | { type: 'media'; kind: string; mid?: string; receiving: boolean }
  | { type: 'slowlink'; uplink: boolean; lost?: number; mid?: string }
  | { type: 'detached' }
  | { type: 'plugin'; data: JanusMessage; jsep?: Jsep }
  /** The handle is no more (detached, its session or the connection gone). */
  | { type: 'gone'; reason: string };

export interface ClientOptions {
  apiSecret?: string;
  /** How long a request may wait for its reply (async plugin events included). */
  timeoutMs?: number;
  /** Milliseconds between keepalives of each session. */
  keepaliveMs?: number;
  /** Milliseconds to wait for the connection to open. */
  connectTimeoutMs?: number;
}

interface Pending {
  resolve: (m: JanusMessage) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  /** Wait past the `ack` for the plugin's `event` (asynchronous plugin requests). */
  awaitEvent: boolean;
}

const tx = () => randomBytes(9).toString('base64url');

/** One WebSocket connection to Janus' API. */
export class JanusConnection {
  private pending = new Map<string, Pending>();
  private sessions = new Map<string | number, JanusSession>();
  private closedReason: string | null = null;
  private closeListeners = new Set<(reason: string) => void>();
  readonly timeoutMs: number;
  readonly keepaliveMs: number;

  private constructor(
    private ws: WebSocket,
    private opts: ClientOptions,
  ) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.keepaliveMs = opts.keepaliveMs ?? 25_000;
    ws.on('message', (raw) => this.receive(raw.toString()));
    ws.on('close', (code) => this.closed(`the connection to Janus closed (${code})`));
    ws.on('error', (err) => this.closed(`the connection to Janus failed: ${err.message}`));
  }

  /** Open a connection; rejects with MediaError('unavailable') when nothing answers at `url`. */
  static connect(url: string, opts: ClientOptions = {}): Promise<JanusConnection> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, 'janus-protocol', { handshakeTimeout: opts.connectTimeoutMs ?? 5_000, perMessageDeflate: false });
      const fail = (err: Error) => {
        ws.removeAllListeners();
        ws.on('error', () => {});
        ws.terminate();
        reject(new MediaError('unavailable', `Janus does not answer at ${url}: ${err.message}`));
      };
      ws.once('error', fail);
      ws.once('open', () => {
        ws.off('error', fail);
        resolve(new JanusConnection(ws, opts));
      });
    });
  }

  get isOpen(): boolean {
    return this.closedReason === null;
  }

  /** Called once when the connection closes (at once if it already has). */
  onClose(listener: (reason: string) => void): () => void {
    if (this.closedReason !== null) {
      listener(this.closedReason);
      return () => {};
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /**
   * Send a request and wait for its reply: `success`/`ack` (or, with `awaitEvent`, the plugin's `event`).
   * Core errors reject with JanusError; plugin errors inside the reply with JanusPluginError.
   */
  request(body: JanusMessage, opts: { awaitEvent?: boolean; timeoutMs?: number } = {}): Promise<JanusMessage> {
    if (this.closedReason !== null) return Promise.reject(new MediaError('gone', this.closedReason));
    const transaction = tx();
    const msg = { ...body, transaction, ...(this.opts.apiSecret ? { apisecret: this.opts.apiSecret } : {}) };
    return new Promise<JanusMessage>((resolve, reject) => {
      const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
      const timer = setTimeout(() => {
        this.pending.delete(transaction);
        reject(new MediaError('timeout', `Janus did not answer "${body.janus}" in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(transaction, { resolve, reject, timer, awaitEvent: Boolean(opts.awaitEvent) });
      this.ws.send(JSON.stringify(msg), (err) => {
        if (!err) return;
        const p = this.pending.get(transaction);
        if (!p) return;
        clearTimeout(p.timer);
        this.pending.delete(transaction);
        p.reject(new MediaError('gone', `Could not send to Janus: ${err.message}`));
      });
    });
  }

  /** The server's `info` (needs no session): a cheap "are you there". */
  info(): Promise<JanusMessage> {
    return this.request({ janus: 'info' });
  }

  async createSession(): Promise<JanusSession> {
    const reply = await this.request({ janus: 'create' });
    const session = new JanusSession(this, reply.data.id);
    this.sessions.set(session.id, session);
    return session;
  }

  /** @internal */
  forget(session: JanusSession): void {
    this.sessions.delete(session.id);
  }

  /** Close the connection: pending requests fail, sessions and handles are gone. */
  close(): void {
    this.closed('the connection to Janus was closed');
    try {
      this.ws.close();
    } catch {
      /* already closing */
    }
    // Do not wait for a peer that no longer reads.
    setTimeout(() => this.ws.terminate(), 1000).unref();
  }

  private closed(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    for (const [t, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new MediaError('gone', reason));
      this.pending.delete(t);
    }
    for (const s of [...this.sessions.values()]) s.gone(reason);
    for (const l of this.closeListeners) l(reason);
    this.closeListeners.clear();
  }

  private receive(text: string): void {
    let msg: JanusMessage;
    try {
      msg = JSON.parse(text) as JanusMessage;
    } catch {
      return;
    }
    const kind = msg.janus as string;
    const p = typeof msg.transaction === 'string' ? this.pending.get(msg.transaction) : undefined;
    if (p) {
      if (kind === 'ack' && p.awaitEvent) return; // the plugin's event follows
      clearTimeout(p.timer);
      this.pending.delete(msg.transaction);
      if (kind === 'error') return p.reject(new JanusError(msg.error?.code ?? 0, msg.error?.reason ?? 'unknown error'));
      const err = pluginError(msg);
      if (err) return p.reject(err);
      return p.resolve(msg);
    }
    // Not a reply: an event for a session or one of its handles.
    const session = this.sessions.get(msg.session_id);
    if (session) session.dispatch(msg);
  }
}

/** The plugin's error inside a `success` or an `event`, if there is one. */
function pluginError(msg: JanusMessage): JanusPluginError | null {
  const data = msg.plugindata?.data;
  if (!data || (data.error_code === undefined && data.error === undefined)) return null;
  return new JanusPluginError(Number(data.error_code ?? 0), String(data.error ?? 'unknown error'), String(msg.plugindata.plugin ?? 'plugin'));
}

/** A Janus session: kept alive while it is open; owns handles. */
export class JanusSession {
  private handles = new Map<string | number, JanusHandle>();
  private keepalive: NodeJS.Timeout;
  private goneReason: string | null = null;
  private listeners = new Set<(reason: string) => void>();

  constructor(
    readonly conn: JanusConnection,
    readonly id: number | string,
  ) {
    this.keepalive = setInterval(() => {
      this.conn.request({ janus: 'keepalive', session_id: this.id }).catch((err: Error) => {
        if (err instanceof JanusError && err.code === JANUS_ERR.SESSION_NOT_FOUND) this.gone('Janus no longer knows the session');
        // A Janus that no longer answers is as good as gone: drop the connection, the owner reconnects.
        else if (err instanceof MediaError && err.code === 'timeout') this.conn.close();
      });
    }, conn.keepaliveMs);
    this.keepalive.unref();
  }

  get isGone(): boolean {
    return this.goneReason !== null;
  }

  /** Called once when the session ends (timeout, destroy, connection lost). */
  onGone(listener: (reason: string) => void): () => void {
    if (this.goneReason !== null) {
      listener(this.goneReason);
      return () => {};
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async request(body: JanusMessage, opts: { awaitEvent?: boolean; timeoutMs?: number } = {}): Promise<JanusMessage> {
    if (this.goneReason !== null) throw new MediaError('gone', this.goneReason);
    try {
      return await this.conn.request({ ...body, session_id: this.id }, opts);
    } catch (err) {
      if (err instanceof JanusError && err.code === JANUS_ERR.SESSION_NOT_FOUND) {
        this.gone('Janus no longer knows the session');
        throw new MediaError('gone', 'The media session is gone', { engineCode: err.code, engineReason: err.reason });
      }
      throw err;
    }
  }

  async attach(plugin: string): Promise<JanusHandle> {
    const reply = await this.request({ janus: 'attach', plugin });
    const handle = new JanusHandle(this, reply.data.id, plugin);
    this.handles.set(handle.id, handle);
    return handle;
  }

  /** Destroy the session (its handles go with it). Safe to call twice. */
  async destroy(): Promise<void> {
    if (this.goneReason !== null) return;
    try {
      await this.request({ janus: 'destroy' }, { timeoutMs: 3000 });
    } catch {
      /* gone anyway */
    }
    this.gone('the session was destroyed');
  }

  /** @internal */
  forget(handle: JanusHandle): void {
    this.handles.delete(handle.id);
  }

  /** @internal */
  gone(reason: string): void {
    if (this.goneReason !== null) return;
    this.goneReason = reason;
    clearInterval(this.keepalive);
    this.conn.forget(this);
    for (const h of [...this.handles.values()]) h.gone(reason);
    for (const l of this.listeners) l(reason);
    this.listeners.clear();
  }

  /** @internal An event for this session or one of its handles. */
  dispatch(msg: JanusMessage): void {
    if (msg.janus === 'timeout') return this.gone('the session timed out in Janus');
    const handle = this.handles.get(msg.sender);
    if (handle) handle.dispatch(msg);
  }
}

/** A plugin handle: one PeerConnection at most, and the plugin's conversation. */
export class JanusHandle extends EventEmitter<{ event: [HandleEvent] }> {
  private goneReason: string | null = null;

  constructor(
    readonly session: JanusSession,
    readonly id: number | string,
    readonly plugin: string,
  ) {
    super();
  }

  get isGone(): boolean {
    return this.goneReason !== null;
  }

  private async request(body: JanusMessage, opts: { awaitEvent?: boolean; timeoutMs?: number } = {}): Promise<JanusMessage> {
    if (this.goneReason !== null) throw new MediaError('gone', this.goneReason);
    try {
      return await this.session.request({ ...body, handle_id: this.id }, opts);
    } catch (err) {
      if (err instanceof JanusError && err.code === JANUS_ERR.HANDLE_NOT_FOUND) {
        this.gone('Janus no longer knows the handle');
        throw new MediaError('gone', 'The media handle is gone', { engineCode: err.code, engineReason: err.reason });
      }
      throw err;
    }
  }

  /**
   * A request to the plugin. `async` requests (VideoRoom's join, publish, configure, start, update…)
   * answer with an event after an ack; the others (create, exists, listparticipants…) with `success`.
   */
  async message(body: JanusMessage, opts: { jsep?: Jsep; async?: boolean; timeoutMs?: number } = {}): Promise<PluginReply> {
    const reply = await this.request({ janus: 'message', body, ...(opts.jsep ? { jsep: opts.jsep } : {}) }, { awaitEvent: opts.async, timeoutMs: opts.timeoutMs });
    return { data: reply.plugindata?.data ?? {}, jsep: reply.jsep };
  }

  /** One remote candidate; null (or an empty candidate) says gathering is complete. */
  async trickle(candidate: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null } | null): Promise<void> {
    const c =
      candidate && candidate.candidate
        ? {
            candidate: candidate.candidate.replace(/^a=/, ''),
            ...(candidate.sdpMid != null ? { sdpMid: candidate.sdpMid } : {}),
            ...(candidate.sdpMLineIndex != null ? { sdpMLineIndex: candidate.sdpMLineIndex } : {}),
          }
        : { completed: true };
    await this.request({ janus: 'trickle', candidate: c });
  }

  /** Close the PeerConnection, keep the handle. */
  async hangup(): Promise<void> {
    await this.request({ janus: 'hangup' });
  }

  /** Detach from the plugin. Safe to call twice. */
  async detach(): Promise<void> {
    if (this.goneReason !== null) return;
    try {
      await this.request({ janus: 'detach' }, { timeoutMs: 3000 });
    } catch {
      /* gone anyway */
    }
    this.gone('the handle was detached');
  }

  /** @internal */
  gone(reason: string): void {
    if (this.goneReason !== null) return;
    this.goneReason = reason;
    this.session.forget(this);
    this.emit('event', { type: 'gone', reason });
    this.removeAllListeners();
  }

  /** @internal */
  dispatch(msg: JanusMessage): void {
    switch (msg.janus) {
      case 'webrtcup':
        return void this.emit('event', { type: 'webrtcup' });
      case 'hangup':
        return void this.emit('event', { type: 'hangup', reason: String(msg.reason ?? 'hangup') });
      case 'media':
        return void this.emit('event', { type: 'media', kind: String(msg.type), mid: msg.mid, receiving: Boolean(msg.receiving) });
      case 'slowlink':
        return void this.emit('event', { type: 'slowlink', uplink: Boolean(msg.uplink), lost: msg.lost, mid: msg.mid });
      case 'detached':
        this.emit('event', { type: 'detached' });
        return this.gone('Janus detached the handle');
      case 'event':
        return void this.emit('event', { type: 'plugin', data: msg.plugindata?.data ?? {}, jsep: msg.jsep });
      default:
        return;
    }
  }
}
