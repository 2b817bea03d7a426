import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import type { TestProject } from 'vitest/node';
import { createLogger } from '../../server/log';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../server/db/embedded';
import { freePort } from '../helpers/net';
// @ts-expect-error plain ESM script without types
import { ensureWebBuilt } from '../../scripts/build-web.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string | null;
  }
}


async function redisAnswers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const sock = net.connect({ host: hostname, port: Number(port || 6379) }, () => {
      sock.write('PING\r\n');
    });
    sock.setTimeout(1000, () => (sock.destroy(), resolve(false)));
    sock.on('data', (d) => (sock.destroy(), resolve(d.toString().startsWith('+PONG'))));
    sock.on('error', () => resolve(false));
  });
}

let embedded: EmbeddedDatabase | null = null;
let tmp: string | null = null;

/**
 * Once per run: a PostgreSQL server (TEST_DATABASE_URL, else an embedded one), Redis when one answers
 * (REDIS_URL, else 127.0.0.1:6379), and the built web client for the browser tests.
 */
export async function setup(project: TestProject): Promise<void> {
  let databaseUrl = process.env.TEST_DATABASE_URL ?? '';
  if (!databaseUrl) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'artel-test-pg-'));
    fs.chmodSync(tmp, 0o755);
    embedded = await startEmbeddedPostgres(path.join(tmp, 'pg'), await freePort(), createLogger('warn'), 'postgres');
    databaseUrl = embedded.url;
  }
  const redisCandidate = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisUrl = (await redisAnswers(redisCandidate)) ? redisCandidate : null;
  project.provide('databaseUrl', databaseUrl);
  project.provide('redisUrl', redisUrl);
  // Only the browser tests need the built client; skip the build when the run names other folders only.
  if (!process.argv.some((a) => a.includes('test/unit') || a.includes('test/integration'))) ensureWebBuilt({ quiet: true });
}

export async function teardown(): Promise<void> {
  await embedded?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}
