/**
 * The two measurements of `npm run bench:capacity`, each on one server (raw uWS or an Artel hub) in a
 * child process of its own, driven by the capacity client threads.
 */
import type { BenchChat, ReadyMessage } from '../lib/common';
import { freePort } from '../lib/hub';
import { ServerChild, WorkerPool } from '../lib/procs';
import type { BenchResources } from '../lib/resources';
import { merged, percentile } from '../lib/stats';
import { nowUs } from '../lib/common';
import type { CapacityConfig, CapClientSpec, CapCommand, CapEvent, OpenedEvent, ResumedEvent, VerifiedEvent } from './common';

export type CapServerKind = 'uws' | 'artel';

export interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export interface IdleRun {
  kind: CapServerKind;
  setupMs: number;
  /** Connections open at the end (warm-up batch included). */
  opened: number;
  failed: number;
  errors: string[];
  /** Connections opened between the two memory readings, and how long they took. */
  measured: number;
  openMs: number;
  /** After the warm-up batch, and after the rest. */
  before: Memory;
  after: Memory;
}

export interface StormRun {
  kind: CapServerKind;
  setupMs: number;
  clients: number;
  openFailed: number;
  /** From the kill to the new server saying it listens, µs. */
  restartUs: number;
  /** Per resumed client, µs from the kill, sorted. */
  times: Float64Array;
  notResumed: number;
  attempts: number;
  caughtUp: number;
  reloads: number;
  verified: VerifiedEvent | null;
}

interface Ctx {
  cfg: CapacityConfig;
  live: BenchResources;
  log: (s: string) => void;
}

/** A hub process on an already seeded database. */
const RESTART = new URL('./restart.ts', import.meta.url);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sum = <T>(xs: T[], f: (x: T) => number) => xs.reduce((a, x) => a + f(x), 0);

/** Start a server child and the client threads, both tracked for cleanup. */
async function start(ctx: Ctx, kind: CapServerKind, clients: number, extra: Record<string, string>) {
  const env: Record<string, string> = { BENCH_CLIENTS: String(clients), BENCH_CHAT_SIZE: String(ctx.cfg.chatSize), ...extra };
  if (kind === 'artel') env.BENCH_DB_URL = await ctx.live.createDatabase('artel_bench_capacity');
  const child = track(ctx, new ServerChild(kind, env));
  const pool = new WorkerPool<CapCommand, CapEvent>(ctx.cfg.workers, new URL('./worker.ts', import.meta.url));
  ctx.live.pools.add(pool);
  ctx.log(`${kind}: starting${kind === 'artel' ? ` (migrations, ${clients} users, sessions, chats)` : ''}`);
  const ready: ReadyMessage = await child.ready(600_000);
  ctx.log(`${kind}: ready at ${ready.url} after ${ready.setupMs} ms`);
  return { child, pool, ready, dbUrl: env.BENCH_DB_URL };
}

function track(ctx: Ctx, child: ServerChild): ServerChild {
  ctx.live.children.add(child);
  return child;
}

/** Every client of the server's chats, whole chats per thread (chat i to thread i % n). */
function shares(ready: ReadyMessage, chats: BenchChat[], threads: number): CapClientSpec[][] {
  const parts: CapClientSpec[][] = Array.from({ length: threads }, () => []);
  chats.forEach((chat, i) => {
    for (const idx of chat.members) parts[i % threads].push({ idx, token: ready.tokens ? ready.tokens[idx] : null, chatId: chat.id });
  });
  return parts;
}

/** Open the clients of `chats` (all of the server's unless given) from every thread. */
async function openAll(ctx: Ctx, pool: WorkerPool<CapCommand, CapEvent>, ready: ReadyMessage, resilient: boolean, chats = ready.chats) {
  const timeoutSeconds = 300;
  const cmds: CapCommand[] = shares(ready, chats, pool.size).map((clients) => ({
    cmd: 'open',
    url: ready.url,
    origin: ready.origin,
    clients,
    concurrency: ctx.cfg.connectConcurrency,
    timeoutSeconds,
    resilient,
  }));
  const res = await pool.all<OpenedEvent>(cmds, (timeoutSeconds + 60) * 1000);
  return { ok: sum(res, (r) => r.ok), failed: sum(res, (r) => r.failed), errors: res.flatMap((r) => r.errors).slice(0, 5), ms: Math.max(...res.map((r) => r.ms)) };
}

