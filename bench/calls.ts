/**
 * `npm run bench:calls`: Artel's video-call benchmark (not part of `npm test`, not of `npm run bench`).
 *
 * A real hub (server/main.ts in a child process, a fresh database of the local PostgreSQL, video on: it
 * supervises Debian's Janus under a temp DATA_DIR) and one headless Chromium with a fake camera and
 * microphone, one browser context per participant, each opening /app/calls/<id> and clicking "Join" as
 * people do. Per case:
 * - join → first frame: per ordered pair (receiver, sender), from the later of the two "Join" clicks to
 *   the receiver's first decoded video frame of the sender (getStats framesDecoded through
 *   window.__artelCall, polled in the page every 50 ms); p50 and max over all pairs;
 * - then a steady window: CPU (user + system seconds per wall second, /proc/<pid>/stat) of Janus, of the
 *   hub and of Chromium's processes, and the frame rate every receiver decodes.
 * Cases: meetings of 2, 4 and 8 (everyone publishes camera and microphone: N×(N−1) video and as many
 * audio streams forwarded), 1-to-N broadcasts (one publisher, the others join with camera and microphone
 * off: N−1 video + N−1 audio streams), and the baseline of the same run: the same media between
 * Chromium pages over a direct RTCPeerConnection mesh (bench/calls/mesh.ts) for 2 and 4.
 *
 * Knobs: BENCH_CALLS_SIZES (2,4,8), BENCH_CALLS_MESH (2,4), BENCH_CALLS_BROADCAST (2,4,8; empty: none),
 * BENCH_CALLS_SECONDS (15, the steady window), BENCH_PG_URL, BENCH_WRITE_DOCS=1. Everything is on
 * 127.0.0.1; the run stops what it started and drops its database, also on failure and SIGINT.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { runAsProcess } from './lib/common';
import { machineInfo } from './lib/machine';
import { chromiumRoot, measureCores, processGroups } from './calls/procs';
import { connectMesh, KEEP_NAMES, openMesh, type MeshPeer } from './calls/mesh';
import { chromium } from 'playwright-core';
import { CHROMIUM } from '../test/helpers/browser';
import { addColleague, registerOwner, type ApiClient } from '../test/helpers/client';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const list = (name: string, fallback: string) =>
  (process.env[name] ?? fallback)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 2 || n > 12) throw new Error(`${name}: sizes are integers from 2 to 12, got ${s}`);
      return n;
    });
const cfg = {
  sizes: list('BENCH_CALLS_SIZES', '2,4,8'),
  broadcast: list('BENCH_CALLS_BROADCAST', '2,4,8'),
  mesh: list('BENCH_CALLS_MESH', '2,4'),
  seconds: Number(process.env.BENCH_CALLS_SECONDS || 15),
  pgUrl: process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
  writeDocs: process.env.BENCH_WRITE_DOCS === '1',
  /** How long a receiver may wait for a sender's first frame before the pair counts as missing. */
  firstFrameTimeoutMs: 60_000,
};
const COMMAND = 'npm run bench:calls';
/** test/helpers/browser.ts launchChromium's switches: headless, nothing of Chromium's own on the network. */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const started = performance.now();
const log = (s: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${s}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- what this run started, for cleanup ----
const live = { hub: null as ChildProcess | null, browser: null as Browser | null, database: null as string | null, dataDir: null as string | null };

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: cfg.pgUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

let cleaned: Promise<void> | null = null;
function cleanup(): Promise<void> {
  cleaned ??= (async () => {
    await live.browser?.close().catch(() => {});
    const hub = live.hub;
    if (hub && hub.exitCode === null && hub.signalCode === null) {
      const exited = new Promise<void>((r) => hub.once('exit', () => r()));
      hub.kill('SIGTERM'); // the hub stops its Janus on the way out
      const late = await Promise.race([exited.then(() => false), sleep(20_000).then(() => true)]);
      if (late) {
        console.error(`hub pid ${hub.pid} did not stop in 20 s; killing it`);
        hub.kill('SIGKILL');
        await exited;
      }
    }
    if (live.database) {
      const name = live.database;
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
        .then(() => log(`dropped database ${name}`))
        .catch((err) => console.error(`could not drop database ${name}: ${String(err)}`));
    }
    if (live.dataDir) fs.rmSync(live.dataDir, { recursive: true, force: true });
  })();
  return cleaned;
}

// ---- the hub ----
async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as import('node:net').AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const UWS_CORK_WARNING = 'Warning: uWS.HttpResponse writes must be made from within a corked callback';

/**
 * Databases of earlier runs that were killed before their cleanup. DROP without FORCE: a database a
 * running bench is connected to stays.
 */
async function dropLeftovers(): Promise<void> {
  const names = await admin(async (c) => (await c.query(`SELECT datname FROM pg_database WHERE datname LIKE 'artel\\_bench\\_calls\\_%'`)).rows.map((r) => r.datname as string));
  for (const name of names) {
    if (!/^artel_bench_calls_[0-9a-f]{12}$/.test(name)) continue;
    await admin((c) => c.query(`DROP DATABASE ${name}`))
      .then(() => log(`dropped ${name}, left by an earlier run`))
      .catch(() => {});
  }
}

async function startHub(): Promise<{ url: string; pid: number }> {
  await dropLeftovers();
  const name = `artel_bench_calls_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  live.database = name;
  const dbUrl = new URL(cfg.pgUrl);
  dbUrl.pathname = `/${name}`;
  live.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'artel-bench-calls-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: url,
    DATABASE_URL: dbUrl.toString(),
    DATA_DIR: live.dataDir,
    NODE_ID: 'bench-calls',
    SMTP_PORT: '0',
    LOG_LEVEL: 'error',
    MENTION_DIGEST_MINUTES: '0',
    VIDEO: 'auto',
    JANUS_BIN: '/usr/bin/janus',
    RTP_PORTS: '44000-44999',
  };
  // setpriv (util-linux) has the kernel send the hub SIGTERM if this process dies without cleaning up
  // (a SIGKILL): the hub then stops its Janus itself, and nothing is left holding ports.
  const hubArgs = ['--import', 'tsx', path.join(root, 'server/main.ts')];
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((f) => fs.existsSync(f));
  const hub = setpriv
    ? spawn(setpriv, ['--pdeathsig', 'TERM', '--', process.execPath, ...hubArgs], { cwd: root, env, stdio: ['ignore', 'inherit', 'pipe'] })
    : spawn(process.execPath, hubArgs, { cwd: root, env, stdio: ['ignore', 'inherit', 'pipe'] });
  live.hub = hub;
  hub.stderr!.setEncoding('utf8');
  let pending = '';
  hub.stderr!.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line && !line.startsWith(UWS_CORK_WARNING)) process.stderr.write(`[hub] ${line}\n`);
  });
  for (let i = 0; i < 300; i++) {
    if (hub.exitCode !== null) throw new Error(`the hub exited with ${hub.exitCode}`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok).catch(() => false);
    if (ok) return { url, pid: hub.pid! };
    await sleep(200);
  }
  throw new Error('the hub did not answer /healthz within 60 s');
}

// ---- a call in the browser ----
interface Person {
  name: string;
  client: ApiClient;
  id: string;
}

interface Participant {
  person: Person;
  ctx: BrowserContext;
  page: Page;
  publishes: boolean;
  participantId: string;
  t0: number;
}

/** The page's own poller: the first time each sender's video has a decoded frame (epoch ms). */
function installPoller(): void {
  const w = window as any;
  w.__bench = { first: {} as Record<string, number>, t0: 0 };
  setInterval(async () => {
    const call = w.__artelCall;
    if (!call) return;
    for (const s of await call.inbound()) {
      if (s.kind === 'video' && s.source === 'camera' && s.framesDecoded > 0 && !(s.participantId in w.__bench.first)) w.__bench.first[s.participantId] = Date.now();
    }
  }, 50);
}

async function framesByReceiver(p: Participant): Promise<Record<string, number>> {
  return p.page.evaluate(async () => {
    const out: Record<string, number> = {};
    for (const s of (await (window as any).__artelCall?.inbound()) ?? []) if (s.kind === 'video' && s.source === 'camera') out[s.participantId] = s.framesDecoded;
    return out;
  });
}

interface CaseResult {
  label: string;
  kind: 'meeting' | 'broadcast' | 'mesh';
  n: number;
  /** Forwarded streams (video + audio); for the mesh, peer-to-peer streams. */
  streams: number;
  pairs: number;
  latencies: number[];
  missing: number;
  cores: Record<string, number>;
  machine: number;
  /** Decoded frames per second per (receiver, sender) video during the steady window. */
  fps: number[];
  note: string;
}

const pct = (xs: number[], q: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

async function sfuCase(browser: Browser, hub: { url: string; pid: number }, people: Person[], kind: 'meeting' | 'broadcast', n: number): Promise<CaseResult> {
  const label = kind === 'meeting' ? `SFU meeting of ${n}` : `SFU broadcast 1→${n - 1}`;
  log(`${label}: opening ${n} pages`);
  const members = people.slice(0, n);
  const [owner, ...others] = members;
  const chat = await owner.client.post('/api/chats', { kind: 'group', title: `${label}`, memberIds: others.map((p) => p.id) });
  if (chat.status !== 201) throw new Error(`chat: ${chat.status} ${JSON.stringify(chat.body)}`);
  const chatId = chat.body.chat.id as string;
  const parts: Participant[] = [];
  try {
    // The owner starts the call from the chat, as people do; the call page's URL gives its id.
    const open = async (person: Person, publishes: boolean): Promise<Participant> => {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
      ctx.setDefaultTimeout(60_000);
      await ctx.addCookies([{ name: 'artel_session', value: person.client.cookie!, url: hub.url }]);
      await ctx.grantPermissions(['camera', 'microphone'], { origin: hub.url });
      await ctx.addInitScript({ content: KEEP_NAMES });
      const page = await ctx.newPage();
      const p: Participant = { person, ctx, page, publishes, participantId: '', t0: 0 };
      parts.push(p);
      return p;
    };
    const first = await open(owner, true);
    await first.page.goto(`${hub.url}/app/chats/${chatId}`);
    await first.page.getByTestId('call-start').click();
    await first.page.waitForURL(/\/app\/calls\/[0-9a-f-]{36}$/);
    const callId = first.page.url().split('/').pop()!;
    const rest = await Promise.all(others.map((p) => open(p, kind === 'meeting')));
    await Promise.all(rest.map((p) => p.page.goto(`${hub.url}/app/calls/${callId}`)));
    // Everyone on the pre-join screen with devices open; viewers turn camera and microphone off there.
    await Promise.all(
      parts.map(async (p) => {
        await p.page.evaluate(installPoller);
        const join = p.page.getByTestId('call-join');
        await join.waitFor();
        await p.page.locator('[data-testid=call-camera][data-on=true]').waitFor();
        if (!p.publishes) {
          // A DOM click: with the camera off, its button's icon overlaps the microphone button in
          // headless Chromium and a pointer click lands on the camera.
          await p.page.getByTestId('call-camera').evaluate((b: HTMLElement) => b.click());
          await p.page.locator('[data-testid=call-camera][data-on=false]').waitFor();
          await p.page.getByTestId('call-mic').evaluate((b: HTMLElement) => b.click());
          await p.page.locator('[data-testid=call-mic][data-on=false]').waitFor();
        }
        await p.page.waitForFunction(() => !(document.querySelector('[data-testid=call-join]') as HTMLButtonElement | null)?.disabled);
      }),
    );
    await sleep(1000);
    log(`${label}: everyone clicks Join`);
    await Promise.all(
      parts.map(async (p) => {
        p.t0 = await p.page.evaluate(() => {
          const t = Date.now();
          (document.querySelector('[data-testid=call-join]') as HTMLButtonElement).click();
          (window as any).__bench.t0 = t;
          return t;
        });
      }),
    );
    await Promise.all(
      parts.map(async (p) => {
        const room = p.page.getByTestId('call-room');
        await room.waitFor();
        await p.page.waitForFunction(() => !!document.querySelector('[data-testid=call-room]')?.getAttribute('data-participant-id'));
        p.participantId = (await room.getAttribute('data-participant-id'))!;
      }),
    );
    // Who should receive whom.
    const expectPairs: [Participant, Participant][] = [];
    for (const r of parts) for (const s of parts) if (r !== s && s.publishes) expectPairs.push([r, s]);
    const deadline = Date.now() + cfg.firstFrameTimeoutMs;
    let firsts: Record<string, number>[] = [];
    for (;;) {
      firsts = await Promise.all(parts.map((p) => p.page.evaluate(() => (window as any).__bench.first as Record<string, number>)));
      const done = expectPairs.every(([r, s]) => s.participantId in firsts[parts.indexOf(r)]);
      if (done || Date.now() > deadline) break;
      await sleep(250);
    }
    const latencies: number[] = [];
    let missing = 0;
    for (const [r, s] of expectPairs) {
      const at = firsts[parts.indexOf(r)][s.participantId];
      if (at === undefined) missing++;
      else latencies.push(at - Math.max(r.t0, s.t0));
    }
    log(`${label}: first frames p50 ${pct(latencies, 0.5)} ms, max ${Math.max(...latencies)} ms, missing ${missing}/${expectPairs.length}; steady ${cfg.seconds} s`);
    await sleep(2000);
    const before = await Promise.all(parts.map(framesByReceiver));
    const m = await measureCores(processGroups(hub.pid, chromiumRoot()), cfg.seconds);
    const after = await Promise.all(parts.map(framesByReceiver));
    const fps: number[] = [];
    for (const [r, s] of expectPairs) {
      const i = parts.indexOf(r);
      const a = before[i][s.participantId] ?? 0;
      const b = after[i][s.participantId] ?? 0;
      fps.push((b - a) / cfg.seconds);
    }
    const streams = kind === 'meeting' ? 2 * n * (n - 1) : 2 * (n - 1);
    return { label, kind, n, streams, pairs: expectPairs.length, latencies, missing, cores: m.cores, machine: m.machine, fps, note: '' };
  } finally {
    for (const p of parts) await p.ctx.close().catch(() => {});
  }
}

async function meshCase(browser: Browser, hub: { pid: number }, n: number): Promise<CaseResult> {
  const label = `P2P mesh of ${n}`;
  log(`${label}: opening ${n} pages`);
  let peers: MeshPeer[] = [];
  try {
    peers = await openMesh(browser, n);
    await sleep(1000);
    const t0 = await connectMesh(peers);
    const deadline = Date.now() + cfg.firstFrameTimeoutMs;
    let firsts: Record<string, number>[] = [];
    const expected = n * (n - 1);
    for (;;) {
      firsts = await Promise.all(peers.map((p) => p.page.evaluate(() => (window as any).__mesh.first as Record<string, number>)));
      const got = firsts.reduce((a, f) => a + Object.keys(f).length, 0);
      if (got >= expected || Date.now() > deadline) break;
      await sleep(250);
    }
    const latencies: number[] = [];
    let missing = 0;
    peers.forEach((r, i) => {
      for (const s of peers) {
        if (s === r) continue;
        const at = firsts[i][s.name];
        if (at === undefined) missing++;
        else latencies.push(at - Math.max(t0[r.name], t0[s.name]));
      }
    });
    log(`${label}: first frames p50 ${pct(latencies, 0.5)} ms, max ${Math.max(...latencies)} ms, missing ${missing}/${expected}; steady ${cfg.seconds} s`);
    await sleep(2000);
    const frames = () => Promise.all(peers.map((p) => p.page.evaluate(() => (window as any).__meshFrames() as Promise<Record<string, number>>)));
    const before = await frames();
    const m = await measureCores(processGroups(hub.pid, chromiumRoot()), cfg.seconds);
    const after = await frames();
    const fps: number[] = [];
    peers.forEach((r, i) => {
      for (const s of peers) if (s !== r) fps.push(((after[i][s.name] ?? 0) - (before[i][s.name] ?? 0)) / cfg.seconds);
    });
    return { label, kind: 'mesh', n, streams: 2 * n * (n - 1), pairs: expected, latencies, missing, cores: m.cores, machine: m.machine, fps, note: '' };
  } finally {
    for (const p of peers) await p.ctx.close().catch(() => {});
  }
}

// ---- the report ----
const f0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '—');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '—');
const ms = (x: number) => (Number.isFinite(x) ? `${f0(x)} ms` : '—');

function chromiumCores(r: CaseResult): { total: number; renderer: number; gpu: number } {
  let total = 0;
  for (const [k, v] of Object.entries(r.cores)) if (k.startsWith('chromium:')) total += v;
  return { total, renderer: r.cores['chromium:renderer'] ?? 0, gpu: r.cores['chromium:gpu'] ?? 0 };
}

function render(results: CaseResult[], machine: Awaited<ReturnType<typeof machineInfo>>, versions: Record<string, string>, seconds: number): string {
  const meshP50 = new Map(results.filter((r) => r.kind === 'mesh').map((r) => [r.n, pct(r.latencies, 0.5)]));
  const mesh2 = meshP50.get(2) ?? NaN;
  const out: string[] = [];
  out.push(`Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`${COMMAND}\`` + (cfg.writeDocs ? ' (with `BENCH_WRITE_DOCS=1`)' : '') + ` in ${f0(seconds)} s.`);
  out.push('');
  out.push('### Join → first decoded frame');
  out.push('');
  out.push('Per ordered pair (receiver, sender): from the later of the two "Join" clicks to the receiver\'s first decoded video frame of the sender.');
  out.push('The ratio is the p50 against the peer-to-peer mesh of the same size in this run (or of 2 where no mesh of that size ran).');
  out.push('');
  out.push('| case | pairs | p50 | max | missing | p50 ÷ mesh p50 |');
  out.push('|---|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const p50 = pct(r.latencies, 0.5);
    const base = r.kind === 'mesh' ? NaN : (meshP50.get(r.n) ?? mesh2);
    const baseN = meshP50.has(r.n) ? r.n : 2;
    out.push(`| ${r.label} | ${r.pairs} | ${ms(p50)} | ${ms(Math.max(...r.latencies))} | ${r.missing} | ${r.kind === 'mesh' ? '(baseline)' : `${f2(p50 / base)}× (mesh ${baseN})`} |`);
  }
  out.push('');
  out.push(`### CPU during a steady ${cfg.seconds} s window`);
  out.push('');
  out.push('Cores = CPU seconds (user + system) per wall second, from `/proc/<pid>/stat`. Streams = video + audio streams the SFU forwards');
  out.push('(meeting: 2·N·(N−1); broadcast: 2·(N−1)); for the mesh, the streams the browsers send each other directly.');
  out.push('fps = decoded frames per second per received video (the fake camera sends 24 at most; fewer means frames are late or dropped).');
  out.push('');
  out.push('| case | streams | Janus cores | Janus ms CPU/s per stream | hub cores | hub ms CPU/s per stream | Chromium cores (renderers / GPU) | machine busy | fps min / p50 |');
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const j = r.cores.janus ?? NaN;
    const h = r.cores.hub ?? NaN;
    const c = chromiumCores(r);
    const sfu = r.kind !== 'mesh';
    out.push(
      `| ${r.label} | ${r.streams} | ${sfu ? f3(j) : `(${f3(j)} idle)`} | ${sfu ? f2((j * 1000) / r.streams) : '—'} | ${sfu ? f3(h) : `(${f3(h)} idle)`} | ${sfu ? f2((h * 1000) / r.streams) : '—'} | ` +
        `${f2(c.total)} (${f2(c.renderer)} / ${f2(c.gpu)}) | ${f0(r.machine * 100)} % of ${machine.nproc} | ${f0(Math.min(...r.fps))} / ${f0(pct(r.fps, 0.5))} |`,
    );
  }
  // What a saturated machine did to the figures, said next to them rather than left to the reader.
  const saturated = results.filter((r) => r.machine >= 0.95 || r.missing > 0 || pct(r.fps, 0.5) < 15);
  if (saturated.length) {
    out.push('');
    out.push('**This machine saturated** in: ' + saturated
      .map((r) => `${r.label} (machine ${f0(r.machine * 100)} % busy, received video at ${f0(pct(r.fps, 0.5))} fps p50` +
        (r.missing ? `, ${r.missing} of ${r.pairs} pairs without a first frame within ${cfg.firstFrameTimeoutMs / 1000} s` : '') + ')')
      .join('; ') + '.');
    out.push('There the browsers (every participant\'s encoder, decoders and page on the same cores) take the CPU; the senders\' encoders');
    out.push('starve, so Janus forwards fewer packets and its CPU per stream is lower than on a machine that keeps up: those rows are');
    out.push('a property of this machine, not of the SFU\'s capacity.');
  }
  out.push('');
  out.push('### Machine');
  out.push('');
  out.push(`- ${machine.nproc} cores, ${machine.cpu}; ${machine.kernel}; Node ${machine.node}`);
  out.push(`- ${versions.janus}; Chromium ${versions.chromium} (headless, \`--use-fake-device-for-media-stream --use-fake-ui-for-media-stream\`, software video: \`--disable-gpu\`)`);
  out.push(`- ${machine.postgres.split(',')[0]}`);
  out.push('- memory:');
  out.push('');
  out.push('```');
  out.push(machine.free);
  out.push('```');
  return out.join('\n');
}

