/**
 * `npm run bench:load`: how many active people one box holds within Mattermost's health limits.
 *
 * 1. A fresh database on the local PostgreSQL; a real hub in a child process (bench/load/hub.ts) migrates
 *    it, seeds a company with a million messages by bulk SQL, and opens the simulated people's sessions.
 * 2. The seeded data is read back through the hub's own API (pages, a thread, search, a stream resume).
 * 3. Worker threads (bench/load/worker.ts) add people step by step; each person runs a Mattermost-like mix
 *    of actions with think times. Each step is measured after a warm-up: per-action counts, errors and
 *    latency, and the CPU of the hub and PostgreSQL.
 * 4. Baseline in the same run: the read and search actions' domain functions (the same SQL) straight on a
 *    PostgreSQL pool, same people and pauses, the hub idle.
 *
 * Knobs: BENCH_LOAD_USERS, BENCH_LOAD_CHATS, BENCH_LOAD_MESSAGES, BENCH_LOAD_STEPS, BENCH_LOAD_SECONDS,
 * BENCH_LOAD_WARMUP_SECONDS, BENCH_LOAD_THINK_MS, BENCH_LOAD_BASELINE_SECONDS, BENCH_LOAD_TIMEOUT_MS,
 * BENCH_LOAD_STOP_AT_BREAK, BENCH_LOAD_SEED, BENCH_WORKERS, BENCH_PG_URL, BENCH_MAX_SECONDS, BENCH_WRITE_DOCS=1
 * (see docs/benchmarks.md). The bench drops its database and stops its processes however it ends.
 */
import { machineInfo } from './lib/machine';
import { awaitServerIdle, backendLister, CpuMeter, ServerChild, WorkerPool } from './lib/procs';
import { BenchResources } from './lib/resources';
import { writeDocs } from './report';
import { ACTIONS, loadConfig, type LoadCommand, type LoadEvent, type LoadUser } from './load/common';
import { DOCS_BEGIN, DOCS_END, renderLoadReport, stepRun, summarize, type LoadRun, type StepRun } from './load/report';
import type { SeedResult } from './load/seed';
import { verifySeed } from './load/verify';
import { runAsProcess } from './lib/common';

