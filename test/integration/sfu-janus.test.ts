/**
 * sfu/ against a real Janus (Debian's package), without a browser: the configuration it writes, the typed
 * client's errors (a wrong API secret; a plugin error inside "success"), rooms made on first join and
 * destroyed when empty across two engines sharing one Janus, bad SDP, keepalives holding a session past
 * Janus' session timeout, Janus killed with SIGKILL (restarted, peers told they are gone, new joins
 * work), a Janus that keeps crashing, a missing binary, and video switched off.
 */
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMediaEngine } from '../../sfu/index';
import { MediaError, type EngineStatus, type PeerEvent } from '../../sfu/engine';
import { JanusConnection, JanusError, JanusPluginError } from '../../sfu/janus/client';
import { JanusEngine } from '../../sfu/janus/engine';
import { silentLogger } from '../../sfu/log';
import { haveJanus, testEngine, testRtpPorts, type TestEngine } from '../helpers/janus';

const OFFER = fs.readFileSync(path.join(__dirname, '../fixtures/sdp/chromium-publish-offer.sdp'), 'utf8');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const roomKey = () => randomBytes(16).toString('hex');

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The rejection of `p`, which must reject. */
async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('sfu: engines that never start', () => {
  it('a missing binary: unavailable, not_installed, with the reason; joins refused as unavailable', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'artel-janus-'));
    const engine = await createMediaEngine({ dataDir, mode: 'auto', janusBin: '/nonexistent/janus', rtpPorts: [40000, 40099], log: silentLogger });
    expect(engine.status()).toMatchObject({ state: 'unavailable', code: 'not_installed' });
    expect(engine.status().reason).toMatch(/not installed/);
    const err = await rejection(engine.join(roomKey(), { peerId: randomUUID(), display: 'x' }));
    expect(err).toBeInstanceOf(MediaError);
    expect(err.code).toBe('unavailable');
    await engine.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('mode off: unavailable, disabled', async () => {
    const engine = await createMediaEngine({ dataDir: os.tmpdir(), mode: 'off', rtpPorts: [40000, 40099], log: silentLogger });
    expect(engine.status()).toMatchObject({ state: 'unavailable', code: 'disabled' });
    expect((await rejection(engine.join('r', { peerId: 'p', display: 'x' }))).code).toBe('unavailable');
  });

  it('a Janus that dies at once, again and again: given up on as crashed', { timeout: 30_000 }, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'artel-janus-'));
    const statuses: EngineStatus['state'][] = [];
    const engine = await createMediaEngine({ dataDir, mode: 'auto', janusBin: '/bin/false', rtpPorts: testRtpPorts(), log: silentLogger });
    engine.onStatus((s) => statuses.push(s.state));
    expect(engine.status()).toMatchObject({ state: 'unavailable', code: 'crashed' });
    expect(engine.status().reason).toMatch(/crashed 5 times/);
    await engine.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('an external Janus that does not answer: unavailable, unreachable', async () => {
    const engine = await createMediaEngine({ dataDir: os.tmpdir(), mode: 'auto', url: 'ws://127.0.0.1:1', adminKey: 'k', rtpPorts: [40000, 40099], log: silentLogger });
    expect(engine.status()).toMatchObject({ state: 'unavailable', code: 'unreachable' });
    await engine.close();
  });
});

