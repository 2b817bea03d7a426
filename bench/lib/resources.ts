import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import pg from 'pg';
import type { ServerChild, WorkerPool } from './procs';

/**
 * What one bench run starts and must clean away whatever happens (done, failed, a signal, its watchdog):
 * its server children and client worker threads (by handle, never by name), the databases it created on
 * the shared PostgreSQL, and its temporary folders.
 */
export class BenchResources {
  readonly children = new Set<ServerChild>();
  readonly pools = new Set<WorkerPool<any, any>>();
  readonly databases = new Set<string>();
  readonly dirs = new Set<string>();
  private cleaned: Promise<void> | null = null;

  constructor(
    private readonly pgUrl: string,
    private readonly log: (line: string) => void,
  ) {}

  /** Run `fn` on a connection of its own to the administrative database. */
  async admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const c = new pg.Client({ connectionString: this.pgUrl });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  }

  /** A fresh database named `<prefix>_<random>`, dropped at cleanup; returns its URL. */
  async createDatabase(prefix: string): Promise<string> {
    const name = `${prefix}_${randomBytes(6).toString('hex')}`;
    await this.admin((c) => c.query(`CREATE DATABASE ${name}`));
    this.databases.add(name);
    const url = new URL(this.pgUrl);
    url.pathname = `/${name}`;
    return url.toString();
  }

  /** Stop and remove everything this run started (once; later calls wait for the first). */
  cleanup(): Promise<void> {
    this.cleaned ??= (async () => {
      for (const p of this.pools) await p.terminate().catch(() => {});
      for (const c of this.children) await c.stop(10_000).catch(() => {});
      for (const name of this.databases) {
        await this.admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
          .then(() => this.log(`dropped database ${name}`))
          .catch((err) => console.error(`could not drop database ${name}: ${String(err)}`));
      }
      for (const d of this.dirs) fs.rmSync(d, { recursive: true, force: true });
    })();
    return this.cleaned;
  }

  /** Clean up and exit with code 2 if the run is still going after `seconds` (`name`: the bench, for the message). */
  watchdog(name: string, seconds: number): void {
    setTimeout(() => {
      console.error(`${name}: BENCH_MAX_SECONDS=${seconds} passed; stopping`);
      void this.cleanup().finally(() => process.exit(2));
    }, seconds * 1000).unref();
  }
}