const cfg = loadConfig();
const started = performance.now();
const log = (s: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${s}`);
const host = new URL(cfg.pgUrl).hostname;
if (host !== '127.0.0.1' && host !== 'localhost') throw new Error(`BENCH_PG_URL must point at 127.0.0.1, not ${host}`);

const live = new BenchResources(cfg.pgUrl, log);
live.watchdog('bench:load', cfg.maxSeconds);
/** The hub's pool size (server/db/pool.ts openPool's default): the baseline gets as many connections. */
const HUB_POOL = 10;

type Joined = Extract<LoadEvent, { ev: 'joined' }>;
type Measured = Extract<LoadEvent, { ev: 'window' }>;

async function main(): Promise<void> {
  const active = cfg.steps[cfg.steps.length - 1];
  log(`config: ${cfg.users} people, ${cfg.chats} chats, ${cfg.messages} messages; steps ${cfg.steps.join('/')} people, ${cfg.seconds} s each (+${cfg.warmupSeconds} s warm-up), think ${cfg.thinkMs} ms, ${cfg.workers} workers`);
  const machine = await machineInfo(cfg.pgUrl);
  const dbUrl = await live.createDatabase('artel_load');
  const child = new ServerChild('load', {
    BENCH_DB_URL: dbUrl,
    BENCH_LOAD_USERS: String(cfg.users),
    BENCH_LOAD_CHATS: String(cfg.chats),
    BENCH_LOAD_MESSAGES: String(cfg.messages),
    BENCH_LOAD_SEED: String(cfg.seed),
    BENCH_LOAD_ACTIVE: String(active),
    BENCH_CHILD_MAX_SECONDS: String(cfg.maxSeconds + 60),
  }, new URL('./load/hub.ts', import.meta.url));
  live.children.add(child);
  const pool = new WorkerPool<LoadCommand, LoadEvent>(cfg.workers, new URL('./load/worker.ts', import.meta.url));
  live.pools.add(pool);
  const backends = await backendLister(cfg.pgUrl, new URL(dbUrl).pathname.slice(1));
  try {
    log('hub: starting, migrating, seeding, opening sessions');
    const ready = await child.ready(cfg.maxSeconds * 1000);
    const detail = ready.detail as { seedMs: number; users: { idx: number; id: string }[]; counts: SeedResult['counts'] };
    log(`hub: ready after ${(ready.setupMs / 1000).toFixed(1)} s (seeding ${(detail.seedMs / 1000).toFixed(1)} s): ${JSON.stringify(detail.counts)}`);
    const people: LoadUser[] = detail.users.map((u, i) => ({ idx: u.idx, id: u.id, token: ready.tokens![i] }));
    const check = await verifySeed(ready.url, ready.origin, people[0].token);
    log(check);

    const meter = new CpuMeter(child, backends.list);
    const steps: StepRun[] = [];
    let joinedSoFar = 0;
    for (const users of cfg.steps) {
      // The new people of this step, dealt round-robin to the workers.
      const fresh = people.slice(joinedSoFar, users);
      joinedSoFar = users;
      const cmds: LoadCommand[] = Array.from({ length: pool.size }, (_, w) => ({
        cmd: 'join', url: ready.url, origin: ready.origin, users: fresh.filter((_, i) => i % pool.size === w),
        thinkMs: cfg.thinkMs, concurrency: 20, timeoutSeconds: 300, requestTimeoutMs: cfg.requestTimeoutMs,
      }));
      const joined = await pool.all<Joined>(cmds, 360_000);
      const connected = joined.reduce((a, j) => a + j.active, 0);
      const failed = joined.reduce((a, j) => a + j.failed, 0);
      log(`step ${users}: ${connected} people active (${failed} failed to sign in${failed ? `: ${joined.flatMap((j) => j.errors)[0]}` : ''}), joining took ${(Math.max(...joined.map((j) => j.ms)) / 1000).toFixed(1)} s`);
      if (cfg.warmupSeconds) await new Promise((r) => setTimeout(r, cfg.warmupSeconds * 1000));
      const a = await meter.mark();
      const atEnd = new Promise<Awaited<ReturnType<CpuMeter['mark']>>>((resolve) => setTimeout(() => resolve(meter.mark()), cfg.seconds * 1000));
      const res = await pool.all<Measured>(Array.from({ length: pool.size }, () => ({ cmd: 'window', seconds: cfg.seconds })), (cfg.seconds + 60) * 1000);
      const cpu = CpuMeter.split(a, await atEnd);
      const s = stepRun(users, { connected, failed, errors: joined.flatMap((j) => j.errors) }, cfg.seconds, res.map((r) => r.stats), cpu,
        Math.max(...res.map((r) => r.behindMs)), res.reduce((n, r) => n + r.socketsClosed, 0));
      steps.push(s);
      log(
        `step ${users}: ${s.total.perSec.toFixed(1)} requests/s, errors ${(s.errorRate * 100).toFixed(3)}%, avg ${(s.total.avg / 1000).toFixed(1)} ms, ` +
          `p99 ${(s.total.p99 / 1000).toFixed(1)} ms, hub+PG CPU ${(s.cpuShare * 100).toFixed(0)}% -> ${s.broke.length ? `broke: ${s.broke.join('; ')}` : 'within limits'}`,
      );
      if (s.broke.length && cfg.stopAtBreak) break;
    }

    // The baseline: people stop acting (sockets stay open, the hub idles), then the same reads straight on PostgreSQL.
    await pool.all(Array.from({ length: pool.size }, () => ({ cmd: 'pause', timeoutMs: cfg.requestTimeoutMs + 1000 }) as LoadCommand), cfg.requestTimeoutMs + 60_000);
    let baseline: LoadRun['baseline'] = null;
    const within = steps.filter((s) => !s.broke.length);
    const at = (within.length ? within[within.length - 1] : steps[0])?.users ?? 0;
    if (cfg.baselineSeconds > 0 && at > 0) {
      // Let the hub finish what the last step left queued (after an overloaded step it still runs requests the
      // clients gave up on) and PostgreSQL settle, so that the baseline does not share the machine with them.
      const busy = await awaitServerIdle(meter, 0.1, 180, log, 'baseline');
      log(`baseline: hub + PostgreSQL at ${busy.toFixed(2)} cores before it starts`);
      log(`baseline: read and search SQL straight on PostgreSQL, ${at} people, pool of ${HUB_POOL}, ${cfg.baselineSeconds} s`);
      const perWorker = (w: number) => Math.floor(at / pool.size) + (w < at % pool.size ? 1 : 0);
      const poolPer = (w: number) => Math.floor(HUB_POOL / pool.size) + (w < HUB_POOL % pool.size ? 1 : 0);
      const res = await pool.all<Extract<LoadEvent, { ev: 'baseline' }>>(
        Array.from({ length: pool.size }, (_, w) => ({
          cmd: 'baseline', dbUrl, poolSize: Math.max(1, poolPer(w)), users: perWorker(w), thinkMs: cfg.thinkMs, seconds: cfg.baselineSeconds, requestTimeoutMs: cfg.requestTimeoutMs,
        })),
        (cfg.baselineSeconds + 120) * 1000,
      );
      const actions: NonNullable<LoadRun['baseline']>['actions'] = {};
      for (const a of ACTIONS) if (res.some((r) => r.stats[a])) actions[a] = summarize(res.map((r) => r.stats), a, cfg.baselineSeconds);
      baseline = { users: at, poolSize: HUB_POOL, seconds: cfg.baselineSeconds, actions };
      log(`baseline: ${Object.entries(actions).map(([a, s]) => `${a} avg ${(s.avg / 1000).toFixed(2)} ms p99 ${(s.p99 / 1000).toFixed(2)} ms`).join(', ')}`);
    }
    await pool.all(Array.from({ length: pool.size }, () => ({ cmd: 'close' }) as LoadCommand), 120_000);

    const report = renderLoadReport({
      cfg, machine, seed: detail.counts, seedSeconds: detail.seedMs / 1000, setupSeconds: ready.setupMs / 1000, check, steps, baseline,
      totalSeconds: (performance.now() - started) / 1000,
      command: `${Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_') && k !== 'BENCH_WRITE_DOCS').map(([k, v]) => `${k}=${v} `).join('')}npm run bench:load`,
    });
    console.log('\n' + report + '\n');
    if (cfg.writeDocs) log(`results written to ${writeDocs(report, DOCS_BEGIN, DOCS_END)}`);
  } finally {
    await pool.terminate().catch(() => {});
    await child.stop();
    await backends.close().catch(() => {});
  }
}

runAsProcess('bench:load', main, () => live.cleanup(), log);