const DOCS_BEGIN = '<!-- bench:calls:begin -->';
const DOCS_END = '<!-- bench:calls:end -->';

const INTRO = `## Video calls: \`${COMMAND}\`

\`${COMMAND}\` (\`tsx bench/calls.ts\`) measures calls on Artel's supervised Janus with real browsers. It is not part of
\`npm test\` nor of \`npm run bench\`. It starts a hub (\`server/main.ts\` in a child process) on a fresh database of the local
PostgreSQL with video on, so the hub supervises Debian's Janus under a temp \`DATA_DIR\`; it registers an owner and
colleagues through the HTTP API, makes a group chat per case and starts its call from the chat page. One headless Chromium
with a fake camera and microphone holds one browser context per participant; each opens \`/app/calls/<id>\` and clicks
"Join". It stops everything it started and drops its database, also on failure and \`SIGINT\`.

- **Join → first frame**: per ordered pair (receiver, sender), from the later of the two "Join" clicks (everyone clicks
  at once) to the receiver's first decoded video frame of the sender (\`framesDecoded\` from \`getStats\` through
  \`window.__artelCall\`, polled in the page every 50 ms). This includes \`call_join\`, the publisher leg's offer/answer
  through hub → sfu → Janus, ICE and DTLS, the subscription, and the first key frame.
- **Steady CPU**: then a ${'${seconds}'}-second window; CPU of Janus and of the hub divided by the streams forwarded.
- **Cases**: meetings (everyone publishes camera and microphone) and 1-to-N broadcasts (one publisher; viewers turn camera and
  microphone off on the pre-join screen, so they join with nothing sent: their publisher leg is negotiated but carries no media).
- **Baseline, same run**: the same fake camera and microphone between Chromium pages over a direct \`RTCPeerConnection\`
  mesh, no SFU (\`bench/calls/mesh.ts\`; the test process carries the SDP), with the same 360p/24 fps constraints. The
  mesh's Chromium CPU is the context for Janus': on one machine the browsers encoding and decoding are by far the largest cost.

All participants' browsers run on the same machine as Janus and the hub, so the larger cases measure the machine
as much as the SFU: when \`machine busy\` is near 100 % the first frames and the fps are those of a saturated machine.

Knobs: \`BENCH_CALLS_SIZES\` (2,4,8), \`BENCH_CALLS_BROADCAST\` (2,4,8: participants including the publisher), \`BENCH_CALLS_MESH\` (2,4), \`BENCH_CALLS_SECONDS\` (15),
\`BENCH_PG_URL\`, \`BENCH_WRITE_DOCS=1\` (rewrites this section only).
`;

