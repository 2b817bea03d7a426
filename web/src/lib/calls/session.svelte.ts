/**
 * One browser's presence in a call: its local microphone, camera and screen, its two peer connections
 * to the media server (the publisher leg sends this browser's tracks; the subscriber leg receives the
 * others', renegotiated as people publish and leave), the call's state from `call_join` and the
 * `call:<id>` stream, and recovery: a leg that fails restarts ICE, and when that does not help, or the
 * hub says the media is gone, or the socket reconnected (perhaps to another node), the session joins
 * again in its old place (`call_join {rejoin}`), republishes and resubscribes, without a reload.
 *
 * Signalling goes only through the hub's realtime requests (never to the media server): see
 * shared/calls.ts. The pure decisions (state, layout, speaker, when to restart) are in model.ts.
 */
import { LocalMedia, mediaErrorName, type DeviceLists } from './local.svelte';
import { LayerChoice, type VideoQuality } from './quality';

export { mediaErrorName, type DeviceLists } from './local.svelte';
import { audioLevels, inboundSamples, LevelMeter, outboundSamples, type InboundSample, type OutboundSample } from './stats';

export type { InboundSample, OutboundSample } from './stats';
import { callStream, doorStream, lobbyStream, type CallPush, type CallReplies, type IceServer, type TrackSource } from '$shared/calls';
import type { StreamEvent } from '$shared/types';
import { RealtimeError, type RealtimeClient } from '../realtime/socket';
import {
  applyCallEvent, fromState, healthyLeg, legChanged, levelFromEnergy, publishedSignature, recoveryStep, restarted, slotOf,
  SpeakerTracker, subscriptionTargets, type CallModel, type LegHealth, type LegWatch, type MediaSlot, type ReceivedTrack,
} from './model';

export type CallPhase =
  | 'setup' // choosing devices before joining
  | 'joining'
  | 'lobby' // a guest waiting to be let in
  | 'joined'
  | 'reconnecting'
  | 'left'
  | 'ended'
  | 'refused'
  | 'unavailable'
  | 'error';

/** A participant's received media, one stream per slot. */
export type RemoteMedia = Partial<Record<MediaSlot, MediaStream>>;

export interface SessionOptions {
  client: RealtimeClient;
  callId: string;
  /** A guest follows `call:<id>` only once admitted (and waits on `lobby:<id>` before). */
  guest: boolean;
  log?: (message: string, detail?: unknown) => void;
}

/** The camera's simulcast layers: 640×360 (the capture size) and 320×180. */
const CAMERA_LAYERS: RTCRtpEncodingParameters[] = [
  { rid: 'h', maxBitrate: 700_000 },
  { rid: 'l', scaleResolutionDownBy: 2, maxBitrate: 150_000 },
];
const TICK_MS = 1_000;
const LEVELS_MS = 400;
const REJOIN_BACKOFF_MS = [500, 1_000, 2_000, 4_000, 8_000];

export class CallSession {
  phase = $state<CallPhase>('setup');
  model = $state<CallModel | null>(null);
  myId = $state<string | null>(null);
  /** The hub's words (or a device's) for what went wrong; the page translates what it knows by code. */
  error = $state('');
  unavailableCode = $state<string | null>(null);

  screenOn = $state(false);
  handUp = $state(false);
  screenPreview = $state.raw<MediaStream | null>(null);

  remote = $state.raw<Record<string, RemoteMedia>>({});
  speaking = $state.raw<string[]>([]);
  activeSpeaker = $state<string | null>(null);

  /** Fixed before joining (a guest learns it from their link only when they open it). */
  callId: string;
  readonly guest: boolean;
  private readonly client: RealtimeClient;
  private readonly log: (message: string, detail?: unknown) => void;

  private screenTrack: MediaStreamTrack | null = null;
  /** The camera and microphone, their devices and preview. */
  readonly local: LocalMedia;

