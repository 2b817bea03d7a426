import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ReadyMessage, ServerCommand, ServerEvent, ServerKind, WorkerCommand, WorkerEvent } from './common';

const here = (p: string) => new URL(p, import.meta.url);

/** uWS prints this for every upgrade answered outside cork(); Artel does so on purpose (server/hub/socket.ts). */
const UWS_CORK_WARNING = 'Warning: uWS.HttpResponse writes must be made from within a corked callback';

/** A server under test in a child process of its own (so it has its own event loop, like in production). */
export class ServerChild {
  private readonly child: ChildProcess;
  private readonly waiters = new Set<(m: ServerEvent) => void>();
  private exited = false;
  private nextCpu = 1;
  readonly exitedPromise: Promise<void>;

  /** `entry`: the child's file (the messenger bench's servers by their kind unless given). */
  constructor(
    readonly kind: string,
    env: Record<string, string>,
    entry: URL = here(`../servers/${kind as ServerKind}.ts`),
  ) {
    this.child = fork(fileURLToPath(entry), [], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    let pending = '';
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line && !line.startsWith(UWS_CORK_WARNING)) process.stderr.write(`[${kind}] ${line}\n`);
    });
    this.child.on('message', (m: ServerEvent) => {
      for (const w of [...this.waiters]) w(m);
    });
    this.exitedPromise = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.exited = true;
        if (code || signal) process.stderr.write(`[${kind}] server child exited with ${code ?? signal}\n`);
        for (const w of [...this.waiters]) w({ ev: 'failed', error: `child exited with ${code ?? signal}` });
        resolve();
      }),
    );
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private next<T extends ServerEvent>(pred: (m: ServerEvent) => m is T, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiters.delete(w);
        reject(new Error(`${this.kind}: no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const w = (m: ServerEvent) => {
        if (m.ev === 'failed') {
          clearTimeout(t);
          this.waiters.delete(w);
          reject(new Error(`${this.kind} failed: ${m.error}`));
        } else if (pred(m)) {
          clearTimeout(t);
          this.waiters.delete(w);
          resolve(m);
        }
      };
      this.waiters.add(w);
    });
  }

  private send(m: ServerCommand): void {
    if (!this.exited && this.child.connected) this.child.send(m);
  }

  ready(timeoutMs: number): Promise<ReadyMessage> {
    return this.next((m): m is ReadyMessage => m.ev === 'ready', timeoutMs, 'ready');
  }

  /** CPU time (user + system) the server process has used so far, in microseconds. */
  async cpuMicros(): Promise<number> {
    const id = this.nextCpu++;
    const p = this.next((m): m is Extract<ServerEvent, { ev: 'cpu' }> => m.ev === 'cpu' && m.id === id, 10_000, 'cpu answer');
    this.send({ cmd: 'cpu', id });
    return (await p).micros;
  }

  /** The server process's memory after a full garbage collection. */
  async memory(): Promise<Omit<Extract<ServerEvent, { ev: 'mem' }>, 'ev' | 'id'>> {
    const id = this.nextCpu++;
    const p = this.next((m): m is Extract<ServerEvent, { ev: 'mem' }> => m.ev === 'mem' && m.id === id, 30_000, 'memory answer');
    this.send({ cmd: 'mem', id });
    const { ev: _ev, id: _id, ...mem } = await p;
    return mem;
  }

  /** Kill the child at once (SIGKILL to its pid): a server crash, as in the reconnect storm. */
  async kill(): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGKILL');
    await this.exitedPromise;
  }

  /** Ask the child to stop; kill it (this one child, by its handle) if it does not exit in time. */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (this.exited) return;
    this.send({ cmd: 'stop' });
    const timer = new Promise<'late'>((r) => setTimeout(() => r('late'), timeoutMs).unref());
    if ((await Promise.race([this.exitedPromise, timer])) === 'late') {
      process.stderr.write(`[${this.kind}] did not stop in ${timeoutMs} ms; killing pid ${this.child.pid}\n`);
      this.child.kill('SIGKILL');
      await this.exitedPromise;
    }
  }
}

/**
 * The load generator: client worker threads (the messenger bench's unless `entry` says which file), each
 * answering one event per command.
 */
export class WorkerPool<C extends { cmd: string } = WorkerCommand, E extends { ev: string } = WorkerEvent> {
  private readonly workers: Worker[];
  private readonly inbox: E[][];
  private readonly wake: (() => void)[] = [];
  private failure: Error | null = null;

  constructor(n: number, entry: URL = here('../clients/worker.ts')) {
    this.workers = Array.from({ length: n }, () => new Worker(here('../clients/boot.mjs'), { workerData: { entry: entry.href } }));
    this.inbox = this.workers.map(() => []);
    this.workers.forEach((w, i) => {
      w.on('message', (m: E) => {
        this.inbox[i].push(m);
        this.wake.splice(0).forEach((f) => f());
      });
      w.on('error', (err) => {
        this.failure = err;
        this.wake.splice(0).forEach((f) => f());
      });
    });
  }

  get size(): number {
    return this.workers.length;
  }

  /** Send each worker its command (null: none) and wait for one answer from each that got one. */
  async all<T extends E>(commands: (C | null)[], timeoutMs: number): Promise<T[]> {
    const asked = commands.map((c, i) => (c ? i : -1)).filter((i) => i >= 0);
    for (const i of asked) this.workers[i].postMessage(commands[i]);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.failure) throw this.failure;
      const failed = this.inbox.flat().find((m) => m.ev === 'error') as { error?: string } | undefined;
      if (failed) throw new Error(`client worker failed: ${failed.error}`);
      if (asked.every((i) => this.inbox[i].length > 0)) return asked.map((i) => this.inbox[i].shift()!) as T[];
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`client workers did not answer ${commands.find(Boolean)?.cmd} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 1000));
        this.wake.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async terminate(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

interface MachineTicks {
  busy: number;
  /** Interrupt and softirq time: mostly the kernel moving loopback TCP traffic, charged to no process. */
  irq: number;
  total: number;
}

/** Busy, interrupt and total jiffies of the whole machine (/proc/stat), for the CPU use of a step. */
export function machineTicks(): MachineTicks {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
    // user nice system idle iowait irq softirq steal (guest and guest_nice are already in user and nice)
    const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    return { busy: total - v[3] - v[4], irq: v[5] + v[6], total };
  } catch {
    return { busy: NaN, irq: NaN, total: NaN };
  }
}

/** Cores over an interval from two machineTicks readings. */
function cores(a: MachineTicks, b: MachineTicks, field: 'busy' | 'irq'): number {
  const total = b.total - a.total;
  return total > 0 ? ((b[field] - a[field]) / total) * os.cpus().length : NaN;
}

/** Where the machine's CPU went during an interval, in cores (CPU seconds per wall second). */
export interface CpuSplit {
  /** The server process under test. */
  server: number;
  /** PostgreSQL processes working for the bench's database: its backends and the background writers (Artel only). */
  postgres: number;
  /** This process: the orchestrator and the client worker threads. */
  clients: number;
  /** Interrupts and softirqs (the kernel's loopback networking), charged to no process. */
  irq: number;
  /** Everything else on the machine: processes the bench did not start (other people's work on a shared machine). */
  other: number;
  machine: number;
}

interface CpuMark {
  t: number;
  server: number;
  clients: number;
  pg: Map<number, number>;
  machine: MachineTicks;
}

const CLK_TCK = 100;

/** utime + stime of a process, in clock ticks; 0 when it is gone. */
function procTicks(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return 0;
  }
}

