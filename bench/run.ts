/**
 * `npm run bench:messenger` (the first of `npm run bench`): Artel's messenger benchmark (not part of `npm test`).
 *
 * 1. Fan-out: the same group-chat fan-out on raw uWebSockets.js pub/sub, Socket.IO rooms and a real
 *    Artel hub (fresh database on the local PostgreSQL), each in a child process of its own, driven by
 *    client worker threads; deliveries/s and send-to-receive latency per offered rate.
 * 2. Durable sends: Artel's realtime `message_send` (acked after commit) against plain INSERT loops into
 *    a table shaped like `messages`, for the same number of messages.
 *
 * Knobs (environment): BENCH_CLIENTS, BENCH_CHAT_SIZE, BENCH_RATES, BENCH_SECONDS, BENCH_WARMUP_SECONDS,
 * BENCH_DRAIN_SECONDS, BENCH_WORKERS, BENCH_SERVERS, BENCH_DURABLE_MESSAGES, BENCH_DURABLE_CONCURRENCY,
 * BENCH_DURABLE_TIMEOUT_SECONDS, BENCH_NOISE_CORES, BENCH_NOISE_RETRIES, BENCH_QUIET_WAIT_SECONDS, BENCH_PATIENCE_SECONDS, BENCH_PG_URL,
 * BENCH_MAX_SECONDS, BENCH_WRITE_DOCS=1 (see docs/benchmarks.md).
 * Everything is on 127.0.0.1; the bench drops its database and stops its processes when it ends.
 */
import { randomUUID } from 'node:crypto';
import { benchConfig, runAsProcess } from './lib/common';
import { machineInfo } from './lib/machine';
import { awaitQuiet, backendLister, CpuMeter } from './lib/procs';
import { BenchResources } from './lib/resources';
import { benchServer, cpuText, type ServerRun } from './fanout';
import { batchedInserts, singleRowInserts, type PlainRun } from './plain-insert';
import { renderReport, writeDocs } from './report';

const cfg = benchConfig();
const started = performance.now();
const log = (s: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${s}`);

for (const u of [cfg.pgUrl]) {
  const host = new URL(u).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost') throw new Error(`BENCH_PG_URL must point at 127.0.0.1, not ${host}`);
}

const live = new BenchResources(cfg.pgUrl, log);
const cleanup = () => live.cleanup();
const createDatabase = () => live.createDatabase('artel_bench');
live.watchdog('bench', cfg.maxSeconds);

async function main(): Promise<void> {
  log(
    `config: ${cfg.clients} clients, ${cfg.chats} chats of ${cfg.chatSize}, ${cfg.workers} client workers, rates ${cfg.rates.join('/')} msg/s, ` +
      `${cfg.seconds} s each (+${cfg.warmupSeconds} s warm-up, ≤${cfg.drainSeconds} s drain), servers ${cfg.servers.join(', ')}, ` +
      `durable ${cfg.durableMessages} messages × ${cfg.durableConcurrency} clients`,
  );
  const machine = await machineInfo(cfg.pgUrl);
  const runs: ServerRun[] = [];
  const plain: PlainRun[] = [];
  for (const kind of cfg.servers) {
    const dbUrl = kind === 'artel' ? await createDatabase() : null;
    const run = await benchServer(kind, cfg, {
      dbUrl,
      log,
      track: (c, p) => {
        live.children.add(c);
        live.pools.add(p);
        void c.exitedPromise.then(() => live.children.delete(c));
      },
    });
    runs.push(run);
    if (kind === 'artel' && dbUrl) {
      // Same PostgreSQL, same database, a table shaped like `messages`; the hub has stopped.
      const chatIds = Array.from({ length: cfg.chats }, () => randomUUID());
      const backends = await backendLister(cfg.pgUrl, new URL(dbUrl).pathname.slice(1));
      try {
        const meter = new CpuMeter(null, backends.list);
        await awaitQuiet(meter, cfg.noiseCores, cfg.quietWaitSeconds, log, 'plain INSERT baseline');
        log(`plain INSERT baseline: ${cfg.durableMessages} rows, 100 per statement`);
        plain.push(await batchedInserts(dbUrl, cfg.durableMessages, 100, chatIds, cfg.durableTimeoutSeconds, meter));
        log(`  ${Math.round(plain[plain.length - 1].perSec)} rows/s, cores ${cpuText(plain[plain.length - 1].cpu)}`);
        await awaitQuiet(meter, cfg.noiseCores, cfg.quietWaitSeconds, log, 'plain INSERT reference');
        log(`plain INSERT reference: ${cfg.durableMessages} rows, 1 per statement (one commit each), 10 connections`);
        plain.push(await singleRowInserts(dbUrl, cfg.durableMessages, 10, chatIds, cfg.durableTimeoutSeconds, meter));
        log(`  ${Math.round(plain[plain.length - 1].perSec)} rows/s, cores ${cpuText(plain[plain.length - 1].cpu)}`);
      } finally {
        await backends.close();
      }
    }
  }
  const report = renderReport(cfg, runs, plain, machine, (performance.now() - started) / 1000);
  console.log('\n' + report + '\n');
  if (cfg.writeDocs) log(`results written to ${writeDocs(report)}`);
}

runAsProcess('bench', main, cleanup, log);
