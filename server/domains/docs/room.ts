import * as Y from 'yjs';
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import type { Services } from '../../services';
import type { DocAccess } from './policy';
import { appendUpdate, compactDoc, readDoc, type StoredDoc } from './storage';
import {
  DocProtocolError, decodeClientMessage, encodeAwareness, encodePermissionDenied, encodeSyncStep1, encodeSyncStep2, encodeUpdate,
  isEmptyUpdate, type DocClientMessage,
} from './protocol';

/** Close codes of /yjs sockets (they mirror HTTP, like /ws'). */
export const DOC_CLOSE = {
  badFrame: 4400,
  forbidden: 4403,
  /** What the user may do here changed (edit became read, or back): reconnect to be granted it (a
   *  y-websocket client reconnects on any code outside 4400-4499). */
  accessChanged: 4300,
  gone: 4404,
  tooLarge: 4413,
  rateLimited: 4429,
  /** Our fault or a dependency's (storage): the client reconnects and resends what was not stored. */
  unavailable: 1011,
} as const;

/** A client of one document, whatever carries it (a uWS socket in the hub). */
export interface DocPeer {
  readonly id: string;
  readonly userId: string;
  readonly access: DocAccess;
  send(frame: Uint8Array): void;
  close(code: number, reason: string): void;
}

/** The documents' limits and timings (from the configuration). */
export interface DocLimits {
  updateMaxBytes: number;
  docMaxBytes: number;
  /** Compact after this many updates since the last snapshot. */
  compactEvery: number;
  /** Keep a document in memory this long after its last client left (a reconnect finds it warm). */
  unloadAfterMs: number;
}

/** What nodes tell each other on a document's bus channel. */
type BusMessage =
  | { node: string; t: 'update'; seq: number; update: string; bytes: number }
  | { node: string; t: 'awareness'; update: string };

export const docChannel = (docId: string) => `doc:${docId}`;

const REMOTE = Symbol('remote');

/**
 * One open document on this node: its Y.Doc (loaded from PostgreSQL), the awareness of its clients,
 * and the peers editing it here. Everything that touches the document runs through one queue, in
 * arrival order: a client's messages, updates from other nodes, reloads. An accepted update is stored
 * before it is relayed to anyone, so whatever a client saw acknowledged survives a crash.
 */
export class DocRoom {
  private doc = new Y.Doc();
  /** Awareness on a document of its own: reloading the content never drops the cursors. */
  readonly awareness = new Awareness(new Y.Doc());
  readonly peers = new Set<DocPeer>();
  /** Awareness client ids each peer speaks for, removed when it leaves. */
  private readonly clientsOf = new Map<DocPeer, Set<number>>();
  private lastSeq = 0;
  private bytes = 0;
  private queue: Promise<void>;
  private compacting: Promise<void> | null = null;
  private unloadTimer: NodeJS.Timeout | null = null;
  closed = false;
  private unloaded = false;
  private readonly onBus = (message: string) => this.enqueue(() => this.handleBus(JSON.parse(message) as BusMessage));

  constructor(
    readonly docId: string,
    private readonly svc: Services,
    private readonly limits: DocLimits,
    private readonly onEmpty: (room: DocRoom) => void,
  ) {
    this.awareness.setLocalState(null);
    // Its outdated-state sweep must not keep a stopping process alive.
    (this.awareness as unknown as { _checkInterval?: NodeJS.Timeout })._checkInterval?.unref?.();
    this.awareness.on('update', this.onAwareness);
    // Subscribe first, then load: a message published meanwhile waits in the queue behind the load and
    // is skipped when the load already has it (by seq).
    this.queue = svc.bus
      .subscribe(docChannel(docId), this.onBus)
      .then(() => this.reload())
      .catch((err) => {
        // Nothing may run on a document that is not loaded: its clients go, and retry on a fresh room.
        svc.log.error('document load failed', { doc: docId, err });
        this.closed = true;
        this.closeAll(DOC_CLOSE.unavailable, 'the document could not be loaded');
      });
  }

