/**
 * Request/reply bookkeeping of the realtime client: frame decoding, request ids, replies correlated by
 * `re`, per-request timeouts, and the queue of requests made while the connection is not ready.
 *
 * Imports from shared/ are relative (not `$shared`) so this module also loads in plain vitest/tsc.
 */
import type { ClientMessage, ErrorReply } from '../../../../shared/protocol';
import { RealtimeError, type LogFn, type WebSocketLike } from './types';

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

/** Decode a frame from the hub: null for a binary, unparsable (logged) or non-object one. */
export function parseFrame(data: unknown, log: LogFn): Record<string, unknown> | null {
  if (typeof data !== 'string') return null;
  let msg: Record<string, unknown>;
  try {
    msg = JSON.parse(data);
  } catch {
    log('realtime: unparsable frame');
    return null;
  }
  if (!msg || typeof msg !== 'object') return null;
  return msg;
}

export class RequestTracker {
  private seqId = 0;
  private readonly pending = new Map<string, Pending>();
  private waiting: Waiting[] = [];

  constructor(
    private readonly timeoutMs: number,
    private readonly log: LogFn,
  ) {}

  nextId(): string {
    return `r${++this.seqId}`;
  }

  /** Send a frame on `ws` and resolve with its reply (rejects at once when the socket is not open). */
  send(frame: ClientMessage, ws: WebSocketLike | null): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (!ws || ws.readyState !== OPEN) {
        reject(new RealtimeError({ code: 'unavailable', message: 'Not connected' }));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(frame.id);
        reject(new RealtimeError({ code: 'unavailable', message: `No reply to ${frame.type}` }));
      }, this.timeoutMs);
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

  /** Hold a frame until `flushWaiting` (the connection is ready) or the request timeout. */
  enqueue(frame: ClientMessage): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const entry: Waiting = {
        frame,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiting = this.waiting.filter((w) => w !== entry);
          reject(new RealtimeError({ code: 'unavailable', message: 'Not connected' }));
        }, this.timeoutMs),
      };
      this.waiting.push(entry);
    });
  }

  /** Send every queued frame with `send` (the connection is ready). */
  flushWaiting(send: (frame: ClientMessage) => Promise<unknown>): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) {
      clearTimeout(w.timer);
      send(w.frame).then(w.resolve, w.reject);
    }
  }

  /** Settle the request a reply frame (one with `re`, the request's id) answers; unknown ids are ignored. */
  settle(msg: Record<string, unknown>): void {
    const re = msg.re;
    if (typeof re !== 'string') {
      this.log('realtime: error without request', msg);
      return;
    }
    const p = this.pending.get(re);
    if (!p) return;
    this.pending.delete(re);
    clearTimeout(p.timer);
    if (msg.ok === true) p.resolve(msg);
    else p.reject(new RealtimeError((msg as unknown as ErrorReply).error ?? { code: 'internal', message: 'Bad reply' }));
  }

  /** Fail the requests sent on the connection (it is gone). */
  failPending(message: string): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(new RealtimeError({ code: 'unavailable', message }));
    }
  }

  /** Fail the sent and the queued requests (the client stopped). */
  failAll(message: string): void {
    this.failPending(message);
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) {
      clearTimeout(w.timer);
      w.reject(new RealtimeError({ code: 'unavailable', message }));
    }
  }
}
