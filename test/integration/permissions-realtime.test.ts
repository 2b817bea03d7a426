/**
 * The realtime permission matrix: every request type of the protocol, and `subscribe` / `fetch` of every
 * stream kind, tried by every role against one workspace's objects, on a real hub. The tables below are
 * checked against the code first — ClientMessageSchema's types, and the stream kinds that streamAccess
 * decides — so a new request type or stream kind without a row fails here, naming it.
 *
 * The roles: the workspace's owner (who also owns the private chat), an admin who is NOT in that chat (a
 * workspace rank must open no private chat), an employee in the chat (the author of its messages), a
 * colleague outside it, a feed-post guest and a call guest (each holding a link); a document guest, a
 * guest whose link was revoked and an anonymous caller get no /ws socket at all. The /yjs endpoint (a
 * separate protocol) has its own rows: who opens a page, and whether for editing or only reading.
 *
 * A refusal must be typed (forbidden / not_found) and change nothing: no message stored, edited, deleted,
 * reacted to or pinned, no typing or read push seen by the chat, and no later event of a refused stream
 * delivered. Allowed requests answer ok — except the calls', which pass the permission check and then
 * meet a hub without video (VIDEO=off: "unavailable"), or a call not joined yet ("conflict").
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { ErrorCode } from '../../shared/errors';
import { ClientMessageSchema, type ClientMessageType } from '../../shared/protocol';
import { FEED_ALL_STREAM } from '../../shared/feed';
import { CRM_BOARD_STREAM } from '../../shared/crm';
import { DIRECTORY_STREAM } from '../../shared/types';
import { startTestHub, type TestHub } from '../helpers/hub';
import { ApiClient, RealtimeClient, UpgradeRefused } from '../helpers/client';
import { team, type Team } from '../helpers/team';
import { openDoc, until, upgradeStatus, type DocClient } from '../helpers/yjs';

/** Roles that hold a /ws socket. */
const ROLES = ['owner', 'admin', 'employee', 'outsider', 'guest', 'callGuest'] as const;
type Role = (typeof ROLES)[number];
/** What a request answers: ok, or the error code. */
type Outcome = 'ok' | ErrorCode;
type Row = Record<Role, Outcome>;

/** Codes that mean "you may not": a refusal must carry one of these. */
const DENIALS: readonly ErrorCode[] = ['forbidden', 'not_found', 'unauthenticated'];
/** Codes an allowed request may still meet after the permission check (no video on a test hub; a call not joined). */
const AFTER_CHECK: readonly ErrorCode[] = ['unavailable', 'conflict'];

/** A row, in ROLES' order: owner, admin, employee, outsider, guest, callGuest. */
const row = (...outcomes: [Outcome, Outcome, Outcome, Outcome, Outcome, Outcome]): Row =>
  Object.fromEntries(ROLES.map((r, i) => [r, outcomes[i]])) as Row;
/** Members of the chat (its owner and the employee) may; everyone else is forbidden. */
const MEMBERS = row('ok', 'forbidden', 'ok', 'forbidden', 'forbidden', 'forbidden');
const EVERYONE = row('ok', 'ok', 'ok', 'ok', 'ok', 'ok');
const COLLEAGUES = row('ok', 'ok', 'ok', 'ok', 'forbidden', 'forbidden');
/** The workspace's owner and admins only. */
const STAFF = row('ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden');

/** The workspace's objects the frames point at. */
interface Fixture {
  hub: TestHub;
  t: Team<'admin' | 'ben' | 'cid'>;
  /** Each role's user id. */
  ids: Record<Role, string>;
  chatId: string;
  /** Ben's message in the chat, and Ben's reply in its thread. */
  root: { id: string; seq: number };
  reply: { id: string; seq: number };
  callId: string;
  /** The call guest's seat in the lobby (their `lobby:` stream). */
  seat: string;
  postId: string;
  taskId: string;
  leadId: string;
  groupId: string;
  spaceId: string;
  pageId: string;
  /** Ben's department's feed stream key. */
  deptKey: string;
}

/** A frame without its id (RealtimeClient adds one). */
type Frame = Record<string, unknown> & { type: ClientMessageType };

interface Case {
  /** A valid frame against the fixture; may first make a fresh object to act on (a message to delete…). */
  frame(f: Fixture, as: Role): Frame | Promise<Frame>;
  expect: Row;
  /** After a refusal: whatever the frame would have changed is as it was. */
  unchanged?(f: Fixture, frame: Frame, as: Role): Promise<void>;
}

const SDP = 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n';

