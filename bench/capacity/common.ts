/**
 * `npm run bench:capacity`: its knobs and what the orchestrator and its client threads say to each other.
 * Every wait is bounded by a count and a deadline.
 */
import fs from 'node:fs';
import { int } from '../lib/common';

/** The capacity bench's configuration from BENCH_* environment variables. */
export function capacityConfig() {
  const parts = (process.env.BENCH_CAPACITY_PARTS || 'idle,storm').split(',').map((s) => s.trim());
  for (const p of parts) if (p !== 'idle' && p !== 'storm') throw new Error(`BENCH_CAPACITY_PARTS: unknown part ${p} (idle, storm)`);
  return {
    parts: parts as ('idle' | 'storm')[],
    /** Connections held open and idle on each server. */
    idleConnections: int('BENCH_IDLE_CONNECTIONS', 10_000, 10, 20_000),
    /** Clients cut off and reconnecting at once. */
    stormClients: int('BENCH_STORM_CLIENTS', 5_000, 10, 20_000),
    chatSize: int('BENCH_CHAT_SIZE', 10, 2, 100),
    workers: int('BENCH_WORKERS', 2, 1, 16),
    /** Handshakes in flight per worker while the connections open. */
    connectConcurrency: int('BENCH_CONNECT_CONCURRENCY', 100, 1, 2_000),
    /** Messages per second sent into the storm's chats, before, during and after the cut. */
    sendRate: int('BENCH_STORM_RATE', 200, 1, 10_000),
    /** Seconds of steady sending before the cut, and after every client has resumed. */
    sendSeconds: int('BENCH_STORM_SEND_SECONDS', 5, 1, 120),
    /** How long the clients may take to resume after the cut before the storm counts as failed. */
    stormTimeoutSeconds: int('BENCH_STORM_TIMEOUT_SECONDS', 120, 10, 600),
    /** Seconds the idle connections are left alone before the memory is read. */
    settleSeconds: int('BENCH_IDLE_SETTLE_SECONDS', 3, 0, 60),
    pgUrl: process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    writeDocs: process.env.BENCH_WRITE_DOCS === '1',
    maxSeconds: int('BENCH_MAX_SECONDS', 900, 30, 3600),
  };
}
export type CapacityConfig = ReturnType<typeof capacityConfig>;

/**
 * File descriptors the run needs: every socket twice on one machine (the client end here, the server end in
 * the child, which inherits this limit), plus the hub's database connections and some slack.
 */
export function checkFdLimit(connections: number): { soft: number; needed: number } {
  const needed = connections + 1_000;
  let soft = Infinity;
  try {
    const line = fs.readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const v = line?.split(/\s{2,}/)[1];
    if (v && v !== 'unlimited') soft = Number(v);
  } catch {
    // Not Linux: let the run find out.
  }
  if (soft < needed) {
    throw new Error(
      `the open-file limit is ${soft}; ${connections} connections need at least ${needed} per process ` +
        `(client ends here, server ends in the child). Raise it first, e.g. \`ulimit -n ${Math.max(needed, 65_536)}\` ` +
        `(as root, or up to \`ulimit -Hn\`), or lower BENCH_IDLE_CONNECTIONS / BENCH_STORM_CLIENTS.`,
    );
  }
  return { soft, needed };
}

/** One client a worker holds: its index, session token (Artel only) and chat. */
export interface CapClientSpec {
  idx: number;
  token: string | null;
  chatId: string;
}

export type CapCommand =
  | {
      cmd: 'open';
      url: string;
      origin: string;
      clients: CapClientSpec[];
      concurrency: number;
      timeoutSeconds: number;
      /** Reconnect and resume when the socket drops (the storm); idle connections do not. */
      resilient: boolean;
    }
  /** Start sending `rate` messages/s into this worker's chats (answered at once). */
  | { cmd: 'send'; rate: number }
  /** Wait until every client has resumed after `cutUs` (nowUs of the cut), at most `timeoutSeconds`. */
  | { cmd: 'resumed'; cutUs: number; timeoutSeconds: number }
  /** Stop sending, wait for every queued send to be acknowledged and every client to catch up; check histories. */
  | { cmd: 'verify'; timeoutSeconds: number }
  | { cmd: 'close' };

export interface OpenedEvent {
  ev: 'opened';
  ok: number;
  failed: number;
  errors: string[];
  ms: number;
}

export interface ResumedEvent {
  ev: 'resumed';
  /** Per resumed client: microseconds from the cut until its subscribe answered and its chat had no gap. */
  times: Float64Array;
  notResumed: number;
  /** Connection attempts made after the cut, all clients. */
  attempts: number;
  /** Catch-up events the clients received with their resubscribe or fetch. */
  caughtUp: number;
  /** Resubscribe answers that said "reload" (more than RESUME_CAP missed). */
  reloads: number;
}

export interface VerifiedEvent {
  ev: 'verified';
  clients: number;
  chats: number;
  sent: number;
  acked: number;
  /** Sends refused with an error other than a retryable one. */
  refused: number;
  errors: string[];
  /** Sends still unacknowledged when the time ran out. */
  pending: number;
  /** (client, acknowledged message of its chat) pairs missing from the client's history. */
  lost: number;
  /** Seqs up to the chat's head missing from a client's history. */
  gaps: number;
  /** Messages stored twice (one client id at two seqs), counted per client that saw it. */
  duplicates: number;
  /** Event frames received more than once by seq (harmless: clients drop them by seq). */
  redelivered: number;
  /** Clients that had not caught up with their chat's head when the time ran out. */
  behind: number;
}

export type CapEvent =
  | OpenedEvent
  | ResumedEvent
  | VerifiedEvent
  | { ev: 'sending' }
  | { ev: 'closed' }
  | { ev: 'error'; error: string };