  private enqueue(task: () => Promise<void> | void): Promise<void> {
    const run = this.queue.catch(() => {}).then(() => (this.closed ? undefined : task()));
    this.queue = run.catch((err) => this.svc.log.error('document task failed', { doc: this.docId, err }));
    return this.queue;
  }

  add(peer: DocPeer): void {
    if (this.unloadTimer) clearTimeout(this.unloadTimer);
    this.unloadTimer = null;
    this.peers.add(peer);
    this.clientsOf.set(peer, new Set());
    // Who is here already; the client starts the document sync itself with its SyncStep1.
    this.enqueue(() => {
      if (this.awareness.getStates().size) peer.send(encodeAwareness(encodeAwarenessUpdate(this.awareness, [...this.awareness.getStates().keys()])));
    });
  }

  /** A peer left: its cursors go; the document unloads a while after the last one (`now`: the caller unloads it). */
  remove(peer: DocPeer, now = false): void {
    if (!this.peers.delete(peer)) return;
    const clients = this.clientsOf.get(peer);
    this.clientsOf.delete(peer);
    if (clients?.size) removeAwarenessStates(this.awareness, [...clients], null);
    if (this.peers.size) return;
    if (now) return;
    this.unloadTimer = setTimeout(() => this.peers.size === 0 && this.onEmpty(this), this.limits.unloadAfterMs);
    this.unloadTimer.unref();
  }

  /** A binary frame from a peer (already copied out of uWS' buffer). */
  receive(peer: DocPeer, data: Uint8Array): void {
    let msg: DocClientMessage;
    try {
      msg = decodeClientMessage(data);
    } catch (err) {
      this.svc.log.info('document frame refused', { doc: this.docId, peer: peer.id, err: (err as Error).message });
      return peer.close(DOC_CLOSE.badFrame, (err as DocProtocolError).message);
    }
    this.enqueue(() => this.handle(peer, msg));
  }

  private async handle(peer: DocPeer, msg: DocClientMessage): Promise<void> {
    if (!this.peers.has(peer)) return;
    switch (msg.type) {
      case 'sync_step1':
        peer.send(encodeSyncStep2(this.doc, msg.stateVector));
        peer.send(encodeSyncStep1(this.doc));
        return;
      case 'update':
        return this.handleUpdate(peer, msg.update);
      case 'awareness':
        return this.handleAwareness(peer, msg);
      case 'query_awareness':
        peer.send(encodeAwareness(encodeAwarenessUpdate(this.awareness, [...this.awareness.getStates().keys()])));
        return;
      default: {
        const never: never = msg;
        throw new Error(`unhandled ${JSON.stringify(never)}`);
      }
    }
  }

  /** Refuse a client's update, telling it why (y-protocols/auth), and close its socket unless `keepOpen`. */
  private refuse(peer: DocPeer, reason: string, code: number | null): void {
    this.svc.log.info('document update refused', { doc: this.docId, peer: peer.id, user: peer.userId, reason });
    peer.send(encodePermissionDenied(reason));
    if (code !== null) peer.close(code, reason);
  }

  private async handleUpdate(peer: DocPeer, update: Uint8Array): Promise<void> {
    if (update.byteLength > this.limits.updateMaxBytes) {
      return this.refuse(peer, `update too large: ${update.byteLength} bytes, the limit is ${this.limits.updateMaxBytes}`, DOC_CLOSE.tooLarge);
    }
    if (isEmptyUpdate(update)) return;
    // A reader's socket stays open (it keeps receiving the document); its edits never go anywhere.
    if (peer.access !== 'edit') return this.refuse(peer, 'permission denied: read-only', null);
    if (this.bytes + update.byteLength > this.limits.docMaxBytes) {
      await this.compactNow();
      if (this.bytes + update.byteLength > this.limits.docMaxBytes) {
        return this.refuse(peer, `document too large: the limit is ${this.limits.docMaxBytes} bytes`, DOC_CLOSE.tooLarge);
      }
    }
    let changed: Uint8Array | null;
    try {
      changed = this.apply(update, peer);
    } catch (err) {
      // Decoded, yet it does not apply: nothing of it was stored; start again from what was.
      this.svc.log.warn('document update does not apply', { doc: this.docId, peer: peer.id, err });
      peer.close(DOC_CLOSE.badFrame, 'malformed update');
      return this.discardUnstored();
    }
    if (!changed) return;
    await this.store(peer, changed);
  }

