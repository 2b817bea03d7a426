/**
 * `npm run bench:capacity`: how many idle connections a GiB of hub memory holds, and how a reconnect storm
 * ends, each against raw uWebSockets.js measured in the same run (not part of `npm test`; the last part of `npm run bench`).
 *
 * 1. Idle connections: N authenticated clients (own session each) hello'd and subscribed like an idle
 *    browser tab; the server's RSS and heap before and after, per connection, and the time to open them.
 * 2. Reconnect storm: K clients while messages flow into their chats; the server is killed -9 and a new one
 *    started on the same port (and database); time until every client has resumed, and every client's
 *    history checked against the acknowledged messages: 0 lost, 0 duplicated.
 *
 * Knobs: BENCH_CAPACITY_PARTS (idle,storm), BENCH_IDLE_CONNECTIONS (10000), BENCH_STORM_CLIENTS (5000),
 * BENCH_CHAT_SIZE (10), BENCH_WORKERS (2), BENCH_CONNECT_CONCURRENCY (100), BENCH_STORM_RATE (200),
 * BENCH_STORM_SEND_SECONDS (5), BENCH_STORM_TIMEOUT_SECONDS (120), BENCH_IDLE_SETTLE_SECONDS (3), BENCH_PG_URL,
 * BENCH_MAX_SECONDS (900), BENCH_WRITE_DOCS=1 (see docs/benchmarks.md).
 * Everything is on 127.0.0.1; the run stops what it started and drops its databases, also on failure and SIGINT.
 */
import { runAsProcess } from './lib/common';
import { machineInfo } from './lib/machine';
import { BenchResources } from './lib/resources';
import { writeDocs } from './report';
import { capacityConfig, checkFdLimit } from './capacity/common';
import { CAPACITY_BEGIN, CAPACITY_END, renderCapacityReport } from './capacity/report';
import { idleRun, stormRun, type IdleRun, type StormRun } from './capacity/runs';

const cfg = capacityConfig();
const started = performance.now();
const log = (s: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${s}`);
const host = new URL(cfg.pgUrl).hostname;
if (host !== '127.0.0.1' && host !== 'localhost') throw new Error(`BENCH_PG_URL must point at 127.0.0.1, not ${host}`);

const live = new BenchResources(cfg.pgUrl, log);
live.watchdog('bench:capacity', cfg.maxSeconds);

/** The command that reproduces this run: the knobs set in the environment, then the script. */
function command(): string {
  const knobs = Object.entries(process.env)
    .filter(([k]) => k.startsWith('BENCH_') && k !== 'BENCH_WRITE_DOCS' && k !== 'BENCH_CHILD_MAX_SECONDS')
    .map(([k, v]) => `${k}=${v}`)
    .sort();
  return [...knobs, 'npm run bench:capacity'].join(' ');
}

async function main(): Promise<void> {
  const most = Math.max(cfg.parts.includes('idle') ? cfg.idleConnections : 0, cfg.parts.includes('storm') ? cfg.stormClients : 0);
  const fds = checkFdLimit(most);
  log(
    `config: parts ${cfg.parts.join(', ')}; ${cfg.idleConnections} idle connections, storm of ${cfg.stormClients} clients at ${cfg.sendRate} msg/s, ` +
      `chats of ${cfg.chatSize}, ${cfg.workers} client threads; open files ${fds.soft} (need ${fds.needed})`,
  );
  const ctx = { cfg, live, log };
  const machine = await machineInfo(cfg.pgUrl);
  const idle: IdleRun[] = [];
  const storm: StormRun[] = [];
  if (cfg.parts.includes('idle')) for (const kind of ['uws', 'artel'] as const) idle.push(await idleRun(ctx, kind));
  if (cfg.parts.includes('storm')) for (const kind of ['uws', 'artel'] as const) storm.push(await stormRun(ctx, kind));
  const report = renderCapacityReport(cfg, idle, storm, machine, (performance.now() - started) / 1000, command());
  console.log('\n' + report + '\n');
  const v = storm.find((r) => r.verified)?.verified;
  const failed = storm.some((r) => r.notResumed > 0) || (v && (v.lost > 0 || v.duplicates > 0 || v.gaps > 0 || v.pending > 0));
  if (cfg.writeDocs) log(`results written to ${writeDocs(report, CAPACITY_BEGIN, CAPACITY_END)}`);
  if (failed) throw new Error('the reconnect storm did not end clean (clients not resumed, or messages lost, duplicated or missing): see above');
}

runAsProcess('bench:capacity', main, () => live.cleanup(), log);
