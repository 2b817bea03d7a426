import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, ApiClient, idsOf, RealtimeClient, registerOwner, UpgradeRefused } from '../helpers/client';
import { canSeePost, departmentKey, type PostAudienceFacts, type ViewerFacts } from '../../server/domains/feed/policy';

/**
 * The visibility matrix: each audience kind x each kind of person, for every way of touching a post
 * (list, get, comment, react, vote, read, subscribe). The SQL rule and the pure rule must agree.
 */

type Who = 'owner' | 'admin' | 'author' | 'inDept' | 'outside' | 'groupMember' | 'person' | 'mentioned';
type Kind = 'everyone' | 'department' | 'closedGroup' | 'openGroup' | 'person' | 'mention' | 'emailOnly';

const PEOPLE: Who[] = ['owner', 'admin', 'author', 'inDept', 'outside', 'groupMember', 'person', 'mentioned'];
const KINDS: Kind[] = ['everyone', 'department', 'closedGroup', 'openGroup', 'person', 'mention', 'emailOnly'];

/** Who sees which post: the expectation, written out by hand. */
const SEES: Record<Kind, Who[]> = {
  everyone: PEOPLE,
  department: ['author', 'inDept'],
  closedGroup: ['author', 'groupMember'],
  openGroup: PEOPLE,
  person: ['author', 'person'],
  mention: ['author', 'mentioned'],
  emailOnly: ['author'],
};

const DEPARTMENTS: Record<Who, string> = {
  owner: 'Management', admin: 'IT', author: 'Marketing', inDept: 'Sales', outside: 'Support', groupMember: 'Support', person: 'Legal', mentioned: 'Legal',
};

