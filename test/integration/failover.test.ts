import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, testRedisUrl } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { ApiClient, invitationToken, PASSWORD } from '../helpers/client';
import { runHub, waitReady, type HubProcess } from '../helpers/process';
import { ResilientChatClient } from '../helpers/resilient';

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
    const owner = new ApiClient(a.url, PUBLIC_URL);
    expect((await owner.post('/api/auth/register', { workspaceName: 'K', name: 'Owner', email: 'o@example.com', password: PASSWORD })).status).toBe(201);
    const people = [owner];
    for (const name of ['p1', 'p2', 'p3']) {
      await owner.post('/api/invitations', { email: `${name}@example.com` });
      const c = new ApiClient(b.url, PUBLIC_URL);
      const r = await c.post('/api/invitations/accept', { token: await invitationToken(owner, `${name}@example.com`), name, password: PASSWORD });
      expect(r.status).toBe(201);
      people.push(c);
    }
    const memberIds = [];
    for (const p of people.slice(1)) memberIds.push((await p.get('/api/me')).body.user.id);
    const chatId = (await owner.post('/api/chats', { kind: 'group', title: 'Failover', memberIds })).body.chat.id;

    // Two clients start on node A, two on node B; each falls back to the other node.
    const clients = people.map((p, i) => new ResilientChatClient(i % 2 ? [b.url, a.url] : [a.url, b.url], p.cookie!, chatId, PUBLIC_URL));
    const PER_CLIENT = 40;
    const sending = clients.map((c, i) => c.sendAll(Array.from({ length: PER_CLIENT }, (_, k) => `c${i}-m${k}`)));
    // Kill node B mid-stream, without warning.
    while (clients.reduce((n, c) => n + c.acked.size, 0) < PER_CLIENT) await new Promise((r) => setTimeout(r, 10));
    b.proc.child.kill('SIGKILL');
    await Promise.all(sending);

    const head = (await owner.get(`/api/chats/${chatId}/messages?limit=1`)).body.head;
    await Promise.all(clients.map((c) => c.catchUp(head)));
    const stored = [];
    for (let before: number | null = null; ; ) {
      const page: any = await owner.get(`/api/chats/${chatId}/messages?limit=200${before ? `&before=${before}` : ''}`);
      stored.unshift(...page.body.messages);
      if (page.body.messages.length < 200) break;
      before = page.body.messages[0].seq;
    }
    // Every acknowledged message is stored exactly once, and every send was acknowledged.
    const storedByClientId = new Map<string, number>();
    for (const m of stored) storedByClientId.set(m.clientId, (storedByClientId.get(m.clientId) ?? 0) + 1);
    expect(stored).toHaveLength(clients.length * PER_CLIENT);
    for (const c of clients) {
      expect(c.acked.size).toBe(PER_CLIENT);
      for (const id of c.acked.keys()) expect(storedByClientId.get(id)).toBe(1);
    }
    // Each client's view: every seq from 1 to head, the same events as everyone else's.
    const reference = [...clients[0].received.entries()].sort((x, y) => x[0] - y[0]).map(([seq, f]) => `${seq}:${f.event.type}:${f.event.payload.message?.id ?? ''}`);
    expect(reference).toHaveLength(head);
    for (const c of clients) {
      const view = [...c.received.entries()].sort((x, y) => x[0] - y[0]).map(([seq, f]) => `${seq}:${f.event.type}:${f.event.payload.message?.id ?? ''}`);
      expect(view).toEqual(reference);
    }
    // Each sender's messages appear in the order it sent them.
    for (let i = 0; i < clients.length; i++) {
      const mine = stored.filter((m) => m.body.startsWith(`c${i}-`)).map((m) => m.body);
      expect(mine).toEqual(Array.from({ length: PER_CLIENT }, (_, k) => `c${i}-m${k}`));
    }
    expect(clients.filter((c, i) => i % 2 === 1).every((c) => c.reconnects >= 1)).toBe(true);
    for (const c of clients) c.close();
  }, 120_000);
});