async function closeAll(pool: WorkerPool<CapCommand, CapEvent>): Promise<void> {
  await pool.all(Array.from({ length: pool.size }, () => ({ cmd: 'close' }) as CapCommand), 60_000).catch(() => {});
  await pool.terminate().catch(() => {});
}

/**
 * Wait (at most a minute) until the server is idle: the presence pushes of the last connections delivered,
 * so no socket holds a send buffer when the memory is read.
 */
async function settled(child: ServerChild, log: (s: string) => void, kind: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const a = await child.cpuMicros();
    await sleep(1000);
    const cores = ((await child.cpuMicros()) - a) / 1e6;
    if (cores < 0.05) return;
    if (Date.now() > deadline) return log(`${kind}: server still busy (${cores.toFixed(2)} cores) a minute after the last connection; reading its memory anyway`);
  }
}

/**
 * Idle connections: the server's memory (after a full GC) before and after N clients connected, said
 * hello and subscribed to their chat, user stream and the directory, then left them alone.
 */
export async function idleRun(ctx: Ctx, kind: CapServerKind): Promise<IdleRun> {
  const { cfg, log } = ctx;
  const seeded = await start(ctx, kind, cfg.idleConnections, {});
  const { pool } = seeded;
  let { child, ready } = seeded;
  try {
    if (kind === 'artel') {
      // Seeding leaves its garbage in the process (freed heap pages stay in the RSS and are reused later):
      // measure a fresh hub on the seeded database instead, as a hub starts in production.
      await child.stop();
      child = track(ctx, new ServerChild('artel-fresh', { BENCH_DB_URL: seeded.dbUrl!, BENCH_PORT: String(await freePort()) }, RESTART));
      const fresh = await child.ready(120_000);
      ready = { ...ready, url: fresh.url, origin: fresh.origin };
      log(`${kind}: a fresh hub on the seeded database is ready at ${fresh.url} after ${fresh.setupMs} ms`);
    }
    // A warm-up batch (a tenth) first: what the first connections cost once (compiled code, caches, pools)
    // is not a cost per connection.
    const warmChats = Math.max(1, Math.round(ready.chats.length / 10));
    const warm = await openAll(ctx, pool, ready, false, ready.chats.slice(0, warmChats));
    await settled(child, log, kind);
    const before = await child.memory();
    const opened = await openAll(ctx, pool, ready, false, ready.chats.slice(warmChats));
    const failed = warm.failed + opened.failed;
    const errors = [...warm.errors, ...opened.errors].slice(0, 5);
    log(`${kind}: ${warm.ok} + ${opened.ok} idle connections open, the latter in ${opened.ms} ms${failed ? `, ${failed} failed: ${errors.join('; ')}` : ''}`);
    if (opened.ok === 0) throw new Error(`${kind}: no client could connect`);
    await sleep(cfg.settleSeconds * 1000);
    await settled(child, log, kind);
    const after = await child.memory();
    const perConn = (after.rss - before.rss) / opened.ok;
    log(`${kind}: RSS ${(before.rss / 2 ** 20).toFixed(1)} → ${(after.rss / 2 ** 20).toFixed(1)} MiB, ${(perConn / 1024).toFixed(1)} KiB per connection`);
    return { kind, setupMs: ready.setupMs, opened: warm.ok + opened.ok, failed, errors, measured: opened.ok, openMs: opened.ms, before, after };
  } finally {
    await closeAll(pool);
    await child.stop();
    await seeded.child.stop();
  }
}

/**
 * Reconnect storm: K resilient clients on a server at a fixed port; on Artel a steady stream of sends into
 * their chats. Then the server is killed (-9) and a new one started on the same port (Artel: on the same
 * database); every client reconnects with the web client's backoff and resumes. On Artel the sends go on
 * after every client is back, then every history is checked against the acknowledged messages.
 */
