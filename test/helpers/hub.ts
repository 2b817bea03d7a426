import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/log';
import { startArtel, type Artel, type ArtelOptions } from '../../server/artel';
import { createTestDatabase, type TestDatabase } from './db';
import { freePort } from './net';

export { freePort };

export interface TestHub {
  /** Base URL, also the PUBLIC_URL (and so the Origin browsers send). */
  url: string;
  port: number;
  /** Inbound SMTP (mail into the feed) of this hub. */
  smtpPort: number;
  artel: Artel;
  db: TestDatabase;
  /** Mails recorded in the outbox, newest first. */
  outbox(): Promise<{ to: string; subject: string; text: string }[]>;
  stop(): Promise<void>;
}

export interface TestHubOptions {
  /** Share a database with other nodes; a fresh one is created (and dropped at stop) otherwise. */
  db?: TestDatabase;
  /** Use the Redis bus at this URL (several nodes); the in-process bus otherwise. */
  redisUrl?: string | null;
  nodeId?: string;
  env?: Record<string, string>;
  /**
   * Video: a media engine to use (shared, closed by the caller), or engine options over the hub's
   * configuration (e.g. `{ mode: 'auto', wsPort, rtpPorts }` to start a Janus of its own). Without it
   * video is off (VIDEO=off), so hubs that do not test calls never start Janus.
   */
  media?: ArtelOptions['media'];
}

/** Start a real hub on a free port with a real database; the built web client is served when present. */
export async function startTestHub(opts: TestHubOptions = {}): Promise<TestHub> {
  const ownDb = !opts.db;
  const db = opts.db ?? (await createTestDatabase());
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'artel-hub-'));
  const config = loadConfig({
    PORT: String(port),
    PUBLIC_URL: url,
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    REDIS_URL: opts.redisUrl ?? '',
    NODE_ID: opts.nodeId ?? `test-${port}`,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    // Inbound SMTP on a free port of its own (tests run many hubs at once).
    SMTP_PORT: '0',
    VIDEO: opts.media ? 'auto' : 'off',
    ...opts.env,
  });
  const artel = await startArtel(config, createLogger(config.logLevel, { node: config.nodeId }), { media: opts.media });
  return {
    url,
    port,
    smtpPort: artel.smtpPort,
    artel,
    db,
    outbox: () => artel.svc.mailer.list(),
    stop: async () => {
      await artel.stop();
      if (ownDb) await db.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The Redis URL tests may use, or null when no Redis answers (Redis tests then skip, saying why). */
export function testRedisUrl(): string | null {
  return inject('redisUrl');
}
