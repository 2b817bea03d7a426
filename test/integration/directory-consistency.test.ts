import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, RealtimeClient, registerOwner, type ApiClient } from '../helpers/client';
import { applyDirectoryEvent } from '../../web/src/lib/directory';
import type { PublicUser } from '../../shared/types';

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082',
  'hex',
);
const byId = (users: PublicUser[]) => [...users].sort((a, b) => a.id.localeCompare(b.id));

/**
 * The client's view can never drift from the server's: the directory as a client builds it (the first
 * page, then the stream's events applied by the web client's own code) equals a fresh fetch.
 */
describe('directory: initial state + applied events == a fresh fetch', () => {
  let hub: TestHub;
  let owner: ApiClient;

  beforeAll(async () => {
    hub = await startTestHub();
    owner = await registerOwner(hub.url);
  });
  afterAll(() => hub.stop());

  it('holds through joins, profile edits, avatars, role changes, deactivation and reactivation', async () => {
    const rt = await RealtimeClient.open(hub.url, owner.cookie);
    const sub = await rt.request({ type: 'subscribe', streams: [{ stream: 'directory' }] });
    const from = sub.streams[0].head;
    let view: PublicUser[] = (await owner.get('/api/users')).body.users;

    const ann = await addColleague(owner, 'ann@example.com', 'Анна Смирнова');
    const ben = await addColleague(owner, 'ben@example.com', 'Ben Stone', 'admin');
    await ann.patch('/api/me', { position: 'Менеджер', department: 'Продажи' });
    await ben.call('PUT', '/api/me/avatar', PNG, { 'content-type': 'image/png' });
    await owner.patch('/api/me', { name: 'Olga O.' });
    const annId = (await ann.get('/api/me')).body.user.id;
    const benId = (await ben.get('/api/me')).body.user.id;
    await owner.patch(`/api/admin/users/${annId}`, { role: 'admin' });
    await owner.post(`/api/admin/users/${benId}/deactivate`);
    await ann.patch('/api/me', { locale: 'ru' }); // private: no event
    await owner.post(`/api/admin/users/${benId}/reactivate`);
    await ben.call('DELETE', '/api/me/avatar');
    await owner.post(`/api/admin/users/${annId}/deactivate`);

    const fresh: PublicUser[] = (await owner.get('/api/users')).body.users;
    const head = (await rt.request({ type: 'fetch', stream: 'directory', after: 0 })).head;
    // Live events as they arrived, and the same from the log: both give the fresh state.
    await rt.waitFor(() => rt.events('directory').some((e) => e.seq === head));
    const live = rt.events('directory').filter((e) => e.seq > from);
    expect(live.map((e) => e.seq)).toEqual(Array.from({ length: head - from }, (_, i) => from + 1 + i));
    for (const e of live) view = applyDirectoryEvent(view, e.event);
    expect(byId(view)).toEqual(byId(fresh));

    const logged = await rt.request({ type: 'fetch', stream: 'directory', after: from });
    // From an empty start, the whole log rebuilds the directory too.
    let replay: PublicUser[] = [];
    for (const e of (await rt.request({ type: 'fetch', stream: 'directory', after: 0 })).events) replay = applyDirectoryEvent(replay, e.event);
    expect(logged.events).toHaveLength(head - from);
    expect(byId(replay)).toEqual(byId(fresh));
    rt.close();
  });
});
