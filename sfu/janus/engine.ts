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
import { MediaError, type EngineStatus, type IceCandidate, type MediaEngine, type PeerEvent, type PeerLeg, type PeerMedia, type PublishedTrack, type SubscribedTrack, type TrackSource, type VideoQuality } from '../engine';
import type { Logger } from '../log';
import { JanusConnection, JanusError, JanusPluginError, type HandleEvent, type JanusHandle, type JanusMessage, type JanusSession, type Jsep } from './client';
import type { JanusSupervisor } from './supervisor';

const PLUGIN = 'janus.plugin.videoroom';

/** VideoRoom's error codes we act on (plugins/janus_videoroom.c). */
export const VIDEOROOM_ERR = {
  NO_SUCH_ROOM: 426,
  ROOM_EXISTS: 427,
  NO_SUCH_FEED: 428,
  NOT_PUBLISHED: 435,
  ID_EXISTS: 436,
} as const;

/** Core error codes that mean "your SDP or candidate is wrong". */
const CORE_SDP_ERRORS = new Set([464, 465, 466, 469]);

const SOURCES: readonly TrackSource[] = ['mic', 'camera', 'screen', 'screen_audio'];

/** Any failure of a Janus request as the hub's MediaError. */
export function toMediaError(err: unknown, what: string): MediaError {
  if (err instanceof MediaError) return err;
  if (err instanceof JanusPluginError || err instanceof JanusError) {
    const detail = { engineCode: err.code, engineReason: err.reason };
    const sdp = (err instanceof JanusError && CORE_SDP_ERRORS.has(err.code)) || /\b(sdp|jsep|candidate|offer|answer)\b/i.test(err.reason);
    if (sdp) return new MediaError('bad_sdp', `${what}: the media server refused the description (${err.reason})`, detail);
    if (err instanceof JanusError && (err.code === 458 || err.code === 459)) return new MediaError('gone', `${what}: the media session is gone`, detail);
    return new MediaError('engine', `${what}: ${err.reason}`, detail);
  }
  return new MediaError('engine', `${what}: ${(err as Error)?.message ?? String(err)}`);
}

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

/** One connection with its session and admin handle; replaced as a whole when anything of it is lost. */
interface Link {
  conn: JanusConnection;
  session: JanusSession;
  admin: JanusHandle;
  /** Set once the link is lost; peers on it are gone. */
  lost: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

/** A subscribed stream as Janus lists it. */
interface JanusStream {
  mid: string;
  type: string;
  active?: boolean;
  feed_id?: string;
  feed_mid?: string;
  feed_description?: string;
}

/** A publisher's stream as the room announces it. */
interface RoomStream {
  mid: string;
  type: string;
  description?: string;
  disabled?: boolean;
}

class JanusPeer implements PeerMedia {
  private sub: JanusHandle | null = null;
  /** The room's other publishers and their streams, as this peer's publisher handle hears of them. */
  private publishers = new Map<string, RoomStream[]>();
  private streams: JanusStream[] = [];
  private published = false;
  private isGone = false;
  private talking = false;
  private listeners = new Set<(e: PeerEvent) => void>();
  /** Hangups we caused (unpublish, leave) are not media losses. */
  private quiet = { publisher: false, subscriber: false };
  /** One Janus conversation at a time per peer: the legs' requests depend on each other's state. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private engine: JanusEngine,
    readonly link: Link,
    readonly roomKey: string,
    readonly peerId: string,
    private pub: JanusHandle,
  ) {
    pub.on('event', (e) => this.onHandle('publisher', e));
  }

  private serial<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const run = async () => {
      if (this.isGone) throw new MediaError('gone', 'This peer has left the media room');
      if (this.link.lost) throw new MediaError('gone', `The media server connection was lost: ${this.link.lost}`);
      try {
        return await fn();
      } catch (err) {
        throw toMediaError(err, what);
      }
    };
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => {});
    return next;
  }

  private emit(e: PeerEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.engine.o.log.warn('janus: peer listener failed', { err });
      }
    }
  }

  on(listener: (event: PeerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** @internal Publishers listed in a join reply or announced (new, or with changed streams). */
  notePublishers(list: unknown): void {
    if (!Array.isArray(list)) return;
    for (const p of list as JanusMessage[]) {
      if (p?.id === undefined) continue;
      const streams = Array.isArray(p.streams) ? (p.streams as RoomStream[]) : [];
      // An announcement without streams says nothing about them (keep what we knew).
      if (streams.length === 0 && this.publishers.has(String(p.id))) continue;
      this.publishers.set(String(p.id), streams.filter((st) => st.type === 'audio' || st.type === 'video'));
    }
  }

