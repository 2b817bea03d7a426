/**
 * Browser tests read a call's media counters through `window.__artelCall` (inbound framesDecoded and
 * audio energy from getStats, the two peer connections). Exposing the page's own session to the page's
 * own scripts gives nothing away: any script there could reach the same objects.
 */
import type { CallSession } from './session.svelte';

export function exposeForTests(session: CallSession | null): void {
  if (typeof window !== 'undefined' && session) (window as unknown as { __artelCall?: CallSession }).__artelCall = session;
}
