/**
 * Faults with real processes: two hub nodes on one PostgreSQL and a Redis of this test's own, clients sending
 * through both; Redis is killed (-9) mid-stream and started again. Sends keep being acknowledged (the write
 * path needs only PostgreSQL), every client ends with the same contiguous history (gaps the bus missed are
 * filled from the stored events), 0 lost, 0 duplicated; and once Redis is back, events cross nodes live again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { ApiClient, invitationToken, PASSWORD, RealtimeClient } from '../helpers/client';
import { runHub, waitReady, type HubProcess } from '../helpers/process';
import { ResilientChatClient } from '../helpers/resilient';

const haveRedis = fs.existsSync('/usr/bin/redis-server');
const PUBLIC_URL = 'http://artel.test';

/** A Redis server of this test's own (so that killing it disturbs no other test). */
function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    const end = Date.now() + 10_000;
    const probe = () => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(child)));
      s.on('error', () => (Date.now() > end ? reject(new Error('redis did not start')) : setTimeout(probe, 50)));
    };
    probe();
  });
}

describe.skipIf(!haveRedis)('Redis killed and restarted under a stream of sends (two hub nodes)', () => {
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
    const owner = new ApiClient(a.url, PUBLIC_URL);
    expect((await owner.post('/api/auth/register', { workspaceName: 'R', name: 'Owner', email: 'o@example.com', password: PASSWORD })).status).toBe(201);
    const people = [owner];
    for (const name of ['p1', 'p2', 'p3']) {
      await owner.post('/api/invitations', { email: `${name}@example.com` });
      const c = new ApiClient(b.url, PUBLIC_URL);
      expect((await c.post('/api/invitations/accept', { token: await invitationToken(owner, `${name}@example.com`), name, password: PASSWORD })).status).toBe(201);
      people.push(c);
    }
    const memberIds = [];
    for (const p of people.slice(1)) memberIds.push((await p.get('/api/me')).body.user.id);
    const chatId = (await owner.post('/api/chats', { kind: 'group', title: 'Redis fault', memberIds })).body.chat.id;

    const clients = people.map((p, i) => new ResilientChatClient(i % 2 ? [b.url, a.url] : [a.url, b.url], p.cookie!, chatId, PUBLIC_URL));
    const PER_CLIENT = 40;
    const sending = clients.map((c, i) => c.sendAll(Array.from({ length: PER_CLIENT }, (_, k) => `c${i}-m${k}`), 20));
    while (clients.reduce((n, c) => n + c.acked.size, 0) < PER_CLIENT) await new Promise((r) => setTimeout(r, 10));
    // Redis dies without warning; a second later it is back (empty: nothing is kept in it).
    redis.kill('SIGKILL');
    const ackedAtKill = clients.reduce((n, c) => n + c.acked.size, 0);
    await new Promise((r) => setTimeout(r, 1000));
    const ackedDuringOutage = clients.reduce((n, c) => n + c.acked.size, 0) - ackedAtKill;
    redis = await startRedis(redisPort);
    await Promise.all(sending);
    // Sends went on being acknowledged while Redis was away (the write path needs only PostgreSQL).
    expect(ackedDuringOutage).toBeGreaterThan(0);

    const head = (await owner.get(`/api/chats/${chatId}/messages?limit=1`)).body.head;
    await Promise.all(clients.map((c) => c.catchUp(head)));
    const stored = [];
    for (let before: number | null = null; ; ) {
      const page: any = await owner.get(`/api/chats/${chatId}/messages?limit=200${before ? `&before=${before}` : ''}`);
      stored.unshift(...page.body.messages);
      if (page.body.messages.length < 200) break;
      before = page.body.messages[0].seq;
    }
    expect(stored).toHaveLength(clients.length * PER_CLIENT);
    const byClientId = new Map<string, number>();
    for (const m of stored) byClientId.set(m.clientId, (byClientId.get(m.clientId) ?? 0) + 1);
    for (const c of clients) {
      expect(c.acked.size).toBe(PER_CLIENT);
      for (const id of c.acked.keys()) expect(byClientId.get(id)).toBe(1);
    }
    const view = (c: ResilientChatClient) => [...c.received.entries()].sort((x, y) => x[0] - y[0]).map(([seq, f]) => `${seq}:${f.event.payload.message?.id ?? ''}`);
    const reference = view(clients[0]);
    expect(reference).toHaveLength(head);
    for (const c of clients) expect(view(c)).toEqual(reference);
    for (let i = 0; i < clients.length; i++) {
      expect(stored.filter((m) => m.body.startsWith(`c${i}-`)).map((m) => m.body)).toEqual(Array.from({ length: PER_CLIENT }, (_, k) => `c${i}-m${k}`));
    }
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