/** Reads CPU time of the server, this process, the bench database's backends and the machine. */
export class CpuMeter {
  constructor(
    private readonly child: ServerChild | null,
    private readonly backends: (() => Promise<number[]>) | null,
  ) {}

  async mark(): Promise<CpuMark> {
    const server = this.child ? await this.child.cpuMicros().catch(() => NaN) : 0;
    const pids = this.backends ? await this.backends().catch(() => []) : [];
    const u = process.cpuUsage();
    return {
      t: performance.now(),
      server,
      clients: u.user + u.system,
      pg: new Map(pids.map((p) => [p, procTicks(p)])),
      machine: machineTicks(),
    };
  }

  static split(a: CpuMark, b: CpuMark): CpuSplit {
    const wallUs = (b.t - a.t) * 1000;
    let pgTicks = 0;
    for (const [pid, ticks] of b.pg) pgTicks += ticks - (a.pg.get(pid) ?? 0);
    const server = (b.server - a.server) / wallUs;
    const postgres = (pgTicks / CLK_TCK) * 1e6 / wallUs;
    const clients = (b.clients - a.clients) / wallUs;
    const machine = cores(a.machine, b.machine, 'busy');
    const irq = cores(a.machine, b.machine, 'irq');
    return { server, postgres, clients, irq, other: Math.max(0, machine - server - postgres - clients - irq), machine };
  }
}

/**
 * The PostgreSQL processes (pids) working for one database: its backends and autovacuum workers, and the
 * server-wide background processes (WAL writer, checkpointer, background writer), read through an admin
 * connection.
 */
export async function backendLister(adminUrl: string, dbName: string): Promise<{ list: () => Promise<number[]>; close: () => Promise<void> }> {
  const pg = (await import('pg')).default;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  return {
    list: async () => (await admin.query('SELECT pid FROM pg_stat_activity WHERE datname = $1 OR datname IS NULL', [dbName])).rows.map((r) => r.pid as number),
    close: () => admin.end(),
  };
}

/**
 * Wait (at most `maxSeconds`) until processes the bench did not start use no more than `maxCores`, sampling
 * one second at a time; returns the last reading of that other load.
 */
export async function awaitQuiet(meter: CpuMeter, maxCores: number, maxSeconds: number, log: (s: string) => void, what: string): Promise<number> {
  if (maxSeconds <= 0) return NaN;
  const deadline = Date.now() + maxSeconds * 1000;
  let said = false;
  for (;;) {
    const a = await meter.mark();
    await new Promise((r) => setTimeout(r, 1000));
    const other = CpuMeter.split(a, await meter.mark()).other;
    if (other <= maxCores) return other;
    if (Date.now() >= deadline) {
      log(`${what}: other processes still use ${other.toFixed(2)} cores after ${maxSeconds} s; going ahead (the figures will say so)`);
      return other;
    }
    if (!said) log(`${what}: other processes use ${other.toFixed(2)} cores; waiting up to ${maxSeconds} s for them to settle`);
    said = true;
  }
}

/**
 * Wait (at most `maxSeconds`) until the server under test and its PostgreSQL backends use at most `maxCores`
 * together over a second: requests a client gave up on may still be running there after an overloaded step.
 */
export async function awaitServerIdle(meter: CpuMeter, maxCores: number, maxSeconds: number, log: (s: string) => void, what: string): Promise<number> {
  const deadline = Date.now() + maxSeconds * 1000;
  for (;;) {
    const a = await meter.mark();
    await new Promise((r) => setTimeout(r, 1000));
    const c = CpuMeter.split(a, await meter.mark());
    const busy = c.server + c.postgres;
    if (busy <= maxCores) return busy;
    if (Date.now() >= deadline) {
      log(`${what}: the server and PostgreSQL still use ${busy.toFixed(2)} cores after ${maxSeconds} s; going ahead`);
      return busy;
    }
  }
}
