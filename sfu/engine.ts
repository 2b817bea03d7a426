/**
 * The media engine as the hub sees it: rooms of peers that publish one bundle of tracks each and
 * subscribe to the others'. Janus (sfu/janus) implements it today; mediasoup can take its place where it
 * can be installed, without the hub changing. Everything here is engine-neutral: SDP in and out, opaque
 * string ids, typed errors.
 *
 * Room keys are the hub's own random, unguessable identifiers (never shown to browsers as engine ids);
 * a room is created on its first join and destroyed when its last peer leaves.
 */
import type { TrackSource } from '../shared/calls';

/** Where the engine is. `unavailable` carries the reason the UI shows ("janus is not installed"…). */
export type EngineState = 'starting' | 'ready' | 'restarting' | 'unavailable';

export interface EngineStatus {
  state: EngineState;
  /** Human-readable, in English, for logs and the admin; the UI translates by `code`. */
  reason?: string;
  /** Why video is unavailable: not installed, disabled by configuration, crashed too often, unreachable. */
  code?: 'not_installed' | 'disabled' | 'crashed' | 'unreachable';
}

/** Where a track comes from, as its publisher declared it; subscribers lay out by it. */
export type { TrackSource };

/** The simulcast layer a subscriber wants of a camera. */
export type VideoQuality = 'high' | 'low';

/** One m-line of a publisher's offer, named by its mid. */
export interface PublishedTrack {
  mid: string;
  source: TrackSource;
}

/** One m-line of a subscription's offer: which peer's which track it carries. */
export interface SubscribedTrack {
  /** The mid in the subscriber's SDP. */
  mid: string;
  /** The publishing peer (the hub's participant id) and its own mid for the track. */
  peerId: string;
  peerMid: string;
  kind: 'audio' | 'video';
  source: TrackSource;
}

/** A remote ICE candidate as the browser's RTCIceCandidate serialises it; null ends the gathering. */
export interface IceCandidate {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
}

/** Which of a peer's two connections a candidate or a restart is for. */
export type PeerLeg = 'publisher' | 'subscriber';

/** Things the engine tells the hub about a peer without being asked. */
export type PeerEvent =
  /** Media flows on that leg (ICE and DTLS done). */
  | { type: 'connected'; leg: PeerLeg }
  /** The leg lost its media (ICE failed, DTLS alert, the browser went away): the client should restart ICE or rejoin. */
  | { type: 'media_lost'; leg: PeerLeg; reason: string }
  /** Voice activity of this peer's published audio, from the engine's audio levels. */
  | { type: 'talking'; talking: boolean }
  /** The engine dropped the peer (engine restarted, session timed out): it must join again. */
  | { type: 'gone'; reason: string };

/** A peer's media in a room, held by the hub node its socket is on. */
export interface PeerMedia {
  readonly roomKey: string;
  readonly peerId: string;
  /**
   * Publish (or renegotiate: a screen added or removed, an ICE restart) with the browser's offer; the
   * answer goes back to it. `tracks` names every m-line of the offer that carries media.
   */
  publish(offerSdp: string, tracks: PublishedTrack[]): Promise<{ answerSdp: string }>;
  /** Stop publishing (the peer stays in the room and may still watch). */
  unpublish(): Promise<void>;
  /**
   * Set the subscription to exactly these peers' tracks (an empty list unsubscribes everything). Returns
   * the engine's offer for the browser to answer with `answer()`, or null when nothing changed.
   */
  subscribe(peerIds: string[]): Promise<{ offerSdp: string; tracks: SubscribedTrack[] } | null>;
  /** The browser's answer to the last subscription offer. */
  answer(answerSdp: string): Promise<void>;
  /** A candidate the browser gathered for one leg. */
  trickle(leg: PeerLeg, candidate: IceCandidate | null): Promise<void>;
  /**
   * Which simulcast layer of these peers' cameras to receive: `high` for a large tile, `low` for a thumbnail
   * (a publisher that sends one layer is forwarded as it is). Peers not received are ignored.
   */
  setQuality(peerIds: string[], quality: VideoQuality): Promise<void>;
  /** A fresh subscription offer that restarts ICE (the publisher restarts by publishing an iceRestart offer). */
  restartSubscriber(): Promise<{ offerSdp: string; tracks: SubscribedTrack[] }>;
  /** Leave the room; the room is destroyed with its last peer. Safe to call twice. */
  leave(): Promise<void>;
  /** Listen to this peer's events; returns the unsubscribe function. */
  on(listener: (event: PeerEvent) => void): () => void;
}

/** The engine: one per hub node (several nodes may share one media server). */
export interface MediaEngine {
  readonly name: string;
  status(): EngineStatus;
  /** Called on every status change; returns the unsubscribe function. */
  onStatus(listener: (status: EngineStatus) => void): () => void;
  /**
   * Join a peer to a room (creating the room on first join) under the hub's participant id. Fails with
   * `MediaError` code `unavailable` while the engine is not ready.
   */
  join(roomKey: string, peer: { peerId: string; display: string }): Promise<PeerMedia>;
  /** The peer ids in a room as the engine has them (across every hub node sharing the engine). */
  peers(roomKey: string): Promise<string[]>;
  /** Close every session and stop what the engine started. */
  close(): Promise<void>;
}

export type MediaErrorCode =
  /** The engine is not installed, not running, or restarting. */
  | 'unavailable'
  /** The SDP or candidate was refused by the engine. */
  | 'bad_sdp'
  /** The room or peer is gone (left, destroyed, engine restarted). */
  | 'gone'
  /** The engine answered with an error of its own (kept in `detail`). */
  | 'engine'
  /** No answer in time. */
  | 'timeout';

/** An engine failure, typed; the hub turns it into the protocol's error reply. */
export class MediaError extends Error {
  constructor(
    readonly code: MediaErrorCode,
    message: string,
    readonly detail?: { engineCode?: number; engineReason?: string },
  ) {
    super(message);
    this.name = 'MediaError';
  }
}
