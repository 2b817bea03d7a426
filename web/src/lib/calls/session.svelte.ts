/**
 * One browser's presence in a call: its local microphone, camera and screen, its two peer connections
 * to the media server (the publisher leg sends this browser's tracks; the subscriber leg receives the
 * others', renegotiated as people publish and leave), the call's state from `call_join` and the
 * `call:<id>` stream, and recovery: a leg that fails restarts ICE, and when that does not help, or the
 * hub says the media is gone, or the socket reconnected (perhaps to another node), the session joins
 * again in its old place (`call_join {rejoin}`), republishes and resubscribes, without a reload.
 *
 * Signalling goes only through the hub's realtime requests (never to the media server): see
 * shared/calls.ts. The parts: the camera and microphone in local.svelte.ts, receiving the others in
 * remote.svelte.ts, a peer connection's ICE and health in leg.ts, what they share to reach the hub in
 * signal.ts; the pure decisions (state, layout, speaker, when to restart) are in model.ts.
 */
import { LocalMedia, mediaErrorName, type DeviceLists } from './local.svelte';
import type { VideoQuality } from './quality';
import { RemoteFeeds, type RemoteMedia } from './remote.svelte';

export { mediaErrorName, type DeviceLists } from './local.svelte';
export type { RemoteMedia } from './remote.svelte';
import { audioLevels, LevelMeter, outboundSamples, type InboundSample, type OutboundSample } from './stats';

