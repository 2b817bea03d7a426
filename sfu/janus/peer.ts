/**
 * A peer of the Janus engine: the hub's participant in a VideoRoom, with a publisher handle (joined at
 * once) and a subscriber handle carrying every feed it watches. See engine.ts for the whole design.
 */
import { MediaError, type IceCandidate, type PeerEvent, type PeerLeg, type PeerMedia, type PublishedTrack, type SubscribedTrack, type TrackSource, type VideoQuality } from '../engine';
import { JanusPluginError, type HandleEvent, type JanusHandle, type JanusMessage, type Jsep } from './client';
import type { JanusEngine } from './engine';
import { PLUGIN, SOURCES, sleep, toMediaError, VIDEOROOM_ERR, type Link } from './videoroom';

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

/** One participant's media in a room: its publisher handle and, once it watches someone, its subscriber handle. */
export class JanusPeer implements PeerMedia {
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
