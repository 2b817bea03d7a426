import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { ReadyMessage, ServerCommand, ServerEvent } from '../lib/common';

/** A full garbage collection before a memory reading, so that it counts what is live, not what is not yet collected. */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

/**
 * The life of a server child process: start, say ready over IPC, answer CPU-time questions, stop when
 * told or when the orchestrator goes away (the IPC channel closes), and never outlive a hard deadline.
 */
export function serveChild(start: () => Promise<{ ready: Omit<ReadyMessage, 'ev'>; stop: () => Promise<void> }>): void {
  const say = (m: ServerEvent) => process.send?.(m);
  const deadline = Number(process.env.BENCH_CHILD_MAX_SECONDS || 900);
  const guard = setTimeout(() => {
    process.stderr.write(`bench server child: ${deadline}s deadline passed, exiting\n`);
    process.exit(3);
  }, deadline * 1000);
  guard.unref();

  let stop: (() => Promise<void>) | null = null;
  let stopping = false;
  const profile = cpuProfile(process.env.BENCH_CPU_PROFILE_DIR);
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(code || 4), 20_000);
    force.unref();
    try {
      await profile?.();
      await stop?.();
    } catch (err) {
      process.stderr.write(`bench server child: stop failed: ${String(err)}\n`);
    }
    say({ ev: 'stopped' });
    // Let the IPC message leave before the process ends.
    setTimeout(() => process.exit(code), 50);
  };

  process.on('message', (m: ServerCommand) => {
    if (m.cmd === 'cpu') {
      const u = process.cpuUsage();
      say({ ev: 'cpu', id: m.id, micros: u.user + u.system });
    } else if (m.cmd === 'mem') {
      collectGarbage();
      const u = process.memoryUsage();
      say({ ev: 'mem', id: m.id, rss: u.rss, heapUsed: u.heapUsed, external: u.external, arrayBuffers: u.arrayBuffers });
    } else if (m.cmd === 'stop') void shutdown(0);
  });
  process.on('disconnect', () => void shutdown(0));
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void shutdown(0));

  start()
    .then((s) => {
      stop = s.stop;
      say({ ev: 'ready', ...s.ready });
    })
    .catch((err) => {
      say({ ev: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      setTimeout(() => process.exit(1), 50);
    });
}

/**
 * BENCH_CPU_PROFILE_DIR=<dir>: profile the server child's CPU (V8's sampling profiler) from start to stop and
 * write <dir>/<pid>.cpuprofile (open it in Chrome's DevTools); NODE_OPTIONS may not carry --cpu-prof.
 */
function cpuProfile(dir: string | undefined): (() => Promise<void>) | null {
  if (!dir) return null;
  const session = new Session();
  session.connect();
  const started = session.post('Profiler.enable').then(() => session.post('Profiler.start'));
  return async () => {
    await started;
    const { profile } = await session.post('Profiler.stop');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(`${dir}/${process.pid}.cpuprofile`, JSON.stringify(profile));
  };
}

/** A required environment variable of a server child. */
export function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (server children are started by bench/run.ts)`);
  return v;
}