describe.skipIf(!haveJanus)(`sfu: a real Janus${haveJanus ? '' : ' (skipped: /usr/bin/janus is missing)'}`, () => {
  let t: TestEngine;

  beforeAll(async () => {
    // A short session timeout so that the keepalive test does not take a minute.
    t = await testEngine({ sessionTimeout: 4, keepaliveMs: 1000 });
    expect(t.engine.status()).toEqual({ state: 'ready' });
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('writes the configuration: API on 127.0.0.1 only, the secrets (0600), string ids, only VideoRoom and WebSockets', () => {
    const dir = path.join(t.dataDir, 'janus');
    expect(fs.readdirSync(dir).sort()).toEqual(['janus.jcfg', 'janus.plugin.videoroom.jcfg', 'janus.transport.websockets.jcfg', 'secrets.json']);
    expect(fs.statSync(path.join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
    const main = fs.readFileSync(path.join(dir, 'janus.jcfg'), 'utf8');
    const ws = fs.readFileSync(path.join(dir, 'janus.transport.websockets.jcfg'), 'utf8');
    const room = fs.readFileSync(path.join(dir, 'janus.plugin.videoroom.jcfg'), 'utf8');
    expect(main).toContain(`api_secret = "${t.apiSecret}"`);
    expect(t.apiSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(main).toMatch(/rtp_port_range = "\d+-\d+"/);
    expect(main).toMatch(/session_timeout = 4/);
    const disabled = /plugins: \{\s*disable = "([^"]*)"/.exec(main)![1].split(',');
    expect(disabled).toContain('libjanus_streaming.so');
    expect(disabled).not.toContain('libjanus_videoroom.so');
    const transports = /transports: \{\s*disable = "([^"]*)"/.exec(main)![1].split(',');
    expect(transports).toContain('libjanus_http.so');
    expect(transports).not.toContain('libjanus_websockets.so');
    expect(ws).toContain('ws_ip = "127.0.0.1"');
    expect(ws).toContain('wss = false');
    expect(ws).toContain('admin_ws = false');
    expect(room).toContain(`admin_key = "${t.adminKey}"`);
    expect(room).toContain('string_ids = true');
  });

  it('a wrong API secret: a typed JanusError (403)', async () => {
    const conn = await JanusConnection.connect(t.url, { apiSecret: 'wrong' });
    try {
      const err = await rejection(conn.createSession());
      expect(err).toBeInstanceOf(JanusError);
      expect(err.code).toBe(403);
    } finally {
      conn.close();
    }
  });

  it('a plugin error inside "success" (creating a room without the admin key): a typed JanusPluginError', async () => {
    const conn = await JanusConnection.connect(t.url, { apiSecret: t.apiSecret });
    try {
      const session = await conn.createSession();
      const handle = await session.attach('janus.plugin.videoroom');
      const err = await rejection(handle.message({ request: 'create', room: roomKey() }));
      expect(err).toBeInstanceOf(JanusPluginError);
      expect(err.plugin).toBe('janus.plugin.videoroom');
      expect(err.code).toBeGreaterThan(0);
      // And an answer of the plugin that is not an error comes through.
      const { data } = await handle.message({ request: 'exists', room: 'nope' });
      expect(data).toMatchObject({ videoroom: 'success', exists: false });
      await session.destroy();
    } finally {
      conn.close();
    }
  });

  it('losing the connection fails the sessions and handles with MediaError gone', async () => {
    const conn = await JanusConnection.connect(t.url, { apiSecret: t.apiSecret });
    const session = await conn.createSession();
    const handle = await session.attach('janus.plugin.videoroom');
    const events: string[] = [];
    handle.on('event', (e) => events.push(e.type));
    conn.close();
    expect(events).toEqual(['gone']);
    const err = await rejection(handle.message({ request: 'exists', room: 'x' }));
    expect(err).toBeInstanceOf(MediaError);
    expect(err.code).toBe('gone');
  });

  it('rooms: made on the first join, kept while another engine (another hub node) has a peer there, destroyed with the last', async () => {
    const other = new JanusEngine({ url: t.url, apiSecret: t.apiSecret, adminKey: t.adminKey, log: silentLogger });
    await other.start();
    try {
      const room = roomKey();
      expect(await t.janus.exists(room)).toBe(false);
      expect(await t.engine.peers(room)).toEqual([]);
      const a = await t.engine.join(room, { peerId: randomUUID(), display: 'Ann' });
      expect(await t.janus.exists(room)).toBe(true);
      const b = await other.join(room, { peerId: randomUUID(), display: 'Ben' });
      expect((await t.engine.peers(room)).sort()).toEqual([a.peerId, b.peerId].sort());
      expect((await other.peers(room)).sort()).toEqual([a.peerId, b.peerId].sort());
      await a.leave();
      expect(await t.janus.exists(room)).toBe(true);
      expect(await t.engine.peers(room)).toEqual([b.peerId]);
      await b.leave();
      expect(await t.janus.exists(room)).toBe(false);
      // A room comes back on the next join.
      const c = await t.engine.join(room, { peerId: randomUUID(), display: 'Cid' });
      expect(await t.janus.exists(room)).toBe(true);
      await c.leave();
    } finally {
      await other.close();
    }
  });

  it('the same peer joining again replaces its earlier self', async () => {
    const room = roomKey();
    const id = randomUUID();
    const first = await t.engine.join(room, { peerId: id, display: 'Ann' });
    const second = await t.engine.join(room, { peerId: id, display: 'Ann' });
    expect(await t.engine.peers(room)).toEqual([id]);
    await first.leave();
    expect(await t.engine.peers(room)).toEqual([id]);
    await second.leave();
    expect(await t.janus.exists(room)).toBe(false);
  });

  it('the same peer joining on another node takes its place: the old one is kicked and told it is gone', async () => {
    const other = new JanusEngine({ url: t.url, apiSecret: t.apiSecret, adminKey: t.adminKey, log: silentLogger });
    await other.start();
    try {
      const room = roomKey();
      const id = randomUUID();
      const old = await t.engine.join(room, { peerId: id, display: 'Ann' });
      const events: PeerEvent[] = [];
      old.on((e) => events.push(e));
      const moved = await other.join(room, { peerId: id, display: 'Ann' });
      await until('gone', () => events.some((e) => e.type === 'gone'), 5000);
      expect(await other.peers(room)).toEqual([id]);
      await old.leave();
      expect(await other.peers(room)).toEqual([id]);
      await moved.leave();
      expect(await t.janus.exists(room)).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('bad SDP and bad candidates: MediaError bad_sdp; the peer still works after', async () => {
    const room = roomKey();
    const p = await t.engine.join(room, { peerId: randomUUID(), display: 'Ann' });
    try {
      for (const sdp of ['hello', 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\n']) {
        const err = await rejection(p.publish(sdp, [{ mid: '0', source: 'camera' }]));
        expect(err).toBeInstanceOf(MediaError);
        expect(err.code, err.message).toBe('bad_sdp');
      }
      // Garbage candidates: refused as bad_sdp or dropped by Janus, never a hang or a crash.
      for (const c of [{ candidate: 'candidate:garbage' }, { candidate: 'candidate:1 1 udp 1 999.1.1.1 70000 typ host', sdpMid: 'nope', sdpMLineIndex: 99 }, null]) {
        const r = await p.trickle('publisher', c).then(() => 'ok', (err) => err);
        if (r !== 'ok') expect(r, String(r)).toBeInstanceOf(MediaError);
      }
      expect(await t.engine.peers(room)).toEqual([p.peerId]);
      // Subscribing to nobody is nothing to negotiate.
      expect(await p.subscribe([])).toBeNull();
      expect(await p.subscribe([randomUUID()])).toBeNull();
      const err = await rejection(p.answer('v=0\r\n'));
      expect(err).toBeInstanceOf(MediaError);
    } finally {
      await p.leave();
    }
  });

  it('publish and unpublish without a browser: an answer; no feed to watch until the publisher connects; no media_lost for our own hangup', async () => {
    const room = roomKey();
    const a = await t.engine.join(room, { peerId: randomUUID(), display: 'Ann' });
    const b = await t.engine.join(room, { peerId: randomUUID(), display: 'Ben' });
    const events: PeerEvent[] = [];
    a.on((e) => events.push(e));
    try {
      expect(await b.subscribe([a.peerId])).toBeNull();
      const { answerSdp } = await a.publish(OFFER, [{ mid: '0', source: 'mic' }, { mid: '1', source: 'camera' }]);
      expect(answerSdp).toMatch(/^v=0[\s\S]*a=mid:0[\s\S]*a=mid:1/);
      // Janus offers a feed only once its PeerConnection is up (never, here: no browser): subscribe waits
      // a moment for it, then says there is nothing to watch.
      const started = Date.now();
      expect(await b.subscribe([a.peerId])).toBeNull();
      expect(Date.now() - started).toBeGreaterThan(4000);
      await a.unpublish();
      await a.unpublish(); // twice is fine
      await a.publish(OFFER, [{ mid: '0', source: 'mic' }, { mid: '1', source: 'camera' }]);
      await sleep(300);
      expect(events.filter((e) => e.type === 'media_lost')).toEqual([]);
      // No subscription: nothing to restart or answer.
      expect((await rejection(b.restartSubscriber())).code).toBe('engine');
    } finally {
      await a.leave();
      await b.leave();
    }
    expect(await t.janus.exists(room)).toBe(false);
  });

  it('keepalives hold the session past Janus\' session timeout (4 s here); a session without them times out', { timeout: 30_000 }, async () => {
    const room = roomKey();
    const p = await t.engine.join(room, { peerId: randomUUID(), display: 'Ann' });
    const events: PeerEvent[] = [];
    p.on((e) => events.push(e));
    const bare = await JanusConnection.connect(t.url, { apiSecret: t.apiSecret, keepaliveMs: 60_000 });
    const lonely = await bare.createSession();
    let timedOut = '';
    lonely.onGone((r) => (timedOut = r));
    await sleep(9000);
    expect(events).toEqual([]);
    expect(await t.engine.peers(room)).toEqual([p.peerId]);
    expect(timedOut).toMatch(/timed out/);
    bare.close();
    await p.leave();
  });

  it('Janus killed (SIGKILL): peers are gone, the status goes restarting then ready, new joins work', { timeout: 60_000 }, async () => {
    const room = roomKey();
    const p = await t.engine.join(room, { peerId: randomUUID(), display: 'Ann' });
    const events: PeerEvent[] = [];
    p.on((e) => events.push(e));
    const states: string[] = [];
    const off = t.engine.onStatus((s) => states.push(s.state));
    const pid = t.janus.o.supervisor!.pid!;
    process.kill(pid, 'SIGKILL');
    await until('gone', () => events.some((e) => e.type === 'gone'));
    await until('ready again', () => t.engine.status().state === 'ready', 30_000);
    off();
    expect(states).toContain('restarting');
    expect(states.at(-1)).toBe('ready');
    expect(t.janus.o.supervisor!.pid).not.toBe(pid);
    expect((await rejection(p.publish('v=0\r\n', []))).code).toBe('gone');
    // The room went with the old process; the peer rejoins.
    const again = await t.engine.join(room, { peerId: p.peerId, display: 'Ann' });
    expect(await t.engine.peers(room)).toEqual([p.peerId]);
    await again.leave();
    await p.leave();
  });
});
