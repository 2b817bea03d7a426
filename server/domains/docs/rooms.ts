import type { Services } from '../../services';
import { DocRoom, type DocLimits, type DocPeer } from './room';

/** The documents open on this hub node, one room each while it has clients here (and a while after). */
export class DocRooms {
  private readonly rooms = new Map<string, DocRoom>();

  constructor(
    private readonly svc: Services,
    readonly limits: DocLimits,
  ) {}

  /** Add a peer to its document's room, opening (loading) the room when it is not open. */
  join(docId: string, peer: DocPeer): DocRoom {
    let room = this.rooms.get(docId);
    if (!room || room.closed) {
      room = new DocRoom(docId, this.svc, this.limits, (r) => this.unload(r, true));
      this.rooms.set(docId, room);
    }
    room.add(peer);
    return room;
  }

  /** A peer left; `shutdown`: the node is stopping, so its rooms go at once, without database work. */
  leave(room: DocRoom, peer: DocPeer, shutdown: boolean): void {
    if (!shutdown) return room.remove(peer);
    room.remove(peer, true);
    // The node is stopping: every room without clients goes now too (its database is about to close).
    for (const r of [...this.rooms.values(), room]) if (r.peers.size === 0) this.unload(r, false);
  }

  /** The room of a document open here, if any. */
  get(docId: string): DocRoom | undefined {
    return this.rooms.get(docId);
  }

  get size(): number {
    return this.rooms.size;
  }

  private unload(room: DocRoom, compact: boolean): void {
    if (this.rooms.get(room.docId) === room) this.rooms.delete(room.docId);
    room.unload(compact).catch((err) => this.svc.log.warn('document unload failed', { doc: room.docId, err }));
  }
}
