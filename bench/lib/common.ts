/**
 * What the bench's processes and threads say to each other, and the knobs read from the environment.
 * Every number here is bounded: the bench never loops without a count and a deadline.
 */

/** The three servers doing the same fan-out. */
export type ServerKind = 'uws' | 'socketio' | 'artel';

export const SERVER_LABEL: Record<ServerKind, string> = {
  uws: 'raw uWebSockets.js pub/sub',
  socketio: 'Socket.IO rooms',
  artel: 'Artel hub (PostgreSQL)',
};

/** A group chat of the bench: its id and the indices (0..clients-1) of its members. */
export interface BenchChat {
  id: string;
  members: number[];
}

/** A server child says this once it listens and (for Artel) its people, sessions and chats exist. */
export interface ReadyMessage {
  ev: 'ready';
  url: string;
  origin: string;
  /** Per client index: the session token (Artel only). */
  tokens: string[] | null;
  chats: BenchChat[];
  setupMs: number;
  detail: Record<string, unknown>;
}

/** Requests from the orchestrator to a server child. */
export type ServerCommand = { cmd: 'cpu'; id: number } | { cmd: 'mem'; id: number } | { cmd: 'stop' };
/** Answers of a server child. */
export type ServerEvent =
  | ReadyMessage
  | { ev: 'cpu'; id: number; micros: number }
  /** Memory after a full garbage collection, bytes (process.memoryUsage()). */
  | { ev: 'mem'; id: number; rss: number; heapUsed: number; external: number; arrayBuffers: number }
  | { ev: 'stopped' }
  | { ev: 'failed'; error: string };

/** One client a worker holds. */
export interface ClientSpec {
  idx: number;
  token: string | null;
}

/** Requests from the orchestrator to a client worker. */
export type WorkerCommand =
  | {
      cmd: 'connect';
      /** 'ws': the realtime protocol of docs/api.md over `ws` (Artel and raw uWS); 'sio': socket.io-client. */
      protocol: 'ws' | 'sio';
      url: string;
      origin: string;
      clients: ClientSpec[];
      chats: BenchChat[];
      concurrency: number;
      timeoutSeconds: number;
    }
  | { cmd: 'run'; step: number; rate: number; seconds: number; drainSeconds: number }
  | { cmd: 'unsubscribe'; timeoutSeconds: number }
  | { cmd: 'durable'; count: number; concurrency: number; timeoutSeconds: number }
  | { cmd: 'close' };

export interface ConnectResult {
  ev: 'connected';
  ok: number;
  failed: number;
  errors: string[];
  ms: number;
}

export interface RunResult {
  ev: 'ran';
  sent: number;
  acked: number;
  ackErrors: number;
  errors: string[];
  /** Deliveries this step's messages should make (members per chat, sender included). */
  expected: number;
  /** Deliveries of this step's messages received within the send window. */
  deliveredInWindow: number;
  /** Deliveries of this step's messages received by the end of the drain. */
  delivered: number;
  /** Send-to-receive latency of every delivery, microseconds. */
  latencies: Float64Array;
  /** Send-to-ack latency of every acked send, microseconds. */
  ackLatencies: Float64Array;
  windowMs: number;
  /** How far the sender fell behind its schedule at the end of the window (messages). */
  behind: number;
  socketsClosed: number;
}

export interface DurableResult {
  ev: 'durable';
  acked: number;
  failed: number;
  rateLimited: number;
  errors: string[];
  firstSendAt: number;
  lastAckAt: number;
}

export type WorkerEvent = ConnectResult | RunResult | DurableResult | { ev: 'unsubscribed'; ok: number; failed: number } | { ev: 'closed' } | { ev: 'error'; error: string };

