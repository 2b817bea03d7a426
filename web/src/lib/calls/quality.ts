/**
 * Which simulcast layer of each camera to receive. A publisher's browser sends its camera in layers
 * (full size and a smaller one) where it can; the media server forwards one layer per subscriber and
 * stream, the top one unless asked otherwise. A camera shown large (the stage, a grid of few people) gets
 * the top layer; a thumbnail or a tile of a crowded grid gets the bottom one: a 9-person grid then costs the
 * receiver a fraction of the bandwidth and decoding.
 */
import type { Layout, Tile } from './model';

export type VideoQuality = 'high' | 'low';

/** A tile at least this many CSS pixels wide is worth the top layer. */
export const HIGH_MIN_WIDTH = 400;

/** The quality each other participant's camera is wanted at, from how the stage lays them out. */
export function wantedQualities(opts: {
  layout: Layout;
  tiles: Tile[];
  main: Tile | null;
  cols: number;
  width: number;
  me: string | null;
}): Map<string, VideoQuality> {
  const out = new Map<string, VideoQuality>();
  const speaker = opts.layout === 'speaker' && opts.tiles.length > 1;
  const gridTile = opts.width / Math.max(1, opts.cols);
  for (const t of opts.tiles) {
    if (t.kind !== 'camera' || t.participantId === opts.me) continue;
    const large = speaker ? t === opts.main : gridTile >= HIGH_MIN_WIDTH;
    out.set(t.participantId, large ? 'high' : 'low');
  }
  return out;
}

/**
 * What was asked of the server against what is wanted. The server starts every newly received camera at
 * the top layer; `forget()` after each new subscription offer says so (asking again is cheap).
 */
export class LayerChoice {
  private wanted = new Map<string, VideoQuality>();
  private sent = new Map<string, VideoQuality>();

  want(qualities: Map<string, VideoQuality>): void {
    this.wanted = qualities;
  }

  forget(): void {
    this.sent.clear();
  }

  /** The requests to make now for the cameras received, grouped by quality. */
  pending(received: Iterable<string>): { participantIds: string[]; quality: VideoQuality }[] {
    const by: Record<VideoQuality, string[]> = { high: [], low: [] };
    for (const id of new Set(received)) {
      const want = this.wanted.get(id) ?? 'high';
      if ((this.sent.get(id) ?? 'high') !== want) by[want].push(id);
    }
    return (['low', 'high'] as const).filter((q) => by[q].length).map((quality) => ({ participantIds: by[quality].sort(), quality }));
  }

  sentAs(participantIds: string[], quality: VideoQuality): void {
    for (const id of participantIds) this.sent.set(id, quality);
  }
}