  private iceServers: IceServer[] = [];
  private pub: RTCPeerConnection | null = null;
  private sub: RTCPeerConnection | null = null;
  private micTx: RTCRtpTransceiver | null = null;
  private camTx: RTCRtpTransceiver | null = null;
  private screenTx: RTCRtpTransceiver | null = null;
  /** Candidates gathered before the hub has the leg's description are held and sent after. */
  private held: Record<'publisher' | 'subscriber', (RTCIceCandidateInit | null)[] | null> = { publisher: [], subscriber: [] };
  private received: ReceivedTrack[] = [];
  /** Which layer of each received camera is asked for (large tiles high, thumbnails low). */
  private layers = new LayerChoice();
  private subSignature = '';
  private legs: Record<'publisher' | 'subscriber', LegWatch> = { publisher: healthyLeg(), subscriber: healthyLeg() };

  /** Every change of the publisher leg and of the subscription goes through these, one at a time. */
  private pubChain: Promise<unknown> = Promise.resolve();
  private subChain: Promise<unknown> = Promise.resolve();
  private subWanted = false;
  private subRetries = 0;

  private offStream: (() => void) | null = null;
  /** Colleagues follow who waits at the door (`door:<id>`); guests never do. */
  private offDoor: (() => void) | null = null;
  private offLobby: (() => void) | null = null;
  private offPush: (() => void) | null = null;
  private offStatus: (() => void) | null = null;
  private tick: ReturnType<typeof setInterval> | null = null;
  private levels: ReturnType<typeof setInterval> | null = null;
  private readonly tracker = new SpeakerTracker();
  private readonly meter = new LevelMeter();
  private readonly talking = new Set<string>();
  private readonly streamCache = new Map<string, { ids: string; stream: MediaStream }>();
  /** The last signalling steps, newest last (browser tests print it when media does not arrive). */
  readonly trace: string[] = [];
  private wasOffline = false;
  private rejoining = false;
  private leaving = false;
  /** A generation counter: work of an older join (before a rejoin) must not touch the new one. */
  private epoch = 0;

  constructor(opts: SessionOptions) {
    this.client = opts.client;
    this.callId = opts.callId;
    this.guest = opts.guest;
    this.log = opts.log ?? ((m, d) => console.warn(m, d ?? ''));
    this.local = new LocalMedia(this.log);
  }

  private note(line: string): void {
    this.trace.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
    if (this.trace.length > 200) this.trace.splice(0, this.trace.length - 200);
  }

  // ---- devices (held by `local`; these change what is sent too) ----

  /** Ask for the camera and microphone (for the preview before joining) and list the devices. */
  prepare(): Promise<void> {
    return this.local.prepare();
  }

  /** Microphone on or off (muting keeps the track, so unmuting is instant). */
  async setMic(on: boolean): Promise<void> {
    if (await this.local.setMic(on, this.micTx?.sender)) await this.tellState({ audio: on });
  }

  /** Camera on or off (off releases the camera, so its light goes out). */
  async setCamera(on: boolean): Promise<void> {
    if (await this.local.setCamera(on, this.camTx?.sender)) await this.tellState({ video: on });
  }

  /** Another microphone or camera: the new track replaces the old one on the sender, no renegotiation. */
  chooseMic(deviceId: string): Promise<void> {
    return this.local.chooseMic(deviceId, this.micTx?.sender);
  }

  chooseCamera(deviceId: string): Promise<void> {
    return this.local.chooseCamera(deviceId, this.camTx?.sender);
  }

  chooseSpeaker(deviceId: string): void {
    this.local.speakerId = deviceId;
  }

  get micOn(): boolean {
    return this.local.micOn;
  }
  get camOn(): boolean {
    return this.local.camOn;
  }
  get preview(): MediaStream | null {
    return this.local.preview;
  }
  get devices(): DeviceLists {
    return this.local.devices;
  }
  get micId(): string {
    return this.local.micId;
  }
  get camId(): string {
    return this.local.camId;
  }
  get speakerId(): string {
    return this.local.speakerId;
  }
  get deviceProblem(): string {
    return this.local.deviceProblem;
  }

  // ---- joining ----

  /** Join the call (a guest first knocks and waits in the lobby). */
  async join(): Promise<void> {
    if (this.phase === 'joining' || this.phase === 'joined' || this.phase === 'lobby') return;
    this.phase = 'joining';
    this.error = '';
    this.leaving = false;
    await this.local.ready();
    if (this.leaving) return;
    this.watchSocket();
    if (!this.guest) {
      this.followCall();
      this.followDoor();
    }
    await this.sendJoin(undefined);
  }

