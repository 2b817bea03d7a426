/**
 * Faults with real processes: two hub nodes on one PostgreSQL and a Redis of this test's own, clients sending
 * through both; Redis is killed (-9) mid-stream and started again. Sends keep being acknowledged (the write
 * path needs only PostgreSQL), every client ends with the same contiguous history (gaps the bus missed are
 * filled from the stored events), 0 lost, 0 duplicated; and once Redis is back, events cross nodes live again.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { RealtimeClient } from '../helpers/client';
import { runHub, waitReady, type HubProcess } from '../helpers/process';
import { ackedCount, bodiesOf, chatOnTwoNodes, expectIntactHistory } from '../helpers/faults';
import { haveRedisServer, startRedis } from '../helpers/redis';

const PUBLIC_URL = 'http://artel.test';

describe.skipIf(!haveRedisServer)('Redis killed and restarted under a stream of sends (two hub nodes)', () => {
  let db: TestDatabase;
  let redisPort: number;
  let redis: ChildProcess;
  const nodes: { url: string; proc: HubProcess }[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    for (const name of ['a', 'b']) {
      const port = await freePort();
      const proc = runHub({
        PORT: String(port), PUBLIC_URL, DATABASE_URL: db.url, REDIS_URL: `redis://127.0.0.1:${redisPort}`, NODE_ID: `redis-fault-${name}`,
        LOG_LEVEL: 'error', DATA_DIR: `/tmp/artel-redis-fault-${process.pid}-${name}`,
      });
      nodes.push({ url: `http://127.0.0.1:${port}`, proc });
    }
    await Promise.all(nodes.map((n) => waitReady(n.url, n.proc)));
  }, 120_000);

  afterAll(async () => {
    for (const n of nodes) if (n.proc.child.exitCode === null) n.proc.child.kill('SIGTERM');
    await Promise.all(nodes.map((n) => n.proc.exited));
    redis?.kill('SIGKILL');
    await db?.drop();
  });

  it('0 lost, 0 duplicated, the same contiguous history everywhere; live across nodes again once Redis is back', async () => {
    const [a, b] = nodes;
    const { owner, people, chatId, clients } = await chatOnTwoNodes(a.url, b.url, PUBLIC_URL, 'Redis fault');
    const PER_CLIENT = 40;
    const sending = clients.map((c, i) => c.sendAll(bodiesOf(i, PER_CLIENT), 20));
    while (ackedCount(clients) < PER_CLIENT) await new Promise((r) => setTimeout(r, 10));
    // Redis dies without warning; a second later it is back (empty: nothing is kept in it).
    redis.kill('SIGKILL');
    const ackedAtKill = ackedCount(clients);
    await new Promise((r) => setTimeout(r, 1000));
    const ackedDuringOutage = ackedCount(clients) - ackedAtKill;
    redis = await startRedis(redisPort);
    await Promise.all(sending);
    // Sends went on being acknowledged while Redis was away (the write path needs only PostgreSQL).
    expect(ackedDuringOutage).toBeGreaterThan(0);
    await expectIntactHistory(owner, chatId, clients, PER_CLIENT);
    for (const c of clients) c.close();

    // Live across nodes again: a listener on node B hears a message sent through node A, without asking.
    const listener = await RealtimeClient.open(b.url, people[1].cookie!, PUBLIC_URL);
    expect((await listener.request({ type: 'subscribe', streams: [{ stream: `chat:${chatId}` }] })).ok).toBe(true);
    const sender = await RealtimeClient.open(a.url, owner.cookie!, PUBLIC_URL);
    let heard = false;
    for (let i = 0; i < 50 && !heard; i++) {
      await sender.request({ type: 'message_send', chatId, clientId: crypto.randomUUID(), body: `after the restart ${i}` });
      await new Promise((r) => setTimeout(r, 200));
      heard = listener.events(`chat:${chatId}`).some((e) => e.event.type === 'message_created');
    }
    expect(heard).toBe(true);
    listener.close();
    sender.close();
  }, 120_000);
});
