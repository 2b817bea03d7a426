import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { ApiClient, RealtimeClient } from '../helpers/client';
import { team } from '../helpers/team';

describe('workgroups and projects', () => {
  let hub: TestHub;
  let admin: ApiClient, ann: ApiClient, ben: ApiClient, cid: ApiClient;
  let guest: ApiClient;
  let ids: Record<string, string>;

  beforeAll(async () => {
    hub = await startTestHub();
    ({ admin, ann, ben, cid, ids } = await team(hub.url, ['admin', 'ann', 'ben', 'cid']));
    // A guest account exists only through a guest link (built later): create one directly.
    const guestId = randomUUID();
    const db = new pg.Client({ connectionString: hub.db.url });
    await db.connect();
    await db.query(`INSERT INTO users (id, email, name, password_hash, role) VALUES ($1, 'guest@partner.example', 'Gus Guest', 'x', 'guest')`, [guestId]);
    await db.end();
    guest = new ApiClient(hub.url);
    guest.cookie = (await hub.artel.svc.sessions.open(guestId)).token;
  });
  afterAll(() => hub.stop());

  const create = async (c: ApiClient, body: Record<string, unknown>) => {
    const r = await c.post('/api/groups', body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.group;
  };

  it('creates a group owned by its creator with the people named as members', async () => {
    const g = await create(ann, { name: '  Marketing  ', description: 'Campaigns', memberIds: [ids.ben, ids.ann] });
    expect(g).toMatchObject({ name: 'Marketing', description: 'Campaigns', kind: 'group', visibility: 'open', createdBy: ids.ann, archivedAt: null, memberCount: 2, myRole: 'owner' });
    const got = await ben.get(`/api/groups/${g.id}`);
    expect(got.status).toBe(200);
    expect(got.body.group.myRole).toBe('member');
    expect(got.body.members.map((m: any) => [m.userId, m.role])).toEqual([[ids.ann, 'owner'], [ids.ben, 'member']]);
    const project = await create(ben, { name: 'Launch', kind: 'project', visibility: 'closed' });
    expect(project).toMatchObject({ kind: 'project', visibility: 'closed', memberCount: 1 });
  });

  it('lists my groups and the open ones; closed groups are invisible to outsiders, admins included', async () => {
    const open = await create(ann, { name: 'Open house' });
    const closed = await create(ann, { name: 'Secret', visibility: 'closed', memberIds: [ids.ben] });
    const names = async (c: ApiClient) => (await c.get('/api/groups')).body.groups.map((g: any) => g.id);
    expect(await names(cid)).toContain(open.id);
    expect(await names(cid)).not.toContain(closed.id);
    expect(await names(admin)).not.toContain(closed.id);
    expect(await names(ben)).toContain(closed.id);
    expect((await cid.get(`/api/groups/${open.id}`)).body.group.myRole).toBeNull();
    expect((await cid.get(`/api/groups/${closed.id}`)).status).toBe(404);
    expect((await admin.get(`/api/groups/${closed.id}`)).status).toBe(404);
    expect((await cid.get(`/api/groups/${randomUUID()}`)).status).toBe(404);
  });

  it('owner and moderators update; plain members and outsiders cannot; only the owner makes moderators', async () => {
    const g = await create(ann, { name: 'Team', memberIds: [ids.ben, ids.cid] });
    expect((await ben.patch(`/api/groups/${g.id}`, { name: 'Mine' })).status).toBe(403);
    expect((await admin.patch(`/api/groups/${g.id}`, { name: 'Mine' })).status).toBe(403);
    expect((await ben.patch(`/api/groups/${g.id}/members/${ids.cid}`, { role: 'moderator' })).status).toBe(403);
    expect((await ann.patch(`/api/groups/${g.id}/members/${ids.ben}`, { role: 'moderator' })).status).toBe(200);
    const renamed = await ben.patch(`/api/groups/${g.id}`, { name: 'Команда', visibility: 'closed' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.group).toMatchObject({ name: 'Команда', visibility: 'closed', myRole: 'moderator' });
    // A moderator adds members, not moderators; removes plain members, not the owner.
    expect((await ben.post(`/api/groups/${g.id}/members`, { userIds: [ids.owner], role: 'moderator' })).status).toBe(403);
    expect((await ben.post(`/api/groups/${g.id}/members`, { userIds: [ids.owner] })).body.group.memberCount).toBe(4);
    expect((await ben.del(`/api/groups/${g.id}/members/${ids.ann}`)).status).toBe(403);
    expect((await ben.del(`/api/groups/${g.id}/members/${ids.cid}`)).status).toBe(200);
    expect((await ann.patch(`/api/groups/${g.id}/members/${ids.ann}`, { role: 'member' })).status).toBe(403);
  });

  it('anyone joins an open group and leaves any group; closed groups are joined by invitation only', async () => {
    const open = await create(ann, { name: 'Book club' });
    const closed = await create(ann, { name: 'Board', visibility: 'closed' });
    expect((await cid.post(`/api/groups/${open.id}/join`)).body.group).toMatchObject({ myRole: 'member', memberCount: 2 });
    expect((await cid.post(`/api/groups/${open.id}/join`)).status).toBe(409);
    expect((await cid.post(`/api/groups/${closed.id}/join`)).status).toBe(404);
    expect((await cid.del(`/api/groups/${open.id}/members/${ids.cid}`)).status).toBe(200);
    expect((await cid.get(`/api/groups/${open.id}`)).body.group.myRole).toBeNull();
    expect((await cid.del(`/api/groups/${open.id}/members/${ids.cid}`)).status).toBe(404);
  });

  it('a leaving owner hands the group to the longest-standing moderator', async () => {
    const g = await create(ann, { name: 'Relay', memberIds: [ids.ben, ids.cid] });
    await ann.patch(`/api/groups/${g.id}/members/${ids.cid}`, { role: 'moderator' });
    expect((await ann.del(`/api/groups/${g.id}/members/${ids.ann}`)).status).toBe(200);
    const members = (await ben.get(`/api/groups/${g.id}`)).body.members;
    expect(members.map((m: any) => [m.userId, m.role])).toEqual([[ids.cid, 'owner'], [ids.ben, 'member']]);
  });

  it('archived groups are read-only until restored; the owner or a workspace admin archives', async () => {
    const g = await create(ann, { name: 'Old project', kind: 'project', memberIds: [ids.ben] });
    expect((await ben.post(`/api/groups/${g.id}/archive`)).status).toBe(403);
    const archived = await admin.post(`/api/groups/${g.id}/archive`);
    expect(archived.status).toBe(200);
    expect(archived.body.group.archivedAt).not.toBeNull();
    expect((await ann.post(`/api/groups/${g.id}/archive`)).status).toBe(409);
    expect((await ann.patch(`/api/groups/${g.id}`, { name: 'New' })).status).toBe(409);
    expect((await cid.post(`/api/groups/${g.id}/join`)).status).toBe(409);
    expect((await ann.post(`/api/groups/${g.id}/members`, { userIds: [ids.cid] })).status).toBe(409);
    const post = await ann.post('/api/feed/posts', { clientId: randomUUID(), body: 'hello', audience: { groupIds: [g.id] } });
    expect(post.status).toBe(409);
    // Listed after the active ones.
    const list = (await ann.get('/api/groups')).body.groups;
    expect(list[list.length - 1].id).toBe(g.id);
    expect((await ann.post(`/api/groups/${g.id}/restore`)).body.group.archivedAt).toBeNull();
    expect((await ann.patch(`/api/groups/${g.id}`, { name: 'New' })).status).toBe(200);
  });

  it('members learn of joining and leaving on their own stream; the group stream carries its changes', async () => {
    const g = await create(ann, { name: 'Live', visibility: 'closed' });
    const cidRt = await RealtimeClient.open(hub.url, cid.cookie);
    await cidRt.request({ type: 'subscribe', streams: [{ stream: `user:${ids.cid}` }] });
    const annRt = await RealtimeClient.open(hub.url, ann.cookie);
    expect((await annRt.request({ type: 'subscribe', streams: [{ stream: `feed:group:${g.id}` }] })).ok).toBe(true);
    await ann.post(`/api/groups/${g.id}/members`, { userIds: [ids.cid] });
    const added = await cidRt.waitFor(() => cidRt.events(`user:${ids.cid}`).find((e) => e.event.type === 'group_added'));
    expect(added.event.payload.group).toMatchObject({ id: g.id, myRole: 'member' });
    await annRt.waitFor(() => annRt.events(`feed:group:${g.id}`).find((e) => e.event.type === 'group_members_added' && e.event.payload.userIds.includes(ids.cid)));
    expect((await cidRt.request({ type: 'subscribe', streams: [{ stream: `feed:group:${g.id}` }] })).ok).toBe(true);
    await ann.patch(`/api/groups/${g.id}`, { description: 'Now with a description' });
    await cidRt.waitFor(() => cidRt.events(`feed:group:${g.id}`).find((e) => e.event.type === 'group_updated' && e.event.payload.group.description === 'Now with a description'));
    // Removed from a closed group: the group's feed stream is revoked at once.
    await ann.del(`/api/groups/${g.id}/members/${ids.cid}`);
    await cidRt.waitFor(() => cidRt.frames.find((f) => f.type === 'stream_revoked' && f.stream === `feed:group:${g.id}`));
    await cidRt.waitFor(() => cidRt.events(`user:${ids.cid}`).find((e) => e.event.type === 'group_removed' && e.event.payload.groupId === g.id));
    expect((await cidRt.request({ type: 'subscribe', streams: [{ stream: `feed:group:${g.id}` }] })).error.code).toBe('not_found');
    cidRt.close();
    annRt.close();
  });

  it('an open group feed stream is followed by any employee; a closed one by its members only', async () => {
    const open = await create(ann, { name: 'Everyone welcome' });
    const closed = await create(ann, { name: 'Inner circle', visibility: 'closed' });
    const rt = await RealtimeClient.open(hub.url, cid.cookie);
    expect((await rt.request({ type: 'subscribe', streams: [{ stream: `feed:group:${open.id}` }] })).ok).toBe(true);
    expect((await rt.request({ type: 'subscribe', streams: [{ stream: `feed:group:${closed.id}` }] })).error.code).toBe('not_found');
    expect((await rt.request({ type: 'subscribe', streams: [{ stream: `feed:group:${randomUUID()}` }] })).error.code).toBe('not_found');
    rt.close();
  });

  it('an open group that closes takes its streams from the outsiders who follow them, not from its members', async () => {
    const g = await create(ann, { name: 'Closing soon', memberIds: [ids.ben] });
    const stream = `feed:group:${g.id}`;
    const outsider = await RealtimeClient.open(hub.url, cid.cookie);
    const member = await RealtimeClient.open(hub.url, ben.cookie);
    for (const rt of [outsider, member]) expect((await rt.request({ type: 'subscribe', streams: [{ stream }] })).ok).toBe(true);
    expect((await ann.patch(`/api/groups/${g.id}`, { visibility: 'closed' })).status).toBe(200);
    await outsider.waitFor(() => outsider.frames.find((f) => f.type === 'stream_revoked' && f.stream === stream));
    // The member keeps it: the next change of the group still reaches them, and never the outsider.
    await ann.patch(`/api/groups/${g.id}`, { description: 'Members only now' });
    await member.waitFor(() => member.events(stream).find((e) => e.event.type === 'group_updated' && e.event.payload.group.description === 'Members only now'));
    expect(member.frames.some((f) => f.type === 'stream_revoked')).toBe(false);
    expect(outsider.events(stream).some((e) => e.event.type === 'group_updated' && e.event.payload.group.description === 'Members only now')).toBe(false);
    outsider.close();
    member.close();
  });

  it('guests are refused every group endpoint; anonymous callers are unauthenticated', async () => {
    const g = await create(ann, { name: 'Partners welcome?' });
    const anon = new ApiClient(hub.url);
    for (const [method, path, body] of [
      ['GET', '/api/groups', undefined],
      ['POST', '/api/groups', { name: 'x' }],
      ['GET', `/api/groups/${g.id}`, undefined],
      ['POST', `/api/groups/${g.id}/join`, {}],
      ['PATCH', `/api/groups/${g.id}`, { name: 'x' }],
    ] as const) {
      const r = await guest.call(method, path, body);
      expect(r.status, `${method} ${path}`).toBe(403);
      expect((await anon.call(method, path, body)).status).toBe(401);
    }
  });

  it('refuses bad input with typed errors', async () => {
    const g = await create(ann, { name: 'Validated' });
    const bad = async (r: Promise<any>, status = 400) => {
      const a = await r;
      expect(a.status, JSON.stringify(a.body)).toBe(status);
      if (status === 400) expect(a.body.error.code).toBe('bad_request');
    };
    await bad(ann.post('/api/groups', { name: '' }));
    await bad(ann.post('/api/groups', { name: 'x'.repeat(101) }));
    await bad(ann.post('/api/groups', { name: 'ok', kind: 'team' }));
    await bad(ann.post('/api/groups', { name: 'ok', visibility: 'secret' }));
    await bad(ann.post('/api/groups', { name: 'ok', extra: 1 }));
    await bad(ann.post('/api/groups', { name: 'ok', memberIds: [randomUUID()] }));
    await bad(ann.post('/api/groups', { name: 'ok', description: 'x'.repeat(2001) }));
    await bad(ann.patch(`/api/groups/${g.id}`, {}));
    await bad(ann.post(`/api/groups/${g.id}/members`, { userIds: [] }));
    await bad(ann.post(`/api/groups/${g.id}/members`, { userIds: [randomUUID()] }));
    await bad(ann.patch(`/api/groups/${g.id}/members/${ids.ann}`, { role: 'owner' }));
    await bad(ann.get('/api/groups/not-a-uuid'), 404);
  });
});
