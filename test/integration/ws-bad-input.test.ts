import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startTestHub, type TestHub } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { addColleague, ApiClient, RealtimeClient, registerOwner, UpgradeRefused } from '../helpers/client';
import { CloseCode, MAX_FRAME_BYTES, PROTOCOL_VERSION } from '../../shared/protocol';

const root = path.resolve(__dirname, '../..');

/** The upgrade must be refused with this status and JSON error code. */
async function expectRefused(p: Promise<RealtimeClient>, status: number, code: string): Promise<void> {
  const err = await p.then(
    (rt) => {
      rt.close();
      throw new Error('the upgrade was accepted');
    },
    (e) => e,
  );
  expect(err).toBeInstanceOf(UpgradeRefused);
  expect(err.status).toBe(status);
  expect(JSON.parse(err.body)).toMatchObject({ error: { code } });
}

/** Wait for the reply to the request with id `re` (for frames sent raw). */
const replyTo = (rt: RealtimeClient, re: string | null, after = 0) =>
  rt.waitFor(() => rt.frames.slice(after).find((f) => 're' in f && f.re === re), 5000);

/** Wait for the close, failing after `ms` instead of hanging. */
function closeOf(rt: RealtimeClient, ms = 5000): Promise<{ code: number; reason: string }> {
  return Promise.race([
    rt.closed,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`socket still open after ${ms} ms`)), ms)),
  ]);
}

/** Connect and say hello as `cookie`. */
async function hello(hub: TestHub, cookie: string | null): Promise<RealtimeClient> {
  return RealtimeClient.open(hub.url, cookie);
}

