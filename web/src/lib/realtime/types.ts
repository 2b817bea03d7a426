/**
 * Public types and options of the realtime client (re-exported by `socket.ts`, which is what the rest of
 * the app imports).
 *
 * Imports from shared/ are relative (not `$shared`) so this module also loads in plain vitest/tsc.
 */
import type { ClientMessage, OkReply } from '../../../../shared/protocol';
import type { ErrorBody, ErrorCode } from '../../../../shared/errors';
import type { PresenceStatus, StreamEvent } from '../../../../shared/types';

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
export type LogFn = (message: string, detail?: unknown) => void;

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
  log?: LogFn;
}

type Hooks = 'onAuthLost' | 'checkAuth' | 'onHello' | 'onProtocolMismatch';

/** The options with every default filled in (the hooks stay optional). */
export type ResolvedOptions = Required<Omit<RealtimeOptions, Hooks>> & Pick<RealtimeOptions, Hooks>;

export function resolveOptions(options: RealtimeOptions): ResolvedOptions {
  return {
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
