/**
 * Receiving the others in a call: the subscriber leg, on which the media server offers and this browser
 * answers (`call_subscribe`, `call_answer`, `call_restart`), renegotiated as people publish and leave; the
 * received tracks grouped into one stream per participant and slot for the page; and the simulcast layer
 * asked for each received camera (`call_quality`).
 */
import type { CallParticipant, CallReplies } from '$shared/calls';
import { MediaLeg } from './leg';
import { publishedSignature, slotOf, subscriptionTargets, type MediaSlot, type ReceivedTrack } from './model';
import { LayerChoice, type VideoQuality } from './quality';
import type { CallLink } from './signal';
import { inboundSamples, type InboundSample } from './stats';

/** A participant's received media, one stream per slot. */
export type RemoteMedia = Partial<Record<MediaSlot, MediaStream>>;

/** Whom to receive: the call's participants and my own id while joined, null while not joined. */
export type Audience = () => { participants: CallParticipant[]; me: string | null } | null;

/** How often a publisher not received yet is asked for again (a second apart) before giving up. */
const ABSENT_RETRIES = 20;

export class RemoteFeeds {
  /** Each other participant's received media, by participant id. */
  media = $state.raw<Record<string, RemoteMedia>>({});
  readonly leg: MediaLeg;
  /** The tracks the leg carries, as the hub described them with the last offer. */
  received: ReceivedTrack[] = [];

  /** Which layer of each received camera is asked for (large tiles high, thumbnails low). */
  private readonly layers = new LayerChoice();
  /** The published set last subscribed to; nothing is sent while it stays the same. */
  private signature = '';
  /** Every change of the subscription, and each layer request behind it, goes through this, one at a time. */
  private chain: Promise<unknown> = Promise.resolve();
  private wanted = false;
  private retries = 0;
  private readonly streamCache = new Map<string, { ids: string; stream: MediaStream }>();

  constructor(
    private readonly link: CallLink,
    private readonly audience: Audience,
    onHealth: () => void,
  ) {
    this.leg = new MediaLeg('subscriber', link, onHealth);
  }

  /** Whether any track of this participant is received. */
  receives(participantId: string): boolean {
    return this.received.some((t) => t.participantId === participantId);
  }

  /**
   * Receive exactly the others who publish. Coalesced: while one subscription runs, later changes wait
   * and the newest wins; nothing is sent when the published set did not change (unless `force`).
   */
  resubscribe(force: boolean): void {
    if (force) this.signature = '';
    if (this.wanted) return;
    this.wanted = true;
    const link = this.link;
    const epoch = link.epoch;
    const run = async () => {
      this.wanted = false;
      const who = this.audience();
      if (epoch !== link.epoch || !who) return;
      const targets = subscriptionTargets(who.participants, who.me);
      const signature = publishedSignature(who.participants, targets);
      if (signature === this.signature) return;
      if (!targets.length && !this.leg.pc) {
        this.signature = signature;
        return;
      }
      const reply = await this.subscribeTo(targets);
      if (epoch !== link.epoch) return;
      this.signature = signature;
      if (reply.sdp) await this.answerOffer(reply.sdp, reply.tracks, epoch);
      if (epoch !== link.epoch) return;
      // Someone who publishes is not received at all: the engine may not count them as publishing until
      // their media is up, a moment after the hub says they published. Ask again shortly.
      const absent = targets.filter((id) => !this.receives(id));
      if (absent.length) {
        if (this.retries++ < ABSENT_RETRIES) {
          link.note(`not received yet: ${absent.join(',')}; retrying`);
          setTimeout(() => this.resubscribe(true), 1_000);
        }
        return;
      }
      this.retries = 0;
      if (reply.sdp) return;
      // Nothing changed for the engine, yet someone publishes a track we do not receive (a screen added
      // to a feed we already watch): receive them anew, without and then with them.
      const stale = this.missingTracks(targets);
      if (!stale.length) return;
      link.note(`tracks missing from ${stale.join(',')}: resubscribing them`);
      for (const ids of [targets.filter((id) => !stale.includes(id)), targets]) {
        const r = await this.subscribeTo(ids);
        if (epoch !== link.epoch) return;
        if (r.sdp) await this.answerOffer(r.sdp, r.tracks, epoch);
      }
    };
    this.chain = this.chain.then(run).catch((e) => {
      link.log('calls: subscription failed', e);
      if (epoch === link.epoch && this.audience()) setTimeout(() => this.resubscribe(true), 1_500);
    });
  }

  /** An ICE restart of the leg: the engine offers anew (`call_restart`), in turn with the subscription changes. */
  restart(): Promise<void> {
    const link = this.link;
    const epoch = link.epoch;
    const run = async () => {
      const reply = await link.client.request({ type: 'call_restart', callId: link.callId });
      if (epoch === link.epoch) await this.answerOffer(reply.sdp, reply.tracks, epoch);
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => {});
    return p;
  }

  /** The layer each other participant's camera is wanted at; asked of the server as it changes. */
  setQualities(qualities: Map<string, VideoQuality>): void {
    this.layers.want(qualities);
    void this.applyLayers();
  }