  /** Store what an update changed, then relay it here and to the other nodes. */
  private async store(peer: DocPeer, changed: Uint8Array): Promise<void> {
    let result;
    try {
      result = await appendUpdate(this.svc.db, this.docId, changed, peer.userId, this.limits.docMaxBytes);
    } catch (err) {
      // Not stored, so not acknowledged: drop it from memory; the client resends it when it reconnects.
      this.svc.log.error('document update not stored', { doc: this.docId, err });
      peer.close(DOC_CLOSE.unavailable, 'the document could not be saved');
      return this.discardUnstored();
    }
    if (!result.ok) {
      if (result.reason === 'gone') return this.closeAll(DOC_CLOSE.gone, 'the document no longer exists');
      this.refuse(peer, `document too large: the limit is ${this.limits.docMaxBytes} bytes`, DOC_CLOSE.tooLarge);
      return this.discardUnstored();
    }
    // Another node stored updates in between: fetch them before moving past their seqs.
    if (result.seq !== this.lastSeq + 1) await this.catchUp(result.seq - 1);
    this.lastSeq = result.seq;
    this.bytes = result.bytes;
    this.broadcast(encodeUpdate(changed), peer);
    this.publish({ node: this.svc.config.nodeId, t: 'update', seq: result.seq, update: Buffer.from(changed).toString('base64'), bytes: result.bytes });
    if (result.sinceSnapshot >= this.limits.compactEvery) void this.compactNow();
  }

  /** Apply an update to the in-memory document; returns what it changed (null: nothing new). */
  private apply(update: Uint8Array, origin: unknown): Uint8Array | null {
    const changes: Uint8Array[] = [];
    const capture = (u: Uint8Array) => changes.push(u);
    this.doc.on('update', capture);
    try {
      Y.applyUpdate(this.doc, update, origin);
    } finally {
      this.doc.off('update', capture);
    }
    if (!changes.length) return null;
    return changes.length === 1 ? changes[0] : Y.mergeUpdates(changes);
  }

  private handleBus(msg: BusMessage): Promise<void> | void {
    if (msg.node === this.svc.config.nodeId) return;
    if (msg.t === 'awareness') {
      try {
        applyAwarenessUpdate(this.awareness, Buffer.from(msg.update, 'base64'), REMOTE);
      } catch (err) {
        this.svc.log.warn('bad awareness from the bus', { doc: this.docId, err });
      }
      return;
    }
    if (msg.seq <= this.lastSeq) return;
    if (msg.seq !== this.lastSeq + 1) return this.catchUp(msg.seq);
    const changed = this.apply(Buffer.from(msg.update, 'base64'), REMOTE);
    this.lastSeq = msg.seq;
    this.bytes = msg.bytes;
    if (changed) this.broadcast(encodeUpdate(changed), null);
  }

  /** Fill a gap from PostgreSQL (the bus is at-most-once): apply what was stored after lastSeq, relay it here. */
  private async catchUp(upTo: number): Promise<void> {
    const stored = await readDoc(this.svc.db, this.docId, this.lastSeq);
    if (!stored) return this.closeAll(DOC_CLOSE.gone, 'the document no longer exists');
    const changes: Uint8Array[] = [];
    for (const u of this.updatesOf(stored, upTo)) {
      const c = this.apply(u, REMOTE);
      if (c) changes.push(c);
    }
    this.lastSeq = Math.max(this.lastSeq, Math.min(upTo, stored.lastSeq));
    this.bytes = stored.bytes;
    if (changes.length) this.broadcast(encodeUpdate(Y.mergeUpdates(changes)), null);
  }

  private updatesOf(stored: StoredDoc, upTo = Infinity): Uint8Array[] {
    const out: Uint8Array[] = stored.snapshot ? [stored.snapshot] : [];
    for (const u of stored.updates) if (u.seq <= upTo) out.push(u.update);
    return out;
  }

