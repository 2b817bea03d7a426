import { AppError } from '../../shared/errors';
import { CloseCode, PROTOCOL_VERSION, RESUME_CAP, type ClientMessage, type OkReply, type ReplyPayloads, type SubscribeResult } from '../../shared/protocol';
import type { PresenceStatus } from '../../shared/types';
import type { Services } from '../services';
import { eventsAfter, streamChannel, streamHead, streamHeads } from '../domains/streams';
import { streamAccess } from '../domains/streams/access';
import { messengerHandlers } from './handlers/messenger';
import { commandHandlers } from './handlers/commands';
import { callHandlers } from './handlers/calls';
import { presenceHandlers } from './handlers/presence';
import { canListPeople } from '../domains/people/policy';
import { toMe } from '../domains/people/repo';
import { closeWith, sendFrame, type Socket } from './connection';
import type { Topics } from './topics';
import { PRESENCE_TOPIC, type Presence } from './presence';

/** What request handlers need from the hub. */
export interface HubContext {
  svc: Services;
  topics: Topics;
  presence: Presence;
}

/** Handles one validated request of type T and returns its reply payload; AppErrors become error replies. */
export type Handler<T extends ClientMessage['type']> = (
  hub: HubContext,
  ws: Socket,
  msg: Extract<ClientMessage, { type: T }>,
) => Promise<ReplyPayloads[T]>;

async function checkStream(hub: HubContext, ws: Socket, stream: string): Promise<void> {
  const verdict = await streamAccess(hub.svc.db, ws.getUserData().actor, stream);
  if (verdict === 'forbidden') throw new AppError('forbidden', `You may not follow ${stream}`);
  if (verdict) throw new AppError('not_found', `No such stream: ${stream}`);
}

const handlers: { [T in ClientMessage['type']]: Handler<T> } = {
  hello: async (hub, ws, msg) => {
    const c = ws.getUserData();
    if (msg.v !== PROTOCOL_VERSION) {
      throw new AppError('protocol_version', `This server speaks protocol version ${PROTOCOL_VERSION}, not ${msg.v}: reload the page`);
    }
    if (c.helloDone) throw new AppError('bad_request', 'hello was already sent');
    c.helloDone = true;
    if (c.helloTimer) clearTimeout(c.helloTimer);
    if (canListPeople(c.actor) === null) ws.subscribe(PRESENCE_TOPIC);
    // Guests are nobody's colleagues: they never show up as online.
    if (c.actor.role !== 'guest') hub.presence.connected(c.user.id, c.id);
    return { v: PROTOCOL_VERSION, user: toMe(c.user), serverTime: new Date().toISOString(), node: hub.svc.config.nodeId };
  },

  ping: async () => ({ serverTime: new Date().toISOString() }),

  subscribe: async (hub, ws, msg) => {
    for (const s of msg.streams) await checkStream(hub, ws, s.stream);
    const c = ws.getUserData();
    // Join first: whatever commits after the read below arrives through the topic; clients drop duplicates by seq.
    for (const { stream } of msg.streams) {
      const channel = streamChannel(stream);
      if (c.closed) return { streams: [] };
      if (!c.channels.has(channel)) {
        c.channels.add(channel);
        await hub.topics.join(ws as Socket, channel);
      }
    }
    const heads = await streamHeads(hub.svc.db, msg.streams.map((s) => s.stream));
    const results: SubscribeResult[] = [];
    for (const { stream, after } of msg.streams) {
      if (c.closed) break;
      const head = heads.get(stream) ?? 0;
      let reload = false;
      if (after !== undefined && after < head) {
        if (head - after > RESUME_CAP) reload = true;
        else for (const e of await eventsAfter(hub.svc.db, stream, after, RESUME_CAP)) sendFrame(ws, { type: 'event', ...e });
      }
      results.push({ stream, head, reload });
    }
    return { streams: results };
  },

  unsubscribe: async (hub, ws, msg) => {
    const c = ws.getUserData();
    if (c.closed) return {};
    for (const stream of msg.streams) {
      const channel = streamChannel(stream);
      if (c.channels.delete(channel)) hub.topics.leave(ws as Socket, channel);
    }
    return {};
  },

  fetch: async (hub, ws, msg) => {
    await checkStream(hub, ws, msg.stream);
    const limit = msg.limit ?? RESUME_CAP;
    const events = await eventsAfter(hub.svc.db, msg.stream, msg.after, limit + 1);
    const head = await streamHead(hub.svc.db, msg.stream);
    return { events: events.slice(0, limit), head, more: events.length > limit };
  },

  presence_query: async (hub, ws, msg) => {
    if (canListPeople(ws.getUserData().actor) !== null) throw new AppError('forbidden', 'You may not see presence');
    const presence: Record<string, PresenceStatus> = {};
    for (const id of msg.userIds) presence[id] = hub.presence.status(id);
    return { presence };
  },

  ...messengerHandlers,
  ...commandHandlers,
  ...callHandlers,
  ...presenceHandlers,
};

/**
 * What a guest's socket may ask: follow their one post or call (streamAccess holds them to it) and keep
 * the connection alive. Everything else — sending to chats, presence, typing — is refused whatever is forged.
 */
const GUEST_REQUESTS: ReadonlySet<ClientMessage['type']> = new Set(['hello', 'ping', 'subscribe', 'unsubscribe', 'fetch']);
/**
 * A call guest also joins their call and signals their own media (the calls domain holds them to their
 * call, and to the lobby until admitted). Starting calls and admitting others stay the colleagues'.
 */
const CALL_GUEST_REQUESTS: ReadonlySet<ClientMessage['type']> = new Set([
  ...GUEST_REQUESTS, 'call_join', 'call_publish', 'call_subscribe', 'call_answer', 'call_ice', 'call_restart', 'call_quality', 'call_update', 'call_leave',
]);

/** Run one validated request and send its reply; expected failures become error replies. */
export async function dispatch(hub: HubContext, ws: Socket, msg: ClientMessage): Promise<void> {
  const c = ws.getUserData();
  if (!c.helloDone && msg.type !== 'hello') {
    sendFrame(ws, { re: msg.id, ok: false, error: { code: 'bad_request', message: 'Send hello first' } });
    closeWith(ws, CloseCode.badFrame, 'hello expected');
    return;
  }
  try {
    const allowed = c.actor.grant && 'callId' in c.actor.grant ? CALL_GUEST_REQUESTS : GUEST_REQUESTS;
    if (c.actor.role === 'guest' && !allowed.has(msg.type)) {
      throw new AppError('forbidden', `A guest link does not allow ${msg.type}`);
    }
    const handler = handlers[msg.type] as Handler<typeof msg.type>;
    const payload = await handler(hub, ws, msg as never);
    sendFrame(ws, { re: msg.id, ok: true, ...payload } as OkReply);
  } catch (err) {
    if (err instanceof AppError) {
      sendFrame(ws, { re: msg.id, ok: false, error: err.toBody() });
      if (err.code === 'protocol_version') closeWith(ws, CloseCode.badFrame, 'protocol version');
      return;
    }
    hub.svc.log.error('request failed', { conn: c.id, type: msg.type, err });
    sendFrame(ws, { re: msg.id, ok: false, error: { code: 'internal', message: 'Internal error' } });
  }
}
