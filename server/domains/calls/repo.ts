import { randomBytes } from 'node:crypto';
import { sql, type Queryable } from '../../db/pool';
import type { CallLinkInfo, CallParticipant, CallStatus, CallSummary, LobbyGuest, TrackSource } from '../../../shared/calls';

/** A call as the actions need it (the room key never leaves the hub). */
export interface CallRow {
  id: string;
  chat_id: string;
  title: string;
  status: CallStatus;
  room_key: string;
  scheduled_for: Date | null;
  started_at: Date | null;
  ended_at: Date | null;
  started_by: string | null;
  created_by: string;
  message_id: string | null;
  empty_since: Date | null;
  participant_count: number;
}

export type ParticipantState = 'lobby' | 'admitted' | 'refused' | 'joined' | 'left' | 'dropped' | 'removed';

export interface ParticipantRow {
  id: string;
  call_id: string;
  user_id: string;
  link_id: string | null;
  state: ParticipantState;
  node: string;
  conn_id: string;
  disconnected_at: Date | null;
  lobby_since: Date | null;
  joined_at: Date | null;
  audio: boolean;
  video: boolean;
  screen: boolean;
  hand: boolean;
  published: boolean;
  tracks: { mid: string; source: TrackSource }[];
  name: string;
  role: string;
}

/** States in which a participant still counts as being in the call or waiting for it. */
export const ACTIVE_STATES: ParticipantState[] = ['lobby', 'admitted', 'joined'];

/** A fresh room key: 32 random bytes, never derived from the call id. */
export const newRoomKey = () => randomBytes(32).toString('base64url');

const CALL_COLUMNS = sql`c.id, c.chat_id, c.title, c.status, c.room_key, c.scheduled_for, c.started_at, c.ended_at, c.started_by,
  c.created_by, c.message_id, c.empty_since,
  (SELECT count(DISTINCT p.user_id)::int FROM call_participants p WHERE p.call_id = c.id AND p.joined_at IS NOT NULL) AS participant_count`;

const PARTICIPANT_COLUMNS = sql`p.id, p.call_id, p.user_id, p.link_id, p.state, p.node, p.conn_id, p.disconnected_at, p.lobby_since, p.joined_at,
  p.audio, p.video, p.screen, p.hand, p.published, p.tracks, u.name, u.role`;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toSummary(c: CallRow): CallSummary {
  return {
    id: c.id,
    chatId: c.chat_id,
    title: c.title,
    status: c.status,
    scheduledFor: iso(c.scheduled_for),
    startedAt: iso(c.started_at),
    endedAt: iso(c.ended_at),
    startedBy: c.started_by,
    participantCount: c.participant_count,
  };
}

export function toParticipant(p: ParticipantRow): CallParticipant {
  return {
    id: p.id,
    userId: p.user_id,
    name: p.name,
    guest: p.role === 'guest',
    joinedAt: (p.joined_at ?? p.lobby_since ?? new Date()).toISOString(),
    audio: p.audio,
    video: p.video,
    screen: p.screen,
    hand: p.hand,
    published: p.published,
    tracks: p.tracks,
  };
}

export const toLobbyGuest = (p: ParticipantRow): LobbyGuest => ({ id: p.id, name: p.name, since: (p.lobby_since ?? new Date()).toISOString() });

export async function findCall(q: Queryable, id: string, lock = false): Promise<CallRow | null> {
  const rows = await q.query(sql`SELECT ${CALL_COLUMNS} FROM calls c WHERE c.id = ${id} ${lock ? sql`FOR UPDATE` : sql``}`);
  return (rows[0] as CallRow) ?? null;
}

export async function liveCallOfChat(q: Queryable, chatId: string): Promise<CallRow | null> {
  const rows = await q.query(sql`SELECT ${CALL_COLUMNS} FROM calls c WHERE c.chat_id = ${chatId} AND c.status = 'live'`);
  return (rows[0] as CallRow) ?? null;
}

