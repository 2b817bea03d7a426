import type { ControlMessage, Services } from '../services';
import type { PresenceStatus } from '../../shared/types';
import type { PushMessage } from '../../shared/protocol';

/** The uWS topic presence changes are pushed on; every employee socket joins it. */
export const PRESENCE_TOPIC = 'presence';
const SYNC_MS = 20_000;
/** How long cluster-wide status changes are gathered before one frame carries them all to every socket. */
export const PUSH_COALESCE_MS = 250;
const EXPIRE_MS = 65_000;

const RANK: Record<PresenceStatus, number> = { offline: 0, away: 1, online: 2 };

/**
 * A user's status on one node from their sockets there: offline with none, online when at least one is
 * active, away when every one of them reports idle.
 */
export function nodeStatus(idleFlags: Iterable<boolean>): PresenceStatus {
  let any = false;
  for (const idle of idleFlags) {
    if (!idle) return 'online';
    any = true;
  }
  return any ? 'away' : 'offline';
}

/** The cluster-wide status from each node's: the strongest wins (online > away > offline). */
export function strongest(statuses: Iterable<PresenceStatus>): PresenceStatus {
  let best: PresenceStatus = 'offline';
  for (const s of statuses) if (RANK[s] > RANK[best]) best = s;
  return best;
}

/** What one node last said about a user, and when (a node that stops saying it expires). */
interface Sighting {
  at: number;
  away: boolean;
}

/**
 * Who is online or away across every node: each node announces its users' status when it changes (first
 * socket, last socket, all sockets idle, one active again) on the control channel, and re-announces all of
 * them periodically so that nodes that start later, or that missed a message, converge; a node that stops
 * announcing (killed) has its users expire.
 */
export class Presence {
  /** This node's sockets per user: socket id → whether that page reports idle. */
  private readonly local = new Map<string, Map<string, boolean>>();
  private readonly seen = new Map<string, Map<string, Sighting>>();
  private readonly timer: NodeJS.Timeout;
  /** Status changes not pushed yet (latest wins), and the timer that pushes them. */
  private pending = new Map<string, PresenceStatus>();
  private flushTimer: NodeJS.Timeout | null = null;

  /** `coalesceMs`: 0 pushes each change at once (tests); the hub gathers changes for PUSH_COALESCE_MS. */
  constructor(
    private readonly svc: Services,
    private readonly push: (topic: string, frame: string) => void,
    private readonly coalesceMs = 0,
  ) {
    this.timer = setInterval(() => this.tick(), SYNC_MS);
    this.timer.unref();
  }

  private get node(): string {
    return this.svc.config.nodeId;
  }

  /** A socket of the user said hello; a new socket counts as active until its page says otherwise. */
  connected(userId: string, socketId: string): void {
    this.update(userId, (sockets) => sockets.set(socketId, false));
  }

  disconnected(userId: string, socketId: string): void {
    this.update(userId, (sockets) => sockets.delete(socketId));
  }

  /** A socket's page went idle or became active again; unknown sockets (closed, guests) change nothing. */
  setIdle(userId: string, socketId: string, idle: boolean): void {
    if (!this.local.get(userId)?.has(socketId)) return;
    this.update(userId, (sockets) => sockets.set(socketId, idle));
  }

  /** Change this node's sockets of a user and announce the user's node status if it changed. */
  private update(userId: string, change: (sockets: Map<string, boolean>) => void): void {
    const sockets = this.local.get(userId) ?? new Map<string, boolean>();
    const before = nodeStatus(sockets.values());
    change(sockets);
    const after = nodeStatus(sockets.values());
    if (sockets.size) this.local.set(userId, sockets);
    else this.local.delete(userId);
    if (after === before) return;
    void this.svc.control({ type: 'presence', node: this.node, userId, online: after !== 'offline', away: after === 'away' });
  }

  /** Apply a presence message from any node (this one included). */
  handle(msg: Extract<ControlMessage, { type: 'presence' | 'presence_sync' }>, now = Date.now()): void {
    if (msg.type === 'presence') {
      this.mark(msg.userId, msg.node, msg.online ? { at: now, away: msg.away === true } : null);
      return;
    }
    const listed = new Set(msg.userIds);
    const away = new Set(msg.away ?? []);
    for (const userId of listed) this.mark(userId, msg.node, { at: now, away: away.has(userId) });
    for (const [userId, nodes] of this.seen) if (nodes.has(msg.node) && !listed.has(userId)) this.mark(userId, msg.node, null);
  }

  status(userId: string): PresenceStatus {
    const nodes = this.seen.get(userId);
    if (!nodes) return 'offline';
    return strongest([...nodes.values()].map((s) => (s.away ? 'away' : 'online')));
  }

  /** Record what a node says of a user (null: not there) and push the cluster-wide status if it changed. */
  private mark(userId: string, node: string, sighting: Sighting | null): void {
    const before = this.status(userId);
    let nodes = this.seen.get(userId);
    if (sighting) {
      if (!nodes) this.seen.set(userId, (nodes = new Map()));
      nodes.set(node, sighting);
    } else if (nodes) {
      nodes.delete(node);
      if (!nodes.size) this.seen.delete(userId);
    }
    const after = this.status(userId);
    if (after === before) return;
    this.pending.set(userId, after);
    if (!this.coalesceMs) return this.flush();
    this.flushTimer ??= setTimeout(() => this.flush(), this.coalesceMs);
  }

  /** Push the gathered changes in one frame. */
  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (!this.pending.size) return;
    const frame: PushMessage = { type: 'presence', statuses: Object.fromEntries(this.pending) };
    this.pending = new Map();
    this.push(PRESENCE_TOPIC, JSON.stringify(frame));
  }

  private tick(now = Date.now()): void {
    const away = [...this.local].filter(([, sockets]) => nodeStatus(sockets.values()) === 'away').map(([userId]) => userId);
    void this.svc.control({ type: 'presence_sync', node: this.node, userIds: [...this.local.keys()], away });
    for (const [userId, nodes] of this.seen) {
      for (const [node, s] of nodes) if (now - s.at > EXPIRE_MS) this.mark(userId, node, null);
    }
  }

  stop(): void {
    clearInterval(this.timer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
  }
}