  private async sendJoin(rejoin: string | undefined): Promise<boolean> {
    const epoch = ++this.epoch;
    let reply: CallReplies['call_join'];
    try {
      reply = await this.client.request({
        type: 'call_join', callId: this.callId, audio: this.local.micOn && !!this.local.micTrack, video: this.local.camOn && !!this.local.camTrack,
        ...(rejoin ? { rejoin } : {}),
      });
    } catch (e) {
      if (epoch !== this.epoch) return false;
      this.failed(e);
      return false;
    }
    if (epoch !== this.epoch || this.leaving) return false;
    this.myId = reply.participantId;
    if (reply.status === 'lobby') {
      this.phase = 'lobby';
      this.waitInLobby(reply.participantId);
      return true;
    }
    this.offLobby?.();
    this.offLobby = null;
    this.model = fromState(reply.state);
    this.iceServers = reply.iceServers;
    if (reply.state.call.status === 'ended') {
      this.ended();
      return true;
    }
    try {
      await this.publishLeg(epoch);
      this.phase = 'joined';
      this.startTimers();
      this.resubscribe(true);
      if (this.handUp) void this.tellState({ hand: true });
      if (this.screenTrack) void this.tellState({ screen: true });
      return true;
    } catch (e) {
      if (epoch !== this.epoch) return false;
      this.log('calls: publishing failed', e);
      this.failed(e);
      return false;
    }
  }

  private failed(e: unknown): void {
    if (e instanceof RealtimeError) {
      if (e.code === 'unavailable' && (e.fields?.video || this.phase === 'joining')) {
        this.phase = 'unavailable';
        this.unavailableCode = e.fields?.video ?? this.model?.video.code ?? null;
        this.error = e.message;
        return;
      }
      if (e.code === 'conflict' && /ended/i.test(e.message)) return this.ended();
      if (e.code === 'forbidden' && this.guest) {
        this.phase = 'refused';
        return;
      }
    }
    this.phase = 'error';
    this.error = e instanceof Error ? e.message : String(e);
  }

  private waitInLobby(participantId: string): void {
    this.offLobby?.();
    this.offLobby = this.client.subscribe(
      lobbyStream(participantId),
      (ev) => {
        const type = ev.event.type;
        if (type === 'lobby_admitted') {
          this.offLobby?.();
          this.offLobby = null;
          this.phase = 'joining';
          this.followCall();
          void this.sendJoin(undefined);
        } else if (type === 'lobby_refused') {
          this.phase = 'refused';
          this.teardown(true);
        } else if (type === 'lobby_ended') {
          this.ended();
        }
      },
      () => {},
    );
  }

  /** Follow `call:<id>`; the first anchoring is before the join, so the join's state already covers it. */
  private followCall(): void {
    if (this.offStream) return;
    let anchored = false;
    this.offStream = this.client.subscribe(
      callStream(this.callId),
      (ev) => this.onCallEvent(ev),
      () => {
        if (!anchored) {
          anchored = true;
          return;
        }
        // A hole the stream could not fill: the only full snapshot is a join's answer, so join again.
        if (this.phase === 'joined') void this.rejoin('stream reload');
      },
    );
  }

  /** Who waits in the lobby, for the chat's members (the hub refuses guests this stream). */
  private followDoor(): void {
    if (this.offDoor || this.guest) return;
    this.offDoor = this.client.subscribe(
      doorStream(this.callId),
      (ev) => {
        if (this.model) this.model = applyCallEvent(this.model, ev);
      },
      () => {},
    );
  }

  private onCallEvent(ev: StreamEvent): void {
    if (!this.model) return;
    const before = this.model;
    this.model = applyCallEvent(this.model, ev);
    const type = ev.event.type;
    if (type === 'call_ended') return this.ended();
    if (type === 'call_left') {
      const { participantId, reason } = ev.event.payload as { participantId: string; reason: string };
      this.tracker.forget(participantId);
      if (participantId === this.myId && !this.leaving && this.phase === 'joined') {
        if (reason === 'removed') {
          this.phase = 'left';
          this.teardown(true);
        } else {
          // Dropped (the hub lost our socket for too long, or the media server restarted): back in.
          void this.rejoin('dropped');
        }
        return;
      }
    }
    if (before.participants !== this.model.participants && this.phase === 'joined') this.resubscribe(false);
  }

