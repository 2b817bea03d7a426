import { randomUUID } from 'node:crypto';
import type { HttpRequest, HttpResponse, us_socket_context_t, WebSocket, WebSocketBehavior } from 'uWebSockets.js';
import { Uuid } from '../../shared/api';
import { AppError } from '../../shared/errors';
import { CloseCode } from '../../shared/protocol';
import { TokenBucket } from '../lib/ratelimit';
import { DOC_CLOSE, DocRooms, openDoc, type DocAccess, type DocPeer, type DocRoom } from '../domains/docs';
import { encodePermissionDenied } from '../domains/docs/protocol';
import { docGuestAccess, docGuestFromCookie } from '../domains/docs/guests';
import { grantedPage, type Actor } from '../domains/people/policy';
import { findUserById } from '../domains/people/repo';
import { beginUpgrade } from './upgrade';
import { closeWith, newConnection, type Connection, type Socket } from './connection';
import { identify, type SocketRegistry } from './socket';
import type { HubContext } from './dispatch';
import type { Services } from '../services';

/** What a /yjs socket keeps: the colleague's connection (so logout and deactivation close it too) and its document. */
interface YjsConnection extends Connection {
  docId: string;
  access: DocAccess;
  room: DocRoom | null;
  peer: DocPeer | null;
  docBucket: TokenBucket;
  /** A document guest's socket closes when their link expires (revoking closes it through the control channel). */
  guestUntil: number | null;
  expiryTimer: NodeJS.Timeout | null;
}

type YjsSocket = WebSocket<YjsConnection>;

/** Messages per second a document socket may send on average, and at once: typing and cursor moves are chatty. */
const DOC_RATE = { perSecond: 200, burst: 400 } as const;
/** Room for the message framing around an update of the largest size allowed. */
const FRAMING_BYTES = 64;

/** What `actor` may do on `docId`: a document guest what their link grants on their one page, anyone else as the page's space says. */
function accessOf(svc: Services, actor: Actor, docId: string): Promise<DocAccess> {
  return grantedPage(actor) ? docGuestAccess(svc, actor, docId) : openDoc(svc, actor, docId);
}

/**
 * Who opens a document socket: a colleague by their session, else a document guest by their link's
 * session (first when the page asks with `?guest=doc`: a browser may hold both cookies), else another
 * guest (whom the documents then refuse).
 */
async function identifyDoc(svc: Services, cookie: string | undefined, guestKind: string | null): Promise<{ conn: Connection; guestUntil: number | null } | null> {
  const first = guestKind === 'doc' ? null : await identify(svc, cookie, null);
  if (first && first.actor.role !== 'guest') return { conn: first, guestUntil: null };
  const guest = await docGuestFromCookie(svc, cookie);
  const user = guest ? await findUserById(svc.db, guest.actor.id) : null;
  if (guest && user) return { conn: newConnection(randomUUID(), user, guest.sessionHash, '', guest.actor), guestUntil: guest.session.expires_at.getTime() };
  const conn = guestKind === 'doc' ? await identify(svc, cookie, null) : first;
  return conn ? { conn, guestUntil: null } : null;
}

/**
 * The y-websocket endpoint `/yjs/<docId>`: authorised in `upgrade` like /ws (Origin, then the session
 * cookie), then the page's permission decides edit or read; refusals are HTTP answers before any socket
 * exists. Each socket is a peer of its document's room (server/domains/docs), which speaks the protocol.
 */
