import type { PeerMedia } from '../../../sfu/engine';
import type { PushMessage } from '../../../shared/protocol';
import type { Services } from '../../services';

/** The socket a participant signals through (the hub passes it in; the domain never touches uWS). */
export interface CallSocket {
  /** The connection's id (unique per socket, per node). */
  id: string;
  /** Push a frame to this socket (dropped once it closed). */
  send(frame: PushMessage): void;
}

/** A participant whose media (or lobby seat) this node holds, because its socket is here. */
export interface LocalParticipant {
  participantId: string;
  callId: string;
  userId: string;
  socket: CallSocket;
  /** Null while a guest waits in the lobby. */
  peer: PeerMedia | null;
  /** Stop listening to the peer's events. */
  off: () => void;
  /** Set while its socket is closed and it may still rejoin. */
  grace: NodeJS.Timeout | null;
}

/**
 * What one hub node keeps about calls in memory: the media of the participants whose sockets are here
 * (PeerMedia cannot move between nodes). Everything else is in PostgreSQL, seen by every node.
 */
export class CallNode {
  readonly local = new Map<string, LocalParticipant>();
  timers: NodeJS.Timeout[] = [];

  ofSocket(connId: string, callId?: string): LocalParticipant[] {
    return [...this.local.values()].filter((l) => l.socket.id === connId && (!callId || l.callId === callId));
  }

  /** Forget a participant and release its media (safe to call twice). */
  async release(svc: Services, participantId: string): Promise<void> {
    const l = this.local.get(participantId);
    if (!l) return;
    this.local.delete(participantId);
    if (l.grace) clearTimeout(l.grace);
    l.off();
    if (l.peer) await l.peer.leave().catch((err) => svc.log.warn('call: media not released', { participant: participantId, err }));
  }
}

const nodes = new WeakMap<Services, CallNode>();

/** This node's call registry (one per Services, so several nodes in one test process stay apart). */
export function callNode(svc: Services): CallNode {
  let n = nodes.get(svc);
  if (!n) nodes.set(svc, (n = new CallNode()));
  return n;
}
