/**
 * The media engine on Janus' VideoRoom plugin, multistream API (Janus 1.x).
 *
 * - One connection and one Janus session per engine (per hub node), plus an "admin" handle for room
 *   requests (create, exists, listparticipants, destroy, kick). Several nodes may share one Janus: each has
 *   its own session; rooms are shared by id.
 * - A room's Janus id is the hub's room key and a peer's feed id is its participant id (`string_ids`), so
 *   no mapping table exists to lose. Rooms are made with the admin key (nobody else can) on first join,
 *   and destroyed when `listparticipants` finds nobody left, whichever node's peers those were.
 * - Per peer: a publisher handle (joined at once, so the peer counts in the room even before it sends
 *   media) and, once it watches someone, a subscriber handle carrying every feed it watches (one
 *   PeerConnection, renegotiated with `update`). Subscriptions are made with `autoupdate: false`: Janus
 *   never sends an offer nobody asked for; the hub re-subscribes when people come and go.
 * - A publisher's track sources travel as the VideoRoom stream `description`s, so subscribers on any node
 *   learn them from Janus (`feed_description`).
 * - Losing the connection or the session (Janus restarted, killed, timed us out) makes every peer `gone`.
 */
import { MediaError, type EngineStatus, type MediaEngine, type PeerMedia } from '../engine';
import type { Logger } from '../log';
import { JanusConnection, JanusPluginError, type HandleEvent, type JanusHandle, type JanusMessage } from './client';
import { JanusPeer } from './peer';
import type { JanusSupervisor } from './supervisor';
import { PLUGIN, sleep, toMediaError, VIDEOROOM_ERR, type Link } from './videoroom';

export { toMediaError, VIDEOROOM_ERR } from './videoroom';

export interface JanusEngineOptions {
  /** ws://… of Janus' API. */
  url: string;
  apiSecret?: string;
  adminKey: string;
  log: Logger;
  /** The process we run, if we run it (its status is part of ours); absent for an external Janus. */
  supervisor?: JanusSupervisor;
  /** Per request (asynchronous plugin events included). */
  timeoutMs?: number;
  keepaliveMs?: number;
  /** Publishers a room can hold. */
  maxPublishers?: number;
  /** How long `subscribe` waits for a feed whose publisher is in the room but not yet connected. */
  feedWaitMs?: number;
}

export class JanusEngine implements MediaEngine {
  readonly name = 'janus';
  private link: Link | null = null;
  private everLinked = false;
  private linkError: string | null = null;
  private closed = false;
  private current: EngineStatus = { state: 'starting' };
  private listeners = new Set<(s: EngineStatus) => void>();
  private readyWaiters = new Set<() => void>();
  /** Our peers: `${roomKey}\n${peerId}` -> peer. */
  readonly local = new Map<string, JanusPeer>();
  /** Room operations of this node, one at a time per room (a join never races our own destroy). */
  private roomLocks = new Map<string, Promise<unknown>>();
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(readonly o: JanusEngineOptions) {
    o.supervisor?.onStatus(() => {
      this.refresh();
      this.wake?.();
    });
  }

  /** Start connecting (in the background, for as long as the engine lives). Resolves after the first attempt. */
  async start(firstTryMs = 30_000): Promise<void> {
    this.loop ??= this.connectLoop();
    this.refresh();
    if (this.current.state === 'unavailable') return; // the supervisor gave up: nothing to wait for
    await Promise.race([this.whenReady(), sleep(firstTryMs), this.firstFailure()]);
  }

  private firstFailureWaiters = new Set<() => void>();
  private firstFailure(): Promise<void> {
    return new Promise((r) => this.firstFailureWaiters.add(r));
  }

  private whenReady(): Promise<void> {
    if (this.link) return Promise.resolve();
    return new Promise((r) => this.readyWaiters.add(r));
  }

  status(): EngineStatus {
    return this.current;
  }

