import { z } from 'zod';
import type { ErrorBody } from './errors';
import type { Me, PresenceStatus, StreamEvent } from './types';
import { messengerRequests, type MessengerReplies, type ReadPush, type TypingPush } from './messenger';
import { commandRequest, type CommandReply } from './cards';
import { callRequests, type CallPush, type CallReplies } from './calls';

/** The realtime protocol version; a client sends it in its first frame (hello). */
export const PROTOCOL_VERSION = 1;

/**
 * Largest frame the hub accepts, in bytes; a larger one closes the socket with 4413. Past
 * TRANSPORT_MAX_FRAME_BYTES the transport drops the connection before the frame is even read (1006).
 */
export const MAX_FRAME_BYTES = 64 * 1024;

/** Frames past this size are never buffered: the connection is cut (no close code can be read). */
export const TRANSPORT_MAX_FRAME_BYTES = 4 * MAX_FRAME_BYTES;

/** Most catch-up events one subscribe or fetch returns before the answer says "reload". */
export const RESUME_CAP = 500;

/** WebSocket close codes; the 44xx family mirrors HTTP statuses. */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  badFrame: 4400,
  unauthenticated: 4401,
  forbidden: 4403,
  timeout: 4408,
  tooLarge: 4413,
  rateLimited: 4429,
  serverError: 4500,
} as const;
/** One of the close codes above. */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

const requestId = z.string().min(1).max(64);
const streamId = z.string().min(1).max(200).regex(/^[a-z]+(:[A-Za-z0-9_-]+)*$/);
const seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Schemas of every frame a client may send; each is a request with an id. */
export const ClientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), id: requestId, v: z.number().int() }).strict(),
  z.object({ type: z.literal('ping'), id: requestId }).strict(),
  z
    .object({
      type: z.literal('subscribe'),
      id: requestId,
      streams: z
        .array(z.object({ stream: streamId, after: seq.optional() }).strict())
        .min(1)
        .max(100),
    })
    .strict(),
  z.object({ type: z.literal('unsubscribe'), id: requestId, streams: z.array(streamId).min(1).max(100) }).strict(),
  z
    .object({
      type: z.literal('fetch'),
      id: requestId,
      stream: streamId,
      after: seq,
      limit: z.number().int().min(1).max(RESUME_CAP).optional(),
    })
    .strict(),
  z.object({ type: z.literal('presence_query'), id: requestId, userIds: z.array(z.string().uuid()).max(1000) }).strict(),
  // This socket's page is idle (no input for a while, or hidden) or active again; sent only on change.
  z.object({ type: z.literal('presence_set'), id: requestId, idle: z.boolean() }).strict(),
  ...messengerRequests(requestId),
  commandRequest(requestId),
  ...callRequests(requestId),
]);

/** A frame sent by a client. */
export type ClientMessage = z.infer<typeof ClientMessageSchema>;
/** The type names of client frames. */
export type ClientMessageType = ClientMessage['type'];

/** What the hub answers to a subscribe, per stream. */
export interface SubscribeResult {
  stream: string;
  /** The stream's latest seq at the time of the answer. */
  head: number;
  /** True when more than RESUME_CAP events were missed: refetch the stream's page instead. */
  reload: boolean;
}

/** Successful reply payloads, by request type. */
export interface ReplyPayloads extends MessengerReplies, CallReplies {
  hello: { v: number; user: Me; serverTime: string; node: string };
  ping: { serverTime: string };
  subscribe: { streams: SubscribeResult[] };
  unsubscribe: Record<string, never>;
  fetch: { events: StreamEvent[]; head: number; more: boolean };
  presence_query: { presence: Record<string, PresenceStatus> };
  presence_set: Record<string, never>;
  command_run: CommandReply;
}

/** A successful reply to request `re`. */
export type OkReply<T extends ClientMessageType = ClientMessageType> = { re: string; ok: true } & ReplyPayloads[T];
/** A failed reply to request `re`. */
export interface ErrorReply {
  re: string | null;
  ok: false;
  error: ErrorBody;
}

/** Frames the hub pushes without a request. */
export type PushMessage =
  | ({ type: 'event' } & StreamEvent)
  /** Changes of people's status, coalesced: one frame carries every change of a short window (a connect storm
   *  of N people costs each socket a few frames, not N). */
  | { type: 'presence'; statuses: Record<string, PresenceStatus> }
  | TypingPush
  | ReadPush
  | CallPush
  | { type: 'stream_revoked'; stream: string };

/** A frame sent by the hub. */
export type ServerMessage = OkReply | ErrorReply | PushMessage;

/** Parse a raw text frame into a client message or a typed error. */
export function decodeClientMessage(
  text: string,
): { ok: true; message: ClientMessage } | { ok: false; error: ErrorBody; re: string | null } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, re: null, error: { code: 'bad_frame', message: 'Frame is not valid JSON' } };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, re: null, error: { code: 'bad_frame', message: 'Frame must be a JSON object' } };
  }
  const obj = raw as Record<string, unknown>;
  const re = typeof obj.id === 'string' && obj.id.length <= 64 ? obj.id : null;
  const known = ClientMessageSchema.options.some((o) => o.shape.type.value === obj.type);
  if (!known) {
    // Never stringify what the peer sent as type: an object can make String() throw.
    const shown = typeof obj.type === 'string' ? obj.type.slice(0, 40) : typeof obj.type;
    return { ok: false, re, error: { code: 'unknown_type', message: `Unknown message type: ${shown}` } };
  }
  const parsed = ClientMessageSchema.safeParse(raw);
  if (!parsed.success) {
    const fields: Record<string, string> = {};
    for (const issue of parsed.error.issues) fields[issue.path.join('.') || '_'] = issue.message;
    return { ok: false, re, error: { code: 'bad_frame', message: 'Frame does not match its schema', fields } };
  }
  const bad = unstorableText(parsed.data);
  if (bad) return { ok: false, re, error: { code: 'bad_frame', message: 'Frame does not match its schema', fields: { [bad.path]: bad.message } } };
  return { ok: true, message: parsed.data };
}

/** A surrogate half without its other half. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The first string in `value` that storage cannot take, as `{path, message}` (path dot-joined, `_` for the
 * value itself), or null: U+0000 (PostgreSQL text cannot hold it) and lone surrogates (JSON escapes them
 * and PostgreSQL's jsonb, which stores every event, refuses them). Such input is refused as bad input up
 * front instead of failing inside a write. Walks validated data iteratively: no depth limit to hit.
 */
export function unstorableText(value: unknown): { path: string; message: string } | null {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return { path: path || '_', message: 'Text must not contain the NUL character (U+0000)' };
      if (LONE_SURROGATE.test(v)) return { path: path || '_', message: 'Text must be valid Unicode (a lone surrogate)' };
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) stack.push([x, path ? `${path}.${k}` : k]);
    }
  }
  return null;
}