  /** @internal */
  setTalking(talking: boolean): void {
    if (this.isGone || talking === this.talking) return;
    this.talking = talking;
    this.emit({ type: 'talking', talking });
  }

  private onHandle(leg: PeerLeg, e: HandleEvent): void {
    if (this.isGone) return;
    switch (e.type) {
      case 'webrtcup':
        this.quiet[leg] = false;
        return this.emit({ type: 'connected', leg });
      case 'hangup':
        if (this.quiet[leg]) return;
        return this.emit({ type: 'media_lost', leg, reason: e.reason });
      case 'gone':
        return this.drop(`The media server dropped the ${leg} connection: ${e.reason}`);
      case 'plugin': {
        const d = e.data;
        this.engine.o.log.debug('janus: plugin event', { peer: this.peerId, leg, event: d.videoroom });
        this.engine.routeRoomEvent(d);
        if (leg !== 'publisher') return;
        if (d.videoroom === 'destroyed') return this.drop('The media room was closed');
        if (d.videoroom === 'event') {
          this.notePublishers(d.publishers);
          if (d.unpublished !== undefined && d.unpublished !== 'ok') this.publishers.delete(String(d.unpublished));
          if (d.leaving !== undefined && d.leaving !== 'ok') this.publishers.delete(String(d.leaving));
        }
        // Kicked (by a node where the same peer joined again): Janus tells the kicked one "leaving: ok".
        if (d.videoroom === 'event' && d.reason === 'kicked' && (d.leaving === 'ok' || String(d.leaving) === this.peerId)) {
          return this.drop('The peer was removed from the media room');
        }
        return;
      }
      default:
        return;
    }
  }

  /** @internal The peer is gone without having left (link lost, engine closed, kicked): tell the hub. */
  drop(reason: string): void {
    if (this.isGone) return;
    this.isGone = true;
    this.emit({ type: 'gone', reason });
    this.listeners.clear();
    const key = `${this.roomKey}\n${this.peerId}`;
    if (this.engine.local.get(key) === this) this.engine.local.delete(key);
    if (!this.link.lost) {
      void this.pub.detach();
      void this.sub?.detach();
    }
  }

  publish(offerSdp: string, tracks: PublishedTrack[]): Promise<{ answerSdp: string }> {
    return this.serial('Publishing failed', async () => {
      if (typeof offerSdp !== 'string' || !offerSdp.startsWith('v=0')) throw new MediaError('bad_sdp', 'Not a session description offer');
      const descriptions = tracks.filter((t) => SOURCES.includes(t.source)).map((t) => ({ mid: t.mid, description: t.source }));
      const body = this.published ? { request: 'configure', descriptions } : { request: 'publish', descriptions };
      const jsep: Jsep = { type: 'offer', sdp: offerSdp };
      const reply = await this.pub.message(body, { jsep, async: true });
      if (!reply.jsep || reply.jsep.type !== 'answer') throw new MediaError('bad_sdp', 'The media server did not answer the offer');
      this.published = true;
      this.quiet.publisher = false;
      return { answerSdp: reply.jsep.sdp };
    });
  }