/** Ben's fresh message, for the cases that change or destroy one. */
async function freshMessage(f: Fixture, body: string): Promise<string> {
  const r = await f.t.ben.post(`/api/chats/${f.chatId}/messages`, { clientId: randomUUID(), body });
  expect(r.status).toBe(201);
  return r.body.message.id;
}

/** The chat's recent messages as its owner reads them. */
async function history(f: Fixture): Promise<any[]> {
  const r = await f.t.owner.get(`/api/chats/${f.chatId}/messages?limit=200`);
  expect(r.status).toBe(200);
  return r.body.messages;
}

async function messageById(f: Fixture, id: string): Promise<any> {
  const m = (await history(f)).find((x) => x.id === id);
  expect(m, `message ${id} in the chat`).toBeTruthy();
  return m;
}

/** Nothing with this client id was stored in the chat. */
const nothingStored = async (f: Fixture, frame: Frame) => {
  expect((await history(f)).filter((m) => m.clientId === frame.clientId)).toEqual([]);
};

/** Every realtime request type; `subscribe` and `fetch` are tried once per stream kind, in STREAMS. */
const EXPECT: Record<ClientMessageType, Case | 'per stream'> = {
  hello: { frame: () => ({ type: 'hello', v: 1 }), expect: EVERYONE },
  ping: { frame: () => ({ type: 'ping' }), expect: EVERYONE },
  subscribe: 'per stream',
  fetch: 'per stream',
  // Leaving a stream one does not follow is a harmless no-op for anyone.
  unsubscribe: { frame: (f) => ({ type: 'unsubscribe', streams: [`chat:${f.chatId}`] }), expect: EVERYONE },
  presence_query: { frame: (f) => ({ type: 'presence_query', userIds: [f.ids.employee] }), expect: COLLEAGUES },
  presence_set: { frame: () => ({ type: 'presence_set', idle: true }), expect: COLLEAGUES },
  message_send: {
    frame: (f, as) => ({ type: 'message_send', chatId: f.chatId, clientId: randomUUID(), body: `sent by ${as}` }),
    expect: MEMBERS,
    unchanged: nothingStored,
  },
  message_edit: {
    frame: async (f, as) => ({ type: 'message_edit', messageId: await freshMessage(f, 'to edit'), body: `edited by ${as}` }),
    // Only the author edits, whatever their rank.
    expect: row('forbidden', 'forbidden', 'ok', 'forbidden', 'forbidden', 'forbidden'),
    unchanged: async (f, frame) => {
      const m = await messageById(f, frame.messageId as string);
      expect([m.body, m.editedAt]).toEqual(['to edit', null]);
    },
  },
  message_delete: {
    frame: async (f) => ({ type: 'message_delete', messageId: await freshMessage(f, 'to delete') }),
    // The author, and the chat's owner (moderation); the workspace admin outside the chat may not.
    expect: MEMBERS,
    unchanged: async (f, frame) => {
      const m = await messageById(f, frame.messageId as string);
      expect([m.body, m.deletedAt]).toEqual(['to delete', null]);
    },
  },
  reaction_toggle: {
    frame: async (f) => ({ type: 'reaction_toggle', messageId: await freshMessage(f, 'to react to'), emoji: '👍' }),
    expect: MEMBERS,
    unchanged: async (f, frame) => expect((await messageById(f, frame.messageId as string)).reactions).toEqual([]),
  },
  message_pin: {
    frame: async (f) => ({ type: 'message_pin', messageId: await freshMessage(f, 'to pin'), pinned: true }),
    expect: MEMBERS,
    unchanged: async (f, frame) => expect((await messageById(f, frame.messageId as string)).pinnedAt).toBeNull(),
  },
  mark_read: { frame: (f) => ({ type: 'mark_read', chatId: f.chatId, seq: f.root.seq }), expect: MEMBERS },
  thread_read: { frame: (f) => ({ type: 'thread_read', rootId: f.root.id, seq: f.reply.seq }), expect: MEMBERS },
  typing: { frame: (f) => ({ type: 'typing', chatId: f.chatId }), expect: MEMBERS },
  command_run: {
    frame: (f, as) => ({ type: 'command_run', chatId: f.chatId, clientId: randomUUID(), text: `/task Checked by ${as}` }),
    expect: MEMBERS,
    unchanged: nothingStored,
  },
  // Calls: members pass the check and meet the hub without video; the call guest knocks (their one call).
  call_start: { frame: (f) => ({ type: 'call_start', chatId: f.chatId }), expect: row('unavailable', 'forbidden', 'unavailable', 'forbidden', 'forbidden', 'forbidden') },
  call_join: {
    frame: (f) => ({ type: 'call_join', callId: f.callId, audio: true, video: true }),
    expect: row('unavailable', 'forbidden', 'unavailable', 'forbidden', 'forbidden', 'ok'),
  },
  call_publish: {
    frame: (f) => ({ type: 'call_publish', callId: f.callId, sdp: SDP, tracks: [{ mid: '0', source: 'mic' }] }),
    expect: row('conflict', 'forbidden', 'conflict', 'forbidden', 'forbidden', 'conflict'),
  },
  call_subscribe: {
    frame: (f) => ({ type: 'call_subscribe', callId: f.callId, participantIds: [] }),
    expect: row('conflict', 'forbidden', 'conflict', 'forbidden', 'forbidden', 'conflict'),
  },
  call_answer: {
    frame: (f) => ({ type: 'call_answer', callId: f.callId, sdp: SDP }),
    expect: row('conflict', 'forbidden', 'conflict', 'forbidden', 'forbidden', 'conflict'),
  },
  call_ice: {
    frame: (f) => ({ type: 'call_ice', callId: f.callId, leg: 'publisher', candidate: null }),
    expect: row('conflict', 'forbidden', 'conflict', 'forbidden', 'forbidden', 'conflict'),
  },
  call_quality: {
    frame: (f) => ({ type: 'call_quality', callId: f.callId, participantIds: [f.seat], quality: 'low' }),
    expect: row('conflict', 'forbidden', 'conflict', 'forbidden', 'forbidden', 'conflict'),
  },
  call_restart: {
    frame: (f) => ({ type: 'call_restart', callId: f.callId }),
    expect: row('conflict', 'forbidden', 'conflict', 'forbidden', 'forbidden', 'conflict'),
  },
  call_update: {
    frame: (f) => ({ type: 'call_update', callId: f.callId, hand: true }),
    expect: row('conflict', 'forbidden', 'conflict', 'forbidden', 'forbidden', 'conflict'),
  },
  call_leave: {
    frame: (f) => ({ type: 'call_leave', callId: f.callId }),
    // Leaving a call one is not in is a no-op for whoever may be in it.
    expect: row('ok', 'forbidden', 'ok', 'forbidden', 'forbidden', 'ok'),
  },
  // Admitting is for colleagues in the call: without video nobody is, so every role is refused here.
  call_admit: {
    frame: (f) => ({ type: 'call_admit', callId: f.callId, guestId: f.ids.callGuest, admit: true }),
    expect: row('forbidden', 'forbidden', 'forbidden', 'forbidden', 'forbidden', 'forbidden'),
  },
};

