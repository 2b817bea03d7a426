import type { WebSocket } from 'uWebSockets.js';
import type { UserRow } from '../domains/people/repo';
import type { Actor } from '../domains/people/policy';
import { TokenBucket } from '../lib/ratelimit';
import type { ServerMessage } from '../../shared/protocol';

/** What the hub keeps per socket (uWS user data), set at upgrade. */
export interface Connection {
  id: string;
  user: UserRow;
  actor: Actor;
  /** SHA-256 of the session token: logout closes this session's sockets. */
  sessionHash: string;
  ip: string;
  helloDone: boolean;
  closed: boolean;
  /** Streams this socket follows (channel names). */
  channels: Set<string>;
  bucket: TokenBucket;
  badFrames: number;
  /** Requests of one socket run one after another, in arrival order. */
  queue: Promise<void>;
  helloTimer: NodeJS.Timeout | null;
}

export type Socket = WebSocket<Connection>;

/** Frames per second a socket may send on average, and the burst it may send at once. */
export const RATE = { perSecond: 20, burst: 60 } as const;

/** A socket's identity: a colleague's session, or a guest's (whose actor carries the grant of their link). */
export function newConnection(id: string, user: UserRow, sessionHash: string, ip: string, actor?: Actor): Connection {
  return {
    id,
    user,
    actor: actor ?? { id: user.id, role: user.role, active: user.active },
    sessionHash,
    ip,
    helloDone: false,
    closed: false,
    channels: new Set(),
    bucket: new TokenBucket(RATE.burst, RATE.perSecond),
    badFrames: 0,
    queue: Promise.resolve(),
    helloTimer: null,
  };
}

/** Send a frame unless the socket is gone. */
export function sendFrame(ws: Socket, frame: ServerMessage): void {
  if (ws.getUserData().closed) return;
  ws.send(JSON.stringify(frame), false);
}

/** Close with a typed code once; later calls do nothing. */
export function closeWith(ws: Socket, code: number, reason: string): void {
  const c = ws.getUserData();
  if (c.closed) return;
  c.closed = true;
  ws.end(code, reason.slice(0, 120));
}
