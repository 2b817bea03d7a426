/**
 * Faults with real processes: two hub nodes on a PostgreSQL of this test's own (an embedded cluster) and a
 * Redis of its own, clients sending through both; PostgreSQL is stopped for a few seconds and started
 * again. Sends made meanwhile are refused with a retryable error (nothing half-written) and delivered by the
 * clients' queues afterwards; the hubs keep running and answer /readyz again; every client ends with the
 * same contiguous history, 0 lost, 0 duplicated.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/log';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../server/db/embedded';
import { freePort } from '../helpers/hub';
import { runHub, waitReady, type HubProcess } from '../helpers/process';
import { ackedCount, bodiesOf, chatOnTwoNodes, expectIntactHistory } from '../helpers/faults';
import { haveRedisServer, startRedis } from '../helpers/redis';

const PUBLIC_URL = 'http://artel.test';

describe.skipIf(!haveRedisServer)('PostgreSQL stopped and started again under a stream of sends (two hub nodes)', () => {
  let dir: string;
  let pgPort: number;
  let pg: EmbeddedDatabase;
  let redis: ChildProcess;
  const nodes: { url: string; proc: HubProcess }[] = [];
  const log = createLogger('warn');

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'artel-pg-fault-'));
    fs.chmodSync(dir, 0o755);
    pgPort = await freePort();
    pg = await startEmbeddedPostgres(path.join(dir, 'pg'), pgPort, log, 'artel');
    const redisPort = await freePort();
    redis = await startRedis(redisPort);
    for (const name of ['a', 'b']) {
      const port = await freePort();
      const proc = runHub({
        PORT: String(port), PUBLIC_URL, DATABASE_URL: pg.url, REDIS_URL: `redis://127.0.0.1:${redisPort}`, NODE_ID: `pg-fault-${name}`,
        LOG_LEVEL: 'error', DATA_DIR: path.join(dir, `data-${name}`),
      });
      nodes.push({ url: `http://127.0.0.1:${port}`, proc });
    }
    await Promise.all(nodes.map((n) => waitReady(n.url, n.proc)));
  }, 180_000);

  afterAll(async () => {
    for (const n of nodes) if (n.proc.child.exitCode === null) n.proc.child.kill('SIGTERM');
    await Promise.all(nodes.map((n) => n.proc.exited));
    redis?.kill('SIGKILL');
    await pg?.stop().catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sends during the outage are refused, retried and kept; nothing lost or duplicated; the hubs carry on', async () => {
    const [a, b] = nodes;
    const { owner, chatId, clients } = await chatOnTwoNodes(a.url, b.url, PUBLIC_URL, 'Postgres fault');
    const PER_CLIENT = 40;
    const sending = clients.map((c, i) => c.sendAll(bodiesOf(i, PER_CLIENT), 20));
    while (ackedCount(clients) < PER_CLIENT) await new Promise((r) => setTimeout(r, 10));
    await pg.stop();
    // While it is down: the hubs run, say they are not ready, and acknowledge nothing.
    await new Promise((r) => setTimeout(r, 1000));
    const ackedDuringOutage = ackedCount(clients);
    for (const n of nodes) {
      expect(n.proc.child.exitCode).toBeNull();
      expect((await fetch(`${n.url}/readyz`)).status).toBe(503);
    }
    await new Promise((r) => setTimeout(r, 2000));
    expect(ackedCount(clients)).toBe(ackedDuringOutage);
    pg = await startEmbeddedPostgres(path.join(dir, 'pg'), pgPort, log, 'artel');
    await Promise.all(sending);
    for (const n of nodes) {
      expect(n.proc.child.exitCode).toBeNull();
      expect((await fetch(`${n.url}/readyz`)).status).toBe(200);
    }
    await expectIntactHistory(owner, chatId, clients, PER_CLIENT);
    for (const c of clients) c.close();
  }, 180_000);
});
