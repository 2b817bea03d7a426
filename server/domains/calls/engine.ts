import { MediaError, type MediaEngine } from '../../../sfu/engine';
import { AppError } from '../../../shared/errors';
import type { VideoAvailability } from '../../../shared/calls';

/** What the UI is told about video on this server, from the engine's status. */
export function availability(engine: MediaEngine): VideoAvailability {
  const s = engine.status();
  if (s.state === 'ready') return { available: true };
  if (s.state === 'restarting') return { available: false, code: 'restarting', reason: s.reason ?? 'The media server is restarting' };
  if (s.state === 'starting') return { available: false, code: 'restarting', reason: s.reason ?? 'The media server is starting' };
  return { available: false, code: s.code ?? 'unreachable', reason: s.reason ?? 'The media server is not available' };
}

/** A media engine failure as the protocol's typed error. */
export function mediaFailure(err: unknown): never {
  if (err instanceof MediaError) {
    switch (err.code) {
      case 'bad_sdp':
        throw new AppError('bad_request', `The media server refused this session description: ${err.message}`);
      case 'gone':
        throw new AppError('conflict', 'Your media session ended (the media server restarted?): join the call again');
      case 'timeout':
        throw new AppError('unavailable', 'The media server did not answer in time: try again');
      case 'unavailable':
        throw new AppError('unavailable', `Video is unavailable: ${err.message}`);
      default:
        throw new AppError('unavailable', `The media server failed: ${err.message}`);
    }
  }
  throw err;
}

/** Run engine work, its failures turned into the protocol's typed errors. */
export async function guard<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    return mediaFailure(err);
  }
}
