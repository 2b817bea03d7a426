import fs from 'node:fs';
import path from 'node:path';
import { sql, type ConnectionPool } from './pool';
import type { Logger } from '../log';

const MIGRATIONS_DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../migrations');
/** Serialises migration runs of several nodes starting together. */
const LOCK_KEY = 720_541_001;

/** Apply every numbered SQL file of migrations/ not applied yet, each in its own transaction, in order. */
export async function migrate(db: ConnectionPool, log: Logger, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = fs
    .readdirSync(dir)
    .filter((f) => /^\d{3,}_[a-z0-9_]+\.sql$/.test(f))
    .sort();
  const applied: string[] = [];
  await db.tx(async (tx) => {
    await tx.query(sql`SELECT pg_advisory_xact_lock(${LOCK_KEY})`);
    await tx.query(sql`CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await tx.query(sql`SELECT name FROM schema_migrations`)).map((r) => r.name as string));
    for (const file of files) {
      if (done.has(file)) continue;
      await tx.query(sql.file(path.join(dir, file)));
      await tx.query(sql`INSERT INTO schema_migrations (name) VALUES (${file})`);
      applied.push(file);
      log.info('migration applied', { file });
    }
  });
  return applied;
}
