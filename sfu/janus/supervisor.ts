/**
 * Runs the Janus process: `janus -C <file> -F <folder>`, ready once its WebSocket API answers `info`,
 * restarted after a crash with a growing pause (the engine's peers are told they are gone and rejoin),
 * given up on after too many crashes in a short time. Janus' output goes to our logger line by line.
 *
 * States: starting -> ready -> (crash) restarting -> ready …; unavailable with code `not_installed` when
 * the binary is missing, `crashed` when it keeps dying.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import type { EngineStatus } from '../engine';
import type { Logger } from '../log';
import { JanusConnection } from './client';

export interface SupervisorOptions {
  /** The binary: a path, or a name looked up in PATH. */
  bin: string;
  configFile: string;
  configDir: string;
  /** ws://127.0.0.1:<port> of the API, to know when it is up. */
  url: string;
  apiSecret: string;
  log: Logger;
  /** Crashes within `crashWindowMs` after which we stop trying (defaults 5 in 60 s). */
  maxCrashes?: number;
  crashWindowMs?: number;
  /** How long a start may take before it counts as a crash. */
  startTimeoutMs?: number;
}

/** The binary's full path, or null when it is not there (or not executable). */
export function findBinary(bin: string): string | null {
  const candidates = bin.includes('/') ? [bin] : (process.env.PATH ?? '/usr/bin:/bin').split(':').filter(Boolean).map((d) => path.join(d, bin));
  for (const c of candidates) {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      if (fs.statSync(c).isFile()) return c;
    } catch {
      /* next */
    }
  }
  return null;
}

/** Janus logs these as errors, but they are our normal course (a room made on first join, a feed gone, a client's bad SDP). */
const EXPECTED_ERRORS = /No such room|Room .* already exists|No such feed|already (published|exists)|Error processing SDP|Invalid SDP/i;