  private watchSocket(): void {
    if (this.offStatus) return;
    this.offStatus = this.client.onStatus((s) => {
      if (s !== 'online') {
        if (this.phase === 'joined' || this.phase === 'reconnecting') {
          this.wasOffline = true;
          this.phase = 'reconnecting';
        }
        return;
      }
      if (this.wasOffline) {
        this.wasOffline = false;
        // Our participant lived on the old socket (maybe on another node): take its place again.
        void this.rejoin('socket reconnected');
      }
    });
    this.offPush = this.client.onPush((frame) => this.onPush(frame as unknown as CallPush));
  }

  private onPush(p: CallPush): void {
    if (p.callId !== this.callId) return;
    if (p.type === 'call_talking') {
      if (p.talking) this.talking.add(p.participantId);
      else this.talking.delete(p.participantId);
      return;
    }
    if (p.type === 'call_live') {
      // Someone's media came up at the server: receive it now if we do not already.
      if (p.participantId !== this.myId && this.phase === 'joined' && !this.received.some((t) => t.participantId === p.participantId)) {
        this.note(`live ${p.participantId}`);
        this.resubscribe(true);
      }
      return;
    }
    if (p.type === 'call_media') this.note(`media push ${p.event.type} ${p.event.leg ?? ''} ${p.event.reason ?? ''}`);
    if (p.type === 'call_media' && p.participantId === this.myId && this.phase === 'joined') {
      if (p.event.type === 'gone') void this.rejoin('media gone');
      else if (p.event.type === 'media_lost' && p.event.leg) {
        const leg = p.event.leg;
        this.legs[leg] = legChanged(this.legs[leg], 'failed', Date.now());
        this.checkLegs();
      }
    }
  }

  // ---- the publisher leg ----

  private newConnection(leg: 'publisher' | 'subscriber'): RTCPeerConnection {
    const pc = new RTCPeerConnection({ iceServers: this.iceServers as RTCIceServer[], bundlePolicy: 'max-bundle' });
    const epoch = this.epoch;
    this.held[leg] = [];
    this.legs[leg] = healthyLeg();
    pc.onicecandidate = (e) => {
      if (epoch !== this.epoch) return;
      this.sendIce(leg, e.candidate ? e.candidate.toJSON() : null);
    };
    pc.onconnectionstatechange = () => {
      if (epoch !== this.epoch || (leg === 'publisher' ? this.pub : this.sub) !== pc) return;
      this.note(`${leg} ${pc.connectionState}`);
      this.legs[leg] = legChanged(this.legs[leg], pc.connectionState as LegHealth, Date.now());
      this.checkLegs();
    };
    return pc;
  }

  private sendIce(leg: 'publisher' | 'subscriber', candidate: RTCIceCandidateInit | null): void {
    const queue = this.held[leg];
    if (queue) {
      queue.push(candidate);
      return;
    }
    const c = candidate ? { candidate: candidate.candidate ?? '', sdpMid: candidate.sdpMid ?? null, sdpMLineIndex: candidate.sdpMLineIndex ?? null } : null;
    this.client.request({ type: 'call_ice', callId: this.callId, leg, candidate: c }).catch((e) => this.log('calls: candidate refused', e));
  }

  private flushIce(leg: 'publisher' | 'subscriber'): void {
    const queue = this.held[leg] ?? [];
    this.held[leg] = null;
    for (const c of queue) this.sendIce(leg, c);
  }

  private async publishLeg(epoch: number): Promise<void> {
    this.pub?.close();
    const pc = this.newConnection('publisher');
    this.pub = pc;
    const { micTrack, camTrack } = this.local;
    this.micTx = pc.addTransceiver(micTrack ?? 'audio', { direction: 'sendonly' });
    // The camera in two layers (simulcast, highest first as the media server expects): receivers showing it
    // as a thumbnail take the half-size one. A browser that cannot simulcast sends the first layer only.
    this.camTx = pc.addTransceiver('video', { direction: 'sendonly', sendEncodings: CAMERA_LAYERS });
    if (camTrack) await this.camTx.sender.replaceTrack(camTrack);
    if (micTrack) micTrack.enabled = this.local.micOn;
    this.screenTx = null;
    if (this.screenTrack) this.screenTx = pc.addTransceiver(this.screenTrack, { direction: 'sendonly' });
    await this.negotiatePublisher(false, epoch);
  }