/** One stream of each kind streamAccess knows, and who may follow it (subscribe and fetch alike). */
interface StreamCase {
  stream(f: Fixture): string;
  expect: Row;
}

/** Stream kinds, as the test reads them from streamAccess (the fixed ones by their constant's value). */
const STREAMS: Record<string, StreamCase> = {
  chat: { stream: (f) => `chat:${f.chatId}`, expect: MEMBERS },
  // A person's own streams: theirs alone.
  user: { stream: (f) => `user:${f.ids.employee}`, expect: row('forbidden', 'forbidden', 'ok', 'forbidden', 'forbidden', 'forbidden') },
  'feed:user': { stream: (f) => `feed:user:${f.ids.employee}`, expect: row('forbidden', 'forbidden', 'ok', 'forbidden', 'forbidden', 'forbidden') },
  // The owner's post for the employee and the guest's address.
  post: { stream: (f) => `post:${f.postId}`, expect: row('ok', 'forbidden', 'ok', 'forbidden', 'ok', 'forbidden') },
  task: { stream: (f) => `task:${f.taskId}`, expect: row('ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden') },
  // A guest in the lobby follows their seat, not the call, until admitted; who waits is for members only.
  call: { stream: (f) => `call:${f.callId}`, expect: MEMBERS },
  lobby: { stream: (f) => `lobby:${f.seat}`, expect: row('forbidden', 'forbidden', 'forbidden', 'forbidden', 'forbidden', 'ok') },
  door: { stream: (f) => `door:${f.callId}`, expect: MEMBERS },
  // The closed group's space (owner and employee are its members): "not found" to outsiders.
  docspace: { stream: (f) => `docspace:${f.spaceId}`, expect: row('ok', 'not_found', 'ok', 'not_found', 'forbidden', 'forbidden') },
  doccomments: { stream: (f) => `doccomments:${f.pageId}`, expect: row('ok', 'not_found', 'ok', 'not_found', 'forbidden', 'forbidden') },
  'feed:group': { stream: (f) => `feed:group:${f.groupId}`, expect: row('ok', 'not_found', 'ok', 'not_found', 'forbidden', 'forbidden') },
  'feed:dept': { stream: (f) => `feed:dept:${f.deptKey}`, expect: row('forbidden', 'forbidden', 'ok', 'forbidden', 'forbidden', 'forbidden') },
  [FEED_ALL_STREAM]: { stream: () => FEED_ALL_STREAM, expect: COLLEAGUES },
  // The CRM's default visibility: employees see the records they are responsible for (or shared with
  // them), the owner and admins every record and the board.
  crm: { stream: (f) => `crm:lead:${f.leadId}`, expect: STAFF },
  [CRM_BOARD_STREAM]: { stream: () => CRM_BOARD_STREAM, expect: STAFF },
  [DIRECTORY_STREAM]: { stream: () => DIRECTORY_STREAM, expect: COLLEAGUES },
};

