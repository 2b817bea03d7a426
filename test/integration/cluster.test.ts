import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, testRedisUrl, type TestHub } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { addColleague, ApiClient, PASSWORD, RealtimeClient, registerOwner } from '../helpers/client';

const redisUrl = testRedisUrl();

describe.skipIf(!redisUrl)(`two hub nodes on one PostgreSQL and one Redis${redisUrl ? '' : ' (skipped: no Redis answered)'}`, () => {
  let db: TestDatabase;
  let a: TestHub;
  let b: TestHub;
  let owner: ApiClient;
  let bob: ApiClient;
  /** The same people seen through node B (cookies are valid on every node). */
  const via = (client: ApiClient, node: TestHub) => {
    const c = new ApiClient(node.url);
    c.cookie = client.cookie;
    return c;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    // Both nodes share the database and the Redis bus; a unique prefix isolates this run's channels.
    const env = {};
    a = await startTestHub({ db, redisUrl, nodeId: 'node-a', env });
    b = await startTestHub({ db, redisUrl, nodeId: 'node-b', env });
    owner = await registerOwner(a.url);
    bob = await addColleague(owner, 'bob@example.com', 'Bob');
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await db?.drop();
  });

  it('an event written through node B reaches a subscriber on node A live', async () => {
    const onA = await RealtimeClient.open(a.url, owner.cookie);
    await onA.request({ type: 'subscribe', streams: [{ stream: 'directory' }] });
    const r = await via(bob, b).patch('/api/me', { position: 'Engineer' });
    expect(r.status).toBe(200);
    const ev = await onA.waitFor(() => onA.events('directory').find((e) => e.event.payload.user?.position === 'Engineer'));
    expect(ev.event.type).toBe('user_updated');
    onA.close();
  });

  it('presence holds across nodes', async () => {
    const watcher = await RealtimeClient.open(a.url, owner.cookie);
    const bobId = (await bob.get('/api/me')).body.user.id;
    const bobOnB = await RealtimeClient.open(b.url, bob.cookie);
    await watcher.waitFor(() => watcher.frames.find((f) => f.type === 'presence' && f.statuses[bobId] === 'online'));
    const q = await watcher.request({ type: 'presence_query', userIds: [bobId] });
    expect(q.presence[bobId]).toBe('online');
    bobOnB.close();
    await watcher.waitFor(() => watcher.frames.find((f) => f.type === 'presence' && f.statuses[bobId] === 'offline'));
    watcher.close();
  });

  it('deactivating a user on node A closes their socket on node B at once and ends their sessions', async () => {
    const carol = await addColleague(owner, 'carol@example.com', 'Carol');
    const carolId = (await carol.get('/api/me')).body.user.id;
    const carolOnB = await RealtimeClient.open(b.url, carol.cookie);
    const r = await owner.post(`/api/admin/users/${carolId}/deactivate`);
    expect(r.status).toBe(200);
    expect((await carolOnB.closed).code).toBe(4403);
    expect((await via(carol, b).get('/api/me')).status).toBe(401);
    const login = await new ApiClient(b.url).post('/api/auth/login', { email: 'carol@example.com', password: PASSWORD });
    expect(login.status).toBe(403);
  });

  it('a client whose node stops resumes on the other node from its last seq, missing nothing', async () => {
    const c = await startTestHub({ db, redisUrl, nodeId: 'node-c' });
    const onC = await RealtimeClient.open(c.url, owner.cookie);
    const sub = await onC.request({ type: 'subscribe', streams: [{ stream: 'directory' }] });
    let last = sub.streams[0].head;
    await via(bob, a).patch('/api/me', { department: 'before' });
    await onC.waitFor(() => onC.events('directory').find((e) => e.event.payload.user?.department === 'before'));
    last = Math.max(last, ...onC.events('directory').map((e) => e.seq));
    // The node goes away (graceful here; the messenger's fault tests kill -9 real processes).
    const stopped = c.artel.stop();
    expect((await onC.closed).code).toBe(1001);
    await stopped;
    for (const d of ['during-1', 'during-2', 'during-3']) await via(bob, a).patch('/api/me', { department: d });
    const onB = await RealtimeClient.open(b.url, owner.cookie);
    const resumed = await onB.request({ type: 'subscribe', streams: [{ stream: 'directory', after: last }] });
    expect(resumed.streams[0].reload).toBe(false);
    const got = onB.events('directory');
    expect(got.map((e) => e.seq)).toEqual([last + 1, last + 2, last + 3]);
    expect(got.map((e) => e.event.payload.user.department)).toEqual(['during-1', 'during-2', 'during-3']);
    onB.close();
  });
});
