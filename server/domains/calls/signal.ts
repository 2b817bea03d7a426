import { AppError } from '../../../shared/errors';
import { callStream, type TrackSource } from '../../../shared/calls';
import type { PeerMedia, PublishedTrack, SubscribedTrack, VideoQuality } from '../../../sfu/engine';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { callAndRole, emitCall } from './actions';
import { guard } from './engine';
import { callNode, type CallSocket, type LocalParticipant } from './node';
import { canJoinCall } from './policy';
import * as repo from './repo';

/**
 * Signalling between a participant's browser and the media engine: only through the participant this
 * socket holds (joined through `call_join` on this very connection), never by ids the browser names.
 */

async function ownPeer(svc: Services, actor: Actor, socket: CallSocket, callId: string, checkDb: boolean): Promise<{ l: LocalParticipant; peer: PeerMedia }> {
  const held = callNode(svc).ofSocket(socket.id, callId).find((l) => l.peer);
  if (!held?.peer) {
    // Tell forged or foreign ids apart from "not joined here" without saying more than the actor may know.
    const { call, role } = await callAndRole(svc.db, actor, callId);
    enforce(canJoinCall(actor, call, role), 'signal in this call');
    throw new AppError('conflict', 'Join the call first (call_join) on this connection');
  }
  if (checkDb) {
    const p = await repo.findParticipant(svc.db, held.participantId);
    if (!p || p.state !== 'joined') {
      await callNode(svc).release(svc, held.participantId);
      throw new AppError('conflict', 'You are no longer in this call: join it again');
    }
  }
  return { l: held, peer: held.peer };
}

/** Cheap checks of an SDP before the engine sees it: the shape of a session description, and the mids. */
function checkSdp(sdp: string, mids: string[] = []): void {
  if (!/^v=0\r?\n/.test(sdp) || !/\r?\nm=(audio|video|application) /.test(sdp)) {
    throw new AppError('bad_request', 'Not a session description (SDP): it must start with v=0 and have media sections', { fields: { sdp: 'malformed' } });
  }
  for (const mid of mids) {
    if (!new RegExp(`\\r?\\na=mid:${mid.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\r?\\n`).test(sdp + '\n')) {
      throw new AppError('bad_request', `The offer has no m-line with mid ${mid}`, { fields: { tracks: 'unknown mid' } });
    }
  }
}

export async function publish(svc: Services, actor: Actor, socket: CallSocket, input: { callId: string; sdp: string; tracks: PublishedTrack[] }) {
  const mids = input.tracks.map((t) => t.mid);
  if (new Set(mids).size !== mids.length) throw new AppError('bad_request', 'Each track needs its own mid', { fields: { tracks: 'duplicate mid' } });
  checkSdp(input.sdp, mids);
  const { l, peer } = await ownPeer(svc, actor, socket, input.callId, true);
  const { answerSdp } = await guard(peer.publish(input.sdp, input.tracks));
  await svc.write(async (u) => {
    await repo.updateFlags(u.tx, l.participantId, { published: true, tracks: input.tracks });
    const row = (await repo.findParticipant(u.tx, l.participantId))!;
    await emitCall(u, callStream(input.callId), { type: 'call_updated', payload: { participant: repo.toParticipant(row) } }, actor.id);
  });
  return { sdp: answerSdp };
}

const toTracks = (tracks: SubscribedTrack[]) =>
  tracks.map((t) => ({ mid: t.mid, participantId: t.peerId, kind: t.kind, source: t.source as TrackSource }));

export async function subscribe(svc: Services, actor: Actor, socket: CallSocket, input: { callId: string; participantIds: string[] }) {
  const { l, peer } = await ownPeer(svc, actor, socket, input.callId, true);
  // Only people in this call who publish, never oneself: ids that left meanwhile (or never were) are dropped.
  const present = new Set((await repo.participantsOf(svc.db, input.callId, ['joined'])).filter((p) => p.published).map((p) => p.id));
  const wanted = [...new Set(input.participantIds)].filter((id) => id !== l.participantId && present.has(id));
  const offer = await guard(peer.subscribe(wanted));
  return offer ? { sdp: offer.offerSdp, tracks: toTracks(offer.tracks) } : { sdp: null, tracks: [] };
}

export async function answer(svc: Services, actor: Actor, socket: CallSocket, input: { callId: string; sdp: string }) {
  checkSdp(input.sdp);
  const { peer } = await ownPeer(svc, actor, socket, input.callId, false);
  await guard(peer.answer(input.sdp));
  return {};
}

export async function ice(
  svc: Services,
  actor: Actor,
  socket: CallSocket,
  input: { callId: string; leg: 'publisher' | 'subscriber'; candidate: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null } | null },
) {
  if (input.candidate && input.candidate.candidate !== '' && !/^(a=)?candidate:\S+ \d+ (udp|tcp|UDP|TCP) \d+ \S+ \d+ typ (host|srflx|prflx|relay)\b/.test(input.candidate.candidate)) {
    throw new AppError('bad_request', 'Not an ICE candidate', { fields: { candidate: 'malformed' } });
  }
  const { peer } = await ownPeer(svc, actor, socket, input.callId, false);
  await guard(peer.trickle(input.leg, input.candidate));
  return {};
}

export async function restart(svc: Services, actor: Actor, socket: CallSocket, callId: string) {
  const { peer } = await ownPeer(svc, actor, socket, callId, true);
  const offer = await guard(peer.restartSubscriber());
  return { sdp: offer.offerSdp, tracks: toTracks(offer.tracks) };
}

/** Microphone, camera, screen and raised hand, as the others see them. */
export async function update(
  svc: Services,
  actor: Actor,
  socket: CallSocket,
  input: { callId: string; audio?: boolean; video?: boolean; screen?: boolean; hand?: boolean },
) {
  const { l } = await ownPeer(svc, actor, socket, input.callId, false);
  await svc.write(async (u) => {
    const p = await repo.findParticipant(u.tx, l.participantId, true);
    if (!p || p.state !== 'joined') throw new AppError('conflict', 'You are no longer in this call: join it again');
    await repo.updateFlags(u.tx, l.participantId, { audio: input.audio, video: input.video, screen: input.screen, hand: input.hand });
    const row = (await repo.findParticipant(u.tx, l.participantId))!;
    await emitCall(u, callStream(input.callId), { type: 'call_updated', payload: { participant: repo.toParticipant(row) } }, actor.id);
  });
  return {};
}

/** Which layer of these participants' cameras this one receives (large tiles high, thumbnails low). */
export async function quality(svc: Services, actor: Actor, socket: CallSocket, input: { callId: string; participantIds: string[]; quality: VideoQuality }) {
  const { peer } = await ownPeer(svc, actor, socket, input.callId, false);
  await guard(peer.setQuality([...new Set(input.participantIds)], input.quality));
  return {};
}