  /** Counters of every received track. */
  inbound(): Promise<InboundSample[]> {
    return inboundSamples(this.leg.pc, this.received);
  }

  /** Close the leg and forget what it received (a rejoin opens a new one). */
  close(): void {
    this.leg.close();
    this.received = [];
    this.signature = '';
    this.wanted = false;
    this.streamCache.clear();
    this.media = {};
  }

  private async subscribeTo(ids: string[]): Promise<CallReplies['call_subscribe']> {
    const link = this.link;
    link.note(`call_subscribe [${ids.join(',')}]`);
    const reply = await link.client.request({ type: 'call_subscribe', callId: link.callId, participantIds: ids });
    link.note(`  -> ${reply.sdp ? 'offer' : 'no change'} ${reply.tracks.map((t) => `${t.mid}:${t.participantId.slice(0, 8)}/${t.source}`).join(' ')}`);
    return reply;
  }

  /** Participants among `ids` who publish a source that the leg does not carry. */
  private missingTracks(ids: string[]): string[] {
    const byId = new Map((this.audience()?.participants ?? []).map((p) => [p.id, p]));
    return ids.filter((id) => {
      const have = new Set(this.received.filter((t) => t.participantId === id).map((t) => t.source));
      return (byId.get(id)?.tracks ?? []).some((t) => !have.has(t.source));
    });
  }

  /** Answer the engine's offer (on a new connection when its DTLS identity changed). */
  private async answerOffer(sdp: string, tracks: ReceivedTrack[], epoch: number): Promise<void> {
    const link = this.link;
    let pc = this.leg.pc;
    const same = !!pc && fingerprint(pc.remoteDescription?.sdp) === fingerprint(sdp);
    if (!pc || !same) {
      pc = this.leg.open();
      pc.ontrack = () => this.rebuild();
    }
    this.leg.hold();
    link.note(`answering ${same ? 'on the same connection' : 'on a new connection'}`);
    this.received = tracks;
    await pc.setRemoteDescription({ type: 'offer', sdp });
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    if (epoch !== link.epoch) return;
    await link.client.request({ type: 'call_answer', callId: link.callId, sdp: pc.localDescription!.sdp });
    this.leg.flush();
    this.rebuild();
    // Cameras newly received start at the top layer: ask again for what the stage wants.
    this.layers.forget();
    void this.applyLayers();
  }

  private applyLayers(): Promise<void> {
    const link = this.link;
    const epoch = link.epoch;
    const run = async () => {
      if (epoch !== link.epoch || !this.audience() || !this.leg.pc) return;
      const cameras = this.received.filter((t) => t.kind === 'video' && t.source === 'camera').map((t) => t.participantId);
      for (const r of this.layers.pending(cameras)) {
        await link.client.request({ type: 'call_quality', callId: link.callId, participantIds: r.participantIds, quality: r.quality });
        this.layers.sentAs(r.participantIds, r.quality);
        link.note(`call_quality ${r.quality} [${r.participantIds.join(',')}]`);
      }
    };
    // Behind the subscription changes, so a layer is asked for a stream the server already sends.
    const p = this.chain.then(run);
    this.chain = p.catch((e) => link.log('calls: choosing a video layer failed', e));
    return p.catch(() => {});
  }

  /** Group the leg's live tracks by participant and slot (new streams only where tracks changed). */
  private rebuild(): void {
    const pc = this.leg.pc;
    if (!pc) {
      this.media = {};
      return;
    }
    const byMid = new Map(this.received.map((t) => [t.mid, t]));
    const grouped = new Map<string, MediaStreamTrack[]>();
    for (const tr of pc.getTransceivers()) {
      const info = tr.mid ? byMid.get(tr.mid) : undefined;
      if (!info || tr.currentDirection === 'inactive' || tr.receiver.track.readyState === 'ended') continue;
      const key = `${info.participantId}|${slotOf(info)}`;
      grouped.set(key, [...(grouped.get(key) ?? []), tr.receiver.track]);
    }
    const next: Record<string, RemoteMedia> = {};
    for (const [key, list] of grouped) {
      const [participantId, slot] = key.split('|') as [string, MediaSlot];
      const ids = list.map((t) => t.id).join(',');
      let cached = this.streamCache.get(key);
      if (!cached || cached.ids !== ids) {
        cached = { ids, stream: new MediaStream(list) };
        this.streamCache.set(key, cached);
      }
      (next[participantId] ??= {})[slot] = cached.stream;
    }
    for (const key of [...this.streamCache.keys()]) if (!grouped.has(key)) this.streamCache.delete(key);
    this.link.note(`receiving ${[...grouped.keys()].map((k) => k.slice(0, 8) + k.slice(k.indexOf('|'))).join(' ')}`);
    this.media = next;
  }
}

/** The DTLS fingerprint of a description (a different one means a different peer on the other end). */
function fingerprint(sdp: string | undefined): string {
  return /a=fingerprint:(\S+ \S+)/.exec(sdp ?? '')?.[1] ?? '';
}
