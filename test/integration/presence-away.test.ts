/**
 * "Away" presence across two hub nodes on one PostgreSQL and one Redis: a person is away when every socket
 * of theirs, on any node, reports its page idle; online when one is active; offline when none is open.
 * Bad `presence_set` frames get typed errors and change nothing; a guest's socket has no presence.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, testRedisUrl, type TestHub } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { addColleague, ApiClient, idsOf, RealtimeClient, registerOwner } from '../helpers/client';

const redisUrl = testRedisUrl();

/** The last presence push about a user a client received, if any. */
const lastStatus = (rt: RealtimeClient, userId: string): string | undefined =>
  rt.frames.filter((f) => aboutUser(f, userId)).at(-1)?.statuses[userId];

/** A presence push that tells of this person. */
const aboutUser = (f: Record<string, any>, userId: string) => f.type === 'presence' && userId in f.statuses;

/** Wait until the last presence push about a user says `status`. */
const seen = (rt: RealtimeClient, userId: string, status: string) => rt.waitFor(() => lastStatus(rt, userId) === status);

describe.skipIf(!redisUrl)(`away presence on two hub nodes${redisUrl ? '' : ' (skipped: no Redis answered)'}`, () => {
  let db: TestDatabase;
  let a: TestHub;
  let b: TestHub;
  let owner: ApiClient;
  let xena: ApiClient;
  let ids: Record<string, string>;
  /** Colleagues watching Xena, one on each node. */
  let watchA: RealtimeClient;
  let watchB: RealtimeClient;

  /** What both nodes answer when asked about a user right now. */
  const queried = async (userId: string) =>
    Promise.all([watchA, watchB].map(async (w) => (await w.request({ type: 'presence_query', userIds: [userId] })).presence[userId]));

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startTestHub({ db, redisUrl, nodeId: 'away-a' });
    b = await startTestHub({ db, redisUrl, nodeId: 'away-b' });
    owner = await registerOwner(a.url);
    xena = await addColleague(owner, 'xena@example.com', 'Xena');
    ids = await idsOf({ owner, xena });
    watchA = await RealtimeClient.open(a.url, owner.cookie);
    watchB = await RealtimeClient.open(b.url, owner.cookie);
  });
  afterAll(async () => {
    watchA?.close();
    watchB?.close();
    await a?.stop();
    await b?.stop();
    await db?.drop();
  });

  it('both sockets idle: away everywhere; one active again: online; both closed: offline', async () => {
    const x = ids.xena;
    const onA = await RealtimeClient.open(a.url, xena.cookie);
    const onB = await RealtimeClient.open(b.url, xena.cookie);
    await seen(watchA, x, 'online');
    await seen(watchB, x, 'online');

    // One idle page is not enough while the other is active.
    expect(await onA.request({ type: 'presence_set', idle: true })).toMatchObject({ ok: true });
    expect(await onB.request({ type: 'presence_set', idle: false })).toMatchObject({ ok: true });
    expect(await queried(x)).toEqual(['online', 'online']);

    // Both idle: away, seen on both nodes, pushed and answered.
    expect((await onB.request({ type: 'presence_set', idle: true })).ok).toBe(true);
    await seen(watchA, x, 'away');
    await seen(watchB, x, 'away');
    expect(await queried(x)).toEqual(['away', 'away']);

    // Input on node A's page: online again, everywhere.
    expect((await onA.request({ type: 'presence_set', idle: false })).ok).toBe(true);
    await seen(watchA, x, 'online');
    await seen(watchB, x, 'online');
    expect(await queried(x)).toEqual(['online', 'online']);

    // The active socket closes: the idle one on node B leaves her away.
    onA.close();
    await seen(watchA, x, 'away');
    await seen(watchB, x, 'away');
    expect(await queried(x)).toEqual(['away', 'away']);

    // A new socket counts as active until its page says otherwise.
    const again = await RealtimeClient.open(a.url, xena.cookie);
    await seen(watchA, x, 'online');
    expect((await again.request({ type: 'presence_set', idle: true })).ok).toBe(true);
    await seen(watchB, x, 'away');

    again.close();
    onB.close();
    await seen(watchA, x, 'offline');
    await seen(watchB, x, 'offline');
    expect(await queried(x)).toEqual(['offline', 'offline']);
  });

  it('a bad presence_set gets a typed error and changes nothing', async () => {
    const x = ids.xena;
    const rt = await RealtimeClient.open(b.url, xena.cookie);
    await seen(watchA, x, 'online');
    const pushesBefore = watchA.frames.filter((f) => aboutUser(f, x)).length;
    const bad: [Record<string, unknown>, string][] = [
      [{ type: 'presence_set', idle: 'yes' }, 'idle'],
      [{ type: 'presence_set' }, 'idle'],
      [{ type: 'presence_set', idle: 1 }, 'idle'],
      [{ type: 'presence_set', idle: true, userId: ids.owner }, '_'],
      [{ type: 'presence_set', idle: true, status: 'away' }, '_'],
    ];
    for (const [frame, field] of bad) {
      const r = await rt.request(frame);
      expect([frame, r.ok, r.error?.code]).toEqual([frame, false, 'bad_frame']);
      expect(Object.keys(r.error.fields ?? {})).toContain(field);
    }
    // A valid frame on the same socket still works after the refused ones (the socket stays open)...
    expect((await rt.request({ type: 'ping' })).ok).toBe(true);
    // ...and nothing changed: still online on both nodes, no presence push went out.
    expect(await queried(x)).toEqual(['online', 'online']);
    expect(watchA.frames.filter((f) => aboutUser(f, x))).toHaveLength(pushesBefore);
    // Nor can anyone set another person's presence: the flag belongs to the socket that sends it.
    expect((await watchB.request({ type: 'presence_set', idle: true })).ok).toBe(true);
    expect(await queried(x)).toEqual(['online', 'online']);
    expect((await watchB.request({ type: 'presence_set', idle: false })).ok).toBe(true);
    rt.close();
    await seen(watchA, x, 'offline');
  });

  it('a guest socket cannot set presence and never shows up', async () => {
    const email = 'client@partner.example';
    const post = await owner.post('/api/feed/posts', {
      clientId: randomUUID(),
      title: 'Terms',
      body: 'Please confirm.',
      audience: { userIds: [], emails: [email] },
    });
    expect(post.status).toBe(201);
    const mail = (await a.outbox()).find((m) => m.to === email);
    const token = /\/g\/([A-Za-z0-9_-]{43})/.exec(mail?.text ?? '')?.[1];
    expect(token).toBeTruthy();
    const guest = new ApiClient(a.url, a.url, 'artel_guest');
    const opened = await guest.post('/api/guest/session', { token });
    expect(opened.status).toBe(201);
    const guestId: string = opened.body.me.id;

    const rt = await RealtimeClient.open(b.url, guest.cookie, b.url, 'artel_guest');
    for (const idle of [true, false]) {
      const r = await rt.request({ type: 'presence_set', idle });
      expect([r.ok, r.error?.code]).toEqual([false, 'forbidden']);
    }
    expect(await queried(guestId)).toEqual(['offline', 'offline']);
    expect(watchA.frames.some((f) => aboutUser(f, guestId))).toBe(false);
    expect(watchB.frames.some((f) => aboutUser(f, guestId))).toBe(false);
    rt.close();
  });
});