  /** Offer → `call_publish` → answer, one at a time (a screen added, an ICE restart). */
  private negotiatePublisher(iceRestart: boolean, epoch = this.epoch): Promise<void> {
    const run = async () => {
      const pc = this.pub;
      if (!pc || epoch !== this.epoch) return;
      this.held.publisher = this.held.publisher ?? [];
      const offer = await pc.createOffer(iceRestart ? { iceRestart: true } : undefined);
      await pc.setLocalDescription(offer);
      const tracks = this.publishedTracks();
      this.note(`call_publish ${tracks.map((t) => `${t.mid}:${t.source}`).join(' ')}${iceRestart ? ' (ICE restart)' : ''}`);
      const reply = await this.client.request({ type: 'call_publish', callId: this.callId, sdp: pc.localDescription!.sdp, tracks });
      this.note('  -> answered');
      if (epoch !== this.epoch || this.pub !== pc) return;
      await pc.setRemoteDescription({ type: 'answer', sdp: reply.sdp });
      this.flushIce('publisher');
    };
    const p = this.pubChain.then(run, run);
    this.pubChain = p.catch(() => {});
    return p;
  }

  private publishedTracks(): { mid: string; source: TrackSource }[] {
    const out: { mid: string; source: TrackSource }[] = [];
    if (this.micTx?.mid) out.push({ mid: this.micTx.mid, source: 'mic' });
    if (this.camTx?.mid) out.push({ mid: this.camTx.mid, source: 'camera' });
    if (this.screenTx?.mid && this.screenTrack) out.push({ mid: this.screenTx.mid, source: 'screen' });
    return out;
  }

  // ---- screen sharing ----

  /** Share a screen: an extra video track on the publisher leg, renegotiated through `call_publish`. */
  async startScreen(): Promise<void> {
    if (this.screenTrack || !this.pub) return;
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch (e) {
      // Cancelled in the browser's picker: nothing to say.
      if (mediaErrorName(e) !== 'denied') this.local.deviceProblem = mediaErrorName(e);
      return;
    }
    const track = stream.getVideoTracks()[0];
    if (!track) return;
    track.contentHint = 'detail';
    track.onended = () => void this.stopScreen();
    this.screenTrack = track;
    this.screenPreview = new MediaStream([track]);
    if (this.screenTx) {
      this.screenTx.direction = 'sendonly';
      await this.screenTx.sender.replaceTrack(track);
    } else {
      this.screenTx = this.pub.addTransceiver(track, { direction: 'sendonly' });
    }
    this.screenOn = true;
    try {
      await this.negotiatePublisher(false);
      await this.tellState({ screen: true });
    } catch (e) {
      this.log('calls: screen share refused', e);
      await this.stopScreen();
    }
  }

  async stopScreen(): Promise<void> {
    const track = this.screenTrack;
    if (!track) return;
    this.screenTrack = null;
    this.screenPreview = null;
    this.screenOn = false;
    track.onended = null;
    track.stop();
    if (this.screenTx && this.pub) {
      await this.screenTx.sender.replaceTrack(null).catch(() => {});
      this.screenTx.direction = 'inactive';
      try {
        await this.negotiatePublisher(false);
      } catch (e) {
        this.log('calls: renegotiation after the screen share failed', e);
      }
    }
    await this.tellState({ screen: false });
  }

  async setHand(up: boolean): Promise<void> {
    this.handUp = up;
    await this.tellState({ hand: up });
  }

  private async tellState(flags: { audio?: boolean; video?: boolean; screen?: boolean; hand?: boolean }): Promise<void> {
    if (this.phase !== 'joined') return;
    try {
      await this.client.request({ type: 'call_update', callId: this.callId, ...flags });
    } catch (e) {
      this.log('calls: update refused', e);
    }
  }

