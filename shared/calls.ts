import { z } from 'zod';

/**
 * Video calls: the protocol between the browser and the hub. Signalling goes browser -> hub (which checks
 * who may do what) -> sfu/ -> the media engine; media flows browser <-> media server directly.
 *
 * A call belongs to a chat: any member starts it (or joins the live one), its text chat is the chat's own
 * stream, and the chat shows a card for it ("call started" … "call ended, 23 min, 4 participants").
 * Each participant has two peer connections: one publishing their microphone, camera and screen, one
 * receiving everyone else's tracks (the engine's offer, renegotiated as people come and go).
 *
 * Streams: `call:<id>` carries the call's state changes to its participants and to the chat's members;
 * `lobby:<participantId>` tells one waiting guest that they were admitted or refused; `door:<id>` carries
 * who waits in the call's lobby, to the chat's members only (guests, admitted or not, never see the others
 * who wait).
 */

export const callStream = (callId: string) => `call:${callId}`;
export const lobbyStream = (participantId: string) => `lobby:${participantId}`;
export const doorStream = (callId: string) => `door:${callId}`;

/** Largest SDP the hub takes (a simulcast offer with screen share is ~10 KB). */
export const MAX_SDP_CHARS = 48_000;
/** Most people in one call (the SFU forwards N×(N−1) streams). */
export const MAX_CALL_PARTICIPANTS = 25;

export type CallStatus = 'scheduled' | 'live' | 'ended';

/** A call as lists and chat cards show it. */
export interface CallSummary {
  id: string;
  chatId: string;
  title: string;
  status: CallStatus;
  /** For a scheduled call: when it is planned (ISO 8601). */
  scheduledFor: string | null;
  startedAt: string | null;
  endedAt: string | null;
  startedBy: string | null;
  /** Distinct people who joined (guests included). */
  participantCount: number;
}

export type TrackSource = 'mic' | 'camera' | 'screen' | 'screen_audio';

/** A person in the call (one per device that joined: the same user twice is two participants). */
export interface CallParticipant {
  /** The participant's id (also their peer id in the media engine). */
  id: string;
  /** A colleague's user id; a guest's guest id. */
  userId: string;
  name: string;
  guest: boolean;
  joinedAt: string;
  audio: boolean;
  video: boolean;
  screen: boolean;
  hand: boolean;
  /** True once their offer was answered: their tracks can be subscribed to. */
  published: boolean;
  /** Their published m-lines by mid, with what each carries. */
  tracks: { mid: string; source: TrackSource }[];
}

/** A guest waiting to be let in (shown to the call's participants who may admit). */
export interface LobbyGuest {
  id: string;
  name: string;
  since: string;
}

/** Whether video works on this server, and if not, why (the UI translates by `code`). */
export interface VideoAvailability {
  available: boolean;
  code?: 'not_installed' | 'disabled' | 'crashed' | 'unreachable' | 'restarting';
  reason?: string;
}

/** The whole state of a live call, as `call_join` returns it and the `call:<id>` stream updates it. */
export interface CallState {
  call: CallSummary;
  participants: CallParticipant[];
  /** Only for colleagues in the call; a guest sees []. */
  lobby: LobbyGuest[];
  video: VideoAvailability;
}

/** ICE servers for the browser's RTCPeerConnection (STUN/TURN from configuration; empty on a LAN). */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** Events of the `call:<id>` stream (persisted, ordered by seq like every stream); `call_lobby` is on `door:<id>`. */
export type CallEvent =
  | { type: 'call_joined'; payload: { participant: CallParticipant } }
  | { type: 'call_updated'; payload: { participant: CallParticipant } }
  | { type: 'call_left'; payload: { participantId: string; reason: 'left' | 'dropped' | 'removed' } }
  | { type: 'call_lobby'; payload: { lobby: LobbyGuest[] } }
  | { type: 'call_ended'; payload: { call: CallSummary } };

/** Events of a waiting guest's `lobby:<participantId>` stream. */
export type LobbyEvent =
  | { type: 'lobby_admitted'; payload: { callId: string } }
  | { type: 'lobby_refused'; payload: { callId: string } }
  | { type: 'lobby_ended'; payload: { callId: string } };

const uuid = z.string().uuid();
const sdp = z.string().min(10).max(MAX_SDP_CHARS);
const track = z.object({ mid: z.string().min(1).max(32), source: z.enum(['mic', 'camera', 'screen', 'screen_audio']) }).strict();
const candidate = z
  .object({
    candidate: z.string().max(1_000),
    sdpMid: z.string().max(32).nullable().optional(),
    sdpMLineIndex: z.number().int().min(0).max(64).nullable().optional(),
  })
  .strict();