/** Linux only: the parent-death signal. */
const PDEATHSIG = process.platform === 'linux';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class JanusSupervisor {
  private child: ChildProcess | null = null;
  private state: EngineStatus = { state: 'starting' };
  private listeners = new Set<(s: EngineStatus) => void>();
  private crashes: number[] = [];
  private stopping = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private readonly maxCrashes: number;
  private readonly crashWindowMs: number;
  private readonly startTimeoutMs: number;
  /** Bumped at each spawn: stale callbacks of an earlier process do nothing. */
  private generation = 0;

  constructor(private o: SupervisorOptions) {
    this.maxCrashes = o.maxCrashes ?? 5;
    this.crashWindowMs = o.crashWindowMs ?? 60_000;
    this.startTimeoutMs = o.startTimeoutMs ?? 20_000;
  }

  status(): EngineStatus {
    return this.state;
  }

  /** The running process' pid (tests kill it to see a restart). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  onStatus(listener: (s: EngineStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(s: EngineStatus): void {
    this.state = s;
    for (const l of this.listeners) l(s);
  }

  /** Start Janus; resolves once it is ready or has been given up on (see status()). Never throws. */
  async start(): Promise<void> {
    const bin = findBinary(this.o.bin);
    if (!bin) {
      this.set({ state: 'unavailable', code: 'not_installed', reason: `Janus is not installed (no "${this.o.bin}" binary; apt-get install janus)` });
      return;
    }
    // A hub killed outright cannot stop its Janus; one that exits normally takes it along.
    const killOnExit = () => this.child?.kill('SIGKILL');
    process.once('exit', killOnExit);
    this.onStatus((st) => {
      if (st.state === 'unavailable') process.off('exit', killOnExit);
    });
    // Wait for the first verdict: ready, or given up (a crash during start restarts it meanwhile).
    const settled = new Promise<void>((resolve) => {
      const off = this.onStatus((st) => {
        if (st.state === 'ready' || st.state === 'unavailable') {
          off();
          resolve();
        }
      });
    });
    void this.run(bin, 'starting');
    await settled;
  }

  private async run(bin: string, state: 'starting' | 'restarting'): Promise<void> {
    if (this.stopping) return;
    if (this.state.state !== state) this.set({ state, reason: state === 'restarting' ? 'The media server is restarting' : 'The media server is starting' });
    const gen = ++this.generation;
    const log = this.o.log;
    const args = ['-C', this.o.configFile, '-F', this.o.configDir];
    // setpriv (util-linux) makes the kernel kill Janus when we die, even by SIGKILL: no orphan Janus
    // holding the port and the RTP range after a hub crash. It execs Janus, so the pid stays Janus'.
    const setpriv = PDEATHSIG ? findBinary('setpriv') : null;
    const child = setpriv
      ? spawn(setpriv, ['--pdeathsig', 'KILL', '--', bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const pipe = (stream: NodeJS.ReadableStream) => {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (d: string) => {
        buf += d;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i).trimEnd();
          buf = buf.slice(i + 1);
          if (!line) continue;
          if (/^\[(ERR|FATAL)\]/.test(line) && !EXPECTED_ERRORS.test(line)) log.warn('janus: ' + line);
          else log.debug('janus: ' + line);
        }
      });
    };
    pipe(child.stdout!);
    pipe(child.stderr!);
    let spawnError: Error | null = null;
    let ended = false;
    const end = (why: Record<string, unknown>) => {
      if (ended) return;
      ended = true;
      if (gen !== this.generation || this.stopping) return;
      this.child = null;
      log.warn('janus exited', why);
      this.crashed(bin);
    };
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    child.on('error', (err) => {
      spawnError = err;
      // A process that could not even start sends no 'exit'.
      if (child.pid === undefined) end({ err: err.message });
    });
    child.once('exit', (code, signal) => end({ code, signal }));
    // Ready when the API answers.
    const until = Date.now() + this.startTimeoutMs;
    while (Date.now() < until && gen === this.generation && !this.stopping && child.exitCode === null && child.signalCode === null && !spawnError) {
      try {
        const conn = await JanusConnection.connect(this.o.url, { apiSecret: this.o.apiSecret, timeoutMs: 2000, connectTimeoutMs: 2000 });
        try {
          const info = await conn.info();
          if (gen !== this.generation || this.stopping) return;
          log.info('janus ready', { pid: child.pid, version: info.version_string, url: this.o.url });
          this.set({ state: 'ready' });
          return;
        } finally {
          conn.close();
        }
      } catch {
        await sleep(150);
      }
    }
    if (gen !== this.generation || this.stopping) return;
    if (spawnError || child.exitCode !== null || child.signalCode !== null) {
      // The exit handler counts the crash; wait for the decision it takes (restart or give up).
      await exited;
      return;
    }
    log.warn('janus did not answer in time: killing it', { ms: this.startTimeoutMs });
    child.kill('SIGKILL');
  }

  private crashed(bin: string): void {
    const now = Date.now();
    this.crashes = this.crashes.filter((t) => now - t < this.crashWindowMs);
    this.crashes.push(now);
    if (this.crashes.length >= this.maxCrashes) {
      this.o.log.error('janus keeps crashing: giving up', { crashes: this.crashes.length, windowMs: this.crashWindowMs });
      this.set({ state: 'unavailable', code: 'crashed', reason: `The media server crashed ${this.crashes.length} times in ${Math.round(this.crashWindowMs / 1000)} s and was not restarted` });
      return;
    }
    // 0.25 s, 0.5 s, 1 s, 2 s… after the crashes of the window.
    const delay = Math.min(250 * 2 ** (this.crashes.length - 1), 10_000);
    this.set({ state: 'restarting', reason: 'The media server stopped and is restarting' });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      void this.run(bin, 'restarting');
    }, delay);
  }

  /** Stop Janus: SIGTERM, then SIGKILL if it has not exited in `graceMs`. */
  async stop(graceMs = 3000): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    this.child = null;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    if (this.state.state !== 'unavailable') this.set({ state: 'unavailable', code: 'unreachable', reason: 'The media server was stopped' });
  }
}
