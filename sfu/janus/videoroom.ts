/**
 * What the Janus engine (engine.ts) and its peers (peer.ts) share: the VideoRoom plugin's name and error
 * codes, the track sources, the link to Janus, and Janus' failures as the hub's MediaError.
 */
import { MediaError, type TrackSource } from '../engine';
import { JanusError, JanusPluginError, type JanusHandle, type JanusSession, type JanusConnection } from './client';

export const PLUGIN = 'janus.plugin.videoroom';

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

export const SOURCES: readonly TrackSource[] = ['mic', 'camera', 'screen', 'screen_audio'];

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

/** One connection with its session and admin handle; replaced as a whole when anything of it is lost. */
export interface Link {
  conn: JanusConnection;
  session: JanusSession;
  admin: JanusHandle;
  /** Set once the link is lost; peers on it are gone. */
  lost: string | null;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
