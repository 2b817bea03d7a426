import { randomUUID } from 'node:crypto';
import type { HttpRequest, HttpResponse, us_socket_context_t, WebSocketBehavior } from 'uWebSockets.js';
import { CloseCode, decodeClientMessage, MAX_FRAME_BYTES, TRANSPORT_MAX_FRAME_BYTES } from '../../shared/protocol';
import { hashToken } from '../lib/tokens';
import { guestFromCookieHeader } from '../domains/guests/actions';
import { findUserById } from '../domains/people/repo';
import { beginUpgrade } from './upgrade';
import { closeWith, newConnection, sendFrame, type Connection, type Socket } from './connection';
import { dispatch, type HubContext } from './dispatch';
import { socketClosed } from '../domains/calls';

/**
 * Who opens a socket: a colleague by their session cookie, else a guest by their link's session cookie
 * (a thread's or a call's; `/ws?guest=call`, from a call guest's page, asks for the call's first).
 */
export async function identify(svc: HubContext['svc'], cookie: string | undefined, guestKind: string | null): Promise<Connection | null> {
  const auth = await svc.sessions.fromCookieHeader(cookie);
  if (auth) return newConnection(randomUUID(), auth.user, hashToken(auth.token), '');
  const guest = await guestFromCookieHeader(svc, cookie, guestKind === 'call' ? 'call-first' : 'post-first');
  if (!guest) return null;
  const user = await findUserById(svc.db, guest.actor.id);
  return user ? newConnection(randomUUID(), user, guest.sessionHash, '', guest.actor) : null;
}

/** A client must say hello within this time after the socket opens. */
const HELLO_TIMEOUT_MS = 10_000;
/** Malformed frames tolerated on one socket before it is closed with 4400. */
const MAX_BAD_FRAMES = 10;

/** Live sockets by user and by session, so deactivation and logout can close them. */
export class SocketRegistry {
  readonly byUser = new Map<string, Set<Socket>>();
  readonly bySession = new Map<string, Set<Socket>>();
  readonly all = new Set<Socket>();

  add(ws: Socket): void {
    const c = ws.getUserData();
    this.all.add(ws);
    for (const [map, key] of [[this.byUser, c.user.id], [this.bySession, c.sessionHash]] as const) {
      let set = map.get(key);
      if (!set) map.set(key, (set = new Set()));
      set.add(ws);
    }
  }

  remove(ws: Socket): void {
    const c = ws.getUserData();
    this.all.delete(ws);
    for (const [map, key] of [[this.byUser, c.user.id], [this.bySession, c.sessionHash]] as const) {
      const set = map.get(key);
      set?.delete(ws);
      if (set && !set.size) map.delete(key);
    }
  }
}

/**
 * The /ws behaviour: authentication in the upgrade handler (Origin and session cookie) before any
 * socket exists, then ordered, validated, rate-limited request handling.
 */
export function socketBehavior(hub: HubContext, registry: SocketRegistry, headers: Record<string, string>): WebSocketBehavior<Connection> {
  const { svc } = hub;
  /** One inbound frame: size, rate, and shape checks, then queued for in-order dispatch. */
  const handleFrame = (ws: Socket, data: ArrayBuffer, isBinary: boolean): void => {
    const c = ws.getUserData();
    if (c.closed) return;
    if (data.byteLength > MAX_FRAME_BYTES) return closeWith(ws, CloseCode.tooLarge, `frame over ${MAX_FRAME_BYTES} bytes`);
    if (c.bucket.take() > 0) {
      svc.log.warn('socket rate limited', { conn: c.id, user: c.user.id });
      return closeWith(ws, CloseCode.rateLimited, 'too many frames');
    }
    if (isBinary) return closeWith(ws, CloseCode.badFrame, 'binary frames are not part of the protocol');
    // uWS frees `data` when this callback returns: decode (which copies) now.
    const decoded = decodeClientMessage(Buffer.from(data).toString('utf8'));
    if (!decoded.ok) {
      sendFrame(ws, { re: decoded.re, ok: false, error: decoded.error });
      if (++c.badFrames >= MAX_BAD_FRAMES) closeWith(ws, CloseCode.badFrame, 'too many malformed frames');
      return;
    }
    const msg = decoded.message;
    c.queue = c.queue
      .then(() => (c.closed ? undefined : dispatch(hub, ws, msg)))
      .catch((err) => svc.log.error('dispatch failed', { conn: c.id, err }));
  };

  return {
    // Above our cap, so that oversized frames up to it get our typed 4413; past it uWS cuts the connection.
    maxPayloadLength: TRANSPORT_MAX_FRAME_BYTES,
    maxBackpressure: 4 * 1024 * 1024,
    closeOnBackpressureLimit: true,
    idleTimeout: svc.config.wsIdleTimeoutSeconds,
    sendPingsAutomatically: true,

    upgrade: (res: HttpResponse, rawReq: HttpRequest, context: us_socket_context_t) => {
      const up = beginUpgrade(svc, 'socket', res, rawReq, context, headers);
      if (!up.sameOrigin) return up.refuse('bad_origin', 'The Origin header does not match this server');
      identify(svc, up.req.headers.cookie, up.req.query.get('guest'))
        .then((conn) => {
          if (!conn) return up.refuse('unauthenticated', 'Sign in first');
          conn.ip = up.req.ip;
          up.accept(conn);
        })
        .catch((err) => {
          svc.log.error('upgrade failed', { err });
          up.refuse('internal', 'Internal error');
        });
    },

    open: (ws) => {
      const c = ws.getUserData();
      registry.add(ws);
      c.helloTimer = setTimeout(() => closeWith(ws, CloseCode.timeout, 'no hello in time'), HELLO_TIMEOUT_MS);
      svc.log.debug('socket open', { conn: c.id, user: c.user.id });
    },

    message: (ws, data, isBinary) => {
      // The edge of the socket: nothing thrown here may reach uWS (it would end the process).
      try {
        handleFrame(ws, data, isBinary);
      } catch (err) {
        svc.log.error('frame handling failed', { conn: ws.getUserData().id, err });
        closeWith(ws, CloseCode.serverError, 'internal error');
      }
    },

    close: (ws, code) => {
      const c = ws.getUserData();
      c.closed = true;
      if (c.helloTimer) clearTimeout(c.helloTimer);
      registry.remove(ws);
      for (const channel of c.channels) hub.topics.release(channel);
      if (c.helloDone && c.actor.role !== 'guest') hub.presence.disconnected(c.user.id, c.id);
      // A call's participant on this socket stays a few seconds (a reconnect rejoins in its place), then drops.
      socketClosed(svc, c.id, code).catch((err) => svc.log.error('call cleanup failed', { conn: c.id, err }));
      svc.log.debug('socket closed', { conn: c.id, code });
    },
  };
}