  // ---- the subscriber leg ----

  /**
   * Receive exactly the others who publish. Coalesced: while one subscription runs, later changes wait
   * and the newest wins; nothing is sent when the published set did not change (unless `force`).
   */
  private resubscribe(force: boolean): void {
    if (force) this.subSignature = '';
    if (this.subWanted) return;
    this.subWanted = true;
    const epoch = this.epoch;
    const run = async () => {
      this.subWanted = false;
      if (epoch !== this.epoch || this.phase !== 'joined' || !this.model) return;
      const targets = subscriptionTargets(this.model.participants, this.myId);
      const signature = publishedSignature(this.model.participants, targets);
      if (signature === this.subSignature) return;
      if (!targets.length && !this.sub) {
        this.subSignature = signature;
        return;
      }
      const reply = await this.subscribeTo(targets);
      if (epoch !== this.epoch) return;
      this.subSignature = signature;
      if (reply.sdp) await this.answerOffer(reply.sdp, reply.tracks, epoch);
      if (epoch !== this.epoch) return;
      // Someone who publishes is not received at all: the engine may not count them as publishing until
      // their media is up, a moment after the hub says they published. Ask again shortly.
      const absent = targets.filter((id) => !this.received.some((t) => t.participantId === id));
      if (absent.length) {
        if (this.subRetries++ < 20) {
          this.note(`not received yet: ${absent.join(',')}; retrying`);
          setTimeout(() => this.resubscribe(true), 1_000);
        }
        return;
      }
      this.subRetries = 0;
      if (reply.sdp) return;
      // Nothing changed for the engine, yet someone publishes a track we do not receive (a screen added
      // to a feed we already watch): receive them anew, without and then with them.
      const stale = this.missingTracks(targets);
      if (!stale.length) return;
      this.note(`tracks missing from ${stale.join(',')}: resubscribing them`);
      for (const ids of [targets.filter((id) => !stale.includes(id)), targets]) {
        const r = await this.subscribeTo(ids);
        if (epoch !== this.epoch) return;
        if (r.sdp) await this.answerOffer(r.sdp, r.tracks, epoch);
      }
    };
    this.subChain = this.subChain.then(run).catch((e) => {
      this.log('calls: subscription failed', e);
      if (epoch === this.epoch && this.phase === 'joined') setTimeout(() => this.resubscribe(true), 1_500);
    });
  }

  private async subscribeTo(ids: string[]): Promise<CallReplies['call_subscribe']> {
    this.note(`call_subscribe [${ids.join(',')}]`);
    const reply = await this.client.request({ type: 'call_subscribe', callId: this.callId, participantIds: ids });
    this.note(`  -> ${reply.sdp ? 'offer' : 'no change'} ${reply.tracks.map((t) => `${t.mid}:${t.participantId.slice(0, 8)}/${t.source}`).join(' ')}`);
    return reply;
  }

  /** Participants among `ids` who publish a source that the receiving leg does not carry. */
  private missingTracks(ids: string[]): string[] {
    const byId = new Map((this.model?.participants ?? []).map((p) => [p.id, p]));
    return ids.filter((id) => {
      const have = new Set(this.received.filter((t) => t.participantId === id).map((t) => t.source));
      return (byId.get(id)?.tracks ?? []).some((t) => !have.has(t.source));
    });
  }

  /** Answer the engine's offer for the receiving leg (a new connection when its DTLS identity changed). */
  private async answerOffer(sdp: string, tracks: ReceivedTrack[], epoch: number): Promise<void> {
    let pc = this.sub;
    if (pc && fingerprint(pc.remoteDescription?.sdp) !== fingerprint(sdp)) {
      pc.close();
      pc = null;
    }
    if (!pc) {
      pc = this.newConnection('subscriber');
      pc.ontrack = () => this.rebuildRemote();
      this.sub = pc;
    }
    this.held.subscriber = this.held.subscriber ?? [];
    this.note(`answering ${pc === this.sub ? 'on the same connection' : 'on a new connection'}`);
    this.received = tracks;
    await pc.setRemoteDescription({ type: 'offer', sdp });
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    if (epoch !== this.epoch) return;
    await this.client.request({ type: 'call_answer', callId: this.callId, sdp: pc.localDescription!.sdp });
    this.flushIce('subscriber');
    this.rebuildRemote();
    // Cameras newly received start at the top layer: ask again for what the stage wants.
    this.layers.forget();
    void this.applyLayers();
  }

