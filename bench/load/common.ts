/**
 * The load bench's knobs (BENCH_LOAD_* environment variables) and what its processes and threads say to
 * each other. Every number is bounded: nothing loops without a count and a deadline.
 */
import { int } from '../lib/common';

/** The simulated actions, Mattermost's load-test mix in Artel's terms. */
export const ACTIONS = [
  'chats', 'history', 'mark_read', 'older_page', 'thread', 'send', 'typing', 'react', 'search', 'presence_query', 'presence_set',
] as const;
export type Action = (typeof ACTIONS)[number];

/** What each action is on the wire (for the report). */
export const ACTION_LABEL: Record<Action, string> = {
  chats: 'list chats — `GET /api/chats`',
  history: 'switch chat: newest page — `GET /api/chats/:id/messages?limit=50`',
  mark_read: 'switch chat: mark read — `mark_read`',
  older_page: 'scroll up: older page — `GET …/messages?before=<seq>`',
  thread: 'open a thread — `GET …/messages?thread=<id>`',
  send: 'send a message (acked after commit) — `message_send`',
  typing: 'typing — `typing`',
  react: 'react — `reaction_toggle`',
  search: 'search — `GET /api/search?q=`',
  presence_query: 'presence of a chat’s members — `presence_query`',
  presence_set: 'idle / active — `presence_set`',
};

/**
 * How often each user step is chosen (relative). "Switch chat" is history followed by mark_read; sends
 * are preceded by a typing notice half the time, as people type before they send.
 */
export const MIX: { step: 'switch' | 'older_page' | 'thread' | 'send' | 'typing' | 'react' | 'search' | 'presence_query' | 'presence_set' | 'chats'; weight: number }[] = [
  { step: 'switch', weight: 25 },
  { step: 'older_page', weight: 8 },
  { step: 'thread', weight: 6 },
  { step: 'send', weight: 18 },
  { step: 'typing', weight: 12 },
  { step: 'react', weight: 8 },
  { step: 'search', weight: 4 },
  { step: 'presence_query', weight: 8 },
  { step: 'presence_set', weight: 5 },
  { step: 'chats', weight: 6 },
];

/** One simulated person as a worker gets it. */
export interface LoadUser {
  idx: number;
  id: string;
  token: string;
}

/** A server error (5xx or its realtime equivalent), a typed refusal (4xx), or no answer in time. */
export type Failure = 'server' | 'typed' | 'timeout';

/** Per action, what a worker measured during one window. */
export interface ActionStats {
  count: number;
  server: number;
  typed: number;
  timeout: number;
  /** Latency of every answered request (ok or failed), microseconds. */
  latencies: Float64Array;
  /** A few error texts for the report. */
  errors: string[];
}

export type LoadCommand =
  | { cmd: 'join'; url: string; origin: string; users: LoadUser[]; thinkMs: number; concurrency: number; timeoutSeconds: number; requestTimeoutMs: number }
  | { cmd: 'window'; seconds: number }
  | { cmd: 'pause'; timeoutMs: number }
  | { cmd: 'baseline'; dbUrl: string; poolSize: number; users: number; thinkMs: number; seconds: number; requestTimeoutMs: number }
  | { cmd: 'close' };

export type LoadEvent =
  | { ev: 'joined'; ok: number; failed: number; errors: string[]; ms: number; active: number }
  | { ev: 'window'; stats: Partial<Record<Action, ActionStats>>; socketsClosed: number; behindMs: number }
  | { ev: 'paused' }
  | { ev: 'baseline'; stats: Partial<Record<Action, ActionStats>> }
  | { ev: 'closed' }
  | { ev: 'error'; error: string };

/** The load bench's configuration from BENCH_LOAD_* (and the shared BENCH_*) environment variables. */
export function loadConfig() {
  const users = int('BENCH_LOAD_USERS', 2000, 20, 20_000);
  const steps = (process.env.BENCH_LOAD_STEPS || '100,200,400,800,1600').split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 1 || n > users) throw new Error(`BENCH_LOAD_STEPS: ${JSON.stringify(s)} is not a whole number in [1, BENCH_LOAD_USERS=${users}]`);
    return n;
  });
  for (let i = 1; i < steps.length; i++) if (steps[i] <= steps[i - 1]) throw new Error('BENCH_LOAD_STEPS must increase');
  return {
    users,
    chats: int('BENCH_LOAD_CHATS', 1000, 10, 50_000),
    messages: int('BENCH_LOAD_MESSAGES', 1_000_000, 1000, 20_000_000),
    steps,
    /** Seconds each step is measured, after its warm-up. */
    seconds: int('BENCH_LOAD_SECONDS', 60, 5, 1800),
    warmupSeconds: int('BENCH_LOAD_WARMUP_SECONDS', 15, 0, 600),
    /** Mean pause between one person's actions (exponentially distributed). */
    thinkMs: int('BENCH_LOAD_THINK_MS', 4000, 100, 120_000),
    baselineSeconds: int('BENCH_LOAD_BASELINE_SECONDS', 30, 0, 600),
    workers: int('BENCH_WORKERS', 2, 1, 16),
    requestTimeoutMs: int('BENCH_LOAD_TIMEOUT_MS', 10_000, 500, 120_000),
    /** Stop ramping after the first step that breaks a limit. */
    stopAtBreak: process.env.BENCH_LOAD_STOP_AT_BREAK !== '0',
    seed: int('BENCH_LOAD_SEED', 42, 0, 2 ** 31),
    pgUrl: process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    writeDocs: process.env.BENCH_WRITE_DOCS === '1',
    maxSeconds: int('BENCH_MAX_SECONDS', 1800, 60, 7200),
  };
}
export type LoadConfig = ReturnType<typeof loadConfig>;

/** Mattermost's health limits (load-test-ng's coordinator): a step is within them when all four hold. */
export const LIMITS = { errorRate: 0.00025, avgMs: 100, p99Ms: 2000, cpu: 0.85 } as const;