export function yjsBehavior(hub: HubContext, registry: SocketRegistry, headers: Record<string, string>): WebSocketBehavior<YjsConnection> {
  const { svc } = hub;
  const limits = {
    updateMaxBytes: svc.config.docUpdateMaxBytes,
    docMaxBytes: svc.config.docMaxBytes,
    compactEvery: svc.config.docCompactUpdates,
    unloadAfterMs: svc.config.docUnloadSeconds * 1000,
  };
  const rooms = new DocRooms(svc, limits);
  const asSocket = (ws: YjsSocket) => ws as unknown as Socket;

  const handleFrame = (ws: YjsSocket, data: ArrayBuffer, isBinary: boolean): void => {
    const c = ws.getUserData();
    if (c.closed || !c.room || !c.peer) return;
    if (!isBinary) return closeWith(asSocket(ws), DOC_CLOSE.badFrame, 'text frames are not part of the protocol');
    if (data.byteLength > limits.updateMaxBytes + FRAMING_BYTES) {
      const reason = `update too large: ${data.byteLength} bytes, the limit is ${limits.updateMaxBytes}`;
      svc.log.info('document frame refused', { doc: c.docId, conn: c.id, reason });
      c.peer.send(encodePermissionDenied(reason));
      return closeWith(asSocket(ws), DOC_CLOSE.tooLarge, reason);
    }
    if (c.docBucket.take() > 0) {
      svc.log.warn('document socket rate limited', { doc: c.docId, conn: c.id, user: c.user.id });
      return closeWith(asSocket(ws), DOC_CLOSE.rateLimited, 'too many messages');
    }
    // uWS frees `data` when this callback returns: copy it now.
    c.room.receive(c.peer, new Uint8Array(data.slice(0)));
  };

  return {
    maxPayloadLength: 2 * limits.updateMaxBytes + 64 * 1024,
    // A client's first sync receives the whole document in one message.
    maxBackpressure: limits.docMaxBytes + 4 * 1024 * 1024,
    closeOnBackpressureLimit: true,
    idleTimeout: svc.config.wsIdleTimeoutSeconds,
    sendPingsAutomatically: true,

    upgrade: (res: HttpResponse, rawReq: HttpRequest, context: us_socket_context_t) => {
      const up = beginUpgrade(svc, 'document', res, rawReq, context, headers);
      if (!up.sameOrigin) return up.refuse('bad_origin', 'The Origin header does not match this server');
      const docId = Uuid.safeParse(up.req.path.slice('/yjs/'.length));
      if (!docId.success) return up.refuse('not_found', 'No such document');
      (async () => {
        const who = await identifyDoc(svc, up.req.headers.cookie, up.req.query.get('guest'));
        if (!who) return up.refuse('unauthenticated', 'Sign in first');
        const { conn, guestUntil } = who;
        const access = await accessOf(svc, conn.actor, docId.data);
        conn.ip = up.req.ip;
        up.accept<YjsConnection>({
          ...conn,
          docId: docId.data,
          access,
          room: null,
          peer: null,
          docBucket: new TokenBucket(DOC_RATE.burst, DOC_RATE.perSecond),
          guestUntil,
          expiryTimer: null,
        });
      })().catch((err) => {
        if (err instanceof AppError) return up.refuse(err.code, err.message);
        svc.log.error('document upgrade failed', { err });
        up.refuse('internal', 'Internal error');
      });
    },

    open: (ws) => {
      const c = ws.getUserData();
      registry.add(asSocket(ws));
      c.peer = {
        id: c.id,
        userId: c.user.id,
        access: c.access,
        send: (frame) => {
          if (!c.closed) ws.send(frame, true);
        },
        close: (code, reason) => closeWith(asSocket(ws), code, reason),
      };
      c.room = rooms.join(c.docId, c.peer);
      if (c.guestUntil !== null) {
        // Timers hold at most ~24.8 days: a longer link is looked at again then, and closed once expired.
        const check = () => {
          const left = c.guestUntil! - Date.now();
          if (left <= 0) return closeWith(asSocket(ws), DOC_CLOSE.forbidden, 'link expired');
          c.expiryTimer = setTimeout(check, Math.min(left, 2 ** 31 - 1));
        };
        check();
      }
      svc.log.debug('document socket open', { conn: c.id, doc: c.docId, user: c.user.id, access: c.access });
    },

    message: (ws, data, isBinary) => {
      // The edge of the socket: nothing thrown here may reach uWS (it would end the process).
      try {
        handleFrame(ws, data, isBinary);
      } catch (err) {
        svc.log.error('document frame handling failed', { conn: ws.getUserData().id, err });
        closeWith(asSocket(ws), CloseCode.serverError, 'internal error');
      }
    },

    close: (ws, code) => {
      const c = ws.getUserData();
      // closeWith marks the connection closed before ending it: a 1001 from us is the node shutting down.
      const shutdown = c.closed && code === CloseCode.goingAway;
      c.closed = true;
      if (c.expiryTimer) clearTimeout(c.expiryTimer);
      registry.remove(asSocket(ws));
      if (c.room && c.peer) rooms.leave(c.room, c.peer, shutdown);
      svc.log.debug('document socket closed', { conn: c.id, doc: c.docId, code });
    },
  };
}

/**
 * A socket of the hub: when it is a document's, ask again what its user may do there (the group whose
 * space it is changed), and close it when that is no longer what it was granted: 4403 "access revoked"
 * when the page is out of reach now (the client stops), 4300 "access changed" when edit became read or
 * the reverse (the client reconnects and is granted what it may do now). Sockets of /ws are left alone.
 */
export async function recheckDocSocket(svc: Services, socket: Socket): Promise<void> {
  const c = socket.getUserData() as Partial<YjsConnection> & Connection;
  if (c.closed || !c.docId || !c.access) return;
  let now: DocAccess | null;
  try {
    now = await accessOf(svc, c.actor, c.docId);
  } catch (err) {
    if (!(err instanceof AppError)) return svc.log.warn('document access recheck failed', { conn: c.id, err });
    now = null;
  }
  if (now === c.access || c.closed) return;
  svc.log.info('document socket closed: access changed', { conn: c.id, doc: c.docId, user: c.user.id, was: c.access, now });
  closeWith(socket, now ? DOC_CLOSE.accessChanged : DOC_CLOSE.forbidden, now ? 'access changed' : 'access revoked');
}