  unpublish(): Promise<void> {
    return this.serial('Unpublishing failed', async () => {
      if (!this.published) return;
      this.quiet.publisher = true;
      try {
        await this.pub.message({ request: 'unpublish' }, { async: true });
      } catch (err) {
        if (!(err instanceof JanusPluginError && err.code === VIDEOROOM_ERR.NOT_PUBLISHED)) throw err;
      }
      this.published = false;
    });
  }

  /** The subscription's media m-lines as the hub's tracks. */
  private tracks(): SubscribedTrack[] {
    return this.streams
      .filter((s) => (s.type === 'audio' || s.type === 'video') && s.active !== false && s.feed_id)
      .map((s) => ({
        mid: String(s.mid),
        peerId: String(s.feed_id),
        peerMid: String(s.feed_mid ?? ''),
        kind: s.type as 'audio' | 'video',
        source: SOURCES.includes(s.feed_description as TrackSource) ? (s.feed_description as TrackSource) : s.type === 'audio' ? 'mic' : 'camera',
      }));
  }

  subscribe(peerIds: string[]): Promise<{ offerSdp: string; tracks: SubscribedTrack[] } | null> {
    return this.serial('Subscribing failed', async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.subscribeOnce(peerIds);
        } catch (err) {
          // A feed that stopped publishing meanwhile: look again.
          if (attempt < 2 && err instanceof JanusPluginError && err.code === VIDEOROOM_ERR.NO_SUCH_FEED) continue;
          throw err;
        }
      }
    });
  }

  private async subscribeOnce(peerIds: string[]): Promise<{ offerSdp: string; tracks: SubscribedTrack[] } | null> {
    // Janus is the judge of who publishes (another node's peers included); our publisher handle's
    // announcements say which streams each has (a screen added, a camera removed).
    const asked = [...new Set(peerIds)].filter((id) => id !== this.peerId);
    let list = await this.engine.participants(this.roomKey);
    // Janus refuses a feed until its publisher's PeerConnection is up ("No such feed"), and the hub asks
    // as soon as the publisher's offer is answered: give such feeds a moment to come up.
    const until = Date.now() + (this.engine.o.feedWaitMs ?? 5000);
    const pending = () => list.some((p) => !p.publisher && asked.includes(p.id));
    while (pending() && Date.now() < until) {
      await sleep(150);
      list = await this.engine.participants(this.roomKey);
    }
    const publishing = new Set(list.filter((p) => p.publisher).map((p) => p.id));
    const wanted = asked.filter((id) => publishing.has(id));
    if (!this.sub) {
      if (wanted.length === 0) return null;
      const sub = await this.link.session.attach(PLUGIN);
      try {
        const reply = await sub.message(
          { request: 'join', ptype: 'subscriber', room: this.roomKey, streams: wanted.map((feed) => ({ feed })), autoupdate: false, use_msid: true },
          { async: true },
        );
        if (!reply.jsep) throw new MediaError('engine', 'The media server sent no subscription offer');
        this.sub = sub;
        sub.on('event', (e) => this.onHandle('subscriber', e));
        this.streams = (reply.data.streams ?? []) as JanusStream[];
        return { offerSdp: reply.jsep.sdp, tracks: this.tracks() };
      } catch (err) {
        await sub.detach().catch(() => {});
        throw err;
      }
    }
    const have = this.tracks();
    const haveFeeds = new Set(have.map((t) => t.peerId));
    const subscribe: { feed: string; mid?: string }[] = [];
    const unsubscribe: { feed: string; mid?: string }[] = [];
    for (const feed of wanted) {
      if (!haveFeeds.has(feed)) {
        subscribe.push({ feed });
        continue;
      }
      // Already watched: streams it added since, and streams it dropped.
      const known = this.publishers.get(feed);
      if (!known) continue;
      // Only what the announcement says for sure: a stream added, a stream disabled (a stream not listed
      // is left alone, a partial announcement must not cut a feed off).
      const haveMids = new Set(have.filter((t) => t.peerId === feed).map((t) => t.peerMid));
      for (const st of known) {
        const mid = String(st.mid);
        if (!st.disabled && !haveMids.has(mid)) subscribe.push({ feed, mid });
        if (st.disabled && haveMids.has(mid)) unsubscribe.push({ feed, mid });
      }
    }
    for (const feed of haveFeeds) if (!wanted.includes(feed)) unsubscribe.push({ feed });
    if (subscribe.length === 0 && unsubscribe.length === 0) return null;
    const body: JanusMessage = { request: 'update' };
    if (subscribe.length) body.subscribe = subscribe;
    if (unsubscribe.length) body.unsubscribe = unsubscribe;
    const reply = await this.sub.message(body, { async: true });
    if (Array.isArray(reply.data.streams)) this.streams = reply.data.streams as JanusStream[];
    if (!reply.jsep) return null;
    return { offerSdp: reply.jsep.sdp, tracks: this.tracks() };
  }

  answer(answerSdp: string): Promise<void> {
    return this.serial('Answering the subscription failed', async () => {
      if (!this.sub) throw new MediaError('engine', 'There is no subscription offer to answer');
      if (typeof answerSdp !== 'string' || !answerSdp.startsWith('v=0')) throw new MediaError('bad_sdp', 'Not a session description answer');
      await this.sub.message({ request: 'start' }, { jsep: { type: 'answer', sdp: answerSdp }, async: true });
      this.quiet.subscriber = false;
    });
  }

  trickle(leg: PeerLeg, candidate: IceCandidate | null): Promise<void> {
    // Not serialised: candidates must not wait behind a renegotiation that waits for them.
    if (this.isGone) return Promise.reject(new MediaError('gone', 'This peer has left the media room'));
    const handle = leg === 'publisher' ? this.pub : this.sub;
    if (!handle) return Promise.resolve(); // a late candidate of a subscription that was never made
    return handle.trickle(candidate).catch((err) => {
      throw toMediaError(err, 'The candidate was refused');
    });
  }

  setQuality(peerIds: string[], quality: VideoQuality): Promise<void> {
    return this.serial('Choosing the video layer failed', async () => {
      if (!this.sub) return;
      // Substream 2 is the top layer (Janus takes the best one available up to the target), 0 the lowest.
      const substream = quality === 'high' ? 2 : 0;
      const streams = this.tracks()
        .filter((t) => t.kind === 'video' && t.source === 'camera' && peerIds.includes(t.peerId))
        .map((t) => ({ mid: t.mid, substream }));
      if (!streams.length) return;
      await this.sub.message({ request: 'configure', streams }, { async: true });
    });
  }

  restartSubscriber(): Promise<{ offerSdp: string; tracks: SubscribedTrack[] }> {
    return this.serial('Restarting the subscription failed', async () => {
      if (!this.sub) throw new MediaError('engine', 'There is no subscription to restart');
      const reply = await this.sub.message({ request: 'configure', restart: true }, { async: true });
      if (!reply.jsep) throw new MediaError('engine', 'The media server sent no restart offer');
      if (Array.isArray(reply.data.streams)) this.streams = reply.data.streams as JanusStream[];
      return { offerSdp: reply.jsep.sdp, tracks: this.tracks() };
    });
  }

  async leave(): Promise<void> {
    if (this.isGone) return;
    this.isGone = true;
    this.listeners.clear();
    this.quiet = { publisher: true, subscriber: true };
    // Wait for what is under way, then leave without queueing behind the gone check.
    await this.chain;
    if (!this.link.lost) {
      await this.sub?.detach().catch(() => {});
      await this.pub.message({ request: 'leave' }, { async: true, timeoutMs: 3000 }).catch(() => {});
      await this.pub.detach().catch(() => {});
    }
    await this.engine.left(this);
  }
}