/** A chat's calls: the live one and the scheduled ones first, then the latest ended ones. */
export async function callsOfChat(q: Queryable, chatId: string, limit: number): Promise<CallRow[]> {
  const rows = await q.query(sql`
    SELECT ${CALL_COLUMNS} FROM calls c WHERE c.chat_id = ${chatId}
    ORDER BY (c.status = 'live') DESC, (c.status = 'scheduled') DESC, COALESCE(c.started_at, c.scheduled_for, c.created_at) DESC
    LIMIT ${limit}`);
  return rows as CallRow[];
}

/** Serialise the starts of one chat's calls (two members pressing "call" at once make one call). */
export async function lockChatCalls(q: Queryable, chatId: string): Promise<void> {
  await q.query(sql`SELECT pg_advisory_xact_lock(hashtext(${'calls:' + chatId}))`);
}

export async function insertCall(
  q: Queryable,
  c: { id: string; chatId: string; title: string; status: CallStatus; scheduledFor: Date | null; createdBy: string },
): Promise<void> {
  const live = c.status === 'live';
  await q.query(sql`
    INSERT INTO calls (id, chat_id, title, status, room_key, scheduled_for, started_at, started_by, created_by, empty_since)
    VALUES (${c.id}, ${c.chatId}, ${c.title}, ${c.status}, ${newRoomKey()}, ${c.scheduledFor}, ${live ? new Date() : null},
      ${live ? c.createdBy : null}, ${c.createdBy}, ${live ? new Date() : null})`);
}

export async function setCardMessage(q: Queryable, callId: string, messageId: string): Promise<void> {
  await q.query(sql`UPDATE calls SET message_id = ${messageId} WHERE id = ${callId}`);
}

/** A scheduled call goes live with its first member. */
export async function markLive(q: Queryable, callId: string, by: string): Promise<void> {
  await q.query(sql`UPDATE calls SET status = 'live', started_at = now(), started_by = ${by}, empty_since = NULL WHERE id = ${callId}`);
}

export async function markEnded(q: Queryable, callId: string): Promise<void> {
  await q.query(sql`UPDATE calls SET status = 'ended', ended_at = now(), empty_since = NULL WHERE id = ${callId} AND status <> 'ended'`);
}

export async function setEmptySince(q: Queryable, callId: string, empty: boolean): Promise<void> {
  await q.query(sql`UPDATE calls SET empty_since = ${empty ? sql`COALESCE(empty_since, now())` : sql`NULL`} WHERE id = ${callId}`);
}

export async function findParticipant(q: Queryable, id: string, lock = false): Promise<ParticipantRow | null> {
  const rows = await q.query(sql`
    SELECT ${PARTICIPANT_COLUMNS} FROM call_participants p JOIN users u ON u.id = p.user_id WHERE p.id = ${id}
    ${lock ? sql`FOR UPDATE OF p` : sql``}`);
  return (rows[0] as ParticipantRow) ?? null;
}

/** Participants of a call in the given states, in order of arrival. */
export async function participantsOf(q: Queryable, callId: string, states: ParticipantState[]): Promise<ParticipantRow[]> {
  const rows = await q.query(sql`
    SELECT ${PARTICIPANT_COLUMNS} FROM call_participants p JOIN users u ON u.id = p.user_id
    WHERE p.call_id = ${callId} AND p.state = ANY(${states}::text[])
    ORDER BY COALESCE(p.joined_at, p.lobby_since), p.id`);
  return rows as ParticipantRow[];
}

/** The actor's participants in a call that are still there (a user on two devices has two). */
export async function activeOfUser(q: Queryable, callId: string, userId: string): Promise<ParticipantRow[]> {
  const rows = await q.query(sql`
    SELECT ${PARTICIPANT_COLUMNS} FROM call_participants p JOIN users u ON u.id = p.user_id
    WHERE p.call_id = ${callId} AND p.user_id = ${userId} AND p.state = ANY(${ACTIVE_STATES}::text[])
    ORDER BY p.lobby_since NULLS LAST, p.joined_at`);
  return rows as ParticipantRow[];
}