  /** (Re)load the whole document from PostgreSQL: at open, and whenever memory may differ from what is stored. */
  private async reload(): Promise<void> {
    const stored = await readDoc(this.svc.db, this.docId);
    if (!stored) return this.closeAll(DOC_CLOSE.gone, 'the document no longer exists');
    const doc = new Y.Doc();
    doc.transact(() => {
      for (const u of this.updatesOf(stored)) Y.applyUpdate(doc, u);
    });
    this.doc.destroy();
    this.doc = doc;
    this.lastSeq = stored.lastSeq;
    this.bytes = stored.bytes;
  }

  /**
   * Memory may hold an update that is not stored: reload from PostgreSQL; when even that fails, close
   * every client (they reconnect to a fresh load and resend what was lost).
   */
  private async discardUnstored(): Promise<void> {
    try {
      await this.reload();
    } catch (err) {
      this.svc.log.error('document reload failed', { doc: this.docId, err });
      this.closed = true;
      this.closeAll(DOC_CLOSE.unavailable, 'the document could not be loaded');
    }
  }

  /** Compact now (one at a time on this node; other nodes are kept out by the row lock). */
  private compactNow(): Promise<void> {
    this.compacting ??= compactDoc(this.svc.db, this.docId)
      .then((bytes) => {
        if (bytes !== null) this.bytes = bytes;
      })
      .catch((err) => this.svc.log.warn('document compaction failed', { doc: this.docId, err }))
      .finally(() => {
        this.compacting = null;
      });
    return this.compacting;
  }

  private handleAwareness(peer: DocPeer, msg: Extract<DocClientMessage, { type: 'awareness' }>): void {
    const mine = this.clientsOf.get(peer)!;
    // A client speaks for its own states only: one that touches another peer's is dropped.
    for (const [other, theirs] of this.clientsOf) {
      if (other !== peer && msg.clients.some((c) => theirs.has(c.clientId))) {
        this.svc.log.info('awareness for another client dropped', { doc: this.docId, peer: peer.id });
        return;
      }
    }
    for (const c of msg.clients) if (!c.removed) mine.add(c.clientId);
    applyAwarenessUpdate(this.awareness, msg.update, peer);
    for (const c of msg.clients) if (c.removed) mine.delete(c.clientId);
  }

  /** Awareness changed (a peer, a node, a timeout, a departure): tell every peer here, and the other nodes unless it came from them. */
  private readonly onAwareness = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const clients = [...added, ...updated, ...removed];
    const update = encodeAwarenessUpdate(this.awareness, clients);
    // The sender gets its own state back too: the y-websocket client counts any message as a sign of life.
    this.broadcast(encodeAwareness(update), null);
    if (origin !== REMOTE && origin !== 'timeout') this.publish({ node: this.svc.config.nodeId, t: 'awareness', update: Buffer.from(update).toString('base64') });
  };

  private broadcast(frame: Uint8Array, except: DocPeer | null): void {
    for (const p of this.peers) if (p !== except) p.send(frame);
  }

  private publish(msg: BusMessage): void {
    this.svc.bus.publish(docChannel(this.docId), JSON.stringify(msg)).catch((err) => this.svc.log.warn('document not published', { doc: this.docId, err }));
  }

  private closeAll(code: number, reason: string): void {
    for (const p of [...this.peers]) p.close(code, reason);
  }

  /** Leave memory: compact what this node's clients wrote (unless the node is stopping), unsubscribe. */
  async unload(compact: boolean): Promise<void> {
    if (this.unloaded) return;
    this.unloaded = true;
    this.closed = true;
    if (this.unloadTimer) clearTimeout(this.unloadTimer);
    this.awareness.off('update', this.onAwareness);
    this.awareness.destroy();
    this.doc.destroy();
    await this.svc.bus.unsubscribe(docChannel(this.docId), this.onBus).catch(() => {});
    if (compact) await this.compactNow();
  }

  /** For tests and diagnostics: the in-memory state as one update. */
  state(): Uint8Array {
    return Y.encodeStateAsUpdate(this.doc);
  }
}
