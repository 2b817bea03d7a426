import type { ControlMessage, Services } from '../services';
import type { PresenceStatus } from '../../shared/types';
import type { PushMessage } from '../../shared/protocol';

/** The uWS topic presence changes are pushed on; every employee socket joins it. */
export const PRESENCE_TOPIC = 'presence';
const SYNC_MS = 20_000;
const EXPIRE_MS = 65_000;

/**
 * Who is online across every node: each node announces its users' first and last socket on the control
 * channel, and re-announces all of them periodically so that nodes that start later, or that missed a
 * message, converge; a node that stops announcing (killed) has its users expire.
 */
export class Presence {
  private readonly local = new Map<string, number>();
  private readonly seen = new Map<string, Map<string, number>>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly svc: Services,
    private readonly push: (topic: string, frame: string) => void,
  ) {
    this.timer = setInterval(() => this.tick(), SYNC_MS);
    this.timer.unref();
  }

  private get node(): string {
    return this.svc.config.nodeId;
  }

  connected(userId: string): void {
    const n = (this.local.get(userId) ?? 0) + 1;
    this.local.set(userId, n);
    if (n === 1) void this.svc.control({ type: 'presence', node: this.node, userId, online: true });
  }

  disconnected(userId: string): void {
    const n = (this.local.get(userId) ?? 0) - 1;
    if (n > 0) {
      this.local.set(userId, n);
      return;
    }
    this.local.delete(userId);
    void this.svc.control({ type: 'presence', node: this.node, userId, online: false });
  }

  /** Apply a presence message from any node (this one included). */
  handle(msg: Extract<ControlMessage, { type: 'presence' | 'presence_sync' }>, now = Date.now()): void {
    if (msg.type === 'presence') {
      this.mark(msg.userId, msg.node, msg.online, now);
      return;
    }
    const listed = new Set(msg.userIds);
    for (const userId of listed) this.mark(userId, msg.node, true, now);
    for (const [userId, nodes] of this.seen) if (nodes.has(msg.node) && !listed.has(userId)) this.mark(userId, msg.node, false, now);
  }

  status(userId: string): PresenceStatus {
    return (this.seen.get(userId)?.size ?? 0) > 0 ? 'online' : 'offline';
  }

  private mark(userId: string, node: string, online: boolean, now: number): void {
    const before = this.status(userId);
    let nodes = this.seen.get(userId);
    if (online) {
      if (!nodes) this.seen.set(userId, (nodes = new Map()));
      nodes.set(node, now);
    } else if (nodes) {
      nodes.delete(node);
      if (!nodes.size) this.seen.delete(userId);
    }
    const after = this.status(userId);
    if (after !== before) {
      const frame: PushMessage = { type: 'presence', userId, status: after };
      this.push(PRESENCE_TOPIC, JSON.stringify(frame));
    }
  }

  private tick(now = Date.now()): void {
    void this.svc.control({ type: 'presence_sync', node: this.node, userIds: [...this.local.keys()] });
    for (const [userId, nodes] of this.seen) {
      for (const [node, at] of nodes) if (now - at > EXPIRE_MS) this.mark(userId, node, false, now);
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