export async function insertParticipant(
  q: Queryable,
  p: { id: string; callId: string; userId: string; linkId: string | null; state: 'lobby' | 'joined'; node: string; connId: string; audio: boolean; video: boolean },
): Promise<void> {
  const joined = p.state === 'joined';
  await q.query(sql`
    INSERT INTO call_participants (id, call_id, user_id, link_id, state, node, conn_id, lobby_since, joined_at, audio, video)
    VALUES (${p.id}, ${p.callId}, ${p.userId}, ${p.linkId}, ${p.state}, ${p.node}, ${p.connId},
      ${joined ? null : new Date()}, ${joined ? new Date() : null}, ${p.audio}, ${p.video})`);
}

/** An admitted guest's row becomes a participant in the call, held by this node and socket. */
export async function joinAdmitted(q: Queryable, id: string, node: string, connId: string, audio: boolean, video: boolean): Promise<void> {
  await q.query(sql`
    UPDATE call_participants SET state = 'joined', joined_at = now(), node = ${node}, conn_id = ${connId}, seen_at = now(),
      disconnected_at = NULL, audio = ${audio}, video = ${video}
    WHERE id = ${id}`);
}

export async function setState(q: Queryable, id: string, state: ParticipantState): Promise<void> {
  const gone = state === 'left' || state === 'dropped' || state === 'removed' || state === 'refused';
  await q.query(sql`UPDATE call_participants SET state = ${state}, left_at = ${gone ? sql`now()` : sql`left_at`} WHERE id = ${id}`);
}

export async function updateFlags(
  q: Queryable,
  id: string,
  f: { audio?: boolean; video?: boolean; screen?: boolean; hand?: boolean; published?: boolean; tracks?: { mid: string; source: TrackSource }[] },
): Promise<void> {
  await q.query(sql`
    UPDATE call_participants SET
      audio = COALESCE(${f.audio ?? null}::boolean, audio),
      video = COALESCE(${f.video ?? null}::boolean, video),
      screen = COALESCE(${f.screen ?? null}::boolean, screen),
      hand = COALESCE(${f.hand ?? null}::boolean, hand),
      published = COALESCE(${f.published ?? null}::boolean, published),
      tracks = COALESCE(${f.tracks ? JSON.stringify(f.tracks) : null}::jsonb, tracks)
    WHERE id = ${id}`);
}

export async function markDisconnected(q: Queryable, ids: string[]): Promise<void> {
  if (!ids.length) return;
  await q.query(sql`UPDATE call_participants SET disconnected_at = now() WHERE id = ANY(${ids}::uuid[]) AND state = ANY(${ACTIVE_STATES}::text[])`);
}

/** The node still holds these participants' media: keep them from being swept. */
export async function heartbeat(q: Queryable, node: string, ids: string[]): Promise<void> {
  if (!ids.length) return;
  await q.query(sql`UPDATE call_participants SET seen_at = now() WHERE node = ${node} AND id = ANY(${ids}::uuid[])`);
}

/**
 * Participants whose node stopped vouching for them (it died, or lost the database) for `ms`; the
 * database's clock decides, so nodes with skewed clocks agree.
 */
export async function staleParticipants(q: Queryable, ms: number): Promise<{ id: string; call_id: string; state: ParticipantState }[]> {
  return (await q.query(sql`
    SELECT id, call_id, state FROM call_participants
    WHERE state = ANY(${ACTIVE_STATES}::text[]) AND seen_at < now() - make_interval(secs => ${ms / 1000})
    ORDER BY call_id`)) as never;
}

/** Live calls nobody has been in for `ms` (by the database's clock). */
export async function abandonedCalls(q: Queryable, ms: number): Promise<string[]> {
  const rows = await q.query(sql`
    SELECT id FROM calls WHERE status = 'live' AND empty_since < now() - make_interval(secs => ${ms / 1000}) ORDER BY empty_since LIMIT 100`);
  return rows.map((r) => r.id as string);
}

