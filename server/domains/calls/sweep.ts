import type { Services } from '../../services';
import { CALL_DUE_JOB, callDue, endCall, leaveParticipant } from './actions';
import { callNode } from './node';
import * as repo from './repo';

/** How often a node vouches for the participants it holds. */
const HEARTBEAT_MS = 15_000;
/** How often each node looks for stale participants and abandoned calls. */
const SWEEP_MS = 30_000;

export interface SweepLimits {
  /** A participant nobody vouched for in this long is dropped (its node died). */
  staleMs: number;
  /** A live call empty for this long is ended (everyone dropped and nobody came back). */
  emptyMs: number;
}

export const SWEEP_LIMITS: SweepLimits = { staleMs: 90_000, emptyMs: 120_000 };

/**
 * End what nobody holds any more: participants whose node stopped vouching for them (a hub node died)
 * are dropped, and a live call with nobody in it for a while is ended, its card updated. Safe on every
 * node at once (rows are taken with SKIP LOCKED, ends are idempotent). Returns what it did.
 */
export async function sweepCalls(svc: Services, limits: SweepLimits = SWEEP_LIMITS): Promise<{ dropped: number; ended: number }> {
  const stale = await repo.staleParticipants(svc.db, limits.staleMs);
  // Several nodes may sweep at once: leaving is idempotent (a participant already gone is skipped).
  for (const p of stale) await leaveParticipant(svc, p.id, 'dropped', { endIfEmpty: true, actorId: null });
  let ended = 0;
  for (const callId of await repo.abandonedCalls(svc.db, limits.emptyMs)) {
    const done = await svc.write(async (u) => {
      await repo.findCall(u.tx, callId, true);
      if (!(await repo.stillAbandoned(u.tx, callId, limits.emptyMs))) return false;
      await endCall(u, callId, null);
      return true;
    });
    if (done) ended++;
  }
  if (stale.length || ended) svc.log.info('calls swept', { dropped: stale.length, ended });
  return { dropped: stale.length, ended };
}

/**
 * Start this node's part of calls: the scheduled calls' due job, the heartbeat of the participants it
 * holds, and the sweep. Returns the stop function, which also releases every media peer held here.
 */
export function startCalls(svc: Services): () => Promise<void> {
  svc.jobs.register(CALL_DUE_JOB, (u, payload) => callDue(u, payload.callId));
  const node = callNode(svc);
  const beat = setInterval(() => {
    repo.heartbeat(svc.db, svc.config.nodeId, [...node.local.keys()]).catch((err) => svc.log.warn('call heartbeat failed', { err }));
  }, HEARTBEAT_MS);
  const sweep = setInterval(() => {
    sweepCalls(svc).catch((err) => svc.log.warn('call sweep failed', { err }));
  }, SWEEP_MS);
  beat.unref();
  sweep.unref();
  const offStatus = svc.media.onStatus((status) => svc.log.info('media engine status', { engine: svc.media.name, ...status }));
  node.timers.push(beat, sweep);
  return async () => {
    for (const t of node.timers) clearInterval(t);
    node.timers = [];
    offStatus();
    // The node stops: its participants drop (their clients reconnect to another node and join again); the
    // calls themselves are not ended here, the sweep ends those nobody comes back to.
    for (const id of [...node.local.keys()]) {
      await leaveParticipant(svc, id, 'dropped', { endIfEmpty: false, actorId: null }).catch((err) => svc.log.warn('call: drop at stop failed', { err }));
    }
  };
}