/**
 * The stream kinds streamAccess (and the pure policy it falls back to) decide, read from their source:
 * each `^kind:` pattern, and each `stream === CONSTANT` comparison by the constant's value.
 */
function streamKindsInCode(): string[] {
  const dir = path.join(__dirname, '../../server/domains/streams');
  const source = ['access.ts', 'policy.ts'].map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
  const constants: Record<string, string> = { FEED_ALL_STREAM, CRM_BOARD_STREAM, DIRECTORY_STREAM };
  const kinds = new Set<string>();
  for (const m of source.matchAll(/\^([a-z]+(?::[a-z]+)*):\(/g)) kinds.add(m[1]);
  for (const m of source.matchAll(/stream === ([A-Z_]+)/g)) kinds.add(constants[m[1]] ?? `unknown constant ${m[1]}`);
  return [...kinds].sort();
}

const tokenIn = (re: RegExp, text: string) => re.exec(text)?.[1] ?? '';

/** A comment anchor (Yjs relative positions, base64) at `i` of some text: the page's content is not needed here. */
function anchorAt(i: number): { start: string; end: string } {
  const text = new Y.Doc().getText('body');
  text.insert(0, 'anchor');
  const enc = (n: number) => Buffer.from(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(text, n))).toString('base64');
  return { start: enc(i), end: enc(i + 1) };
}

