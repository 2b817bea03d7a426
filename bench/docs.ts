/**
 * `npm run bench:docs`: Artel's collaborative-documents benchmark (not part of `npm test`, nor of `npm run bench`).
 *
 * 1. Relay: D documents × C clients each (real y-websocket WebsocketProviders over `ws` in worker threads),
 *    every client typing a few characters into its Y.Text at a fixed rate; updates relayed per second
 *    (receipts at the document's other clients) and send→receive latency. The same load on the reference
 *    @y/websocket-server 0.1.1 (in memory, and with its LevelDB persistence) and on a real Artel hub
 *    (PostgreSQL, every update stored before it is relayed), each in a child process, in this one run.
 * 2. Cold load: a page of BENCH_DOCS_LOAD_UPDATES updates stored as those updates and compacted into a
 *    snapshot; from a client's connect to its Y.Doc holding the whole text, against reading the same
 *    state from a file into a fresh Y.Doc.
 *
 * Knobs: BENCH_DOCS_STEPS (10x5,50x5,200x5,200x10: documents x updates/s per client), BENCH_DOCS_CLIENTS (4),
 * BENCH_DOCS_SECONDS (10), BENCH_DOCS_WARMUP_SECONDS (2), BENCH_DOCS_DRAIN_SECONDS (5), BENCH_DOCS_WORKERS (2),
 * BENCH_DOCS_SERVERS (reference,reference-leveldb,artel), BENCH_DOCS_QUIET_WAIT_SECONDS (5), BENCH_DOCS_LOAD_UPDATES (20000), BENCH_DOCS_LOAD_COPIES (3),
 * BENCH_PG_URL (or TEST_DATABASE_URL), BENCH_DOCS_JSON, BENCH_WRITE_DOCS=1, BENCH_MAX_SECONDS.
 * Everything is on 127.0.0.1; the run stops what it started and drops its database, also on failure and SIGINT.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runAsProcess, type ReadyMessage } from './lib/common';
import { machineInfo } from './lib/machine';
import { awaitQuiet, backendLister, CpuMeter, ServerChild, WorkerPool } from './lib/procs';
import { BenchResources } from './lib/resources';
import { merged, percentile } from './lib/stats';
import { cpuText } from './fanout';
import { docsConfig, SATURATED_P50_US, type DocConnectResult, type DocRunResult, type DocServerKind, type DocWorkerCommand, type DocWorkerEvent } from './docs/common';
import { buildBigDoc, loadFromFile, writeUpdates } from './docs/bigdoc';
import { coldLoad } from './docs/coldload';
import { renderDocsReport, writeDocsSection, type ColdRun, type DocsRun, type RelayStep } from './docs/report';

const cfg = docsConfig();
const started = performance.now();
const log = (s: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${s}`);
const host = new URL(cfg.pgUrl).hostname;
if (host !== '127.0.0.1' && host !== 'localhost') throw new Error(`BENCH_PG_URL must point at 127.0.0.1, not ${host}`);

const live = new BenchResources(cfg.pgUrl, log);
const cleanup = () => live.cleanup();
const createDatabase = () => live.createDatabase('artel_bench_docs');
live.watchdog('bench:docs', cfg.maxSeconds);

const median = (xs: number[]) => percentile(Float64Array.from(xs.filter(Number.isFinite)).sort(), 0.5);

/** The relay steps and cold loads of one server. */
async function benchServer(kind: DocServerKind, cold: { file: string; stateFile: string; textLength: number }): Promise<DocsRun> {
  const maxDocs = cfg.steps[cfg.steps.length - 1].docs;
  const env: Record<string, string> = { BENCH_DOCS_CLIENTS: String(cfg.clientsPerDoc), BENCH_DOCS_COUNT: String(maxDocs) };
  const dbUrl = kind === 'artel' ? await createDatabase() : null;
  if (dbUrl) env.BENCH_DB_URL = dbUrl;
  if (kind === 'reference-leveldb') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'artel-bench-docs-leveldb-'));
    live.dirs.add(dir);
    env.YPERSISTENCE = dir;
  }
  if (kind !== 'reference') Object.assign(env, { BENCH_DOCS_COLD_FILE: cold.file, BENCH_DOCS_LOAD_COPIES: String(cfg.loadCopies) });
  const child = new ServerChild(kind, env, new URL(`./docs/servers/${kind === 'artel' ? 'artel' : 'reference'}.ts`, import.meta.url));
  live.children.add(child);
  const pool = new WorkerPool<DocWorkerCommand, DocWorkerEvent>(cfg.workers, new URL('./docs/worker.ts', import.meta.url));
  live.pools.add(pool);
  const backends = dbUrl ? await backendLister(cfg.pgUrl, new URL(dbUrl).pathname.slice(1)) : null;
  try {
    log(`${kind}: starting${kind === 'artel' ? ' (migrations, users, sessions, space, pages, cold-load pages)' : kind === 'reference-leveldb' ? ' (cold-load documents into LevelDB)' : ''}`);
    const ready: ReadyMessage = await child.ready(600_000);
    log(`${kind}: ready at ${ready.url} after ${ready.setupMs} ms`);
    const serverUrl = kind === 'artel' ? `${ready.url.replace(/^http/, 'ws')}/yjs` : ready.url.replace(/^http/, 'ws');
    const token = (member: number) => (ready.tokens ? ready.tokens[member] : null);

    const meter = new CpuMeter(child as unknown as ServerChild, backends?.list ?? null); // CpuMeter only asks cpuMicros()
    const steps: RelayStep[] = [];
    let connectedDocs = 0;
    let saturated: string | null = null;
    let stepId = 0;
    for (const step of cfg.steps) {
      if (saturated) {
        steps.push({ ...step, server: kind, skipped: `saturated at ${saturated}`, sent: 0, expected: 0, received: 0, relayedPerSec: NaN, p50: NaN, p99: NaN, max: NaN, cpu: null, generatorLagMs: 0, socketsClosed: 0, saturated: false });
        continue;
      }
      if (step.docs > connectedDocs) {
        // Whole documents per worker: document i goes to worker i % workers.
        const cmds: DocWorkerCommand[] = Array.from({ length: pool.size }, (_, w) => ({
          cmd: 'connect',
          serverUrl,
          origin: ready.origin,
          clients: ready.chats.slice(connectedDocs, step.docs).filter((_d, i) => (connectedDocs + i) % pool.size === w).flatMap((d) => d.members.map((m) => ({ doc: d.id, member: m, token: token(m) }))),
          concurrency: 20,
          timeoutSeconds: 60,
        }));
        const conn = await pool.all<DocConnectResult>(cmds, 240_000);
        const failed = conn.reduce((a, c) => a + c.failed, 0);
        log(`${kind}: ${step.docs} documents × ${cfg.clientsPerDoc} clients open (${conn.reduce((a, c) => a + c.ok, 0)} new clients synced in ${Math.max(...conn.map((c) => c.ms))} ms${failed ? `, ${failed} failed: ${conn.flatMap((c) => c.errors).join('; ')}` : ''})`);
        if (failed) throw new Error(`${kind}: ${failed} clients could not connect`);
        connectedDocs = step.docs;
        if (cfg.warmupSeconds > 0) await pool.all(Array.from({ length: pool.size }, () => ({ cmd: 'run', step: 0, rate: step.rate, seconds: cfg.warmupSeconds, drainSeconds: 2 }) as DocWorkerCommand), 120_000);
      }
      await awaitQuiet(meter, 0.25, cfg.quietWaitSeconds, log, `${kind} ${step.docs}x${step.rate}`);
      const a = await meter.mark();
      const atWindowEnd = new Promise<Awaited<ReturnType<CpuMeter['mark']>>>((resolve) => setTimeout(() => resolve(meter.mark()), cfg.seconds * 1000));
      const res = await pool.all<DocRunResult>(Array.from({ length: pool.size }, () => ({ cmd: 'run', step: ++stepId, rate: step.rate, seconds: cfg.seconds, drainSeconds: cfg.drainSeconds }) as DocWorkerCommand), (cfg.seconds + cfg.drainSeconds + 60) * 1000);
      const cpu = CpuMeter.split(a, await atWindowEnd);
      const sum = (f: (r: DocRunResult) => number) => res.reduce((x, r) => x + f(r), 0);
      const lat = merged(res.map((r) => r.latencies));
      const offered = step.docs * cfg.clientsPerDoc * step.rate * (cfg.clientsPerDoc - 1);
      const s: RelayStep = {
        ...step,
        server: kind,
        skipped: null,
        sent: sum((r) => r.sent),
        expected: sum((r) => r.expected),
        received: sum((r) => r.received),
        relayedPerSec: sum((r) => r.receivedInWindow) / cfg.seconds,
        p50: percentile(lat, 0.5),
        p99: percentile(lat, 0.99),
        max: lat.length ? lat[lat.length - 1] : NaN,
        cpu,
        generatorLagMs: Math.max(...res.map((r) => r.generatorLagUs)) / 1000,
        socketsClosed: sum((r) => r.socketsClosed),
        saturated: false,
      };
      s.saturated = s.received < 0.999 * s.expected || s.relayedPerSec < 0.95 * offered || s.p50 > SATURATED_P50_US;
      log(
        `${kind}: ${step.docs} docs × ${cfg.clientsPerDoc} clients at ${step.rate}/s -> sent ${s.sent}, ${Math.round(s.relayedPerSec)} relayed/s (offered ${offered}/s), ` +
          `p50 ${(s.p50 / 1000).toFixed(2)} ms, p99 ${(s.p99 / 1000).toFixed(2)} ms, cores ${cpuText(cpu)}` +
          `${s.received < s.expected ? `, ${s.expected - s.received} not received` : ''}${s.socketsClosed ? `, ${s.socketsClosed} sockets closed` : ''}${s.saturated ? ' [saturated]' : ''}`,
      );
      steps.push(s);
      if (s.saturated) saturated = `${step.docs} docs × ${step.rate}/s`;
    }
    await pool.all(Array.from({ length: pool.size }, () => ({ cmd: 'close' }) as DocWorkerCommand), 60_000);
    // Cold loads after the relay, once its clients are gone (Artel compacts a page when it unloads, 30 s
    // after its last client left: the cold-load pages' compactions would otherwise run during the relay).
    // Each stored copy is opened once, by one client.
    const coldRuns: ColdRun[] = [];
    const coldDetail = (ready.detail as { cold?: { updates: string[]; snapshot: string[]; updateCount: number; storedBytes: Record<'updates' | 'snapshot', number[]> } }).cold;
    for (const form of ['updates', 'snapshot'] as const) {
      const names = coldDetail?.[form] ?? [];
      if (!names.length) continue;
      // The baseline again, right before: on a shared machine the load of other processes drifts within a run.
      const baselineMs = median(names.map(() => loadFromFile(cold.stateFile, 'state').ms));
      const loads = [];
      for (const name of names) loads.push(await coldLoad(serverUrl, ready.origin, token(0), name, cold.textLength));
      const ms = loads.map((l) => l.ms);
      const run: ColdRun = { server: kind, form, updates: coldDetail!.updateCount, storedBytes: coldDetail!.storedBytes[form], loads, medianMs: median(ms), baselineMs };
      coldRuns.push(run);
      log(`${kind}: cold load (${form}; file baseline now ${baselineMs.toFixed(0)} ms): ${loads.map((l) => (l.ok ? `${l.ms.toFixed(0)} ms` : `failed: ${l.error}`)).join(', ')}`);
    }

    return { kind, setupMs: ready.setupMs, steps, cold: coldRuns };
  } finally {
    await pool.terminate().catch(() => {});
    live.pools.delete(pool);
    await child.stop();
    live.children.delete(child);
    await backends?.close().catch(() => {});
  }
}