/** Realtime requests of calls (added to the protocol's ClientMessageSchema). */
export const callRequests = (requestId: z.ZodString) =>
  [
    /** Start the chat's call, or get the live one (idempotent per chat: one live call at a time). */
    z.object({ type: z.literal('call_start'), id: requestId, chatId: uuid }).strict(),
    /**
     * Join a live call (colleagues: chat members; guests: through their link, into the lobby first).
     * A scheduled call starts when its first member joins.
     */
    z
      .object({
        type: z.literal('call_join'), id: requestId, callId: uuid, audio: z.boolean(), video: z.boolean(),
        /**
         * The participant id this client had before a reconnect: that participant is replaced by the new
         * one (its media released) instead of lingering as a second device. Optional.
         */
        rejoin: uuid.optional(),
      })
      .strict(),
    /** The publisher leg's offer (first publish, a screen added or removed, or an ICE restart). */
    z.object({ type: z.literal('call_publish'), id: requestId, callId: uuid, sdp, tracks: z.array(track).min(1).max(4) }).strict(),
    /** Receive exactly these participants' tracks; the reply carries the engine's offer. */
    z.object({ type: z.literal('call_subscribe'), id: requestId, callId: uuid, participantIds: z.array(uuid).max(MAX_CALL_PARTICIPANTS) }).strict(),
    /** The browser's answer to the last subscription offer. */
    z.object({ type: z.literal('call_answer'), id: requestId, callId: uuid, sdp }).strict(),
    /** A local ICE candidate for one leg (null: gathering complete). */
    z.object({ type: z.literal('call_ice'), id: requestId, callId: uuid, leg: z.enum(['publisher', 'subscriber']), candidate: candidate.nullable() }).strict(),
    /** Which simulcast layer of these participants' cameras to receive (large tiles high, thumbnails low). */
    z.object({ type: z.literal('call_quality'), id: requestId, callId: uuid, participantIds: z.array(uuid).min(1).max(MAX_CALL_PARTICIPANTS), quality: z.enum(['high', 'low']) }).strict(),
    /** Restart ICE on the receiving leg after a network change; the reply is a fresh offer. */
    z.object({ type: z.literal('call_restart'), id: requestId, callId: uuid }).strict(),
    /** Microphone, camera, screen and raised hand, as others see them. */
    z
      .object({
        type: z.literal('call_update'), id: requestId, callId: uuid,
        audio: z.boolean().optional(), video: z.boolean().optional(), screen: z.boolean().optional(), hand: z.boolean().optional(),
      })
      .strict(),
    z.object({ type: z.literal('call_leave'), id: requestId, callId: uuid }).strict(),
    /** Let a waiting guest in, or turn them away (colleagues in the call). */
    z.object({ type: z.literal('call_admit'), id: requestId, callId: uuid, guestId: uuid, admit: z.boolean() }).strict(),
  ] as const;

/** Reply payloads of the call requests. */
export interface CallReplies {
  call_start: { call: CallSummary };
  call_join:
    | { status: 'joined'; participantId: string; state: CallState; iceServers: IceServer[] }
    | { status: 'lobby'; participantId: string };
  call_publish: { sdp: string };
  call_subscribe: { sdp: string | null; tracks: { mid: string; participantId: string; kind: 'audio' | 'video'; source: TrackSource }[] };
  call_answer: Record<string, never>;
  call_ice: Record<string, never>;
  call_quality: Record<string, never>;
  call_restart: { sdp: string; tracks: { mid: string; participantId: string; kind: 'audio' | 'video'; source: TrackSource }[] };
  call_update: Record<string, never>;
  call_leave: Record<string, never>;
  call_admit: Record<string, never>;
}

/** POST /api/chats/:id/calls: schedule a call (an invitation card in the chat that becomes the join button). */
export const ScheduleCallBody = z
  .object({
    title: z.string().trim().min(1).max(200),
    /** ISO 8601 with an offset; must be in the future. */
    at: z.string().datetime({ offset: true }),
  })
  .strict();

/** POST /api/calls/:id/links: a guest link to a call (256-bit token stored hashed, expiring, revocable). */
export const CreateCallLinkBody = z
  .object({
    /** Who the link is for (shown in the lobby until they give their own name). */
    name: z.string().trim().min(1).max(100).optional(),
    /** Mail the link there (through the relay, else the outbox). */
    email: z.string().trim().toLowerCase().max(254).email().optional(),
    /** Days until it expires (default CALL_LINK_DAYS). */
    days: z.number().int().min(1).max(90).optional(),
  })
  .strict();

/** A call's guest link as its creators see it (the token only once, at creation). */
export interface CallLinkInfo {
  id: string;
  name: string | null;
  email: string | null;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  /** Only in the answer to its creation. */
  url?: string;
}

/**
 * POST /api/call-guest/session: open a call link (the token from its URL, `PUBLIC_URL/c/<token>`) with the
 * guest's display name. The answer's cookie (`artel_call_guest`) opens `/api/call-guest/*` and the socket
 * (`/ws?guest=call` prefers it over a thread guest's cookie the browser may also hold).
 */
export const OpenCallLinkBody = z
  .object({
    token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'Not a link token'),
    name: z.string().trim().min(1).max(100),
  })
  .strict();

/** GET /api/call-guest/me: who a call guest is and the call their link opens. */
export interface CallGuestMe {
  /** The guest's own id (their user id; also their `userId` among the participants). */
  id: string;
  name: string;
  callId: string;
  expiresAt: string;
  workspace: string;
  call: CallSummary;
  video: VideoAvailability;
}

/**
 * Pushes of a call that are not stored (no seq): voice activity of a participant, and a participant's
 * published media coming up at the media server (`call_live`: the moment others can receive it, so they
 * subscribe then instead of asking again and again), sent on the `call:<id>` stream's channel to everyone
 * following it; and what the media engine says about the receiving socket's own media (`media_lost`:
 * restart ICE; `gone`: join again).
 */
export type CallPush =
  | { type: 'call_talking'; callId: string; participantId: string; talking: boolean }
  | { type: 'call_live'; callId: string; participantId: string }
  | {
      type: 'call_media';
      callId: string;
      participantId: string;
      event: { type: 'connected' | 'media_lost' | 'gone'; leg?: 'publisher' | 'subscriber'; reason?: string };
    };
