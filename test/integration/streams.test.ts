import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, RealtimeClient, registerOwner, type ApiClient } from '../helpers/client';
import { RESUME_CAP } from '../../shared/protocol';

describe('streams: live events and resume from the last seq', () => {
  let hub: TestHub;
  let owner: ApiClient;
  let bob: ApiClient;

  beforeAll(async () => {
    hub = await startTestHub();
    owner = await registerOwner(hub.url);
    bob = await addColleague(owner, 'bob@example.com', 'Bob');
  });
  afterAll(() => hub.stop());

  it('delivers a profile change live to a subscriber, with the next seq', async () => {
    const rt = await RealtimeClient.open(hub.url, owner.cookie);
    const sub = await rt.request({ type: 'subscribe', streams: [{ stream: 'directory' }] });
    expect(sub.ok).toBe(true);
    const head = sub.streams[0].head;
    expect(head).toBeGreaterThanOrEqual(2); // owner joined, bob joined
    await bob.patch('/api/me', { position: 'Sales manager' });
    const ev = await rt.waitFor(() => rt.events('directory').find((e) => e.event.type === 'user_updated'));
    expect(ev.seq).toBe(head + 1);
    expect(ev.event.payload.user.position).toBe('Sales manager');
    rt.close();
  });

  it('a reconnecting client gets exactly what it missed, in order, no gaps, no duplicates', async () => {
    const first = await RealtimeClient.open(hub.url, owner.cookie);
    const { streams } = await first.request({ type: 'subscribe', streams: [{ stream: 'directory' }] });
    const seen = streams[0].head;
    first.close();
    await first.closed;
    for (let i = 0; i < 7; i++) await bob.patch('/api/me', { department: `Dept ${i}` });
    const again = await RealtimeClient.open(hub.url, owner.cookie);
    const sub = await again.request({ type: 'subscribe', streams: [{ stream: 'directory', after: seen }] });
    expect(sub.streams[0]).toMatchObject({ stream: 'directory', head: seen + 7, reload: false });
    const seqs = again.events('directory').map((e) => e.seq);
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => seen + i));
    expect(again.events('directory').map((e) => e.event.payload.user.department)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `Dept ${i}`));
    // And a gap can be filled on demand.
    const fetched = await again.request({ type: 'fetch', stream: 'directory', after: seen + 5 });
    expect(fetched.events.map((e: any) => e.seq)).toEqual([seen + 6, seen + 7]);
    expect(fetched.more).toBe(false);
    again.close();
  });

  it(`past ${RESUME_CAP} missed events the answer says reload`, async () => {
    const rt = await RealtimeClient.open(hub.url, owner.cookie);
    const { streams } = await rt.request({ type: 'subscribe', streams: [{ stream: 'directory' }] });
    const seen = streams[0].head;
    rt.close();
    await rt.closed;
    await hub.artel.svc.write(async (u) => {
      for (let i = 0; i <= RESUME_CAP; i++) await u.emit('directory', 'user_updated', { user: { id: 'x', n: i } }, null);
    });
    const again = await RealtimeClient.open(hub.url, owner.cookie);
    const sub = await again.request({ type: 'subscribe', streams: [{ stream: 'directory', after: seen }] });
    expect(sub.streams[0].reload).toBe(true);
    expect(again.events()).toHaveLength(0);
    const page = await again.request({ type: 'fetch', stream: 'directory', after: seen, limit: 100 });
    expect(page.events).toHaveLength(100);
    expect(page.more).toBe(true);
    again.close();
  });

  it('concurrent writers to one stream get consecutive seqs', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => hub.artel.svc.write((u) => u.emit('directory', 'user_updated', { i }, null))),
    );
    const seqs = results.map((e) => e.seq).sort((a, b) => a - b);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1] + 1);
  });

  it('refuses unknown streams and malformed stream names', async () => {
    const rt = await RealtimeClient.open(hub.url, bob.cookie);
    const r = await rt.request({ type: 'subscribe', streams: [{ stream: 'chat:does-not-exist' }] });
    expect(r).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const bad = await rt.request({ type: 'subscribe', streams: [{ stream: '../etc' }] });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad_frame' } });
    const f = await rt.request({ type: 'fetch', stream: 'chat:x', after: 0 });
    expect(f).toMatchObject({ ok: false, error: { code: 'not_found' } });
    rt.close();
  });
});