describe('realtime permission matrix', () => {
  let f: Fixture;
  let guest: ApiClient;
  let callGuest: ApiClient;
  let docGuest: ApiClient;
  /** Guests whose links are revoked during the test, with their links. */
  let gone: { post: ApiClient; postLink: string; call: ApiClient; callLink: string; doc: ApiClient; docLink: string };
  const sockets: RealtimeClient[] = [];
  const docs: DocClient[] = [];
  /** Sockets refused a stream, kept open to prove that none of its later events reach them. */
  const refused: { rt: RealtimeClient; stream: string; who: string }[] = [];
  /** The call guest's link (revoked at the end, to empty their seat at the door). */
  let callGuestLink: string;
  /** The employee's socket following the chat from the start: what the chat's members were shown. */
  let watcher: RealtimeClient;
  /** A socket of a role allowed each stream, following it: the witness that the later events were sent. */
  const witnesses = new Map<string, RealtimeClient>();

  const clientOf = (as: Role): ApiClient =>
    ({ owner: f.t.owner, admin: f.t.admin, employee: f.t.ben, outsider: f.t.cid, guest, callGuest })[as];

  /** A fresh socket of `as`, said hello (each case gets its own: no rate limit or state carries over). */
  async function socket(as: Role): Promise<RealtimeClient> {
    const c = clientOf(as);
    const rt = await RealtimeClient.open(f.hub.url, c.cookie, f.hub.url, c.cookieName);
    sockets.push(rt);
    return rt;
  }

  beforeAll(async () => {
    const hub = await startTestHub();
    const t = await team(hub.url, ['admin', 'ben', 'cid'] as const);
    expect((await t.ben.patch('/api/me', { department: 'Sales' })).status).toBe(200);
    const deptStream = (await t.ben.get('/api/feed/streams')).body.streams.find((s: string) => s.startsWith('feed:dept:'));

    const chatId = (await t.owner.post('/api/chats', { kind: 'group', title: 'Private', memberIds: [t.ids.ben] })).body.chat.id;
    const root = (await t.ben.post(`/api/chats/${chatId}/messages`, { clientId: randomUUID(), body: 'root' })).body.message;
    const reply = (await t.ben.post(`/api/chats/${chatId}/messages`, { clientId: randomUUID(), body: 'reply', threadRootId: root.id })).body.message;
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const callId = (await t.owner.post(`/api/chats/${chatId}/calls`, { title: 'Weekly', at })).body.call.id;

    // A post for Ben and two outside addresses: one guest stays, the other's link is revoked later.
    const post = await t.owner.post('/api/feed/posts', {
      clientId: randomUUID(),
      body: 'Terms',
      audience: { userIds: [t.ids.ben], emails: ['guest@partner.example', 'gone@partner.example'] },
    });
    expect(post.status).toBe(201);
    const postId = post.body.post.id;
    const postGuest = async (email: string) => {
      const mail = (await hub.outbox()).find((m) => m.to === email);
      const c = new ApiClient(hub.url, hub.url, 'artel_guest');
      const opened = await c.post('/api/guest/session', { token: tokenIn(/\/g\/([A-Za-z0-9_-]{43})/, mail?.text ?? '') });
      expect(opened.status).toBe(201);
      return { c, id: opened.body.me.id as string };
    };
    const pg = await postGuest('guest@partner.example');
    guest = pg.c;
    const goneGuest = (await postGuest('gone@partner.example')).c;
    const postLinks = (await t.owner.get(`/api/feed/posts/${postId}/guests`)).body.guests;

    const callGuestOf = async () => {
      const link = (await t.owner.post(`/api/calls/${callId}/links`, {})).body.link;
      const c = new ApiClient(hub.url, hub.url, 'artel_call_guest');
      const opened = await c.post('/api/call-guest/session', { token: tokenIn(/\/c\/([A-Za-z0-9_-]{43})$/, link.url), name: 'Carla' });
      expect(opened.status).toBe(201);
      return { c, link: link.id as string, id: opened.body.me.id as string };
    };
    const cg = await callGuestOf();
    callGuest = cg.c;
    const goneCall = await callGuestOf();

    // A closed workgroup (owner and Ben), its space and a page; a guest link to read that page.
    const groupId = (await t.owner.post('/api/groups', { name: 'Board', visibility: 'closed', memberIds: [t.ids.ben] })).body.group.id;
    const spaceId = (await t.owner.post('/api/docs/spaces', { name: 'Board docs', groupId })).body.space.id;
    const pageId = (await t.owner.post(`/api/docs/spaces/${spaceId}/pages`, { title: 'Plans' })).body.page.id;
    const docGuestOf = async () => {
      const link = (await t.owner.post(`/api/docs/pages/${pageId}/guest-links`, { access: 'read' })).body.link;
      const c = new ApiClient(hub.url, hub.url, 'artel_doc_guest');
      expect((await c.post('/api/doc-guest/session', { token: tokenIn(/\/d\/([A-Za-z0-9_-]{43})$/, link.url), name: 'Rita' })).status).toBe(201);
      return { c, link: link.id as string };
    };
    const dg = await docGuestOf();
    docGuest = dg.c;
    const goneDoc = await docGuestOf();

    const task = await t.owner.post('/api/tasks', { clientId: randomUUID(), title: 'Review', responsibleId: t.ids.ben });
    expect(task.status).toBe(201);
    const lead = await t.owner.post('/api/crm/leads', { title: 'Matrix lead', firstName: 'Lee' });
    expect(lead.status, JSON.stringify(lead.body)).toBe(201);

    const ids = { ...(t.ids as Record<string, string>) };
    f = {
      hub,
      t,
      ids: {
        owner: ids.owner,
        admin: ids.admin,
        employee: ids.ben,
        outsider: ids.cid,
        guest: pg.id,
        callGuest: cg.id,
      },
      chatId,
      root: { id: root.id, seq: root.seq },
      reply: { id: reply.id, seq: reply.seq },
      callId,
      seat: '',
      postId,
      taskId: task.body.task.id,
      leadId: lead.body.record.id,
      groupId,
      spaceId,
      pageId,
      deptKey: deptStream.slice('feed:dept:'.length),
    };
    gone = {
      post: goneGuest,
      postLink: postLinks.find((l: any) => l.email === 'gone@partner.example').id,
      call: goneCall.c,
      callLink: goneCall.link,
      doc: goneDoc.c,
      docLink: goneDoc.link,
    };
    watcher = await socket('employee');
    expect((await watcher.request({ type: 'subscribe', streams: [{ stream: `chat:${chatId}` }] })).ok).toBe(true);
    // The call guest knocks: their seat in the lobby is a stream of its own (kept open through the test).
    callGuestLink = cg.link;
    const knock = await (await socket('callGuest')).request({ type: 'call_join', callId, audio: false, video: false });
    expect(knock).toMatchObject({ ok: true, status: 'lobby' });
    f.seat = knock.participantId;
  }, 120_000);

  afterAll(async () => {
    for (const rt of sockets) rt.close();
    for (const d of docs) d.destroy();
    await f?.hub.stop();
  });

  it('has a row for every request type and every stream kind in the code', () => {
    const types = ClientMessageSchema.options.map((o) => o.shape.type.value as string).sort();
    expect(Object.keys(EXPECT).sort()).toEqual(types);
    expect(Object.keys(STREAMS).sort()).toEqual(streamKindsInCode());
    // Each stream's sample is a real one: somebody may follow it.
    for (const [kind, s] of Object.entries(STREAMS)) expect([kind, ROLES.some((r) => s.expect[r] === 'ok')]).toEqual([kind, true]);
    // A row's outcomes are either allowed (ok, or a code met after the check) or typed denials.
    for (const c of [...Object.values(EXPECT), ...Object.values(STREAMS)]) {
      if (c === 'per stream') continue;
      for (const r of ROLES) expect([...DENIALS, ...AFTER_CHECK, 'ok']).toContain(c.expect[r]);
    }
  });

  for (const [type, c] of Object.entries(EXPECT) as [ClientMessageType, Case | 'per stream'][]) {
    if (c === 'per stream') continue;
    it(`${type}: per role`, async () => {
      const got: Record<string, string> = {};
      for (const as of ROLES) {
        const rt = type === 'hello' ? await RealtimeClient.connect(f.hub.url, clientOf(as).cookie, f.hub.url, clientOf(as).cookieName) : await socket(as);
        if (type === 'hello') sockets.push(rt);
        const frame = await c.frame(f, as);
        const r = await rt.request(frame);
        got[as] = r.ok ? 'ok' : r.error.code;
        if (!r.ok && DENIALS.includes(r.error.code)) await c.unchanged?.(f, frame, as);
      }
      expect(got).toEqual(c.expect);
    });
  }

  for (const [kind, s] of Object.entries(STREAMS)) {
    it(`subscribe and fetch ${kind}: per role`, async () => {
      const stream = s.stream(f);
      const got: Record<string, string> = {};
      for (const as of ROLES) {
        const rt = await socket(as);
        const sub = await rt.request({ type: 'subscribe', streams: [{ stream }] });
        const fetched = await rt.request({ type: 'fetch', stream, after: 0 });
        const codes = [sub, fetched].map((r) => (r.ok ? 'ok' : r.error.code));
        // Following and reading back are one permission.
        expect([as, codes[1]]).toEqual([as, codes[0]]);
        got[as] = codes[0];
        if (sub.ok) witnesses.set(stream, witnesses.get(stream) ?? rt);
        else refused.push({ rt, stream, who: as });
      }
      expect(got).toEqual(s.expect);
    });
  }

  it('the refused requests reached nobody: no typing, read or event from a refused role in the chat', async () => {
    // The owner's typing (allowed) was shown: the watcher would have seen the others'.
    expect(watcher.frames.some((x) => x.type === 'typing' && x.userId === f.ids.owner)).toBe(true);
    const refusedIds = ROLES.filter((r) => MEMBERS[r] !== 'ok').map((r) => f.ids[r]);
    const fromRefused = watcher.frames.filter(
      (x) => (x.type === 'typing' || x.type === 'read') && refusedIds.includes(x.userId),
    );
    expect(fromRefused).toEqual([]);
    // No stored event of the chat was caused by a refused role, and the members saw events of the allowed ones.
    const events = watcher.events(`chat:${f.chatId}`);
    expect(events.some((e) => e.event.actorId === f.ids.owner)).toBe(true);
    expect(events.filter((e) => refusedIds.includes(e.event.actorId))).toEqual([]);
    expect((await history(f)).filter((m) => refusedIds.includes(m.authorId))).toEqual([]);
  });

  it('a frame for one\'s own chat cannot reach into the private one (forward, thread, command source, files)', async () => {
    const { t } = f;
    const own = (await t.cid.post('/api/chats', { kind: 'group', title: 'Mine', memberIds: [] })).body.chat.id;
    // Ben's upload to the private chat, not attached yet.
    const upload = await t.ben.call('POST', `/api/chats/${f.chatId}/files`, Buffer.from('secret'), { 'x-file-name': 'secret.txt' });
    expect(upload.status, JSON.stringify(upload.body)).toBeLessThan(300);
    const rt = await socket('outsider');
    const attempts: Frame[] = [
      { type: 'message_send', chatId: own, clientId: randomUUID(), body: '', forwardOf: f.root.id },
      { type: 'message_send', chatId: own, clientId: randomUUID(), body: 'into their thread', threadRootId: f.root.id },
      { type: 'message_send', chatId: own, clientId: randomUUID(), body: 'their file', fileIds: [upload.body.file.id] },
      { type: 'command_run', chatId: own, clientId: randomUUID(), text: '/task From their message', sourceId: f.root.id },
      { type: 'command_run', chatId: own, clientId: randomUUID(), text: '/task In their thread', threadRootId: f.root.id },
    ];
    const got = [];
    for (const frame of attempts) got.push((await rt.request(frame)).error?.code ?? 'ok');
    expect(got).toEqual(['forbidden', 'not_found', 'bad_request', 'not_found', 'not_found']);
    expect((await t.cid.get(`/api/chats/${own}/messages`)).body.messages).toEqual([]);
    // The file is still Ben's, unattached, and unreadable to Cid.
    expect((await t.cid.get(upload.body.file.url)).status).toBe(403);
  });

  it('a refused stream delivers none of its later events', async () => {
    const { t } = f;
    // Something happens on most streams; the witnesses prove it was sent.
    await t.owner.post(`/api/chats/${f.chatId}/messages`, { clientId: randomUUID(), body: 'after the matrix' });
    await t.owner.post(`/api/feed/posts/${f.postId}/comments`, { clientId: randomUUID(), body: 'a comment' });
    await t.owner.post(`/api/tasks/${f.taskId}/comments`, { clientId: randomUUID(), body: 'a task comment' });
    await t.owner.post(`/api/docs/spaces/${f.spaceId}/pages`, { title: 'Another page' });
    const comment = await t.owner.post(`/api/docs/pages/${f.pageId}/comments`, { body: 'a page comment', anchor: anchorAt(0) });
    expect(comment.status, JSON.stringify(comment.body)).toBe(201);
    await t.owner.post('/api/feed/posts', { clientId: randomUUID(), body: 'To all', audience: { everyone: true } });
    await t.owner.post('/api/feed/posts', { clientId: randomUUID(), body: 'To Ben', audience: { userIds: [t.ids.ben] } });
    await t.owner.post('/api/feed/posts', { clientId: randomUUID(), body: 'To the group', audience: { groupIds: [f.groupId] } });
    await t.owner.post('/api/feed/posts', { clientId: randomUUID(), body: 'To sales', audience: { departments: ['Sales'] } });
    await t.owner.post(`/api/crm/leads/${f.leadId}/timeline`, { clientId: randomUUID(), type: 'comment', body: 'called them' });
    await t.cid.patch('/api/me', { name: 'Cid Renamed' });
    await t.owner.post('/api/chats', { kind: 'direct', userId: t.ids.ben });
    const arrived = await Promise.all(
      [...witnesses].map(([stream, w]) => w.waitFor(() => w.events(stream).length > 0, 3_000).then(() => stream, () => null)),
    );
    const delivered = arrived.filter((s): s is string => s !== null);
    // The triggers above reach these kinds at least (call, lobby and door move only with a live call).
    for (const kind of ['chat:', 'user:', 'post:', 'task:', 'docspace:', 'doccomments:', 'feed:all', 'feed:user:', 'feed:group:', 'feed:dept:', 'crm:lead:', 'directory']) {
      expect([kind, delivered.some((s) => s.startsWith(kind))]).toEqual([kind, true]);
    }
    for (const { rt, stream, who } of refused) expect([who, stream, rt.events(stream)]).toEqual([who, stream, []]);
  });

  it('no socket without a valid identity: anonymous, a document guest, revoked guests (open sockets closed 4403)', async () => {
    const { hub, t } = f;
    const refusal = (c: ApiClient | null) =>
      RealtimeClient.connect(hub.url, c?.cookie ?? null, hub.url, c?.cookieName).then(
        (rt) => (rt.close(), 101),
        (err) => (err instanceof UpgradeRefused ? err.status : 0),
      );
    expect(await refusal(null)).toBe(401);
    expect(await refusal(docGuest)).toBe(401);
    // Revoking ends the guest's open socket at once; afterwards their cookie opens none.
    const post = await RealtimeClient.open(hub.url, gone.post.cookie, hub.url, gone.post.cookieName);
    const call = await RealtimeClient.open(hub.url, gone.call.cookie, hub.url, gone.call.cookieName);
    sockets.push(post, call);
    expect((await t.owner.del(`/api/feed/posts/${f.postId}/guests/${gone.postLink}`)).status).toBe(200);
    expect((await t.owner.del(`/api/calls/${f.callId}/links/${gone.callLink}`)).status).toBe(200);
    expect((await post.closed).code).toBe(4403);
    expect((await call.closed).code).toBe(4403);
    expect(await refusal(gone.post)).toBe(401);
    expect(await refusal(gone.call)).toBe(401);
  });

  it('/yjs: who opens the closed group\'s page, and for editing or only reading', async () => {
    const { hub, t } = f;
    const status = (c: ApiClient | null) => upgradeStatus(hub.url, f.pageId, c?.cookie ?? null, hub.url, c?.cookieName);
    /** What `c` may do on the page: write (the owner sees their text) or only read (refused with a reason). */
    const access = async (c: ApiClient, mark: string): Promise<'edit' | 'read'> => {
      const d = openDoc(hub.url, f.pageId, c);
      docs.push(d);
      await d.synced;
      d.text.insert(0, mark);
      await until(() => d.denied.length > 0 || ownerDoc.text.toString().includes(mark), `${mark}: applied or refused`);
      return d.denied.length ? 'read' : 'edit';
    };
    const ownerDoc = openDoc(hub.url, f.pageId, t.owner);
    docs.push(ownerDoc);
    await ownerDoc.synced;
    const got = {
      owner: await access(t.owner, '[owner]'),
      admin: await status(t.admin),
      employee: await access(t.ben, '[employee]'),
      outsider: await status(t.cid),
      docGuest: await access(docGuest, '[guest]'),
      postGuest: await status(guest),
      callGuest: await status(callGuest),
      anonymous: await status(null),
    };
    expect(got).toEqual({
      owner: 'edit',
      admin: 404,
      employee: 'edit',
      outsider: 404,
      docGuest: 'read',
      postGuest: 403,
      callGuest: 403,
      anonymous: 401,
    });
    expect(ownerDoc.text.toString()).not.toContain('[guest]');
    // A revoked document guest: their open socket is closed, and the page no longer opens.
    const d = openDoc(hub.url, f.pageId, gone.doc);
    docs.push(d);
    await d.synced;
    expect((await t.owner.del(`/api/docs/pages/${f.pageId}/guest-links/${gone.docLink}`)).status).toBe(200);
    await until(() => d.closes.some((c) => c.code === 4403), 'the revoked guest\'s socket closed');
    d.destroy();
    expect(await status(gone.doc)).toBe(401);
  });

  // Last: it changes the outsider's memberships for a moment, and revokes the call guest's link.
  it('a removed member stops following everything that hangs on the membership (a chat\'s calls, a group\'s documents)', async () => {
    const { t } = f;
    expect((await t.owner.post(`/api/chats/${f.chatId}/members`, { userIds: [t.ids.cid] })).status).toBe(200);
    expect((await t.owner.post(`/api/groups/${f.groupId}/members`, { userIds: [t.ids.cid] })).status).toBe(200);
    // A post for the group: Cid sees it while a member.
    const groupPost = (await t.owner.post('/api/feed/posts', { clientId: randomUUID(), body: 'For the board', audience: { groupIds: [f.groupId] } })).body.post.id;
    const streams = [
      `chat:${f.chatId}`, `call:${f.callId}`, `door:${f.callId}`,
      `feed:group:${f.groupId}`, `post:${groupPost}`, `docspace:${f.spaceId}`, `doccomments:${f.pageId}`,
    ];
    const cid = await socket('outsider');
    const owner = await socket('owner');
    for (const rt of [cid, owner]) expect((await rt.request({ type: 'subscribe', streams: streams.map((stream) => ({ stream })) })).ok).toBe(true);
    expect((await t.owner.del(`/api/chats/${f.chatId}/members/${t.ids.cid}`)).status).toBe(200);
    expect((await t.owner.del(`/api/groups/${f.groupId}/members/${t.ids.cid}`)).status).toBe(200);
    await cid.waitFor(() => streams.every((s) => cid.frames.some((x) => x.type === 'stream_revoked' && x.stream === s)));
    const revokedAt = cid.frames.length;
    // What happens there afterwards reaches the members only: the door emptied (the call guest's link
    // revoked), a page comment.
    const doorBefore = owner.events(`door:${f.callId}`).length;
    expect((await t.owner.del(`/api/calls/${f.callId}/links/${callGuestLink}`)).status).toBe(200);
    expect((await t.owner.post(`/api/docs/pages/${f.pageId}/comments`, { body: 'after Cid left', anchor: anchorAt(1) })).status).toBe(201);
    expect((await t.owner.post(`/api/feed/posts/${groupPost}/comments`, { clientId: randomUUID(), body: 'after Cid left' })).status).toBe(201);
    await owner.waitFor(() => owner.events(`door:${f.callId}`).length > doorBefore);
    for (const stream of [`doccomments:${f.pageId}`, `post:${groupPost}`]) {
      await owner.waitFor(() => owner.events(stream).some((e) => JSON.stringify(e.event.payload).includes('after Cid left')));
    }
    const leaked = cid.frames.slice(revokedAt).filter((x) => x.type === 'event');
    expect(leaked.map((e) => [e.stream, e.event.type])).toEqual([]);
  });
});