function writeDocs(report: string): string {
  const file = path.join(root, 'docs/benchmarks.md');
  const text = fs.readFileSync(file, 'utf8');
  const section = `${INTRO.replace('${seconds}', String(cfg.seconds))}\n${DOCS_BEGIN}\n${report}\n${DOCS_END}\n`;
  const a = text.indexOf('## Video calls: ');
  const b = text.indexOf(DOCS_END);
  let next: string;
  if (a >= 0 && b > a) next = `${text.slice(0, a)}${section}${text.slice(b + DOCS_END.length).replace(/^\n+/, '\n')}`;
  else next = `${text.trimEnd()}\n\n${section}`;
  fs.writeFileSync(file, next.replace(/\n+$/, '\n'));
  return file;
}

async function main(): Promise<void> {
  log(`config: meetings ${cfg.sizes.join('/')}, broadcasts ${cfg.broadcast.join('/') || 'none'}, mesh ${cfg.mesh.join('/') || 'none'}, steady ${cfg.seconds} s`);
  const machine = await machineInfo(cfg.pgUrl);
  const hub = await startHub();
  log(`hub pid ${hub.pid} at ${hub.url}`);
  const most = Math.max(...cfg.sizes, ...cfg.broadcast, 2);
  const owner = await registerOwner(hub.url, 'owner@bench.invalid', 'Bench Owner');
  const people: Person[] = [{ name: 'owner', client: owner, id: (await owner.get('/api/me')).body.user.id }];
  for (let i = 1; i < most; i++) {
    const c = await addColleague(owner, `user${i}@bench.invalid`, `Bench User ${i}`);
    const me = (await c.get('/api/me')).body;
    people.push({ name: `user${i}`, client: c, id: me.user.id });
  }
  // Video is ready once the hub's Janus answers.
  for (let i = 0; ; i++) {
    const v = (await owner.get('/api/calls/video')).body;
    if (v.available) break;
    if (i > 150) throw new Error(`video is unavailable: ${JSON.stringify(v)}`);
    await sleep(200);
  }
  log(`video ready; ${people.length} people`);
  // Playwright's own SIGINT/SIGTERM handlers would close the browser and exit at once, before the hub
  // and the database are cleaned up: this process handles the signals itself.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  live.browser = browser;
  const versions = {
    chromium: browser.version(),
    janus: (() => {
      try {
        const r = spawnSync('/usr/bin/janus', ['--version'], { encoding: 'utf8', timeout: 5000 });
        return `Janus ${/version: \d+ \(([^)]+)\)/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? '?'}`;
      } catch {
        return 'Janus ?';
      }
    })(),
  };
  const results: CaseResult[] = [];
  for (const n of cfg.mesh) results.push(await meshCase(browser, hub, n));
  for (const n of cfg.sizes) results.push(await sfuCase(browser, hub, people, 'meeting', n));
  for (const n of cfg.broadcast) results.push(await sfuCase(browser, hub, people, 'broadcast', n));
  const report = render(results, machine, versions, (performance.now() - started) / 1000);
  console.log('\n' + report + '\n');
  if (cfg.writeDocs) log(`results written to ${writeDocs(report)}`);
}

runAsProcess('bench:calls', main, cleanup, log);