export type { InboundSample, OutboundSample } from './stats';
import { callStream, doorStream, lobbyStream, type CallPush, type CallReplies, type TrackSource } from '$shared/calls';
import type { StreamEvent } from '$shared/types';
import { RealtimeError, type RealtimeClient } from '../realtime/socket';
import { MediaLeg, type LegName } from './leg';
import { applyCallEvent, fromState, recoveryStep, restarted, SpeakerTracker, type CallModel } from './model';
import { CallLink } from './signal';

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

  speaking = $state.raw<string[]>([]);
  activeSpeaker = $state<string | null>(null);

  readonly guest: boolean;
  private readonly client: RealtimeClient;
  private readonly log: (message: string, detail?: unknown) => void;
  /** The client, the call, the current join's generation and the trace, shared with the legs. */
  private readonly link: CallLink;

  private screenTrack: MediaStreamTrack | null = null;
  /** The camera and microphone, their devices and preview. */
  readonly local: LocalMedia;

  /** The leg that sends this browser's microphone, camera and screen. */
  private readonly publisher: MediaLeg;
  /** The leg that receives the others, and what it receives. */
  private readonly feeds: RemoteFeeds;
  private micTx: RTCRtpTransceiver | null = null;
  private camTx: RTCRtpTransceiver | null = null;
  private screenTx: RTCRtpTransceiver | null = null;

  /** Every change of the publisher leg goes through this, one at a time. */
  private pubChain: Promise<unknown> = Promise.resolve();

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
  private wasOffline = false;
  private rejoining = false;
  private leaving = false;

  constructor(opts: SessionOptions) {
    this.client = opts.client;
    this.guest = opts.guest;
    this.log = opts.log ?? ((m, d) => console.warn(m, d ?? ''));
    this.link = new CallLink(opts.client, opts.callId, this.log);
    this.local = new LocalMedia(this.log);
    this.publisher = new MediaLeg('publisher', this.link, () => this.checkLegs());
    this.feeds = new RemoteFeeds(
      this.link,
      () => (this.phase === 'joined' && this.model ? { participants: this.model.participants, me: this.myId } : null),
      () => this.checkLegs(),
    );
  }

  /** Fixed before joining (a guest learns it from their link only when they open it). */
  get callId(): string {
    return this.link.callId;
  }
  set callId(id: string) {
    this.link.callId = id;
  }

  /** Each other participant's received media, by participant id. */
  get remote(): Record<string, RemoteMedia> {
    return this.feeds.media;
  }

  /** The last signalling steps, newest last (browser tests print it when media does not arrive). */
  get trace(): string[] {
    return this.link.trace;
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
    const epoch = ++this.link.epoch;
    let reply: CallReplies['call_join'];
    try {
      reply = await this.client.request({
        type: 'call_join', callId: this.callId, audio: this.local.micOn && !!this.local.micTrack, video: this.local.camOn && !!this.local.camTrack,
        ...(rejoin ? { rejoin } : {}),
      });
    } catch (e) {
      if (epoch !== this.link.epoch) return false;
      this.failed(e);
      return false;
    }
    if (epoch !== this.link.epoch || this.leaving) return false;
    this.myId = reply.participantId;
    if (reply.status === 'lobby') {
      this.phase = 'lobby';
      this.waitInLobby(reply.participantId);
      return true;
    }
    this.offLobby?.();
    this.offLobby = null;
    this.model = fromState(reply.state);
    this.link.iceServers = reply.iceServers;
    if (reply.state.call.status === 'ended') {
      this.ended();
      return true;
    }
    try {
      await this.publishLeg(epoch);
      this.phase = 'joined';
      this.startTimers();
      this.feeds.resubscribe(true);
      if (this.handUp) void this.tellState({ hand: true });
      if (this.screenTrack) void this.tellState({ screen: true });
      return true;
    } catch (e) {
      if (epoch !== this.link.epoch) return false;
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
    if (before.participants !== this.model.participants && this.phase === 'joined') this.feeds.resubscribe(false);
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
      if (p.participantId !== this.myId && this.phase === 'joined' && !this.feeds.receives(p.participantId)) {
        this.link.note(`live ${p.participantId}`);
        this.feeds.resubscribe(true);
      }
      return;
    }
    if (p.type === 'call_media') this.link.note(`media push ${p.event.type} ${p.event.leg ?? ''} ${p.event.reason ?? ''}`);
    if (p.type === 'call_media' && p.participantId === this.myId && this.phase === 'joined') {
      if (p.event.type === 'gone') void this.rejoin('media gone');
      else if (p.event.type === 'media_lost' && p.event.leg) this.leg(p.event.leg).changed('failed');
    }
  }

  // ---- the publisher leg ----

  private async publishLeg(epoch: number): Promise<void> {
    const pc = this.publisher.open();
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
  private negotiatePublisher(iceRestart: boolean, epoch = this.link.epoch): Promise<void> {
    const run = async () => {
      const pc = this.publisher.pc;
      if (!pc || epoch !== this.link.epoch) return;
      this.publisher.hold();
      const offer = await pc.createOffer(iceRestart ? { iceRestart: true } : undefined);
      await pc.setLocalDescription(offer);
      const tracks = this.publishedTracks();
      this.link.note(`call_publish ${tracks.map((t) => `${t.mid}:${t.source}`).join(' ')}${iceRestart ? ' (ICE restart)' : ''}`);
      const reply = await this.client.request({ type: 'call_publish', callId: this.callId, sdp: pc.localDescription!.sdp, tracks });
      this.link.note('  -> answered');
      if (epoch !== this.link.epoch || this.publisher.pc !== pc) return;
      await pc.setRemoteDescription({ type: 'answer', sdp: reply.sdp });
      this.publisher.flush();
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
    if (this.screenTrack || !this.publisher.pc) return;
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
      this.screenTx = this.publisher.pc.addTransceiver(track, { direction: 'sendonly' });
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
    if (this.screenTx && this.publisher.pc) {
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

  // ---- receiving the others ----

  /** The layer each other participant's camera is wanted at; asked of the server as it changes. */
  setQualities(qualities: Map<string, VideoQuality>): void {
    this.feeds.setQualities(qualities);
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
    for (const leg of [this.publisher, this.feeds.leg]) {
      if (!leg.pc) continue;
      const step = recoveryStep(leg.health, now);
      if (step === 'rejoin') {
        void this.rejoin(`${leg.name} did not recover`);
        return;
      }
      if (step === 'restart') {
        leg.health = restarted(leg.health, now);
        void this.restartLeg(leg.name);
      }
    }
  }

  private leg(name: LegName): MediaLeg {
    return name === 'publisher' ? this.publisher : this.feeds.leg;
  }

  private async restartLeg(leg: LegName): Promise<void> {
    this.log(`calls: restarting ICE on the ${leg} leg`);
    this.link.note(`ICE restart ${leg}`);
    try {
      if (leg === 'publisher') await this.negotiatePublisher(true);
      else await this.feeds.restart();
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
    this.link.note(`rejoining: ${why}`);
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
    this.link.epoch++;
    this.publisher.close();
    this.feeds.close();
    this.micTx = this.camTx = this.screenTx = null;
  }

  // ---- who is speaking ----

  private async sampleLevels(): Promise<void> {
    const now = Date.now();
    const levels = await audioLevels(this.meter, {
      sub: this.feeds.leg.pc, pub: this.publisher.pc, received: this.feeds.received, me: this.myId && this.local.micOn ? this.myId : null,
    });
    for (const id of this.talking) levels[id] = Math.max(levels[id] ?? 0, 0.1);
    this.tracker.feed(levels, now);
    const speaking = [...this.tracker.speaking(now)].sort();
    if (speaking.join() !== this.speaking.join()) this.speaking = speaking;
    if (this.activeSpeaker !== this.tracker.active) this.activeSpeaker = this.tracker.active;
  }

  /** Counters of every received track (tests read these; a quality readout could too). */
  inbound(): Promise<InboundSample[]> {
    return this.feeds.inbound();
  }

  /** What the publishing leg sends, per m-line (tests print it when media does not arrive). */
  outbound(): Promise<OutboundSample[]> {
    return outboundSamples(this.publisher.pc);
  }

  /** The two peer connections (for tests). */
  connections(): { publisher: RTCPeerConnection | null; subscriber: RTCPeerConnection | null } {
    return { publisher: this.publisher.pc, subscriber: this.feeds.leg.pc };
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