export function int(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name} must be a number in [${min}, ${max}], got ${JSON.stringify(raw)}`);
  return Math.floor(n);
}

/** The bench's configuration from BENCH_* environment variables. */
export function benchConfig() {
  const clients = int('BENCH_CLIENTS', 2000, 10, 20_000);
  const chatSize = int('BENCH_CHAT_SIZE', 10, 2, 100);
  const rates = (process.env.BENCH_RATES || '100,200,400,1000,2000').split(',').map((r) => {
    const n = Number(r.trim());
    if (!Number.isFinite(n) || n <= 0 || n > 100_000) throw new Error(`BENCH_RATES: bad rate ${JSON.stringify(r)}`);
    return n;
  });
  const servers = (process.env.BENCH_SERVERS || 'uws,socketio,artel').split(',').map((s) => s.trim()) as ServerKind[];
  for (const s of servers) if (!(s in SERVER_LABEL)) throw new Error(`BENCH_SERVERS: unknown server ${s}`);
  if (!servers.includes('uws')) throw new Error('BENCH_SERVERS must include uws: it is the baseline of every ratio');
  return {
    clients,
    chatSize,
    chats: Math.floor(clients / chatSize),
    rates,
    seconds: int('BENCH_SECONDS', 8, 1, 120),
    warmupSeconds: int('BENCH_WARMUP_SECONDS', 2, 0, 30),
    drainSeconds: int('BENCH_DRAIN_SECONDS', 10, 1, 60),
    workers: int('BENCH_WORKERS', 2, 1, 16),
    servers,
    durableMessages: int('BENCH_DURABLE_MESSAGES', 10_000, 100, 1_000_000),
    durableConcurrency: int('BENCH_DURABLE_CONCURRENCY', 1000, 1, 20_000),
    durableTimeoutSeconds: int('BENCH_DURABLE_TIMEOUT_SECONDS', 120, 5, 600),
    pgUrl: process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    writeDocs: process.env.BENCH_WRITE_DOCS === '1',
    maxSeconds: int('BENCH_MAX_SECONDS', 600, 30, 3600),
    /** CPU (cores) other processes may use during a measurement before it counts as disturbed. */
    noiseCores: Number(process.env.BENCH_NOISE_CORES || 0.25),
    /** How often a disturbed fan-out step is repeated (the least disturbed attempt is kept). */
    noiseRetries: int('BENCH_NOISE_RETRIES', 1, 0, 5),
    /** How long to wait for a quiet machine before each measurement. */
    quietWaitSeconds: int('BENCH_QUIET_WAIT_SECONDS', 10, 0, 300),
    /** Seconds each server may spend waiting for quiet and repeating disturbed steps; then it goes ahead. */
    patienceSeconds: int('BENCH_PATIENCE_SECONDS', 45, 0, 3600),
  };
}
export type BenchConfig = ReturnType<typeof benchConfig>;

/** A monotonic clock shared by every thread and process of the machine, in microseconds. */
export function nowUs(): number {
  return Number(process.hrtime.bigint()) / 1000;
}

/** The message body senders write: the step, the send time (µs), then some text so the row is not empty. */
export function messageBody(step: number, tUs: number): string {
  return `${step}:${tUs.toFixed(1)} benchmark message from the load generator, nothing to read here`;
}

/** Parse what messageBody wrote; null for anything else. */
export function parseBody(body: string): { step: number; tUs: number } | null {
  const colon = body.indexOf(':');
  const space = body.indexOf(' ');
  if (colon < 1 || space < colon) return null;
  return { step: Number(body.slice(0, colon)), tUs: Number(body.slice(colon + 1, space)) };
}

/** Build the bench's chats: consecutive client indices, `size` per chat, each client in exactly one chat. */
export function layoutChats(clients: number, size: number, id: (c: number) => string): BenchChat[] {
  const chats: BenchChat[] = [];
  for (let c = 0; c < Math.floor(clients / size); c++) {
    chats.push({ id: id(c), members: Array.from({ length: size }, (_, i) => c * size + i) });
  }
  return chats;
}

/**
 * Run a bench's `main` as the process: whatever way it ends (done, failed, SIGINT, SIGTERM), `cleanup`
 * stops what it started before the process exits (0, 1, or 130 for a signal).
 */
export function runAsProcess(name: string, main: () => Promise<void>, cleanup: () => Promise<void>, log: (s: string) => void): void {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      console.error(`${name}: ${sig}; cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  main()
    .then(async () => {
      await cleanup();
      log('done');
      process.exit(0);
    })
    .catch(async (err) => {
      console.error(`${name} failed:`, err instanceof Error ? (err.stack ?? err.message) : err);
      await cleanup();
      process.exit(1);
    });
}