  /** The layer each other participant's camera is wanted at; asked of the server as it changes. */
  setQualities(qualities: Map<string, VideoQuality>): void {
    this.layers.want(qualities);
    void this.applyLayers();
  }

  private applyLayers(): Promise<void> {
    const epoch = this.epoch;
    const run = async () => {
      if (epoch !== this.epoch || this.phase !== 'joined' || !this.sub) return;
      const cameras = this.received.filter((t) => t.kind === 'video' && t.source === 'camera').map((t) => t.participantId);
      for (const r of this.layers.pending(cameras)) {
        await this.client.request({ type: 'call_quality', callId: this.callId, participantIds: r.participantIds, quality: r.quality });
        this.layers.sentAs(r.participantIds, r.quality);
        this.note(`call_quality ${r.quality} [${r.participantIds.join(',')}]`);
      }
    };
    // Behind the subscription changes, so a layer is asked for a stream the server already sends.
    const p = this.subChain.then(run);
    this.subChain = p.catch((e) => this.log('calls: choosing a video layer failed', e));
    return p.catch(() => {});
  }

  /** Group the receiving leg's live tracks by participant and slot (new streams only where tracks changed). */
  private rebuildRemote(): void {
    const pc = this.sub;
    if (!pc) {
      this.remote = {};
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
    this.note(`receiving ${[...grouped.keys()].map((k) => k.slice(0, 8) + k.slice(k.indexOf('|'))).join(' ')}`);
    this.remote = next;
  }

  // ---- recovery ----

  private startTimers(): void {
    this.stopTimers();
    this.tick = setInterval(() => this.checkLegs(), TICK_MS);
    this.levels = setInterval(() => void this.sampleLevels(), LEVELS_MS);
  }

  private stopTimers(): void {
    if (this.tick) clearInterval(this.tick);
    if (this.levels) clearInterval(this.levels);
    this.tick = this.levels = null;
  }

  private checkLegs(): void {
    if (this.phase !== 'joined' || this.rejoining) return;
    const now = Date.now();
    for (const leg of ['publisher', 'subscriber'] as const) {
      const pc = leg === 'publisher' ? this.pub : this.sub;
      if (!pc) continue;
      const step = recoveryStep(this.legs[leg], now);
      if (step === 'rejoin') {
        void this.rejoin(`${leg} did not recover`);
        return;
      }
      if (step === 'restart') {
        this.legs[leg] = restarted(this.legs[leg], now);
        void this.restartLeg(leg);
      }
    }
  }

  private async restartLeg(leg: 'publisher' | 'subscriber'): Promise<void> {
    this.log(`calls: restarting ICE on the ${leg} leg`);
    this.note(`ICE restart ${leg}`);
    try {
      if (leg === 'publisher') {
        await this.negotiatePublisher(true);
      } else {
        const epoch = this.epoch;
        const run = async () => {
          const reply = await this.client.request({ type: 'call_restart', callId: this.callId });
          if (epoch === this.epoch) await this.answerOffer(reply.sdp, reply.tracks, epoch);
        };
        const p = this.subChain.then(run, run);
        this.subChain = p.catch(() => {});
        await p;
      }
    } catch (e) {
      this.log(`calls: ICE restart of the ${leg} leg failed`, e);
      if (e instanceof RealtimeError && e.code === 'conflict') void this.rejoin('restart refused');
    }
  }

  /**
   * Join again in our old place: new peer connections, the same local tracks. Retried with backoff
   * while the connection is there; the call's end or a refusal ends the attempts.
   */
  async rejoin(why: string): Promise<void> {
    if (this.rejoining || this.leaving || !this.myId) return;
    this.rejoining = true;
    this.log(`calls: rejoining (${why})`);
    this.note(`rejoining: ${why}`);
    this.phase = 'reconnecting';
    const old = this.myId;
    try {
      for (let attempt = 0; !this.leaving; attempt++) {
        this.closeConnections();
        this.phase = 'reconnecting';
        if (await this.sendJoin(old)) return;
        if ((this.phase as CallPhase) !== 'error' && (this.phase as CallPhase) !== 'unavailable') return;
        // Video came back or the hub answers again soon: keep trying while the page is open.
        this.phase = 'reconnecting';
        await sleep(REJOIN_BACKOFF_MS[Math.min(attempt, REJOIN_BACKOFF_MS.length - 1)]!);
      }
    } finally {
      this.rejoining = false;
    }
  }

  private closeConnections(): void {
    this.stopTimers();
    this.epoch++;
    this.pub?.close();
    this.sub?.close();
    this.pub = this.sub = null;
    this.micTx = this.camTx = this.screenTx = null;
    this.received = [];
    this.subSignature = '';
    this.subWanted = false;
    this.streamCache.clear();
    this.remote = {};
  }

  // ---- who is speaking ----

  private async sampleLevels(): Promise<void> {
    const now = Date.now();
    const levels = await audioLevels(this.meter, {
      sub: this.sub, pub: this.pub, received: this.received, me: this.myId && this.local.micOn ? this.myId : null,
    });
    for (const id of this.talking) levels[id] = Math.max(levels[id] ?? 0, 0.1);
    this.tracker.feed(levels, now);
    const speaking = [...this.tracker.speaking(now)].sort();
    if (speaking.join() !== this.speaking.join()) this.speaking = speaking;
    if (this.activeSpeaker !== this.tracker.active) this.activeSpeaker = this.tracker.active;
  }

  /** Counters of every received track (tests read these; a quality readout could too). */
  inbound(): Promise<InboundSample[]> {
    return inboundSamples(this.sub, this.received);
  }

  /** What the publishing leg sends, per m-line (tests print it when media does not arrive). */
  outbound(): Promise<OutboundSample[]> {
    return outboundSamples(this.pub);
  }

  /** The two peer connections (for tests). */
  connections(): { publisher: RTCPeerConnection | null; subscriber: RTCPeerConnection | null } {
    return { publisher: this.pub, subscriber: this.sub };
  }

  // ---- admitting guests ----

  async admit(guestId: string, admit: boolean): Promise<void> {
    await this.client.request({ type: 'call_admit', callId: this.callId, guestId, admit });
  }

  // ---- leaving ----

  /** Leave the call (the hub ends it when the last one leaves). */
  async leave(): Promise<void> {
    if (this.leaving) return;
    this.leaving = true;
    const wasIn = this.phase === 'joined' || this.phase === 'reconnecting' || this.phase === 'lobby';
    this.teardown(true);
    this.phase = 'left';
    if (wasIn) await this.client.request({ type: 'call_leave', callId: this.callId }).catch((e) => this.log('calls: leave refused', e));
  }

  /** Back to the setup screen after leaving, to join again. */
  async again(): Promise<void> {
    this.leaving = false;
    this.phase = 'setup';
    this.myId = null;
    this.model = null;
    await this.local.reopen();
  }

  private ended(): void {
    this.phase = 'ended';
    this.teardown(true);
  }

  /** Close the connections and timers, and with `local` release the camera, microphone and screen. */
  teardown(local: boolean): void {
    this.closeConnections();
    this.offStream?.();
    this.offDoor?.();
    this.offLobby?.();
    this.offPush?.();
    this.offStatus?.();
    this.offStream = this.offDoor = this.offLobby = this.offPush = this.offStatus = null;
    this.wasOffline = false;
    if (local) {
      this.local.release();
      this.screenTrack?.stop();
      this.screenTrack = null;
      this.screenPreview = null;
      this.screenOn = false;
    }
  }

  /** The page goes away: leave if still in, release everything. */
  destroy(): void {
    this.local.destroy();
    if (this.phase === 'joined' || this.phase === 'reconnecting' || this.phase === 'lobby' || this.phase === 'joining') void this.leave();
    else this.teardown(true);
  }
}

/** The DTLS fingerprint of a description (a different one means a different peer on the other end). */
function fingerprint(sdp: string | undefined): string {
  return /a=fingerprint:(\S+ \S+)/.exec(sdp ?? '')?.[1] ?? '';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