async function main(): Promise<void> {
  log(
    `config: steps ${cfg.steps.map((s) => `${s.docs}x${s.rate}`).join(', ')} (documents x updates/s per client), ${cfg.clientsPerDoc} clients per document, ` +
      `${cfg.workers} client workers, ${cfg.seconds} s per step (+${cfg.warmupSeconds} s warm-up, ≤${cfg.drainSeconds} s drain), servers ${cfg.servers.join(', ')}; ` +
      `cold load of ${cfg.loadUpdates} updates × ${cfg.loadCopies} copies`,
  );
  const machine = await machineInfo(cfg.pgUrl);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'artel-bench-docs-'));
  live.dirs.add(dir);
  const big = buildBigDoc(cfg.loadUpdates);
  const updatesFile = path.join(dir, 'updates.bin');
  const stateFile = path.join(dir, 'state.bin');
  writeUpdates(updatesFile, big.updates);
  fs.writeFileSync(stateFile, big.state);
  log(`cold-load document: ${big.updates.length} updates, ${big.updateBytes} bytes as updates, ${big.state.byteLength} bytes as one state; text ${big.textLength} characters`);
  // The baseline: the same state read from a file into a fresh Y.Doc (and the updates applied one by one).
  const baseline = { state: [] as number[], updates: [] as number[], stateBytes: big.state.byteLength, updateBytes: big.updateBytes };
  for (let i = 0; i < cfg.loadCopies; i++) {
    for (const form of ['state', 'updates'] as const) {
      const r = loadFromFile(form === 'state' ? stateFile : updatesFile, form);
      if (r.textLength !== big.textLength) throw new Error(`baseline ${form}: text ${r.textLength}, expected ${big.textLength}`);
      baseline[form].push(r.ms);
    }
  }
  log(`baseline: file → fresh Y.Doc: state ${baseline.state.map((m) => m.toFixed(0)).join('/')} ms, ${big.updates.length} updates ${baseline.updates.map((m) => m.toFixed(0)).join('/')} ms`);

  const runs: DocsRun[] = [];
  for (const kind of cfg.servers) runs.push(await benchServer(kind, { file: updatesFile, stateFile, textLength: big.textLength }));
  const totalSeconds = (performance.now() - started) / 1000;
  const report = renderDocsReport(cfg, runs, { ...baseline, updateCount: big.updates.length, textLength: big.textLength }, machine, totalSeconds);
  console.log('\n' + report + '\n');
  const json = cfg.jsonFile || path.join(os.tmpdir(), `artel-bench-docs-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(json, JSON.stringify({ config: cfg, machine, baseline, runs: runs.map((r) => ({ ...r, steps: r.steps.map((s) => ({ ...s })) })), totalSeconds }, null, 2));
  log(`figures written as JSON to ${json}`);
  if (cfg.writeDocs) log(`results written to ${writeDocsSection(report)}`);
}

runAsProcess('bench:docs', main, cleanup, log);