describe('ws: bad input on /ws', () => {
  let hub: TestHub;
  let owner: ApiClient;
  let bob: ApiClient;
  /** Opened at the start and never says hello: the timeout test checks it at the end. */
  let silent: RealtimeClient;
  let silentOpenedAt = 0;

  /** After each abuse: the process still answers HTTP and a fresh client of another user gets through. */
  async function expectStillServing(): Promise<void> {
    const health = await fetch(hub.url + '/healthz');
    expect(health.status).toBe(200);
    const rt = await hello(hub, bob.cookie);
    const pong = await rt.request({ type: 'ping' }, 5000);
    expect(pong).toMatchObject({ ok: true });
    rt.close();
  }

  beforeAll(async () => {
    hub = await startTestHub();
    owner = await registerOwner(hub.url, 'owner@example.com', 'Olga Owner');
    bob = await addColleague(owner, 'bob@example.com', 'Bob');
    silent = await RealtimeClient.connect(hub.url, owner.cookie);
    silentOpenedAt = Date.now();
  });
  afterAll(() => hub?.stop());

  it('an upgrade without a cookie -> HTTP 401 unauthenticated, no socket', async () => {
    await expectRefused(RealtimeClient.connect(hub.url, null), 401, 'unauthenticated');
    await expectStillServing();
  });

  it('an upgrade with a forged cookie -> HTTP 401 unauthenticated', async () => {
    await expectRefused(RealtimeClient.connect(hub.url, randomBytes(32).toString('base64url')), 401, 'unauthenticated');
    await expectRefused(RealtimeClient.connect(hub.url, 'x; artel_session=y'), 401, 'unauthenticated');
    await expectStillServing();
  });

  it('an upgrade with a wrong or missing Origin -> HTTP 403 bad_origin, even with a valid cookie', async () => {
    for (const origin of ['http://evil.example', 'null', hub.url.replace('127.0.0.1', 'localhost'), hub.url.replace('http:', 'https:'), null]) {
      await expectRefused(RealtimeClient.connect(hub.url, owner.cookie, origin), 403, 'bad_origin');
    }
    await expectStillServing();
  });

  it('a request before hello -> error reply, then close 4400', async () => {
    const rt = await RealtimeClient.connect(hub.url, bob.cookie);
    const r = await rt.request({ type: 'subscribe', streams: [{ stream: 'directory' }] });
    expect(r).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect((await closeOf(rt)).code).toBe(CloseCode.badFrame);
    expect(rt.events()).toHaveLength(0);
    await expectStillServing();
  });

  it('hello with a wrong version -> protocol_version, then close 4400', async () => {
    for (const v of [PROTOCOL_VERSION + 1, 0, -1]) {
      const rt = await RealtimeClient.connect(hub.url, bob.cookie);
      const r = await rt.request({ type: 'hello', v });
      expect(r).toMatchObject({ ok: false, error: { code: 'protocol_version' } });
      expect(r).not.toHaveProperty('user');
      expect((await closeOf(rt)).code).toBe(CloseCode.badFrame);
    }
    await expectStillServing();
  });

  it('malformed JSON -> bad_frame with re null; the socket stays open and a following ping works', async () => {
    const rt = await hello(hub, bob.cookie);
    const n = rt.frames.length;
    rt.sendRaw('{"id":"m1","type":"ping"');
    const r = await replyTo(rt, null, n);
    expect(r).toMatchObject({ re: null, ok: false, error: { code: 'bad_frame' } });
    for (const text of ['[]', 'null', '"ping"', '']) {
      const m = rt.frames.length;
      rt.sendRaw(text);
      expect(await replyTo(rt, null, m)).toMatchObject({ re: null, ok: false, error: { code: 'bad_frame' } });
    }
    expect(await rt.request({ type: 'ping' })).toMatchObject({ ok: true });
    rt.close();
    await expectStillServing();
  });

  it('an unknown type -> unknown_type with re echoed; the socket stays open', async () => {
    const rt = await hello(hub, bob.cookie);
    const r = await rt.request({ type: 'delete_everything' });
    expect(r).toMatchObject({ ok: false, error: { code: 'unknown_type' } });
    expect(r.re).toMatch(/^r\d+$/);
    expect(await rt.request({ type: 'ping' })).toMatchObject({ ok: true });
    rt.close();
    await expectStillServing();
  });

  it('a second hello is refused (bad_request) but the socket stays open', async () => {
    const rt = await hello(hub, bob.cookie);
    expect(await rt.request({ type: 'hello', v: PROTOCOL_VERSION })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await rt.request({ type: 'ping' })).toMatchObject({ ok: true });
    rt.close();
    await expectStillServing();
  });

  it('a schema mismatch -> bad_frame naming the fields; the socket stays open', async () => {
    const rt = await hello(hub, bob.cookie);
    const r = await rt.request({ type: 'subscribe', streams: 'x' });
    expect(r).toMatchObject({ ok: false, error: { code: 'bad_frame' } });
    expect(r.error.fields).toHaveProperty('streams');
    const extra = await rt.request({ type: 'ping', admin: true });
    expect(extra).toMatchObject({ ok: false, error: { code: 'bad_frame' } });
    expect(extra.error.fields).toBeDefined();
    expect(await rt.request({ type: 'ping' })).toMatchObject({ ok: true });
    rt.close();
    await expectStillServing();
  });

  it('10 malformed frames close the socket with 4400 (9 do not)', async () => {
    const rt = await hello(hub, bob.cookie);
    for (let i = 0; i < 9; i++) rt.sendRaw(`{"id":"bad${i}",`);
    expect(await rt.request({ type: 'ping' })).toMatchObject({ ok: true });
    rt.sendRaw('not json at all');
    expect((await closeOf(rt)).code).toBe(CloseCode.badFrame);
    expect(rt.frames.filter((f) => f.ok === false && f.error.code === 'bad_frame')).toHaveLength(10);
    await expectStillServing();
  });

  it(`a frame of exactly ${MAX_FRAME_BYTES} bytes is read; one byte more closes with 4413`, async () => {
    const rt = await hello(hub, bob.cookie);
    const frame = (size: number) => {
      const head = '{"id":"big","type":"ping","pad":"';
      return head + 'x'.repeat(size - head.length - 2) + '"}';
    };
    expect(Buffer.byteLength(frame(MAX_FRAME_BYTES))).toBe(MAX_FRAME_BYTES);
    const n = rt.frames.length;
    rt.sendRaw(frame(MAX_FRAME_BYTES));
    expect(await replyTo(rt, 'big', n)).toMatchObject({ ok: false, error: { code: 'bad_frame' } }); // read, then refused by the schema
    rt.sendRaw(frame(MAX_FRAME_BYTES + 1));
    expect((await closeOf(rt)).code).toBe(CloseCode.tooLarge);
    await expectStillServing();
  });

  it('a frame past the transport cap (256 KiB) is never buffered: the connection is cut, the server keeps serving', async () => {
    const rt = await hello(hub, bob.cookie);
    rt.sendRaw('x'.repeat(300 * 1024));
    const closed = await closeOf(rt);
    await expectStillServing();
    expect([CloseCode.tooLarge, 1006, 1009]).toContain(closed.code);
  });

  it('a binary frame closes the socket with 4400', async () => {
    const rt = await hello(hub, bob.cookie);
    rt.sendRaw(Buffer.from(JSON.stringify({ id: 'b1', type: 'ping' })));
    expect((await closeOf(rt)).code).toBe(CloseCode.badFrame);
    expect(rt.frames.find((f) => f.re === 'b1')).toBeUndefined();
    await expectStillServing();
  });

  it('a flood (200 pings at once) closes with 4429 while another user keeps getting replies', async () => {
    const other = await hello(hub, owner.cookie);
    const rt = await hello(hub, bob.cookie);
    const n = rt.frames.length;
    for (let i = 0; i < 200; i++) rt.sendRaw(JSON.stringify({ id: `f${i}`, type: 'ping' }));
    const during = other.request({ type: 'ping' }, 5000);
    expect((await closeOf(rt)).code).toBe(CloseCode.rateLimited);
    const replies = rt.frames.slice(n).filter((f) => typeof f.re === 'string' && f.re.startsWith('f'));
    expect(replies.length).toBeGreaterThan(0);
    expect(replies.length).toBeLessThan(200);
    expect(await during).toMatchObject({ ok: true });
    for (let i = 0; i < 5; i++) expect(await other.request({ type: 'ping' })).toMatchObject({ ok: true });
    other.close();
    await expectStillServing();
  });

  it('fetch with an `after` beyond any seq (1e21) -> bad_frame, not internal', async () => {
    const rt = await hello(hub, bob.cookie);
    const r = await rt.request({ type: 'fetch', stream: 'directory', after: 1e21 });
    expect(await rt.request({ type: 'ping' })).toMatchObject({ ok: true });
    rt.close();
    await expectStillServing();
    expect(r).toMatchObject({ ok: false, error: { code: 'bad_frame' } });
  });

  it('no hello within 10 s -> close 4408 (this socket was opened at the start of the file)', async () => {
    const closed = await closeOf(silent, 15_000);
    expect(closed.code).toBe(CloseCode.timeout);
    expect(Date.now() - silentOpenedAt).toBeGreaterThanOrEqual(9_500);
    expect(silent.frames).toHaveLength(0);
    await expectStillServing();
  }, 20_000);
});

