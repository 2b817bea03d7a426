/**
 * One of a call's two peer connections to the media server (the publisher leg sends this browser's
 * tracks, the subscriber leg receives the others'): its ICE candidates, held while the hub does not yet
 * have the leg's description and sent through `call_ice` after, and its health as the connection reports
 * it, which the session's recovery reads (restart ICE, or join again).
 */
import { healthyLeg, legChanged, type LegHealth, type LegWatch } from './model';
import type { CallLink } from './signal';

export type LegName = 'publisher' | 'subscriber';

export class MediaLeg {
  pc: RTCPeerConnection | null = null;
  health: LegWatch = healthyLeg();
  /** Candidates gathered before the hub has the leg's description; null once they may go out at once. */
  private held: (RTCIceCandidateInit | null)[] | null = [];

  constructor(
    readonly name: LegName,
    private readonly link: CallLink,
    /** Called after each change of `health`. */
    private readonly onHealth: () => void,
  ) {}

  /** A new peer connection in place of the old one (closed): healthy, and holding its candidates. */
  open(): RTCPeerConnection {
    this.pc?.close();
    const link = this.link;
    const pc = new RTCPeerConnection({ iceServers: link.iceServers as RTCIceServer[], bundlePolicy: 'max-bundle' });
    const epoch = link.epoch;
    this.held = [];
    this.health = healthyLeg();
    pc.onicecandidate = (e) => {
      if (epoch !== link.epoch) return;
      this.sendIce(e.candidate ? e.candidate.toJSON() : null);
    };
    pc.onconnectionstatechange = () => {
      if (epoch !== link.epoch || this.pc !== pc) return;
      link.note(`${this.name} ${pc.connectionState}`);
      this.changed(pc.connectionState as LegHealth);
    };
    this.pc = pc;
    return pc;
  }

  /** The connection's state changed (or the hub says its media was lost). */
  changed(state: LegHealth): void {
    this.health = legChanged(this.health, state, Date.now());
    this.onHealth();
  }

  /** Hold candidates from now on: a description is on its way to the hub. */
  hold(): void {
    this.held ??= [];
  }

  /** The hub has the description: send the held candidates, and the later ones as they come. */
  flush(): void {
    const queue = this.held ?? [];
    this.held = null;
    for (const c of queue) this.sendIce(c);
  }

  close(): void {
    this.pc?.close();
    this.pc = null;
  }

  private sendIce(candidate: RTCIceCandidateInit | null): void {
    if (this.held) {
      this.held.push(candidate);
      return;
    }
    const c = candidate ? { candidate: candidate.candidate ?? '', sdpMid: candidate.sdpMid ?? null, sdpMLineIndex: candidate.sdpMLineIndex ?? null } : null;
    this.link.client
      .request({ type: 'call_ice', callId: this.link.callId, leg: this.name, candidate: c })
      .catch((e) => this.link.log('calls: candidate refused', e));
  }
}