export async function stormRun(ctx: Ctx, kind: CapServerKind): Promise<StormRun> {
  const { cfg, log } = ctx;
  const port = await freePort();
  const { child, pool, ready, dbUrl } = await start(ctx, kind, cfg.stormClients, { BENCH_PORT: String(port) });
  let restarted: ServerChild | null = null;
  try {
    const opened = await openAll(ctx, pool, ready, true);
    log(`${kind}: ${opened.ok} clients connected and subscribed in ${opened.ms} ms${opened.failed ? `, ${opened.failed} failed: ${opened.errors.join('; ')}` : ''}`);
    if (opened.ok === 0) throw new Error(`${kind}: no client could connect`);
    if (kind === 'artel') {
      await pool.all(Array.from({ length: pool.size }, () => ({ cmd: 'send', rate: cfg.sendRate / pool.size }) as CapCommand), 10_000);
      log(`${kind}: sending ${cfg.sendRate} msg/s for ${cfg.sendSeconds} s before the cut`);
      await sleep(cfg.sendSeconds * 1000);
    }
    log(`${kind}: killing the server (-9), then starting a new one on port ${port}`);
    const cutUs = nowUs();
    await child.kill();
    restarted =
      kind === 'artel'
        ? track(ctx, new ServerChild('artel-restarted', { BENCH_DB_URL: dbUrl!, BENCH_PORT: String(port) }, RESTART))
        : track(ctx, new ServerChild('uws', { BENCH_CLIENTS: String(cfg.stormClients), BENCH_CHAT_SIZE: String(cfg.chatSize), BENCH_PORT: String(port) }));
    await restarted.ready(120_000);
    const restartUs = nowUs() - cutUs;
    log(`${kind}: new server listening ${(restartUs / 1e6).toFixed(2)} s after the kill`);
    const res = await pool.all<ResumedEvent>(
      Array.from({ length: pool.size }, () => ({ cmd: 'resumed', cutUs, timeoutSeconds: cfg.stormTimeoutSeconds }) as CapCommand),
      (cfg.stormTimeoutSeconds + 60) * 1000,
    );
    const times = merged(res.map((r) => r.times));
    const notResumed = sum(res, (r) => r.notResumed);
    log(
      `${kind}: ${times.length} clients resumed, the last ${(times[times.length - 1] / 1e6).toFixed(2)} s after the kill ` +
        `(p50 ${(percentile(times, 0.5) / 1e6).toFixed(2)} s)${notResumed ? `, ${notResumed} NOT resumed` : ''}`,
    );
    let verified: VerifiedEvent | null = null;
    if (kind === 'artel') {
      log(`${kind}: sending on for ${cfg.sendSeconds} s, then checking every history`);
      await sleep(cfg.sendSeconds * 1000);
      const v = await pool.all<VerifiedEvent>(Array.from({ length: pool.size }, () => ({ cmd: 'verify', timeoutSeconds: 60 }) as CapCommand), 120_000);
      const add = (f: (x: VerifiedEvent) => number) => sum(v, f);
      verified = {
        ev: 'verified',
        clients: add((x) => x.clients),
        chats: add((x) => x.chats),
        sent: add((x) => x.sent),
        acked: add((x) => x.acked),
        refused: add((x) => x.refused),
        errors: v.flatMap((x) => x.errors).slice(0, 5),
        pending: add((x) => x.pending),
        lost: add((x) => x.lost),
        gaps: add((x) => x.gaps),
        duplicates: add((x) => x.duplicates),
        redelivered: add((x) => x.redelivered),
        behind: add((x) => x.behind),
      };
      log(
        `${kind}: ${verified.sent} sent, ${verified.acked} acknowledged, ${verified.pending} still queued; ` +
          `lost ${verified.lost}, duplicated ${verified.duplicates}, gaps ${verified.gaps}, clients behind ${verified.behind}` +
          `${verified.refused ? `, ${verified.refused} refused (${verified.errors.join('; ')})` : ''}`,
      );
    }
    return {
      kind,
      setupMs: ready.setupMs,
      clients: opened.ok,
      openFailed: opened.failed,
      restartUs,
      times,
      notResumed,
      attempts: sum(res, (r) => r.attempts),
      caughtUp: sum(res, (r) => r.caughtUp),
      reloads: sum(res, (r) => r.reloads),
      verified,
    };
  } finally {
    await closeAll(pool);
    await restarted?.stop();
    await child.stop();
  }
}
