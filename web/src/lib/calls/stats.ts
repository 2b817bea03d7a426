/**
 * Reading a call's peer connections: audio levels of everyone heard (for the active speaker), and the
 * counters of each received and sent track (browser tests read these; a quality readout could too).
 */
import type { TrackSource } from '$shared/calls';
import { levelFromEnergy, type ReceivedTrack } from './model';

/** One received track's counters. */
export interface InboundSample {
  participantId: string;
  source: TrackSource;
  kind: 'audio' | 'video';
  framesDecoded: number;
  totalAudioEnergy: number;
  bytesReceived: number;
}

/** One sent m-line's counters. */
export interface OutboundSample {
  mid: string;
  kind: string;
  bytesSent: number;
  framesEncoded: number;
  qualityLimitationReason: string;
}

type Stats = Record<string, unknown>;

/** An audio level (0..1) per stats entry: `audioLevel` where the browser gives it, else from energy over time. */
export class LevelMeter {
  private readonly energy = new Map<string, { energy: number; duration: number }>();

  levelOf(key: string, s: Stats): number {
    if (typeof s.audioLevel === 'number') return s.audioLevel;
    const now = { energy: Number(s.totalAudioEnergy ?? 0), duration: Number(s.totalSamplesDuration ?? 0) };
    const level = levelFromEnergy(this.energy.get(key), now);
    this.energy.set(key, now);
    return level;
  }
}

/** The loudest level of each participant heard on `sub`, and mine (`me`, when my microphone is on) from `pub`. */
export async function audioLevels(
  meter: LevelMeter,
  legs: { sub: RTCPeerConnection | null; pub: RTCPeerConnection | null; received: ReceivedTrack[]; me: string | null },
): Promise<Record<string, number>> {
  const levels: Record<string, number> = {};
  const byMid = new Map(legs.received.map((t) => [t.mid, t]));
  try {
    if (legs.sub) {
      (await legs.sub.getStats()).forEach((s: Stats) => {
        if (s.type !== 'inbound-rtp' || s.kind !== 'audio') return;
        const info = byMid.get(String(s.mid ?? ''));
        if (!info) return;
        levels[info.participantId] = Math.max(levels[info.participantId] ?? 0, meter.levelOf(`in:${info.mid}`, s));
      });
    }
    if (legs.pub && legs.me) {
      const me = legs.me;
      (await legs.pub.getStats()).forEach((s: Stats) => {
        if (s.type === 'media-source' && s.kind === 'audio') levels[me] = meter.levelOf('out', s);
      });
    }
  } catch {
    /* a connection closing under us */
  }
  return levels;
}

export async function inboundSamples(pc: RTCPeerConnection | null, received: ReceivedTrack[]): Promise<InboundSample[]> {
  if (!pc) return [];
  const byMid = new Map(received.map((t) => [t.mid, t]));
  const out: InboundSample[] = [];
  (await pc.getStats()).forEach((s: Stats) => {
    if (s.type !== 'inbound-rtp') return;
    const info = byMid.get(String(s.mid ?? ''));
    if (!info) return;
    out.push({
      participantId: info.participantId, source: info.source, kind: info.kind,
      framesDecoded: Number(s.framesDecoded ?? 0), totalAudioEnergy: Number(s.totalAudioEnergy ?? 0), bytesReceived: Number(s.bytesReceived ?? 0),
    });
  });
  return out;
}

export async function outboundSamples(pc: RTCPeerConnection | null): Promise<OutboundSample[]> {
  if (!pc) return [];
  const out: OutboundSample[] = [];
  (await pc.getStats()).forEach((s: Stats) => {
    if (s.type !== 'outbound-rtp') return;
    out.push({
      mid: String(s.mid ?? ''), kind: String(s.kind), bytesSent: Number(s.bytesSent ?? 0), framesEncoded: Number(s.framesEncoded ?? 0),
      qualityLimitationReason: String(s.qualityLimitationReason ?? ''),
    });
  });
  return out;
}