/** A hub in a child process, for abuse that may take the whole process down. */
describe('ws: a frame that crashes the hub process', () => {
  let db: TestDatabase;
  let child: ChildProcess;
  let output = '';
  let url = '';
  let dataDir = '';

  beforeAll(async () => {
    db = await createTestDatabase();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'artel-ws-crash-'));
    child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'server/main.ts')], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root',
        PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: url, DATABASE_URL: db.url, DATA_DIR: dataDir,
        LOG_LEVEL: 'error', NODE_ID: `crash-${port}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const until = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`hub exited early:\n${output}`);
      const ok = await fetch(url + '/readyz').then((r) => r.status === 200, () => false);
      if (ok) break;
      if (Date.now() > until) throw new Error(`hub not ready:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 90_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await db?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('{"type":{"toString":1}} gets an error reply and the process keeps serving', async () => {
    const owner = await registerOwner(url, 'owner@example.com');
    const rt = await RealtimeClient.open(url, owner.cookie);
    const n = rt.frames.length;
    rt.sendRaw('{"id":"x1","type":{"toString":1}}');
    const reply = await Promise.race([
      replyTo(rt, 'x1', n),
      rt.closed.then((c) => {
        throw new Error(`socket closed with ${c.code} instead of a reply; hub output:\n${output.slice(-2000)}`);
      }),
    ]);
    expect(reply).toMatchObject({ ok: false, error: { code: 'unknown_type' } });
    expect(await rt.request({ type: 'ping' })).toMatchObject({ ok: true });
    expect((await fetch(url + '/healthz')).status).toBe(200);
    rt.close();
  }, 30_000);
});