  onStatus(listener: (s: EngineStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private compute(): EngineStatus {
    if (this.closed) return { state: 'unavailable', code: 'unreachable', reason: 'The media engine was closed' };
    const sup = this.o.supervisor?.status();
    if (sup && sup.state === 'unavailable') return sup;
    if (this.link) return { state: 'ready' };
    if (sup && sup.state !== 'ready') return sup;
    if (!this.everLinked) {
      if (!this.o.supervisor && this.linkError) return { state: 'unavailable', code: 'unreachable', reason: this.linkError };
      return { state: 'starting', reason: 'Connecting to the media server' };
    }
    return { state: 'restarting', reason: this.linkError ?? 'Reconnecting to the media server' };
  }

  private refresh(): void {
    const next = this.compute();
    const same = next.state === this.current.state && next.code === this.current.code && next.reason === this.current.reason;
    this.current = next;
    if (!same) for (const l of this.listeners) l(next);
  }

  /** Keep a link up while the engine is open: connect whenever there is none and Janus should be there. */
  private async connectLoop(): Promise<void> {
    let delay = 250;
    while (!this.closed) {
      const sup = this.o.supervisor?.status();
      if (this.link || (sup && sup.state !== 'ready')) {
        await new Promise<void>((r) => {
          this.wake = r;
          // A link may be lost without any status change: look again now and then.
          setTimeout(r, 1000).unref();
        });
        this.wake = null;
        continue;
      }
      try {
        await this.connect();
        delay = 250;
      } catch (err) {
        this.linkError = `The media server does not answer at ${this.o.url}: ${(err as Error).message}`;
        this.o.log.debug('janus: connect failed', { err: (err as Error).message });
        for (const w of this.firstFailureWaiters) w();
        this.firstFailureWaiters.clear();
        this.refresh();
        await sleep(delay);
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  private async connect(): Promise<void> {
    const conn = await JanusConnection.connect(this.o.url, { apiSecret: this.o.apiSecret, timeoutMs: this.o.timeoutMs, keepaliveMs: this.o.keepaliveMs });
    try {
      const session = await conn.createSession();
      const admin = await session.attach(PLUGIN);
      const link: Link = { conn, session, admin, lost: null };
      const lose = (reason: string) => this.lost(link, reason);
      conn.onClose(lose);
      session.onGone(lose);
      admin.on('event', (e) => this.onAdminEvent(link, e));
      if (this.closed) {
        conn.close();
        return;
      }
      this.link = link;
      this.everLinked = true;
      this.linkError = null;
      this.o.log.info('janus: connected', { url: this.o.url, session: String(session.id) });
      for (const w of this.readyWaiters) w();
      this.readyWaiters.clear();
      this.refresh();
    } catch (err) {
      conn.close();
      throw err;
    }
  }

  private onAdminEvent(link: Link, e: HandleEvent): void {
    if (e.type === 'gone') this.lost(link, 'the media server dropped our room handle');
    else if (e.type === 'plugin') this.routeRoomEvent(e.data);
  }

  /** The link is gone: every peer on it must join again. */
  private lost(link: Link, reason: string): void {
    if (link.lost) return;
    link.lost = reason;
    if (this.link === link) this.link = null;
    if (!this.closed) this.o.log.warn('janus: link lost', { reason });
    link.conn.close();
    for (const p of [...this.local.values()]) if (p.link === link) p.drop(`The media server connection was lost: ${reason}`);
    this.linkError = reason;
    this.refresh();
    this.wake?.();
  }

  /** The link to use now, or MediaError('unavailable'). */
  requireLink(): Link {
    if (this.closed) throw new MediaError('unavailable', 'The media engine is closed');
    if (!this.link) throw new MediaError('unavailable', this.current.reason ?? 'The media server is not ready');
    return this.link;
  }

  /** Room events heard on any handle: talking goes to the local peer it is about. */
  routeRoomEvent(data: JanusMessage): void {
    if (data.videoroom === 'talking' || data.videoroom === 'stopped-talking') {
      const peer = this.local.get(`${data.room}\n${data.id}`);
      peer?.setTalking(data.videoroom === 'talking');
    }
  }

  /** Run `fn` after this node's earlier operations on the room. */
  private withRoom<T>(roomKey: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.roomLocks.get(roomKey) ?? Promise.resolve();
    const next = prev.catch(() => {}).then(fn);
    const tail = next.catch(() => {});
    this.roomLocks.set(roomKey, tail);
    void tail.then(() => {
      if (this.roomLocks.get(roomKey) === tail) this.roomLocks.delete(roomKey);
    });
    return next;
  }

  /** Create the room; another node having just made it is fine. */
  private async createRoom(link: Link, roomKey: string): Promise<void> {
    try {
      await link.admin.message({
        request: 'create',
        room: roomKey,
        admin_key: this.o.adminKey,
        // Our own requests (kick, destroy) carry it; nobody else can reach the API anyway.
        secret: this.o.adminKey,
        description: 'artel call',
        is_private: true,
        permanent: false,
        publishers: this.o.maxPublishers ?? 25,
        audiocodec: 'opus',
        videocodec: 'vp8',
        notify_joining: false,
        audiolevel_event: true,
        audio_active_packets: 50,
        audio_level_average: 40,
        bitrate: 1_500_000,
        fir_freq: 10,
      });
      this.o.log.debug('janus: room created', { room: roomKey });
    } catch (err) {
      if (err instanceof JanusPluginError && err.code === VIDEOROOM_ERR.ROOM_EXISTS) return;
      throw err;
    }
  }

  async join(roomKey: string, peer: { peerId: string; display: string }): Promise<PeerMedia> {
    if (!roomKey || !peer.peerId) throw new MediaError('engine', 'A room key and a peer id are needed');
    const link = this.requireLink();
    const key = `${roomKey}\n${peer.peerId}`;
    // The same peer joining again (a reconnect) replaces its earlier self.
    const before = this.local.get(key);
    if (before) await before.leave().catch(() => {});
    return this.withRoom(roomKey, async () => {
      let handle: JanusHandle | null = null;
      try {
        handle = await link.session.attach(PLUGIN);
        const p = new JanusPeer(this, link, roomKey, peer.peerId, handle);
        const body = { request: 'join', ptype: 'publisher', room: roomKey, id: peer.peerId, display: peer.display.slice(0, 200) };
        for (let attempt = 0; ; attempt++) {
          try {
            const reply = await handle.message(body, { async: true });
            p.notePublishers(reply.data.publishers);
            break;
          } catch (err) {
            if (attempt >= 3 || !(err instanceof JanusPluginError)) throw err;
            if (err.code === VIDEOROOM_ERR.NO_SUCH_ROOM) await this.createRoom(link, roomKey);
            else if (err.code === VIDEOROOM_ERR.ID_EXISTS) await this.kick(link, roomKey, peer.peerId);
            else throw err;
          }
        }
        this.local.set(key, p);
        this.o.log.debug('janus: joined', { room: roomKey, peer: peer.peerId });
        return p;
      } catch (err) {
        await handle?.detach().catch(() => {});
        throw toMediaError(err, 'Joining the media room failed');
      }
    });
  }

  /** Remove a stale participant with our id (a node that died with it in the room, a rejoin). */
  private async kick(link: Link, roomKey: string, peerId: string): Promise<void> {
    this.o.log.info('janus: kicking a stale participant', { room: roomKey, peer: peerId });
    try {
      await link.admin.message({ request: 'kick', room: roomKey, secret: this.o.adminKey, id: peerId });
    } catch (err) {
      if (!(err instanceof JanusPluginError && err.code === VIDEOROOM_ERR.NO_SUCH_FEED)) throw err;
    }
    // Janus frees the id once the kicked handle is cleaned up, a moment later.
    await sleep(100);
  }

  /** The room's participants as Janus has them, with whether they publish. */
  async participants(roomKey: string): Promise<{ id: string; publisher: boolean }[]> {
    const link = this.requireLink();
    try {
      const { data } = await link.admin.message({ request: 'listparticipants', room: roomKey });
      return ((data.participants ?? []) as JanusMessage[]).map((p) => ({ id: String(p.id), publisher: Boolean(p.publisher) }));
    } catch (err) {
      if (err instanceof JanusPluginError && err.code === VIDEOROOM_ERR.NO_SUCH_ROOM) return [];
      throw toMediaError(err, 'Listing the room failed');
    }
  }

  async peers(roomKey: string): Promise<string[]> {
    return (await this.participants(roomKey)).map((p) => p.id);
  }

  /** Whether Janus has the room. */
  async exists(roomKey: string): Promise<boolean> {
    const link = this.requireLink();
    try {
      const { data } = await link.admin.message({ request: 'exists', room: roomKey });
      return Boolean(data.exists);
    } catch (err) {
      throw toMediaError(err, 'Asking for the room failed');
    }
  }

  /** @internal A peer left: destroy the room when nobody (of any node) is in it any more. */
  async left(peer: JanusPeer): Promise<void> {
    const key = `${peer.roomKey}\n${peer.peerId}`;
    if (this.local.get(key) === peer) this.local.delete(key);
    const link = this.link;
    if (!link || link !== peer.link) return;
    await this.withRoom(peer.roomKey, async () => {
      const { data } = await link.admin.message({ request: 'listparticipants', room: peer.roomKey });
      if (((data.participants ?? []) as unknown[]).length > 0) return;
      await link.admin.message({ request: 'destroy', room: peer.roomKey, secret: this.o.adminKey, permanent: false });
      this.o.log.debug('janus: room destroyed', { room: peer.roomKey });
    }).catch((err) => {
      if (err instanceof JanusPluginError && err.code === VIDEOROOM_ERR.NO_SUCH_ROOM) return;
      this.o.log.debug('janus: room not destroyed', { room: peer.roomKey, err: (err as Error).message });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const link = this.link;
    for (const p of [...this.local.values()]) p.drop('The media engine was closed');
    this.wake?.();
    if (link) {
      await link.session.destroy().catch(() => {});
      this.lost(link, 'the engine was closed');
    }
    await this.o.supervisor?.stop();
    this.refresh();
  }
}
