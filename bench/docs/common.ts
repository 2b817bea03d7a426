/**
 * What the documents bench's processes and threads say to each other, and its knobs (BENCH_DOCS_*).
 * Every number is bounded: nothing loops without a count and a deadline.
 */
import type { BenchChat } from '../lib/common';

/** The servers doing the same job: y-websocket relay of many documents. */
export type DocServerKind = 'reference' | 'reference-leveldb' | 'artel';

export const DOC_SERVER_LABEL: Record<DocServerKind, string> = {
  reference: '@y/websocket-server (in memory)',
  'reference-leveldb': '@y/websocket-server + LevelDB',
  artel: 'Artel hub (PostgreSQL)',
};

/** One load step: this many documents open (C clients each), each client typing `rate` updates per second. */
export interface DocStep {
  docs: number;
  rate: number;
}

/** A document of the bench and the client indices (0..C-1) editing it: the messenger bench's chat shape. */
export type BenchDoc = BenchChat;

/** One client a worker holds: a member of a document, with its session token (Artel only). */
export interface DocClientSpec {
  doc: string;
  member: number;
  token: string | null;
}

export type DocWorkerCommand =
  | { cmd: 'connect'; serverUrl: string; origin: string; clients: DocClientSpec[]; concurrency: number; timeoutSeconds: number }
  | { cmd: 'run'; step: number; rate: number; seconds: number; drainSeconds: number }
  | { cmd: 'close' };

export interface DocConnectResult {
  ev: 'connected';
  ok: number;
  failed: number;
  errors: string[];
  ms: number;
}

export interface DocRunResult {
  ev: 'ran';
  sent: number;
  /** Receipts this step's updates should make: each update at every other client of its document. */
  expected: number;
  /** Receipts inside the send window. */
  receivedInWindow: number;
  /** Receipts by the end of the drain. */
  received: number;
  /** Send-to-receive latency of every receipt, microseconds. */
  latencies: Float64Array;
  /** The largest delay of a send past its schedule (the load generator's own lag), microseconds. */
  generatorLagUs: number;
  socketsClosed: number;
}

export type DocWorkerEvent = DocConnectResult | DocRunResult | { ev: 'closed' } | { ev: 'error'; error: string };

/**
 * The text a client types: the step, its client number and the send time (µs, a monotonic clock every
 * thread and process of the machine shares), between markers so receivers find it in a text delta.
 */
export function typed(step: number, client: number, tUs: number): string {
  return `<${step}.${client}.${tUs.toFixed(0)}>`;
}

const TYPED = /<(\d+)\.(\d+)\.(\d+)>/g;

/** Every typed marker in an inserted string. */
export function* parseTyped(s: string): Generator<{ step: number; client: number; tUs: number }> {
  for (const m of s.matchAll(TYPED)) yield { step: Number(m[1]), client: Number(m[2]), tUs: Number(m[3]) };
}

function int(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name} must be a number in [${min}, ${max}], got ${JSON.stringify(raw)}`);
  return Math.floor(n);
}

/** BENCH_DOCS_STEPS: "docs x rate" pairs, e.g. "10x5,50x5,200x5,200x10". */
function steps(raw: string): DocStep[] {
  const out = raw.split(',').map((part) => {
    const m = /^\s*(\d+)\s*x\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (!m) throw new Error(`BENCH_DOCS_STEPS: "${part}" is not <docs>x<updates per second per client>`);
    const s = { docs: Number(m[1]), rate: Number(m[2]) };
    if (s.docs < 1 || s.docs > 5000 || s.rate <= 0 || s.rate > 200) throw new Error(`BENCH_DOCS_STEPS: "${part}" is out of range (1-5000 docs, rate up to 200/s)`);
    return s;
  });
  for (let i = 1; i < out.length; i++) {
    if (out[i].docs < out[i - 1].docs) throw new Error('BENCH_DOCS_STEPS: document counts may only grow from step to step (clients stay connected)');
  }
  return out;
}

export function docsConfig() {
  const servers = (process.env.BENCH_DOCS_SERVERS || 'reference,reference-leveldb,artel').split(',').map((s) => s.trim()) as DocServerKind[];
  for (const s of servers) if (!(s in DOC_SERVER_LABEL)) throw new Error(`BENCH_DOCS_SERVERS: unknown server ${s}`);
  if (!servers.includes('reference')) throw new Error('BENCH_DOCS_SERVERS must include reference: it is the baseline of every ratio');
  return {
    servers,
    steps: steps(process.env.BENCH_DOCS_STEPS || '10x5,50x5,200x5,200x10'),
    clientsPerDoc: int('BENCH_DOCS_CLIENTS', 4, 2, 50),
    seconds: int('BENCH_DOCS_SECONDS', 10, 1, 120),
    warmupSeconds: int('BENCH_DOCS_WARMUP_SECONDS', 2, 0, 30),
    drainSeconds: int('BENCH_DOCS_DRAIN_SECONDS', 5, 1, 60),
    workers: int('BENCH_DOCS_WORKERS', 2, 1, 16),
    /** Before each measured step, wait this long at most for other processes to leave the CPU (a shared machine). */
    quietWaitSeconds: int('BENCH_DOCS_QUIET_WAIT_SECONDS', 5, 0, 120),
    /** Cold load: updates in the large document, and how many copies of each stored form are loaded (median kept). */
    loadUpdates: int('BENCH_DOCS_LOAD_UPDATES', 20_000, 100, 500_000),
    loadCopies: int('BENCH_DOCS_LOAD_COPIES', 3, 1, 10),
    pgUrl: process.env.BENCH_PG_URL || process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    writeDocs: process.env.BENCH_WRITE_DOCS === '1',
    jsonFile: process.env.BENCH_DOCS_JSON || '',
    maxSeconds: int('BENCH_MAX_SECONDS', 900, 30, 3600),
  };
}
export type DocsConfig = ReturnType<typeof docsConfig>;

/** A median send-to-receive latency above this (µs) is mostly queueing: the server (or machine) is saturated. */
export const SATURATED_P50_US = 100_000;
