/**
 * Calls against a real Janus (Debian's package) through sfu/: two hub nodes on one PostgreSQL and one
 * Redis share one Janus and one call. Starting (idempotent), joining on either node, publishing a real
 * Chromium offer, subscribing across nodes and answering from Chromium, state on the call stream, the
 * lobby and admission, link revocation mid-call, a rejoin after a reconnect, a drop after the grace period,
 * and the card that ends as "call ended, N participants". Skipped, saying why, without janus or Redis.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { freePort, startTestHub, testRedisUrl, type TestHub } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { ApiClient, RealtimeClient } from '../helpers/client';
import { team, type Team } from '../helpers/team';
import { haveChromium, launchChromium } from '../helpers/browser';
import { sweepCalls } from '../../server/domains/calls';
import type { JanusEngine } from '../../sfu/janus/engine';

const JANUS = '/usr/bin/janus';
const haveJanus = fs.existsSync(JANUS);
const haveSfu = fs.existsSync(path.join(__dirname, '../../sfu/index.ts'));
const redisUrl = testRedisUrl();
const why = !haveJanus
  ? `${JANUS} is missing (apt-get install janus)`
  : !haveSfu
    ? 'sfu/index.ts is not there yet'
    : !redisUrl
      ? 'no Redis answered'
      : !haveChromium
        ? 'no Chromium to make real media with (apt-get install chromium)'
        : '';
const OFFER = fs.readFileSync(path.join(__dirname, '../fixtures/sdp/chromium-publish-offer.sdp'), 'utf8');

const FAKE_MEDIA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];

/** A secure-context page (the hub's origin) to make real peer connections in. */
async function rtcPage(browser: Browser, hub: TestHub): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${hub.url}/healthz`);
  return page;
}

/** Chromium publishes its fake camera and microphone: the offer (candidates gathered) and its mids. */
async function chromiumOffer(page: Page): Promise<{ sdp: string; mids: string[] }> {
  return page.evaluate(async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 180 } });
    const pc = new RTCPeerConnection();
    (globalThis as any).pub = pc;
    const ts = [pc.addTransceiver(stream.getAudioTracks()[0], { direction: 'sendonly' }), pc.addTransceiver(stream.getVideoTracks()[0], { direction: 'sendonly' })];
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((r) => {
      if (pc.iceGatheringState === 'complete') return r();
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r());
      setTimeout(r, 5_000);
    });
    return { sdp: pc.localDescription!.sdp, mids: ts.map((t) => t.mid!) };
  });
}

/** Chromium's answer to an engine's subscription offer (candidates gathered). */
async function chromiumAnswer(page: Page, offer: string): Promise<string> {
  return page.evaluate(async (sdp) => {
    const pc = new RTCPeerConnection();
    (globalThis as any).sub = pc;
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await new Promise<void>((r) => {
      if (pc.iceGatheringState === 'complete') return r();
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r());
      setTimeout(r, 5_000);
    });
    return pc.localDescription!.sdp;
  }, offer);
}

/** Video frames decoded so far on the page's subscription. */
async function framesDecoded(page: Page): Promise<number> {
  return page.evaluate(async () => {
    let n = 0;
    (await (globalThis as any).sub.getStats()).forEach((r: any) => {
      if (r.type === 'inbound-rtp' && r.kind === 'video') n += r.framesDecoded ?? 0;
    });
    return n;
  });
}

describe.skipIf(Boolean(why))(`calls on a real Janus, two hub nodes${why ? ` (skipped: ${why})` : ''}`, () => {
  let db: TestDatabase;
  let a: TestHub;
  let b: TestHub;
  let t: Team<'ann' | 'ben' | 'cid'>;
  let browser: Browser;
  let annPage: Page;
  let benPage: Page;
  let chatId: string;
  let callId: string;
  /** A colleague's client on node B (sessions are valid on every node). */
  const onB = (c: ApiClient) => Object.assign(new ApiClient(b.url), { cookie: c.cookie });

  beforeAll(async () => {
    db = await createTestDatabase();
    const wsPort = await freePort();
    const rtpBase = 41000 + Math.floor(Math.random() * 200) * 50;
    // Shared secrets, so that node B reaches the Janus node A supervises.
    const env = { JANUS_API_SECRET: randomBytes(16).toString('hex'), JANUS_ADMIN_KEY: randomBytes(16).toString('hex') };
    a = await startTestHub({ db, redisUrl, nodeId: 'node-a', env, media: { mode: 'auto', wsPort, rtpPorts: [rtpBase, rtpBase + 49] } });
    // Node B also names a TURN server sharing a secret: its joins carry credentials of their own.
    const turnEnv = { TURN_URLS: 'turn:turn.example.test:3478', TURN_SECRET: 'turn-shared-secret-for-tests' };
    b = await startTestHub({ db, redisUrl, nodeId: 'node-b', env: { ...env, ...turnEnv }, media: { mode: 'auto', url: `ws://127.0.0.1:${wsPort}` } });
    for (const hub of [a, b]) {
      for (let i = 0; i < 150 && !hub.artel.svc.media.status().state.startsWith('ready'); i++) await new Promise((r) => setTimeout(r, 200));
      expect(hub.artel.svc.media.status()).toMatchObject({ state: 'ready' });
    }
    t = await team(a.url, ['ann', 'ben', 'cid'] as const);
    chatId = (await t.owner.post('/api/chats', { kind: 'group', title: 'Standup', memberIds: [t.ids.ann, t.ids.ben] })).body.chat.id;
    browser = await launchChromium(FAKE_MEDIA);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await b?.stop();
    await a?.stop();
    await db?.drop();
  });

  it('says video is available; call_start is idempotent per chat and posts one live card', async () => {
    expect((await t.ann.get('/api/calls/video')).body).toEqual({ available: true });
    const ann = await RealtimeClient.open(a.url, t.ann.cookie);
    const ben = await RealtimeClient.open(b.url, t.ben.cookie);
    const cid = await RealtimeClient.open(a.url, t.cid.cookie);
    const [first, second] = await Promise.all([ann.request({ type: 'call_start', chatId }), ben.request({ type: 'call_start', chatId })]);
    expect(first.ok && second.ok).toBe(true);
    callId = first.call.id;
    expect(second.call.id).toBe(callId);
    expect(first.call).toMatchObject({ chatId, title: 'Standup', status: 'live', participantCount: 0 });
    expect((await ann.request({ type: 'call_start', chatId })).call.id).toBe(callId);
    expect((await cid.request({ type: 'call_start', chatId })).error.code).toBe('forbidden');
    // `/call` and `/звонок` in the chat answer the live call's card; no second card.
    for (const text of ['/call', '/звонок']) {
      const cmd = await ben.request({ type: 'command_run', chatId, clientId: randomUUID(), text });
      expect([text, cmd.status, cmd.card?.id, cmd.card?.status]).toEqual([text, 'created', callId, 'live']);
    }
    const cards = (await t.ann.get(`/api/chats/${chatId}/messages`)).body.messages.filter((m: any) => m.card?.kind === 'call');
    expect(cards.map((m: any) => [m.card.id, m.card.status])).toEqual([[callId, 'live']]);
    for (const c of [ann, ben, cid]) c.close();
  });

  let ann: RealtimeClient;
  let annId: string;
  let ben: RealtimeClient;
  let benId: string;

  it('joins on node A and publishes Chromium\'s camera and microphone: the engine answers; the stream tells node B', async () => {
    const watcher = await RealtimeClient.open(b.url, t.owner.cookie);
    expect((await watcher.request({ type: 'subscribe', streams: [{ stream: `call:${callId}` }] })).ok).toBe(true);
    ann = await RealtimeClient.open(a.url, t.ann.cookie);
    const j = await ann.request({ type: 'call_join', callId, audio: true, video: true });
    expect(j).toMatchObject({ ok: true, status: 'joined', iceServers: [] });
    annId = j.participantId;
    expect(j.state.participants.map((p: any) => [p.id, p.name, p.audio, p.video, p.published])).toEqual([[annId, 'Ann', true, true, false]]);
    expect(j.state.video).toEqual({ available: true });
    annPage = await rtcPage(browser, a);
    const offer = await chromiumOffer(annPage);
    const p = await ann.request({ type: 'call_publish', callId, sdp: offer.sdp, tracks: [{ mid: offer.mids[0], source: 'mic' }, { mid: offer.mids[1], source: 'camera' }] });
    expect(p.ok, JSON.stringify(p.error)).toBe(true);
    expect(p.sdp).toMatch(/^v=0\r?\n/);
    expect(p.sdp).toMatch(/m=audio/);
    expect(p.sdp).toMatch(/m=video/);
    await annPage.evaluate((sdp) => (globalThis as any).pub.setRemoteDescription({ type: 'answer', sdp }), p.sdp);
    // The media server tells when the publisher's media flows.
    await ann.waitFor(() => ann.frames.find((f) => f.type === 'call_media' && f.event.type === 'connected' && f.event.leg === 'publisher'), 15_000);
    // …and everyone following the call, on every node, hears that her media can now be received.
    await watcher.waitFor(() => watcher.frames.find((f) => f.type === 'call_live' && f.callId === callId && f.participantId === annId));
    await watcher.waitFor(() => watcher.events(`call:${callId}`).find((e) => e.event.type === 'call_joined' && e.event.payload.participant.id === annId));
    const updated = await watcher.waitFor(() => watcher.events(`call:${callId}`).find((e) => e.event.type === 'call_updated' && e.event.payload.participant.published));
    expect(updated.event.payload.participant.tracks).toEqual([{ mid: '0', source: 'mic' }, { mid: '1', source: 'camera' }]);
    watcher.close();
  });

  it('malformed SDP and candidates get bad_request, and the call goes on', async () => {
    const broken = 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n';
    const r = await ann.request({ type: 'call_publish', callId, sdp: broken, tracks: [{ mid: '0', source: 'mic' }] });
    expect([r.ok, r.error?.code]).toEqual([false, 'bad_request']);
    const mid = await ann.request({ type: 'call_publish', callId, sdp: OFFER, tracks: [{ mid: '7', source: 'mic' }] });
    expect([mid.error?.code, mid.error?.fields]).toEqual(['bad_request', { tracks: 'unknown mid' }]);
    const cand = await ann.request({ type: 'call_ice', callId, leg: 'publisher', candidate: { candidate: 'candidate:bogus', sdpMid: '0' } });
    expect(cand.error?.code).toBe('bad_request');
    const ok = await ann.request({ type: 'call_ice', callId, leg: 'publisher', candidate: null });
    expect(ok.ok, JSON.stringify(ok.error)).toBe(true);
    expect((await ann.request({ type: 'call_update', callId, hand: true })).ok).toBe(true);
  });

  it('joins on node B, subscribes to Ann across nodes: her video decodes in Chromium', async () => {
    ben = await RealtimeClient.open(b.url, t.ben.cookie);
    const j = await ben.request({ type: 'call_join', callId, audio: false, video: true });
    expect(j.status).toBe('joined');
    benId = j.participantId;
    // Short-lived TURN credentials for this participant alone (node A, without TURN, gave none).
    expect(j.iceServers).toEqual([{ urls: ['turn:turn.example.test:3478'], username: expect.stringMatching(new RegExp(`^\\d{10}:${benId}$`)), credential: expect.any(String) }]);
    expect(Number(j.iceServers[0].username.split(':')[0]) * 1000).toBeGreaterThan(Date.now() + 11 * 3600_000);
    const annSeen = j.state.participants.find((p: any) => p.id === annId);
    expect(annSeen).toMatchObject({ name: 'Ann', published: true, hand: true });
    // Ids that are not in this call are dropped, oneself too.
    const s = await ben.request({ type: 'call_subscribe', callId, participantIds: [annId, benId, randomUUID()] });
    expect(s.ok, JSON.stringify(s.error)).toBe(true);
    expect(s.sdp).toMatch(/^v=0/);
    expect(s.tracks.map((x: any) => [x.participantId, x.kind, x.source]).sort()).toEqual([
      [annId, 'audio', 'mic'],
      [annId, 'video', 'camera'],
    ]);
    benPage = await rtcPage(browser, b);
    const answer = await chromiumAnswer(benPage, s.sdp);
    const r = await ben.request({ type: 'call_answer', callId, sdp: answer });
    expect(r.ok, JSON.stringify(r.error)).toBe(true);
    // Ann's camera, published through node A, decodes in Ben's page, subscribed through node B.
    let frames = 0;
    for (let i = 0; i < 75 && frames < 10; i++) {
      await new Promise((res) => setTimeout(res, 200));
      frames = await framesDecoded(benPage);
    }
    expect(frames).toBeGreaterThanOrEqual(10);
    // Nothing changed: no new offer.
    expect((await ben.request({ type: 'call_subscribe', callId, participantIds: [annId] })).sdp).toBeNull();
    const restart = await ben.request({ type: 'call_restart', callId });
    expect(restart.ok, JSON.stringify(restart.error)).toBe(true);
    expect(restart.sdp).toMatch(/^v=0/);
    // Signalling for a call from a socket that did not join it.
    const other = await RealtimeClient.open(b.url, t.owner.cookie);
    expect((await other.request({ type: 'call_subscribe', callId, participantIds: [annId] })).error.code).toBe('conflict');
    other.close();
  });

  let guestRt: RealtimeClient;
  let guestPid: string;
  let linkId: string;

  it('a guest waits in the lobby until someone in the call admits them; then they are in', async () => {
    const link = await t.ben.post(`/api/calls/${callId}/links`, { name: 'Carla' });
    linkId = link.body.link.id;
    const token = /\/c\/([A-Za-z0-9_-]{43})$/.exec(link.body.link.url)![1];
    const guest = new ApiClient(a.url, a.url, 'artel_call_guest');
    expect((await guest.post('/api/call-guest/session', { token, name: 'Carla Client' })).status).toBe(201);
    guestRt = await RealtimeClient.open(a.url, guest.cookie, a.url, 'artel_call_guest');
    const knock = await guestRt.request({ type: 'call_join', callId, audio: true, video: true });
    expect(knock.status).toBe('lobby');
    guestPid = knock.participantId;
    expect((await guestRt.request({ type: 'subscribe', streams: [{ stream: `lobby:${guestPid}` }] })).ok).toBe(true);
    expect((await guestRt.request({ type: 'subscribe', streams: [{ stream: `call:${callId}` }] })).error.code).toBe('forbidden');
    // Ben (in the call, node B) sees them waiting; the owner (a member, not in the call) and Cid may not admit.
    await ben.request({ type: 'subscribe', streams: [{ stream: `call:${callId}`, after: 0 }, { stream: `door:${callId}`, after: 0 }] });
    await ben.waitFor(() => ben.events(`door:${callId}`).find((e) => e.event.type === 'call_lobby' && e.event.payload.lobby.some((g: any) => g.id === guestPid)));
    for (const who of [t.owner, t.cid]) {
      const rt = await RealtimeClient.open(a.url, who.cookie);
      expect((await rt.request({ type: 'call_admit', callId, guestId: guestPid, admit: true })).error.code).toBe('forbidden');
      rt.close();
    }
    expect((await guestRt.request({ type: 'call_admit', callId, guestId: guestPid, admit: true })).error.code).toBe('forbidden');
    expect((await ben.request({ type: 'call_admit', callId, guestId: randomUUID(), admit: true })).error.code).toBe('not_found');
    expect((await ben.request({ type: 'call_admit', callId, guestId: guestPid, admit: true })).ok).toBe(true);
    await guestRt.waitFor(() => guestRt.events(`lobby:${guestPid}`).find((e) => e.event.type === 'lobby_admitted'));
    const j = await guestRt.request({ type: 'call_join', callId, audio: true, video: true });
    expect(j).toMatchObject({ status: 'joined', participantId: guestPid });
    expect(j.state.lobby).toEqual([]);
    expect(j.state.participants.map((p: any) => p.name).sort()).toEqual(['Ann', 'Ben', 'Carla Client']);
    expect((await guestRt.request({ type: 'subscribe', streams: [{ stream: `call:${callId}` }] })).ok).toBe(true);
    // Admitted, they still never see who else waits at the door.
    expect((await guestRt.request({ type: 'subscribe', streams: [{ stream: `door:${callId}` }] })).error.code).toBe('forbidden');
    const pub = await guestRt.request({ type: 'call_publish', callId, sdp: OFFER, tracks: [{ mid: '0', source: 'mic' }, { mid: '1', source: 'camera' }] });
    expect(pub.ok, JSON.stringify(pub.error)).toBe(true);
    // Still nothing of the chat.
    expect((await guestRt.request({ type: 'subscribe', streams: [{ stream: `chat:${chatId}` }] })).ok).toBe(false);
    expect((await guestRt.request({ type: 'call_start', chatId })).error.code).toBe('forbidden');
    // Their network drops; they come back through the other node: straight into the call, not the lobby.
    guestRt.close();
    await guestRt.closed;
    guestRt = await RealtimeClient.open(b.url, guest.cookie, b.url, 'artel_call_guest');
    const back = await guestRt.request({ type: 'call_join', callId, audio: true, video: true, rejoin: guestPid });
    expect(back.status, JSON.stringify(back)).toBe('joined');
    expect(back.state.participants.filter((p: any) => p.name === 'Carla Client')).toHaveLength(1);
    await ben.waitFor(() => ben.events(`call:${callId}`).find((e) => e.event.type === 'call_joined' && e.event.payload.participant.id === back.participantId));
    guestPid = back.participantId;
    expect((await guestRt.request({ type: 'subscribe', streams: [{ stream: `call:${callId}` }] })).ok).toBe(true);
  });

  it('a guest turned away is told so, and cannot knock again', async () => {
    const link = await t.ann.post(`/api/calls/${callId}/links`, {});
    const token = /\/c\/([A-Za-z0-9_-]{43})$/.exec(link.body.link.url)![1];
    const guest = new ApiClient(b.url, b.url, 'artel_call_guest');
    expect((await guest.post('/api/call-guest/session', { token, name: 'Mallory' })).status).toBe(201);
    const rt = await RealtimeClient.open(b.url, guest.cookie, b.url, 'artel_call_guest');
    const seat = (await rt.request({ type: 'call_join', callId, audio: true, video: true })).participantId;
    await rt.request({ type: 'subscribe', streams: [{ stream: `lobby:${seat}` }] });
    // Ann, in the call through node A, turns them away.
    expect((await ann.request({ type: 'call_admit', callId, guestId: seat, admit: false })).ok).toBe(true);
    await rt.waitFor(() => rt.events(`lobby:${seat}`).find((e) => e.event.type === 'lobby_refused'));
    expect((await rt.request({ type: 'call_join', callId, audio: true, video: true })).error.code).toBe('forbidden');
    expect((await ann.request({ type: 'call_admit', callId, guestId: seat, admit: true })).error.code).toBe('not_found');
    rt.close();
  });

  it('revoking the link mid-call removes the guest and closes their socket at once', async () => {
    const r = await t.ann.del(`/api/calls/${callId}/links/${linkId}`);
    expect(r.status).toBe(200);
    expect((await guestRt.closed).code).toBe(4403);
    const left = await ben.waitFor(() => ben.events(`call:${callId}`).find((e) => e.event.type === 'call_left' && e.event.payload.participantId === guestPid));
    expect(left.event.payload.reason).toBe('removed');
  });

  it('a reconnecting client rejoins in its own place; a closed socket drops after the grace period', async () => {
    const watcher = await RealtimeClient.open(a.url, t.ann.cookie);
    await watcher.request({ type: 'subscribe', streams: [{ stream: `call:${callId}` }] });
    ben.close();
    await ben.closed;
    ben = await RealtimeClient.open(a.url, t.ben.cookie);
    const j = await ben.request({ type: 'call_join', callId, audio: true, video: true, rejoin: benId });
    expect(j.status).toBe('joined');
    const replaced = await watcher.waitFor(() => watcher.events(`call:${callId}`).find((e) => e.event.type === 'call_left' && e.event.payload.participantId === benId));
    expect(replaced.event.payload.reason).toBe('left');
    expect(j.state.participants.filter((p: any) => p.userId === t.ids.ben).map((p: any) => p.id)).toEqual([j.participantId]);
    benId = j.participantId;
    // Ben's socket goes away for good: after the grace period he is dropped.
    ben.close();
    const dropped = await watcher.waitFor(
      () => watcher.events(`call:${callId}`).find((e) => e.event.type === 'call_left' && e.event.payload.participantId === benId),
      15_000,
    );
    expect(dropped.event.payload.reason).toBe('dropped');
    watcher.close();
  }, 30_000);

  it('the last one out ends the call: the card says when and how many', async () => {
    const watcher = await RealtimeClient.open(b.url, t.owner.cookie);
    await watcher.request({ type: 'subscribe', streams: [{ stream: `chat:${chatId}` }, { stream: `call:${callId}` }] });
    expect((await ann.request({ type: 'call_leave', callId })).ok).toBe(true);
    const ended = await watcher.waitFor(() => watcher.events(`call:${callId}`).find((e) => e.event.type === 'call_ended'));
    expect(ended.event.payload.call).toMatchObject({ id: callId, status: 'ended', participantCount: 3 });
    const card = await watcher.waitFor(() => watcher.events(`chat:${chatId}`).find((e) => e.event.type === 'card_updated' && e.event.payload.message.card.status === 'ended'));
    const c = card.event.payload.message.card;
    expect(c).toMatchObject({ kind: 'call', id: callId, closed: true, call: { participantCount: 3 } });
    expect(Date.parse(c.call.endedAt)).toBeGreaterThanOrEqual(Date.parse(c.call.startedAt));
    // Ended: no more joins; a new call_start makes a new call.
    expect((await ann.request({ type: 'call_join', callId, audio: true, video: true })).error.code).toBe('conflict');
    const again = await ann.request({ type: 'call_start', chatId });
    expect(again.call.id).not.toBe(callId);
    callId = again.call.id;
    watcher.close();
  });

  it('Janus dying mid-call: participants are told and dropped, the hub keeps serving, and they rejoin once it is back', async () => {
    const j = await ann.request({ type: 'call_join', callId, audio: true, video: true });
    expect(j.status).toBe('joined');
    annId = j.participantId;
    ben = await RealtimeClient.open(b.url, t.ben.cookie);
    benId = (await ben.request({ type: 'call_join', callId, audio: true, video: true })).participantId;
    await ann.request({ type: 'subscribe', streams: [{ stream: `call:${callId}`, after: 0 }] });
    const pid = (a.artel.svc.media as JanusEngine).o.supervisor!.pid!;
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    // Each node tells its own participant that the media is gone, and the stream says they dropped.
    await ann.waitFor(() => ann.frames.find((f) => f.type === 'call_media' && f.participantId === annId && f.event.type === 'gone'), 20_000);
    await ben.waitFor(() => ben.frames.find((f) => f.type === 'call_media' && f.participantId === benId && f.event.type === 'gone'), 20_000);
    await ann.waitFor(() => ann.events(`call:${callId}`).find((e) => e.event.type === 'call_left' && e.event.payload.participantId === annId && e.event.payload.reason === 'dropped'));
    expect((await ann.request({ type: 'ping' })).ok).toBe(true);
    // Not ended: everyone may be coming back.
    expect((await t.ann.get(`/api/calls/${callId}`)).body.call.status).toBe('live');
    // Back once the supervisor restarted Janus (a join meanwhile is refused as unavailable, never hangs).
    for (const hub of [a, b]) {
      for (let i = 0; i < 150 && hub.artel.svc.media.status().state !== 'ready'; i++) await new Promise((r) => setTimeout(r, 200));
      expect(hub.artel.svc.media.status().state).toBe('ready');
    }
    const back = await ann.request({ type: 'call_join', callId, audio: true, video: true, rejoin: annId });
    expect(back.ok, JSON.stringify(back.error)).toBe(true);
    const benBack = await ben.request({ type: 'call_join', callId, audio: true, video: true, rejoin: benId });
    expect(benBack.ok, JSON.stringify(benBack.error)).toBe(true);
    expect(benBack.state.participants.map((p: any) => p.name).sort()).toEqual(['Ann', 'Ben']);
    const pub = await ann.request({ type: 'call_publish', callId, sdp: OFFER, tracks: [{ mid: '0', source: 'mic' }, { mid: '1', source: 'camera' }] });
    expect(pub.ok, JSON.stringify(pub.error)).toBe(true);
    annId = back.participantId;
    benId = benBack.participantId;
  }, 60_000);

  it('the sweep drops participants of a node that died and ends a call left empty', async () => {
    const pg = await import('pg');
    const c = new pg.default.Client({ connectionString: db.url });
    await c.connect();
    // Node B "died": nobody vouches for Ben any more.
    await c.query(`UPDATE call_participants SET seen_at = now() - interval '10 minutes' WHERE id = $1`, [benId]);
    const swept = await sweepCalls(a.artel.svc, { staleMs: 60_000, emptyMs: 60_000 });
    expect(swept).toEqual({ dropped: 1, ended: 0 });
    await ann.waitFor(() => ann.events(`call:${callId}`).find((e) => e.event.type === 'call_left' && e.event.payload.participantId === benId && e.event.payload.reason === 'dropped'));
    // Ann's node vouches for her: she stays.
    expect((await sweepCalls(a.artel.svc, { staleMs: 60_000, emptyMs: 60_000 })).dropped).toBe(0);
    // A live call nobody has been in for long is ended.
    const other = (await t.owner.post('/api/chats', { kind: 'group', title: 'Empty', memberIds: [t.ids.ann] })).body.chat.id;
    const empty = (await ann.request({ type: 'call_start', chatId: other })).call.id;
    await c.query(`UPDATE calls SET empty_since = now() - interval '10 minutes' WHERE id = $1`, [empty]);
    expect(await sweepCalls(a.artel.svc, { staleMs: 60_000, emptyMs: 60_000 })).toEqual({ dropped: 0, ended: 1 });
    expect((await t.ann.get(`/api/calls/${empty}`)).body.call.status).toBe('ended');
    expect((await t.ann.get(`/api/calls/${callId}`)).body.call.status).toBe('live');
    await c.end();
    ben.close();
  });

  it('a scheduled call goes live with its first member; its card follows', async () => {
    const chat = (await t.owner.post('/api/chats', { kind: 'group', title: 'Planning', memberIds: [t.ids.ann, t.ids.ben] })).body.chat.id;
    const made = await t.ben.post(`/api/chats/${chat}/calls`, { title: 'Q1 planning', at: new Date(Date.now() + 3_600_000).toISOString() });
    const scheduled = made.body.call.id;
    const watcher = await RealtimeClient.open(a.url, t.owner.cookie);
    await watcher.request({ type: 'subscribe', streams: [{ stream: `chat:${chat}` }] });
    // Another call live in the chat: the scheduled one cannot start until it ends.
    const live = (await ann.request({ type: 'call_start', chatId: chat })).call.id;
    const refused = await ann.request({ type: 'call_join', callId: scheduled, audio: true, video: false });
    expect([refused.error?.code, refused.error?.message]).toEqual(['conflict', expect.stringMatching(/Another call is live/)]);
    const j0 = await ann.request({ type: 'call_join', callId: live, audio: true, video: false });
    expect((await ann.request({ type: 'call_leave', callId: live })).ok).toBe(true);
    expect(j0.status).toBe('joined');
    const j = await ann.request({ type: 'call_join', callId: scheduled, audio: true, video: false });
    expect(j.ok, JSON.stringify(j.error)).toBe(true);
    expect(j.state.call).toMatchObject({ id: scheduled, status: 'live', startedBy: t.ids.ann, participantCount: 1 });
    const card = await watcher.waitFor(() => watcher.events(`chat:${chat}`).find((e) => e.event.type === 'card_updated' && e.event.payload.message.card.id === scheduled));
    expect(card.event.payload.message.card).toMatchObject({ status: 'live', closed: false, call: { startedAt: j.state.call.startedAt, endedAt: null } });
    // call_start in that chat now answers the scheduled call, live.
    expect((await ann.request({ type: 'call_start', chatId: chat })).call.id).toBe(scheduled);
    expect((await ann.request({ type: 'call_leave', callId: scheduled })).ok).toBe(true);
    watcher.close();
    ann.close();
  });
});