describe('feed visibility', () => {
  let hub: TestHub;
  const c = {} as Record<Who, ApiClient>;
  const ids = {} as Record<Who | 'deactivated' | 'guest', string>;
  let deactivated: ApiClient;
  let guest: ApiClient;
  const anon = () => new ApiClient(hub.url);
  let closedGroup: string;
  let openGroup: string;
  const posts = {} as Record<Kind, any>;

  beforeAll(async () => {
    hub = await startTestHub();
    c.owner = await registerOwner(hub.url);
    c.admin = await addColleague(c.owner, 'admin@example.com', 'Adam Admin', 'admin');
    for (const who of PEOPLE.slice(2)) c[who] = await addColleague(c.owner, `${who.toLowerCase()}@example.com`, who);
    deactivated = await addColleague(c.owner, 'gone@example.com', 'Gone Soon');
    Object.assign(ids, await idsOf({ ...c, deactivated }));
    for (const who of PEOPLE) expect((await c[who].patch('/api/me', { department: DEPARTMENTS[who] })).status).toBe(200);
    // Gone Soon works in Sales too, until deactivated below.
    await deactivated.patch('/api/me', { department: 'sales' });

    const guestId = randomUUID();
    const db = new pg.Client({ connectionString: hub.db.url });
    await db.connect();
    await db.query(`INSERT INTO users (id, email, name, password_hash, role) VALUES ($1, 'guest@partner.example', 'Gus', 'x', 'guest')`, [guestId]);
    await db.end();
    ids.guest = guestId;
    guest = new ApiClient(hub.url);
    guest.cookie = (await hub.artel.svc.sessions.open(guestId)).token;

    closedGroup = (await c.author.post('/api/groups', { name: 'Closed', visibility: 'closed', memberIds: [ids.groupMember] })).body.group.id;
    openGroup = (await c.author.post('/api/groups', { name: 'Open', visibility: 'open' })).body.group.id;

    const audiences: Record<Kind, Record<string, unknown>> = {
      everyone: { everyone: true },
      // Matched case-insensitively and trimmed.
      department: { departments: ['  SALES '] },
      closedGroup: { groupIds: [closedGroup] },
      openGroup: { groupIds: [openGroup] },
      person: { userIds: [ids.person] },
      mention: { emails: ['partner@client.example'] },
      emailOnly: { emails: ['partner@client.example'] },
    };
    for (const kind of KINDS) {
      const body = kind === 'mention' ? `Please look, <@${ids.mentioned}>` : `A post for ${kind}`;
      const r = await c.author.post('/api/feed/posts', {
        clientId: randomUUID(), title: kind, body, audience: audiences[kind], important: true,
        poll: { question: 'Yes?', options: ['yes', 'no'] },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      posts[kind] = r.body.post;
    }
    expect((await c.owner.post(`/api/admin/users/${ids.deactivated}/deactivate`)).status).toBe(200);
  });
  afterAll(() => hub.stop());

  const sees = (kind: Kind, who: Who) => SEES[kind].includes(who);

  describe.each(PEOPLE)('%s', (who) => {
    it('lists exactly the posts addressed to them', async () => {
      const listed = (await c[who].get('/api/feed?limit=50')).body.posts.map((p: any) => p.title);
      for (const kind of KINDS) expect(listed.includes(kind), `${who} lists ${kind}`).toBe(sees(kind, who));
    });

    it('gets, comments, reacts, votes and reads only what they see; the rest is forbidden', async () => {
      for (const kind of KINDS) {
        const id = posts[kind].id;
        const expected = sees(kind, who) ? [200, 201, 200, 200, 200] : [403, 403, 403, 403, 403];
        const got = [
          (await c[who].get(`/api/feed/posts/${id}`)).status,
          (await c[who].post(`/api/feed/posts/${id}/comments`, { clientId: randomUUID(), body: `${who} was here` })).status,
          (await c[who].post(`/api/feed/posts/${id}/reactions`, { emoji: '👍' })).status,
          (await c[who].post(`/api/feed/posts/${id}/poll/vote`, { optionIds: [posts[kind].poll.options[0].id] })).status,
          (await c[who].post(`/api/feed/posts/${id}/read`)).status,
        ];
        expect(got, `${who} on ${kind}: get, comment, react, vote, read`).toEqual(expected);
      }
    });

    it('follows the streams of the posts they see, and no other', async () => {
      const rt = await RealtimeClient.open(hub.url, c[who].cookie);
      for (const kind of KINDS) {
        const r = await rt.request({ type: 'subscribe', streams: [{ stream: `post:${posts[kind].id}` }] });
        if (sees(kind, who)) expect(r.ok, `${who} follows ${kind}`).toBe(true);
        else expect(r.error?.code, `${who} follows ${kind}`).toBe('forbidden');
        const f = await rt.request({ type: 'fetch', stream: `post:${posts[kind].id}`, after: 0 });
        expect(f.ok, `${who} fetches ${kind}`).toBe(sees(kind, who));
      }
      rt.close();
    });

    it('the pure rule agrees with the SQL rule', () => {
      const viewer: ViewerFacts = {
        id: ids[who], role: who === 'owner' ? 'owner' : who === 'admin' ? 'admin' : 'employee', active: true,
        department: departmentKey(DEPARTMENTS[who]), groupIds: who === 'groupMember' || who === 'author' ? [closedGroup] : [],
      };
      for (const kind of KINDS) {
        const p = posts[kind];
        const facts: PostAudienceFacts = {
          authorId: p.author.id,
          everyone: p.audience.everyone,
          departments: p.audience.departments.map(departmentKey),
          groups: p.audience.groups.map((g: any) => ({ id: g.id, open: g.id === openGroup })),
          userIds: p.audience.users.map((u: any) => u.id),
        };
        expect(canSeePost(viewer, facts), `${who} / ${kind}`).toBe(sees(kind, who));
      }
    });
  });

  it('the filters of other people never widen what one sees: mine, mentions, important, group', async () => {
    const titles = async (who: Who, q: string) => (await c[who].get(`/api/feed?${q}`)).body.posts.map((p: any) => p.title).sort();
    expect(await titles('outside', 'filter=important')).toEqual(['everyone', 'openGroup']);
    expect(await titles('mentioned', 'filter=mentions')).toEqual(['mention']);
    expect(await titles('author', 'filter=mine')).toEqual([...KINDS].sort());
    expect(await titles('outside', `group=${openGroup}`)).toEqual(['openGroup']);
    expect((await c.outside.get(`/api/feed?group=${closedGroup}`)).status).toBe(404);
    expect(await titles('groupMember', `group=${closedGroup}`)).toEqual(['closedGroup']);
  });

  it('"read by N of M" counts active employees who can see the post, without the author or the deactivated', async () => {
    // At creation Gone Soon was still an active employee of Sales.
    expect(posts.everyone.audienceCount).toBe(8);
    expect(posts.department.audienceCount).toBe(2);
    const now = Object.fromEntries((await c.author.get('/api/feed?filter=mine&limit=50')).body.posts.map((p: any) => [p.title, p]));
    const m = (kind: Kind) => now[kind].audienceCount;
    // Everyone: the 7 active employees other than the author (the deactivated one no longer counts).
    expect(m('everyone')).toBe(7);
    expect(m('openGroup')).toBe(7);
    expect(m('department')).toBe(1);
    expect(m('closedGroup')).toBe(1);
    expect(m('person')).toBe(1);
    expect(m('mention')).toBe(1);
    expect(m('emailOnly')).toBe(0);
    // Everyone who could see them marked them read above.
    const after = (await c.author.get('/api/feed?filter=mine&limit=50')).body.posts;
    for (const p of after) expect([p.title, p.readCount]).toEqual([p.title, p.audienceCount]);
  });

  it('admins do not see posts outside their audience, not even to delete them', async () => {
    expect((await c.admin.del(`/api/feed/posts/${posts.department.id}`)).status).toBe(403);
    expect((await c.admin.get(`/api/feed/posts/${posts.department.id}/readers`)).status).toBe(403);
    expect((await c.admin.get(`/api/feed/posts/${posts.everyone.id}/readers`)).status).toBe(200);
    expect((await c.inDept.get(`/api/feed/posts/${posts.department.id}/readers`)).status).toBe(403);
    expect((await c.author.get(`/api/feed/posts/${posts.department.id}/readers`)).body.readers.map((r: any) => r.userId)).toEqual([ids.inDept]);
  });

  it('a deactivated person sees nothing: their session is gone and their socket is refused', async () => {
    for (const path of ['/api/feed', `/api/feed/posts/${posts.everyone.id}`, '/api/feed/streams']) {
      expect((await deactivated.get(path)).status).toBe(401);
    }
    expect((await deactivated.post(`/api/feed/posts/${posts.everyone.id}/comments`, { clientId: randomUUID(), body: 'x' })).status).toBe(401);
    await expect(RealtimeClient.open(hub.url, deactivated.cookie)).rejects.toBeInstanceOf(UpgradeRefused);
  });

  it('anonymous callers are unauthenticated everywhere', async () => {
    const id = posts.everyone.id;
    for (const [method, path, body] of [
      ['GET', '/api/feed', undefined],
      ['GET', `/api/feed/posts/${id}`, undefined],
      ['POST', `/api/feed/posts/${id}/comments`, { clientId: randomUUID(), body: 'x' }],
      ['POST', `/api/feed/posts/${id}/reactions`, { emoji: '👍' }],
      ['POST', `/api/feed/posts/${id}/poll/vote`, { optionIds: [posts.everyone.poll.options[0].id] }],
      ['POST', `/api/feed/posts/${id}/read`, {}],
    ] as const) {
      expect((await anon().call(method, path, body)).status, `${method} ${path}`).toBe(401);
    }
    await expect(RealtimeClient.open(hub.url, null)).rejects.toBeInstanceOf(UpgradeRefused);
  });

  it('a guest-role account is forbidden everything here, even posts for everyone', async () => {
    const id = posts.everyone.id;
    for (const [method, path, body] of [
      ['GET', '/api/feed', undefined],
      ['GET', '/api/feed/streams', undefined],
      ['GET', `/api/feed/posts/${id}`, undefined],
      ['GET', `/api/feed/posts/${id}/comments`, undefined],
      ['POST', '/api/feed/posts', { clientId: randomUUID(), body: 'x', audience: { everyone: true } }],
      ['POST', `/api/feed/posts/${id}/comments`, { clientId: randomUUID(), body: 'x' }],
      ['POST', `/api/feed/posts/${id}/reactions`, { emoji: '👍' }],
      ['POST', `/api/feed/posts/${id}/poll/vote`, { optionIds: [posts.everyone.poll.options[0].id] }],
      ['POST', `/api/feed/posts/${id}/read`, {}],
    ] as const) {
      expect((await guest.call(method, path, body)).status, `${method} ${path}`).toBe(403);
    }
    const rt = await RealtimeClient.open(hub.url, guest.cookie);
    for (const stream of [`post:${id}`, 'feed:all', `feed:user:${ids.guest}`, `feed:group:${openGroup}`]) {
      expect((await rt.request({ type: 'subscribe', streams: [{ stream }] })).error?.code, stream).toBe('forbidden');
    }
    rt.close();
  });

  it('audience streams: each follows only their own', async () => {
    const deptStream = (await c.inDept.get('/api/feed/streams')).body.streams.find((s: string) => s.startsWith('feed:dept:'));
    expect(deptStream).toMatch(/^feed:dept:[0-9a-f]{32}$/);
    // The same department key whatever the case and spaces of the profile.
    await c.outside.patch('/api/me', { department: ' sALes' });
    expect((await c.outside.get('/api/feed/streams')).body.streams).toContain(deptStream);
    await c.outside.patch('/api/me', { department: 'Support' });
    const outside = await RealtimeClient.open(hub.url, c.outside.cookie);
    const sub = (stream: string) => outside.request({ type: 'subscribe', streams: [{ stream }] }).then((r) => (r.ok ? 'ok' : r.error.code));
    expect(await sub('feed:all')).toBe('ok');
    expect(await sub(`feed:user:${ids.outside}`)).toBe('ok');
    expect(await sub(`feed:user:${ids.inDept}`)).toBe('forbidden');
    expect(await sub(deptStream)).toBe('forbidden');
    expect(await sub(`feed:group:${closedGroup}`)).toBe('not_found');
    expect(await sub(`feed:group:${openGroup}`)).toBe('ok');
    expect(await sub(`post:${randomUUID()}`)).toBe('not_found');
    expect(await sub('feed:dept:not-a-hash')).toBe('not_found');
    outside.close();
    const inDept = await RealtimeClient.open(hub.url, c.inDept.cookie);
    expect((await inDept.request({ type: 'subscribe', streams: [{ stream: deptStream }] })).ok).toBe(true);
    inDept.close();
  });

  it('a department-only post reaches its department live, and not an outsider following feed:all', async () => {
    const outside = await RealtimeClient.open(hub.url, c.outside.cookie);
    await outside.request({ type: 'subscribe', streams: [{ stream: 'feed:all' }, { stream: `feed:user:${ids.outside}` }] });
    const inDept = await RealtimeClient.open(hub.url, c.inDept.cookie);
    const streams = (await c.inDept.get('/api/feed/streams')).body.streams as string[];
    expect((await inDept.request({ type: 'subscribe', streams: streams.map((stream) => ({ stream })) })).ok).toBe(true);
    const secret = await c.author.post('/api/feed/posts', { clientId: randomUUID(), body: 'Sales only', audience: { departments: ['Sales'] } });
    const open = await c.author.post('/api/feed/posts', { clientId: randomUUID(), body: 'For all', audience: { everyone: true } });
    const got = await inDept.waitFor(() => inDept.events().find((e) => e.event.type === 'post_created' && e.event.payload.post.id === secret.body.post.id));
    expect(got.stream).toMatch(/^feed:dept:/);
    expect(got.event.payload.post).toMatchObject({ body: 'Sales only', read: false, myReactions: [] });
    await outside.waitFor(() => outside.events('feed:all').find((e) => e.event.payload.post?.id === open.body.post.id));
    expect(outside.events().some((e) => e.event.payload.post?.id === secret.body.post.id)).toBe(false);
    outside.close();
    inDept.close();
  });
});
