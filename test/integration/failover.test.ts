import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, testRedisUrl } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { runHub, waitReady, type HubProcess } from '../helpers/process';
import { ackedCount, bodiesOf, chatOnTwoNodes, expectIntactHistory } from '../helpers/faults';

const redisUrl = testRedisUrl();
// Both nodes sit behind one public address, as behind a load balancer: browsers send that Origin.
const PUBLIC_URL = 'http://artel.test';

describe.skipIf(!redisUrl)(`kill -9 a hub node while clients send${redisUrl ? '' : ' (skipped: no Redis answered)'}`, () => {
  let db: TestDatabase;
  const nodes: { url: string; proc: HubProcess }[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    for (const name of ['a', 'b']) {
      const port = await freePort();
      const proc = runHub({
        PORT: String(port), PUBLIC_URL, DATABASE_URL: db.url, REDIS_URL: redisUrl!, NODE_ID: `kill-${name}`, LOG_LEVEL: 'warn',
        DATA_DIR: `/tmp/artel-kill-${process.pid}-${name}`,
      });
      nodes.push({ url: `http://127.0.0.1:${port}`, proc });
    }
    await Promise.all(nodes.map((n) => waitReady(n.url, n.proc)));
  }, 120_000);

  afterAll(async () => {
    for (const n of nodes) if (n.proc.child.exitCode === null) n.proc.child.kill('SIGTERM');
    await Promise.all(nodes.map((n) => n.proc.exited));
    await db?.drop();
  });

  it('every client ends with the same contiguous history: 0 lost, 0 duplicated', async () => {
    const [a, b] = nodes;
    const { owner, chatId, clients } = await chatOnTwoNodes(a.url, b.url, PUBLIC_URL, 'Failover');
    // Two clients start on node A, two on node B; each falls back to the other node.
    const PER_CLIENT = 40;
    const sending = clients.map((c, i) => c.sendAll(bodiesOf(i, PER_CLIENT)));
    // Kill node B mid-stream, without warning.
    while (ackedCount(clients) < PER_CLIENT) await new Promise((r) => setTimeout(r, 10));
    b.proc.child.kill('SIGKILL');
    await Promise.all(sending);
    await expectIntactHistory(owner, chatId, clients, PER_CLIENT);
    expect(clients.filter((c, i) => i % 2 === 1).every((c) => c.reconnects >= 1)).toBe(true);
    for (const c of clients) c.close();
  }, 120_000);
});