/** Whether a live call is still abandoned (checked again under its lock before it is ended). */
export async function stillAbandoned(q: Queryable, callId: string, ms: number): Promise<boolean> {
  const rows = await q.query(sql`
    SELECT 1 FROM calls c WHERE c.id = ${callId} AND c.status = 'live' AND c.empty_since < now() - make_interval(secs => ${ms / 1000})
      AND NOT EXISTS (SELECT 1 FROM call_participants p WHERE p.call_id = c.id AND p.state = 'joined')`);
  return rows.length > 0;
}

// Guest links and sessions.

export interface CallLinkRow {
  id: string;
  call_id: string;
  name: string | null;
  email: string | null;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

export const toLinkInfo = (l: CallLinkRow): CallLinkInfo => ({
  id: l.id,
  name: l.name,
  email: l.email,
  createdAt: l.created_at.toISOString(),
  expiresAt: l.expires_at.toISOString(),
  revokedAt: iso(l.revoked_at),
});

export async function insertLink(
  q: Queryable,
  l: { id: string; callId: string; tokenHash: string; name: string | null; email: string | null; createdBy: string; expiresAt: Date },
): Promise<CallLinkRow> {
  const [row] = await q.query(sql`
    INSERT INTO call_links (id, call_id, token_hash, name, email, created_by, expires_at)
    VALUES (${l.id}, ${l.callId}, ${l.tokenHash}, ${l.name}, ${l.email}, ${l.createdBy}, ${l.expiresAt})
    RETURNING id, call_id, name, email, created_at, expires_at, revoked_at`);
  return row as CallLinkRow;
}

export async function linksOfCall(q: Queryable, callId: string): Promise<CallLinkRow[]> {
  return (await q.query(sql`
    SELECT id, call_id, name, email, created_at, expires_at, revoked_at FROM call_links WHERE call_id = ${callId}
    ORDER BY created_at, id`)) as CallLinkRow[];
}

export async function linkById(q: Queryable, id: string): Promise<CallLinkRow | null> {
  const rows = await q.query(sql`SELECT id, call_id, name, email, created_at, expires_at, revoked_at FROM call_links WHERE id = ${id}`);
  return (rows[0] as CallLinkRow) ?? null;
}

export async function linkByToken(q: Queryable, hash: string): Promise<CallLinkRow | null> {
  const rows = await q.query(sql`SELECT id, call_id, name, email, created_at, expires_at, revoked_at FROM call_links WHERE token_hash = ${hash}`);
  return (rows[0] as CallLinkRow) ?? null;
}

/** Revoke a link: its sessions go (their ids returned, so their sockets can be closed). */
export async function revokeLink(q: Queryable, linkId: string): Promise<string[]> {
  await q.query(sql`UPDATE call_links SET revoked_at = COALESCE(revoked_at, now()) WHERE id = ${linkId}`);
  const rows = await q.query(sql`DELETE FROM call_guest_sessions WHERE link_id = ${linkId} RETURNING id`);
  return rows.map((r) => r.id as string);
}

export interface CallGuestSessionRow {
  session_id: string;
  link_id: string;
  call_id: string;
  guest_id: string;
  name: string;
  expires_at: Date;
}

/** The live session behind a call guest's cookie (none once the session, its link or the call is over). */
export async function guestSession(q: Queryable, sessionHash: string): Promise<CallGuestSessionRow | null> {
  const rows = await q.query(sql`
    SELECT s.id AS session_id, s.link_id, l.call_id, s.guest_id, u.name, LEAST(s.expires_at, l.expires_at) AS expires_at
    FROM call_guest_sessions s JOIN call_links l ON l.id = s.link_id JOIN users u ON u.id = s.guest_id
    WHERE s.id = ${sessionHash} AND s.expires_at > now() AND l.revoked_at IS NULL AND l.expires_at > now() AND u.active`);
  return (rows[0] as CallGuestSessionRow) ?? null;
}

export async function insertGuestSession(q: Queryable, s: { id: string; linkId: string; guestId: string; expiresAt: Date }): Promise<void> {
  await q.query(sql`INSERT INTO call_guest_sessions (id, link_id, guest_id, expires_at) VALUES (${s.id}, ${s.linkId}, ${s.guestId}, ${s.expiresAt})`);
}
