import type { MediaEngine } from '../../../sfu/engine';
import type { VideoAvailability } from '../../../shared/calls';

/** What the UI is told about video on this server, from the engine's status. */
export function availability(engine: MediaEngine): VideoAvailability {
  const s = engine.status();
  if (s.state === 'ready') return { available: true };
  if (s.state === 'restarting') return { available: false, code: 'restarting', reason: s.reason ?? 'The media server is restarting' };
  if (s.state === 'starting') return { available: false, code: 'restarting', reason: s.reason ?? 'The media server is starting' };
  return { available: false, code: s.code ?? 'unreachable', reason: s.reason ?? 'The media server is not available' };
}
