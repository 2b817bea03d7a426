/**
 * Calls on a hub whose video is off (VIDEO=off, the default of test hubs): what works without a media
 * server (scheduling, the invitation card, guest links, the lobby, revocation), what is refused with a
 * clear "unavailable", and every door a non-member, a thread guest, a call guest or an anonymous caller
 * might try. Media itself is tested against a real Janus in calls-janus.test.ts.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { ApiClient, RealtimeClient, UpgradeRefused } from '../helpers/client';
import { team, type Team } from '../helpers/team';
import { CALL_ROUTES } from '../../server/http/callRoutes';

const tokenIn = (url: string) => /\/c\/([A-Za-z0-9_-]{43})$/.exec(url)?.[1] ?? null;

describe('calls without video', () => {
  let hub: TestHub;
  let t: Team<'ann' | 'ben' | 'cid'>;
  let chatId: string;
  let callId: string;
  let linkId: string;
  let token: string;
  let guest: ApiClient;

  beforeAll(async () => {
    hub = await startTestHub();
    t = await team(hub.url, ['ann', 'ben', 'cid'] as const);
    // Cid is not in the chat.
    chatId = (await t.owner.post('/api/chats', { kind: 'group', title: 'Sales', memberIds: [t.ids.ann, t.ids.ben] })).body.chat.id;
  });
  afterAll(async () => {
    await hub.stop();
  });

  it('says why video is unavailable, over HTTP and to call_start / call_join / /call', async () => {
    const v = await t.ann.get('/api/calls/video');
    expect(v.body).toMatchObject({ available: false, code: 'disabled' });
    expect(v.body.reason).toMatch(/VIDEO=off/);
    expect((await new ApiClient(hub.url).get('/api/calls/video')).status).toBe(401);
    const rt = await RealtimeClient.open(hub.url, t.ann.cookie);
    const r = await rt.request({ type: 'call_start', chatId });
    expect(r.ok).toBe(false);
    expect(r.error.code).toBe('unavailable');
    expect(r.error.message).toMatch(/Video is unavailable.*VIDEO=off/);
    const cmd = await rt.request({ type: 'command_run', chatId, clientId: randomUUID(), text: '/call' });
    expect([cmd.ok, cmd.error?.code]).toEqual([false, 'unavailable']);
    const ru = await rt.request({ type: 'command_run', chatId, clientId: randomUUID(), text: '/звонок' });
    expect([ru.ok, ru.error?.code]).toEqual([false, 'unavailable']);
    // Nothing was posted into the chat.
    expect((await t.ann.get(`/api/chats/${chatId}/messages`)).body.messages).toHaveLength(0);
    rt.close();
  });

  it('schedules a call: an invitation card in the chat, for members only', async () => {
    const at = new Date(Date.now() + 3_600_000).toISOString();
    expect((await t.cid.post(`/api/chats/${chatId}/calls`, { title: 'Weekly', at })).status).toBe(403);
    expect((await new ApiClient(hub.url).post(`/api/chats/${chatId}/calls`, { title: 'Weekly', at })).status).toBe(401);
    expect((await t.ann.post(`/api/chats/${randomUUID()}/calls`, { title: 'Weekly', at })).status).toBe(404);
    const past = await t.ann.post(`/api/chats/${chatId}/calls`, { title: 'Weekly', at: new Date(Date.now() - 60_000).toISOString() });
    expect([past.status, past.body.error.fields]).toEqual([400, { at: 'past' }]);
    expect((await t.ann.post(`/api/chats/${chatId}/calls`, { title: '', at })).status).toBe(400);
    const r = await t.ann.post(`/api/chats/${chatId}/calls`, { title: 'Weekly', at });
    expect(r.status).toBe(201);
    callId = r.body.call.id;
    expect(r.body.call).toMatchObject({ chatId, title: 'Weekly', status: 'scheduled', scheduledFor: at, startedAt: null, participantCount: 0 });
    const messages = (await t.ben.get(`/api/chats/${chatId}/messages`)).body.messages;
    expect(messages).toHaveLength(1);
    expect(messages[0].card).toMatchObject({ kind: 'call', id: callId, title: 'Weekly', status: 'scheduled', due: at, closed: false, url: `/app/calls/${callId}` });
    expect(messages[0].card.call).toEqual({ startedAt: null, endedAt: null, participantCount: 0 });
    expect((await t.ben.get(`/api/calls/${callId}`)).body.call.id).toBe(callId);
    expect((await t.cid.get(`/api/calls/${callId}`)).status).toBe(403);
    expect((await t.ben.get(`/api/calls/${randomUUID()}`)).status).toBe(404);
    expect((await t.ben.get(`/api/chats/${chatId}/calls`)).body.calls.map((c: any) => c.id)).toEqual([callId]);
    expect((await t.cid.get(`/api/chats/${chatId}/calls`)).status).toBe(403);
  });

  it('/call with a time schedules the call (video or not); a retry answers the same card', async () => {
    const rt = await RealtimeClient.open(hub.url, t.ben.cookie);
    const clientId = randomUUID();
    const msg = { type: 'command_run', chatId, clientId, text: '/call Budget review tomorrow 10am', timeZone: 'Europe/Moscow' };
    const r = await rt.request(msg);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    expect(r.status).toBe('created');
    expect(r.card).toMatchObject({ kind: 'call', title: 'Budget review', status: 'scheduled', closed: false });
    expect(r.message.card.id).toBe(r.card.id);
    expect((await rt.request(msg)).message.id).toBe(r.message.id);
    const ru = await rt.request({ type: 'command_run', chatId, clientId: randomUUID(), text: '/звонок Планёрка завтра в 11:00', timeZone: 'Europe/Moscow' });
    expect(ru.card).toMatchObject({ kind: 'call', title: 'Планёрка', status: 'scheduled' });
    expect((await t.ben.get(`/api/calls/${ru.card.id}`)).body.call.scheduledFor).toBe(ru.card.due);
    const cid = await RealtimeClient.open(hub.url, t.cid.cookie);
    expect((await cid.request({ ...msg, clientId: randomUUID() })).error.code).toBe('forbidden');
    rt.close();
    cid.close();
  });

  it('call_join: forged ids are not found, non-members forbidden, members told video is unavailable', async () => {
    const cid = await RealtimeClient.open(hub.url, t.cid.cookie);
    const ben = await RealtimeClient.open(hub.url, t.ben.cookie);
    const forged = await ben.request({ type: 'call_join', callId: randomUUID(), audio: true, video: true });
    expect(forged.error.code).toBe('not_found');
    expect((await cid.request({ type: 'call_join', callId, audio: true, video: true })).error.code).toBe('forbidden');
    const j = await ben.request({ type: 'call_join', callId, audio: true, video: true });
    expect([j.error.code, j.error.message]).toEqual(['unavailable', expect.stringMatching(/Video is unavailable/)]);
    // Signalling without a join, and from a non-member.
    for (const c of [ben, cid]) {
      const p = await c.request({ type: 'call_publish', callId, sdp: 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n', tracks: [{ mid: '0', source: 'mic' }] });
      expect(p.error.code).toBe(c === ben ? 'conflict' : 'forbidden');
    }
    expect((await ben.request({ type: 'call_subscribe', callId: randomUUID(), participantIds: [] })).error.code).toBe('not_found');
    // Malformed signalling is refused before anything: bad SDP, an oversized one, a bad candidate.
    const bad = await ben.request({ type: 'call_publish', callId, sdp: 'hello world, not sdp', tracks: [{ mid: '0', source: 'mic' }] });
    expect([bad.error.code, bad.error.fields]).toEqual(['bad_request', { sdp: 'malformed' }]);
    const huge = await ben.request({ type: 'call_answer', callId, sdp: 'v=0\r\n' + 'a'.repeat(50_000) });
    expect(huge.error.code).toBe('bad_frame');
    const cand = await ben.request({ type: 'call_ice', callId, leg: 'publisher', candidate: { candidate: 'rm -rf /', sdpMid: '0' } });
    expect(cand.error.code).toBe('bad_request');
    const leg = await ben.request({ type: 'call_ice', callId, leg: 'sideways', candidate: null });
    expect(leg.error.code).toBe('bad_frame');
    expect((await cid.request({ type: 'call_admit', callId, guestId: randomUUID(), admit: true })).error.code).toBe('forbidden');
    expect((await ben.request({ type: 'call_admit', callId, guestId: randomUUID(), admit: true })).error.code).toBe('forbidden');
    // Streams: members follow the call's, others not; lobby seats are their owners'.
    expect((await ben.request({ type: 'subscribe', streams: [{ stream: `call:${callId}` }] })).ok).toBe(true);
    expect((await cid.request({ type: 'subscribe', streams: [{ stream: `call:${callId}` }] })).error.code).toBe('forbidden');
    expect((await cid.request({ type: 'subscribe', streams: [{ stream: `call:${randomUUID()}` }] })).error.code).toBe('not_found');
    expect((await cid.request({ type: 'subscribe', streams: [{ stream: `lobby:${randomUUID()}` }] })).error.code).toBe('not_found');
    // Who waits at the door: the chat's members only.
    expect((await ben.request({ type: 'subscribe', streams: [{ stream: `door:${callId}` }] })).ok).toBe(true);
    expect((await cid.request({ type: 'subscribe', streams: [{ stream: `door:${callId}` }] })).error.code).toBe('forbidden');
    expect((await cid.request({ type: 'subscribe', streams: [{ stream: `door:${randomUUID()}` }] })).error.code).toBe('not_found');
    ben.close();
    cid.close();
  });

  it('guest links: members create, list and mail them; the token is stored hashed', async () => {
    expect((await t.cid.post(`/api/calls/${callId}/links`, {})).status).toBe(403);
    expect((await new ApiClient(hub.url).post(`/api/calls/${callId}/links`, {})).status).toBe(401);
    expect((await t.ann.post(`/api/calls/${randomUUID()}/links`, {})).status).toBe(404);
    expect((await t.ann.post(`/api/calls/${callId}/links`, { email: 'not an address' })).status).toBe(400);
    const r = await t.ann.post(`/api/calls/${callId}/links`, { name: 'Carla', email: 'Carla@Partner.example' });
    expect(r.status).toBe(201);
    linkId = r.body.link.id;
    token = tokenIn(r.body.link.url)!;
    expect(token).toBeTruthy();
    expect(r.body.link).toMatchObject({ name: 'Carla', email: 'carla@partner.example', revokedAt: null });
    const days = (Date.parse(r.body.link.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThan(7.1);
    const mail = (await hub.outbox()).find((m) => m.to === 'carla@partner.example')!;
    expect(mail.subject).toContain('Weekly');
    expect(mail.text).toContain(r.body.link.url);
    const listed = (await t.ben.get(`/api/calls/${callId}/links`)).body.links;
    expect(listed.map((l: any) => [l.id, l.url])).toEqual([[linkId, undefined]]);
    expect((await t.cid.get(`/api/calls/${callId}/links`)).status).toBe(403);
    const c = new pg.Client({ connectionString: hub.db.url });
    await c.connect();
    const dump = await c.query(`SELECT (SELECT json_agg(l) FROM call_links l)::text AS l`);
    await c.end();
    expect(JSON.stringify(dump.rows)).not.toContain(token);
  });

  it('a guest opens the link, knocks, and waits in the lobby; they reach nothing else', async () => {
    guest = new ApiClient(hub.url, hub.url, 'artel_call_guest');
    expect((await guest.post('/api/call-guest/session', { token: 'x'.repeat(43), name: 'Carla' })).body.error.code).toBe('link_invalid');
    const opened = await guest.post('/api/call-guest/session', { token, name: 'Carla Client' });
    expect(opened.status).toBe(201);
    expect(opened.body.me).toMatchObject({ name: 'Carla Client', callId, workspace: 'Acme', call: { id: callId, status: 'scheduled' }, video: { available: false } });
    expect((await guest.get('/api/call-guest/me')).body.me.name).toBe('Carla Client');
    // A call guest's cookie opens neither colleague routes nor a thread guest's.
    expect((await guest.get(`/api/calls/${callId}`)).status).toBe(401);
    expect((await guest.get(`/api/chats/${chatId}/messages`)).status).toBe(401);
    const thread = new ApiClient(hub.url, hub.url, 'artel_guest');
    thread.cookie = guest.cookie;
    expect((await thread.get('/api/guest/thread')).status).toBe(401);

    const owner = await RealtimeClient.open(hub.url, t.ann.cookie);
    expect((await owner.request({ type: 'subscribe', streams: [{ stream: `call:${callId}` }, { stream: `door:${callId}` }] })).ok).toBe(true);
    const rt = await RealtimeClient.open(hub.url, guest.cookie, hub.url, 'artel_call_guest');
    // Not yet in: no call stream, no chat, nothing of a colleague's.
    for (const stream of [`call:${callId}`, `chat:${chatId}`, 'directory', `user:${opened.body.me.id}`, 'feed:all']) {
      expect([stream, (await rt.request({ type: 'subscribe', streams: [{ stream }] })).ok]).toEqual([stream, false]);
    }
    for (const msg of [
      { type: 'call_start', chatId },
      { type: 'call_admit', callId, guestId: randomUUID(), admit: true },
      { type: 'message_send', chatId, clientId: randomUUID(), body: 'hi' },
      { type: 'command_run', chatId, clientId: randomUUID(), text: '/call' },
      { type: 'presence_query', userIds: [t.ids.ann] },
    ]) {
      expect([msg.type, (await rt.request(msg)).error?.code]).toEqual([msg.type, 'forbidden']);
    }
    // Another call than theirs does not exist for them.
    expect((await rt.request({ type: 'call_join', callId: randomUUID(), audio: true, video: true })).error.code).toBe('not_found');
    const knock = await rt.request({ type: 'call_join', callId, audio: true, video: true });
    expect(knock).toMatchObject({ ok: true, status: 'lobby' });
    const seat = knock.participantId;
    expect((await rt.request({ type: 'subscribe', streams: [{ stream: `lobby:${seat}` }] })).ok).toBe(true);
    expect((await rt.request({ type: 'call_publish', callId, sdp: 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n', tracks: [{ mid: '0', source: 'mic' }] })).error.code).toBe('conflict');
    // The colleagues see them waiting; another person may not follow their seat.
    const lobby = await owner.waitFor(() => owner.events(`door:${callId}`).find((e) => e.event.type === 'call_lobby' && e.event.payload.lobby.length));
    expect(lobby.event.payload.lobby).toEqual([{ id: seat, name: 'Carla Client', since: expect.any(String) }]);
    expect((await owner.request({ type: 'subscribe', streams: [{ stream: `lobby:${seat}` }] })).error.code).toBe('forbidden');
    // Knocking again (a reload) keeps the same seat.
    const again = await rt.request({ type: 'call_join', callId, audio: true, video: true });
    expect(again.participantId).toBe(seat);
    owner.close();
    rt.close();
  });

  it('revoking the link closes the guest\'s socket at once and empties their seat; the link no longer opens', async () => {
    const owner = await RealtimeClient.open(hub.url, t.ben.cookie);
    expect((await owner.request({ type: 'subscribe', streams: [{ stream: `call:${callId}` }, { stream: `door:${callId}` }] })).ok).toBe(true);
    const rt = await RealtimeClient.open(hub.url, guest.cookie, hub.url, 'artel_call_guest');
    const knock = await rt.request({ type: 'call_join', callId, audio: false, video: false });
    expect(knock.status).toBe('lobby');
    expect((await t.cid.del(`/api/calls/${callId}/links/${linkId}`)).status).toBe(403);
    const r = await t.ann.del(`/api/calls/${callId}/links/${linkId}`);
    expect(r.status).toBe(200);
    expect(r.body.links[0].revokedAt).toBeTruthy();
    expect((await rt.closed).code).toBe(4403);
    await owner.waitFor(() => owner.events(`door:${callId}`).some((e) => e.event.type === 'call_lobby' && e.event.payload.lobby.length === 0));
    expect((await guest.get('/api/call-guest/me')).status).toBe(401);
    await expect(RealtimeClient.connect(hub.url, guest.cookie, hub.url, 'artel_call_guest')).rejects.toBeInstanceOf(UpgradeRefused);
    const reopen = await new ApiClient(hub.url, hub.url, 'artel_call_guest').post('/api/call-guest/session', { token, name: 'Carla' });
    expect(reopen.body.error.code).toBe('link_revoked');
    owner.close();
  });

  it('a scheduled call tells its chat when it is due', async () => {
    const at = new Date(Date.now() + 1_500).toISOString();
    const r = await t.ben.post(`/api/chats/${chatId}/calls`, { title: 'Quick sync', at });
    const card = r.body.message;
    expect(card.card).toMatchObject({ kind: 'call', status: 'scheduled' });
    // The hub's own scheduler runs the due job (it polls every second).
    let notes: string[] = [];
    for (let i = 0; i < 50 && !notes.length; i++) {
      await new Promise((res) => setTimeout(res, 200));
      const thread = (await t.ann.get(`/api/chats/${chatId}/messages?thread=${card.id}`)).body.messages;
      notes = thread.filter((m: any) => m.id !== card.id).map((m: any) => m.body);
    }
    expect(notes).toEqual(['The call is starting: Quick sync · Звонок начинается: Quick sync']);
  });

  it('permissions: every call route and request, per role', async () => {
    const link = (await t.owner.post(`/api/calls/${callId}/links`, {})).body.link;
    const guestClient = new ApiClient(hub.url, hub.url, 'artel_call_guest');
    expect((await guestClient.post('/api/call-guest/session', { token: tokenIn(link.url), name: 'Matrix' })).status).toBe(201);
    const asGuestCookie = Object.assign(new ApiClient(hub.url), { cookie: guestClient.cookie });
    const anonymous = new ApiClient(hub.url);
    const sample: Record<string, unknown> = {
      'POST /api/chats/:id/calls': { title: 'Matrix', at: new Date(Date.now() + 86_400_000).toISOString() },
      'POST /api/calls/:id/links': { name: 'Someone' },
      'POST /api/call-guest/session': { token: 'y'.repeat(43), name: 'X' },
      'PATCH /api/call-guest/me': { name: 'Matrix Guest' },
    };
    const pathOf = (path: string) => path.replace(':linkId', link.id).replace('/api/chats/:id', `/api/chats/${chatId}`).replace(':id', callId);
    // Expected status per route: [member, non-member, call guest, anonymous]; the guest's own routes last.
    const expected: Record<string, [number, number, number, number]> = {
      'GET /api/calls/video': [200, 200, 401, 401],
      'GET /api/calls/:id': [200, 403, 401, 401],
      'GET /api/chats/:id/calls': [200, 403, 401, 401],
      'POST /api/chats/:id/calls': [201, 403, 401, 401],
      'GET /api/calls/:id/links': [200, 403, 401, 401],
      'POST /api/calls/:id/links': [201, 403, 401, 401],
      'DELETE /api/calls/:id/links/:linkId': [403, 403, 401, 401],
      'POST /api/call-guest/session': [410, 410, 410, 410],
      'GET /api/call-guest/me': [401, 401, 200, 401],
      'PATCH /api/call-guest/me': [401, 401, 200, 401],
      'DELETE /api/call-guest/session': [401, 401, 200, 401],
    };
    expect(CALL_ROUTES.map((r) => `${r.method} ${r.path}`).sort()).toEqual(Object.keys(expected).sort());
    const guestAs = Object.assign(new ApiClient(hub.url, hub.url, 'artel_call_guest'), { cookie: guestClient.cookie });
    for (const r of CALL_ROUTES) {
      const key = `${r.method} ${r.path}`;
      // The revocation is tried by the non-member only (the member's would end the guest's link).
      const who = [key === 'DELETE /api/calls/:id/links/:linkId' ? t.cid : t.ben, t.cid, r.path.startsWith('/api/call-guest/') ? guestAs : asGuestCookie, anonymous];
      const got: number[] = [];
      for (const c of who) {
        // The guest's own session is ended last, so it is tried last.
        if (key === 'DELETE /api/call-guest/session' && c === guestAs) continue;
        got.push((await c.call(r.method, pathOf(r.path), r.body === 'json' ? sample[key] ?? {} : undefined)).status);
      }
      if (key === 'DELETE /api/call-guest/session') got.splice(2, 0, 200);
      const want = expected[key].map((code, i) => (key === 'DELETE /api/calls/:id/links/:linkId' && i === 0 ? 403 : code));
      // Opening a link is public and rate limited per address (this file opened several already).
      if (key === 'POST /api/call-guest/session') expect(got.every((g) => g === 410 || g === 429), String(got)).toBe(true);
      else expect([key, got]).toEqual([key, want]);
    }

    // Realtime: a non-member, a member outside the call, and a guest in the lobby, request by request.
    const cid = await RealtimeClient.open(hub.url, t.cid.cookie);
    const owner = await RealtimeClient.open(hub.url, t.owner.cookie);
    const waiting = await RealtimeClient.open(hub.url, guestClient.cookie, hub.url, 'artel_call_guest');
    const offer = 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n';
    const requests: [string, Record<string, unknown>][] = [
      ['call_start', { chatId }],
      ['call_join', { callId, audio: true, video: true }],
      ['call_publish', { callId, sdp: offer, tracks: [{ mid: '0', source: 'mic' }] }],
      ['call_subscribe', { callId, participantIds: [] }],
      ['call_answer', { callId, sdp: offer }],
      ['call_ice', { callId, leg: 'subscriber', candidate: null }],
      ['call_restart', { callId }],
      ['call_quality', { callId, participantIds: [randomUUID()], quality: 'low' }],
      ['call_update', { callId, audio: false }],
      ['call_admit', { callId, guestId: randomUUID(), admit: true }],
      ['call_leave', { callId }],
    ];
    const outcome = (r: any) => (r.ok ? (r.status ?? 'ok') : r.error.code);
    const table: Record<string, string[]> = {};
    for (const [type, body] of requests) {
      table[type] = [outcome(await cid.request({ type, ...body })), outcome(await owner.request({ type, ...body })), outcome(await waiting.request({ type, ...body }))];
    }
    expect(table).toEqual({
      // [non-member, member not in the call, guest waiting in the lobby]
      call_start: ['forbidden', 'unavailable', 'forbidden'],
      call_join: ['forbidden', 'unavailable', 'lobby'],
      call_publish: ['forbidden', 'conflict', 'conflict'],
      call_subscribe: ['forbidden', 'conflict', 'conflict'],
      call_answer: ['forbidden', 'conflict', 'conflict'],
      call_ice: ['forbidden', 'conflict', 'conflict'],
      call_restart: ['forbidden', 'conflict', 'conflict'],
      call_quality: ['forbidden', 'conflict', 'conflict'],
      call_update: ['forbidden', 'conflict', 'conflict'],
      call_admit: ['forbidden', 'forbidden', 'forbidden'],
      call_leave: ['forbidden', 'ok', 'ok'],
    });
    // Anonymous sockets are refused at the upgrade.
    await expect(RealtimeClient.connect(hub.url, null)).rejects.toBeInstanceOf(UpgradeRefused);
    for (const c of [cid, owner, waiting]) c.close();
    expect((await guestAs.del('/api/call-guest/session')).status).toBe(200);
    expect((await guestAs.get('/api/call-guest/me')).status).toBe(401);
  });
});
