import { randomUUID } from 'node:crypto';
import { AppError } from '../../../shared/errors';
import {
  callStream, doorStream, lobbyStream, MAX_CALL_PARTICIPANTS, type CallEvent, type CallParticipant, type CallPush, type CallReplies, type CallState, type CallSummary,
  type LobbyEvent,
} from '../../../shared/calls';
import type { Card } from '../../../shared/cards';
import { chatStream, type Message } from '../../../shared/messenger';
import type { PeerEvent } from '../../../sfu/engine';
import type { Services } from '../../services';
import type { Unit } from '../../db/unit';
import { sql, type Queryable } from '../../db/pool';
import { grantedCall, type Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { findChat, findMessage, insertMessage, memberRole } from '../chats/repo';
import { postCard, recordChanged } from '../commands/cards';
import { streamChannel } from '../streams';
import { availability, guard } from './engine';
import { callNode, type CallSocket, type LocalParticipant } from './node';
import { canAdmit, canJoinCall, canUseCall } from './policy';
import * as repo from './repo';
import { iceServersFor } from './turn';

/**
 * Calls: the hub's side. State (calls, participants, lobby) is in PostgreSQL and every change is an
 * event of the `call:<id>` stream, written through the one write path; each participant's media is held
 * by the node of its socket (CallNode). The browser never sees the media engine's room: the hub checks
 * every request against the participant it holds for that socket.
 */

/** A closed socket's participant stays this long, so that a reconnecting client can rejoin in its place. */
export const DROP_GRACE_MS = 8_000;

type Emit<E extends { type: string; payload: unknown }> = (u: Unit, stream: string, event: E, actorId: string | null) => Promise<unknown>;
export const emitCall: Emit<CallEvent> = (u, stream, e, actorId) => u.emit(stream, e.type, e.payload, actorId);
const emitLobby: Emit<LobbyEvent> = (u, stream, e, actorId) => u.emit(stream, e.type, e.payload, actorId);

/** The card a call shows in its chat: status, planned time, and when it ran with how many. */
export function callCard(c: repo.CallRow): Card {
  return {
    kind: 'call',
    id: c.id,
    title: c.title,
    status: c.status,
    due: c.scheduled_for?.toISOString() ?? null,
    closed: c.status === 'ended',
    call: { startedAt: c.started_at?.toISOString() ?? null, endedAt: c.ended_at?.toISOString() ?? null, participantCount: c.participant_count },
    url: `/app/calls/${c.id}`,
  };
}

/** The call, and the actor's role in its chat (null for guests and non-members); not_found for forged ids. */
export async function callAndRole(q: Queryable, actor: Actor, callId: string) {
  const call = await repo.findCall(q, callId);
  // A guest asking about any other call learns nothing, not even that it exists.
  if (!call || (actor.role === 'guest' && grantedCall(actor) !== callId)) throw new AppError('not_found', 'No such call');
  const role = actor.role === 'guest' ? null : await memberRole(q, call.chat_id, actor.id);
  return { call, role };
}

function requireVideo(svc: Services): void {
  const v = availability(svc.media);
  if (!v.available) throw new AppError('unavailable', `Video is unavailable on this server: ${v.reason ?? v.code}`, { fields: { video: v.code ?? 'unavailable' } });
}

/** The whole state of a call as `call_join` answers it (the lobby only for colleagues). */
export async function callState(svc: Services, q: Queryable, callId: string, actor: Actor): Promise<CallState> {
  const call = (await repo.findCall(q, callId))!;
  const participants = (await repo.participantsOf(q, callId, ['joined'])).map(repo.toParticipant);
  const lobby = actor.role === 'guest' ? [] : (await repo.participantsOf(q, callId, ['lobby'])).map(repo.toLobbyGuest);
  return { call: repo.toSummary(call), participants, lobby, video: availability(svc.media) };
}

async function emitLobbyList(u: Unit, callId: string, actorId: string | null): Promise<void> {
  const lobby = (await repo.participantsOf(u.tx, callId, ['lobby'])).map(repo.toLobbyGuest);
  await emitCall(u, doorStream(callId), { type: 'call_lobby', payload: { lobby } }, actorId);
}

/** End a call inside the caller's transaction: its lobby is told, its card shows duration and count. */
export async function endCall(u: Unit, callId: string, actorId: string | null): Promise<void> {
  await repo.markEnded(u.tx, callId);
  for (const p of await repo.participantsOf(u.tx, callId, ['lobby', 'admitted', 'joined'])) {
    await repo.setState(u.tx, p.id, 'left');
    if (p.state !== 'joined') await emitLobby(u, lobbyStream(p.id), { type: 'lobby_ended', payload: { callId } }, actorId);
  }
  const ended = (await repo.findCall(u.tx, callId))!;
  await emitCall(u, callStream(callId), { type: 'call_ended', payload: { call: repo.toSummary(ended) } }, actorId);
  await recordChanged(u, callCard(ended), actorId ?? ended.created_by, null);
}

// Starting and scheduling.

export interface Started {
  call: CallSummary;
  /** The card message (null when the live call had been started before and its card is gone). */
  message: Message | null;
  created: boolean;
}

/**
 * Start the chat's call, or answer the live one (one live call per chat: two members pressing "call" at
 * once make one). A new call posts its card into the chat. Refused while video is unavailable: a call
 * nobody can join would only litter the chat.
 */
export async function startCall(svc: Services, actor: Actor, chatId: string, opts: { clientId?: string; title?: string } = {}): Promise<Started> {
  const chat = await findChat(svc.db, chatId);
  if (!chat) throw new AppError('not_found', 'No such chat');
  enforce(canUseCall(actor, await memberRole(svc.db, chatId, actor.id)), 'start a call in this chat');
  requireVideo(svc);
  const result = await svc.write(async (u) => {
    await repo.lockChatCalls(u.tx, chatId);
    const live = await repo.liveCallOfChat(u.tx, chatId);
    if (live) return { id: live.id, messageId: live.message_id, created: false, message: null as Message | null };
    const id = randomUUID();
    await repo.insertCall(u.tx, { id, chatId, title: opts.title?.trim() || chat.title || 'Call', status: 'live', scheduledFor: null, createdBy: actor.id });
    const message = await postCard(u, { actorId: actor.id, chatId, clientId: opts.clientId ?? randomUUID(), card: callCard((await repo.findCall(u.tx, id))!) });
    await repo.setCardMessage(u.tx, id, message.id);
    return { id, messageId: message.id, created: true, message };
  });
  const call = (await repo.findCall(svc.db, result.id))!;
  let message = result.message;
  if (!message && result.messageId) {
    message = await findMessage(svc.db, result.messageId);
  }
  if (result.created) svc.log.info('call started', { call: call.id, chat: chatId, by: actor.id });
  return { call: repo.toSummary(call), message, created: result.created };
}

/** The card message of a call (what a slash command that started it answers). */
export async function callCardMessage(svc: Services, callId: string): Promise<Message | null> {
  const call = await repo.findCall(svc.db, callId);
  return call?.message_id ? findMessage(svc.db, call.message_id) : null;
}

/** The job that tells a chat its scheduled call is due. */
export const CALL_DUE_JOB = 'call_due';
export const callDueKey = (callId: string) => `call-due:${callId}`;

/** Schedule a call: an invitation card in the chat (the join button), and a notice when it is due. */
export async function scheduleCall(svc: Services, actor: Actor, chatId: string, input: { title: string; at: string; clientId?: string }): Promise<Started> {
  const chat = await findChat(svc.db, chatId);
  if (!chat) throw new AppError('not_found', 'No such chat');
  enforce(canUseCall(actor, await memberRole(svc.db, chatId, actor.id)), 'schedule a call in this chat');
  const at = new Date(input.at);
  if (at.getTime() <= Date.now()) throw new AppError('bad_request', 'A call is scheduled for a time in the future', { fields: { at: 'past' } });
  const { id, message } = await svc.write(async (u) => {
    const id = randomUUID();
    await repo.insertCall(u.tx, { id, chatId, title: input.title, status: 'scheduled', scheduledFor: at, createdBy: actor.id });
    const card = callCard((await repo.findCall(u.tx, id))!);
    const message = await postCard(u, { actorId: actor.id, chatId, clientId: input.clientId ?? randomUUID(), card });
    await repo.setCardMessage(u.tx, id, message.id);
    await svc.jobs.schedule(u.tx, { kind: CALL_DUE_JOB, key: callDueKey(id), runAt: at, payload: { callId: id } });
    return { id, message };
  });
  svc.log.info('call scheduled', { call: id, chat: chatId, at: at.toISOString() });
  return { call: repo.toSummary((await repo.findCall(svc.db, id))!), message, created: true };
}

/** The due job: a scheduled call nobody started yet is announced in its card's thread. */
export async function callDue(u: Unit, callId: string): Promise<void> {
  const call = await repo.findCall(u.tx, callId, true);
  if (!call || call.status !== 'scheduled' || !call.message_id) return;
  await u.emit(chatStream(call.chat_id), 'message_created', async (seq: number) => ({
    message: await insertMessage(u.tx, {
      id: randomUUID(), chatId: call.chat_id, seq, authorId: call.created_by, clientId: randomUUID(),
      body: `The call is starting: ${call.title} · Звонок начинается: ${call.title}`,
      threadRootId: call.message_id, mentions: [], mentionsAll: false, forwardedFrom: null,
    }),
  }), call.created_by);
}

// Reading.

/** A call as its chat's members see it before joining: the summary and who is in it now. */
export async function getCall(svc: Services, actor: Actor, callId: string): Promise<{ call: CallSummary; participants: CallParticipant[] }> {
  const { call, role } = await callAndRole(svc.db, actor, callId);
  enforce(canUseCall(actor, role), 'see this call');
  const participants = call.status === 'live' ? (await repo.participantsOf(svc.db, callId, ['joined'])).map(repo.toParticipant) : [];
  return { call: repo.toSummary(call), participants };
}

export async function listChatCalls(svc: Services, actor: Actor, chatId: string): Promise<CallSummary[]> {
  if (!(await findChat(svc.db, chatId))) throw new AppError('not_found', 'No such chat');
  enforce(canUseCall(actor, await memberRole(svc.db, chatId, actor.id)), 'see the calls of this chat');
  return (await repo.callsOfChat(svc.db, chatId, 50)).map(repo.toSummary);
}

// Joining and leaving.

export interface JoinInput {
  callId: string;
  audio: boolean;
  video: boolean;
  rejoin?: string;
}

/**
 * Join a call from this socket. A guest waits in the lobby first (the reply says so; their `lobby:`
 * stream says when they are let in, and they send call_join again). A colleague, or an admitted guest,
 * gets a peer in the media engine's room, held by this node.
 */
export async function joinCall(svc: Services, actor: Actor, socket: CallSocket, input: JoinInput): Promise<CallReplies['call_join']> {
  const { call, role } = await callAndRole(svc.db, actor, input.callId);
  enforce(canJoinCall(actor, call, role), 'join this call');
  if (call.status === 'ended') throw new AppError('conflict', 'This call has ended');
  const mine = await repo.activeOfUser(svc.db, call.id, actor.id);
  let admitted: repo.ParticipantRow | undefined;
  if (actor.role === 'guest') {
    admitted = mine.find((p) => p.state === 'admitted');
    // A guest let in once comes back without knocking again (a reconnect, a media server restart).
    if (!admitted && !(await svc.db.query(sqlWasIn(call.id, actor.id))).length) return knock(svc, actor, socket, call, mine);
  }
  requireVideo(svc);
  const joinedCount = (await repo.participantsOf(svc.db, call.id, ['joined'])).length;
  // Replaced: the participant this client had before reconnecting, and this person's participants whose
  // socket closed (a reload, a network change): they are in their grace period, waiting for exactly this.
  // A second call_join on the same socket (a double click, a retry) replaces the first one too.
  const here = new Set(callNode(svc).ofSocket(socket.id, call.id).map((l) => l.participantId));
  const replaced = mine.filter((p) => p.state === 'joined' && (p.id === input.rejoin || p.disconnected_at !== null || here.has(p.id)));
  if (joinedCount - replaced.length >= MAX_CALL_PARTICIPANTS) throw new AppError('conflict', `The call is full (${MAX_CALL_PARTICIPANTS} people)`);
  for (const p of replaced) await leaveParticipant(svc, p.id, 'left', { endIfEmpty: false, actorId: actor.id });
  const participantId = admitted?.id ?? randomUUID();
  const [{ name }] = await svc.db.query(sqlName(actor.id));
  const peer = await guard(svc.media.join(call.room_key, { peerId: participantId, display: name }));
  try {
    await svc.write(async (u) => {
      const locked = (await repo.findCall(u.tx, call.id, true))!;
      if (locked.status === 'ended') throw new AppError('conflict', 'This call has ended');
      const goesLive = locked.status === 'scheduled';
      if (goesLive) {
        await repo.lockChatCalls(u.tx, locked.chat_id);
        const other = await repo.liveCallOfChat(u.tx, locked.chat_id);
        if (other) throw new AppError('conflict', 'Another call is live in this chat: end it or join it first');
        await repo.markLive(u.tx, call.id, actor.id);
      }
      if (admitted) await repo.joinAdmitted(u.tx, participantId, svc.config.nodeId, socket.id, input.audio, input.video);
      else {
        await repo.insertParticipant(u.tx, {
          id: participantId, callId: call.id, userId: actor.id, linkId: actor.grant?.linkId ?? null, state: 'joined', node: svc.config.nodeId, connId: socket.id,
          audio: input.audio, video: input.video,
        });
      }
      await repo.setEmptySince(u.tx, call.id, false);
      const row = (await repo.findParticipant(u.tx, participantId))!;
      await emitCall(u, callStream(call.id), { type: 'call_joined', payload: { participant: repo.toParticipant(row) } }, actor.id);
      if (goesLive) await recordChanged(u, callCard((await repo.findCall(u.tx, call.id))!), actor.id, null);
    });
  } catch (err) {
    await peer.leave().catch(() => {});
    throw err;
  }
  hold(svc, { participantId, callId: call.id, userId: actor.id, socket, peer });
  svc.log.info('call joined', { call: call.id, participant: participantId, user: actor.id, guest: actor.role === 'guest' });
  return { status: 'joined', participantId, state: await callState(svc, svc.db, call.id, actor), iceServers: iceServersFor(svc.config, participantId) };
}

const sqlName = (userId: string) => sql`SELECT name FROM users WHERE id = ${userId}`;

/** A guest knocks: a seat in the lobby (the same one when they knock again from a new socket). */
async function knock(svc: Services, actor: Actor, socket: CallSocket, call: repo.CallRow, mine: repo.ParticipantRow[]): Promise<CallReplies['call_join']> {
  const node = callNode(svc);
  const refused = await svc.db.query(sqlRefused(call.id, actor.id));
  if (refused.length) throw new AppError('forbidden', 'You were not let into this call');
  const waiting = mine.find((p) => p.state === 'lobby');
  const participantId = waiting?.id ?? randomUUID();
  await svc.write(async (u) => {
    const locked = (await repo.findCall(u.tx, call.id, true))!;
    if (locked.status === 'ended') throw new AppError('conflict', 'This call has ended');
    if (waiting) {
      await u.tx.query(sqlMove(participantId, svc.config.nodeId, socket.id));
      return;
    }
    await repo.insertParticipant(u.tx, {
      id: participantId, callId: call.id, userId: actor.id, linkId: actor.grant?.linkId ?? null, state: 'lobby', node: svc.config.nodeId,
      connId: socket.id, audio: false, video: false,
    });
    await emitLobbyList(u, call.id, actor.id);
  });
  const old = node.local.get(participantId);
  if (old) await node.release(svc, participantId);
  hold(svc, { participantId, callId: call.id, userId: actor.id, socket, peer: null });
  svc.log.info('call guest waiting', { call: call.id, participant: participantId });
  return { status: 'lobby', participantId };
}

const sqlWasIn = (callId: string, userId: string) =>
  sql`SELECT 1 FROM call_participants WHERE call_id = ${callId} AND user_id = ${userId} AND joined_at IS NOT NULL
    AND state IN ('joined', 'dropped', 'left') LIMIT 1`;
const sqlRefused = (callId: string, userId: string) =>
  sql`SELECT 1 FROM call_participants WHERE call_id = ${callId} AND user_id = ${userId} AND state IN ('refused', 'removed')`;
const sqlMove = (id: string, node: string, connId: string) =>
  sql`UPDATE call_participants SET node = ${node}, conn_id = ${connId}, disconnected_at = NULL, seen_at = now() WHERE id = ${id}`;

/** Keep a participant's media on this node, and act on what the engine says about it. */
function hold(svc: Services, p: Omit<LocalParticipant, 'off' | 'grace'>): void {
  const node = callNode(svc);
  // A guest's lobby seat held for the socket they knocked from gives way to their seat in the call.
  const before = node.local.get(p.participantId);
  if (before) {
    if (before.grace) clearTimeout(before.grace);
    before.off();
    if (before.peer && before.peer !== p.peer) before.peer.leave().catch(() => {});
  }
  const off = p.peer ? p.peer.on((event) => onPeerEvent(svc, p.participantId, event)) : () => {};
  node.local.set(p.participantId, { ...p, off, grace: null });
}

function onPeerEvent(svc: Services, participantId: string, event: PeerEvent): void {
  const l = callNode(svc).local.get(participantId);
  if (!l) return;
  const toCall = (push: CallPush) =>
    svc.bus.publish(streamChannel(callStream(l.callId)), JSON.stringify(push)).catch((err) => svc.log.debug('call push not published', { type: push.type, err }));
  if (event.type === 'talking') {
    void toCall({ type: 'call_talking', callId: l.callId, participantId, talking: event.talking });
    return;
  }
  // The media server offers a feed only once its publisher's connection is up: now the others can have it.
  if (event.type === 'connected' && event.leg === 'publisher') void toCall({ type: 'call_live', callId: l.callId, participantId });
  l.socket.send({
    type: 'call_media', callId: l.callId, participantId,
    event: event.type === 'gone' ? { type: 'gone', reason: event.reason } : event.type === 'connected' ? { type: 'connected', leg: event.leg } : { type: 'media_lost', leg: event.leg, reason: event.reason },
  });
  if (event.type === 'gone') {
    // The engine dropped the peer (it restarted, or timed the session out): the participant is told and
    // rejoins. The call is not ended at once: everyone may be rejoining; the sweep ends it if nobody does.
    svc.log.warn('call: media gone', { participant: participantId, reason: event.reason });
    leaveParticipant(svc, participantId, 'dropped', { endIfEmpty: false, actorId: null }).catch((err) => svc.log.error('call: drop failed', { participant: participantId, err }));
  }
}

/**
 * A participant leaves (or drops, or is removed): media released, the stream told, and the call ended
 * when nobody is left (unless `endIfEmpty` is false: then the sweep ends it if nobody comes back).
 */
export async function leaveParticipant(
  svc: Services,
  participantId: string,
  reason: 'left' | 'dropped' | 'removed',
  opts: { endIfEmpty: boolean; actorId: string | null; onlyIfConn?: string },
): Promise<void> {
  await callNode(svc).release(svc, participantId);
  const first = await repo.findParticipant(svc.db, participantId);
  if (!first) return;
  const ended = await svc.write(async (u) => {
    // The call first, then the participant: the order every writer of a call takes its locks in.
    await repo.findCall(u.tx, first.call_id, true);
    const p = await repo.findParticipant(u.tx, participantId, true);
    if (!p || !repo.ACTIVE_STATES.includes(p.state)) return false;
    // A drop after a socket closed: not when the participant has since moved to another socket (a guest
    // admitted on a new connection, a seat taken again from another node).
    if (opts.onlyIfConn && p.conn_id !== opts.onlyIfConn) return false;
    await repo.setState(u.tx, p.id, reason === 'removed' ? 'removed' : p.state === 'joined' ? reason : 'left');
    if (p.state !== 'joined') {
      await emitLobbyList(u, p.call_id, opts.actorId);
      return false;
    }
    await emitCall(u, callStream(p.call_id), { type: 'call_left', payload: { participantId, reason } }, opts.actorId);
    if ((await repo.participantsOf(u.tx, p.call_id, ['joined'])).length) return false;
    if (!opts.endIfEmpty) {
      await repo.setEmptySince(u.tx, p.call_id, true);
      return false;
    }
    await endCall(u, p.call_id, opts.actorId);
    return true;
  });
  svc.log.info('call left', { participant: participantId, reason, ended });
  if (ended) svc.log.info('call ended', { call: first.call_id });
}

/** Leave the call from this socket (every participant this socket holds in it). */
export async function leaveCall(svc: Services, actor: Actor, socket: CallSocket, callId: string): Promise<void> {
  const { call, role } = await callAndRole(svc.db, actor, callId);
  enforce(canJoinCall(actor, call, role), 'leave this call');
  for (const l of callNode(svc).ofSocket(socket.id, callId)) await leaveParticipant(svc, l.participantId, 'left', { endIfEmpty: true, actorId: actor.id });
}

/**
 * This node's socket closed: its participants stay for DROP_GRACE_MS (a reconnecting client rejoins in
 * their place), then drop. A socket closed for a revoked link (4403) drops them at once.
 */
export async function socketClosed(svc: Services, connId: string, code: number): Promise<void> {
  const node = callNode(svc);
  const held = node.ofSocket(connId);
  if (!held.length) return;
  await repo.markDisconnected(svc.db, held.map((l) => l.participantId)).catch((err) => svc.log.warn('call: disconnect not recorded', { err }));
  for (const l of held) {
    const drop = () => {
      l.grace = null;
      // Held again meanwhile (the same seat from a new socket on this node): that socket holds it now.
      if (node.local.get(l.participantId) !== l) return;
      leaveParticipant(svc, l.participantId, 'dropped', { endIfEmpty: true, actorId: null, onlyIfConn: connId }).catch((err) =>
        svc.log.error('call: drop failed', { participant: l.participantId, err }),
      );
    };
    if (code === 4403) drop();
    else l.grace = setTimeout(drop, DROP_GRACE_MS);
  }
}

/** Let a waiting guest in, or turn them away: a colleague who is in the call. */
export async function admit(svc: Services, actor: Actor, input: { callId: string; guestId: string; admit: boolean }) {
  const { call, role } = await callAndRole(svc.db, actor, input.callId);
  const inCall = (await repo.activeOfUser(svc.db, call.id, actor.id)).some((p) => p.state === 'joined');
  enforce(canAdmit(actor, role, inCall), 'let guests into this call');
  await svc.write(async (u) => {
    await repo.findCall(u.tx, call.id, true);
    const p = await repo.findParticipant(u.tx, input.guestId, true);
    if (!p || p.call_id !== call.id || p.state !== 'lobby') throw new AppError('not_found', 'Nobody with this id is waiting to join');
    await repo.setState(u.tx, p.id, input.admit ? 'admitted' : 'refused');
    await emitLobby(u, lobbyStream(p.id), { type: input.admit ? 'lobby_admitted' : 'lobby_refused', payload: { callId: call.id } }, actor.id);
    await emitLobbyList(u, call.id, actor.id);
  });
  svc.log.info(input.admit ? 'call guest admitted' : 'call guest refused', { call: call.id, participant: input.guestId, by: actor.id });
  return {};
}
