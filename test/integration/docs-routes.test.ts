import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { team, type Team } from '../helpers/team';
import { ApiClient, RealtimeClient } from '../helpers/client';
import { openDoc, until, upgradeStatus } from '../helpers/yjs';

const GUEST_EMAIL = 'client@partner.example';

/**
 * The knowledge base's HTTP routes, per role: the workspace owner, an admin, employees, members of a
 * closed group (Ann owns it, Ben is a member), a non-member (Cid), a guest, and nobody signed in.
 */
describe('knowledge base routes and permissions', () => {
  let hub: TestHub;
  let t: Team<'admin' | 'ann' | 'ben' | 'cid'>;
  let anon: ApiClient;
  let guest: ApiClient;
  let company: string;
  let groupId: string;
  let groupSpace: string;

  const status = async (p: Promise<{ status: number }>) => (await p).status;
  const pagesOf = async (c: ApiClient, space: string, deleted = false) =>
    (await c.get(`/api/docs/spaces/${space}/pages${deleted ? '?deleted=true' : ''}`)).body.pages as { id: string; parentId: string | null; title: string }[];

  beforeAll(async () => {
    hub = await startTestHub();
    t = await team(hub.url, ['admin', 'ann', 'ben', 'cid'] as const);
    anon = new ApiClient(hub.url);
    groupId = (await t.ann.post('/api/groups', { name: 'Secret', visibility: 'closed', memberIds: [t.ids.ben] })).body.group.id;
    // A guest: an external address in a post's audience gets a link to that post only.
    await t.owner.post('/api/feed/posts', { clientId: randomUUID(), title: 'Terms', body: 'Hi', audience: { userIds: [t.ids.ann], emails: [GUEST_EMAIL] } });
    const mail = (await hub.outbox()).find((m) => m.to === GUEST_EMAIL)!;
    const token = /\/g\/([A-Za-z0-9_-]{43})/.exec(mail.text)![1];
    guest = new ApiClient(hub.url, hub.url, 'artel_guest');
    expect((await guest.post('/api/guest/session', { token })).status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await hub?.stop();
  });

  it('creating spaces: the company\'s by owner and admins; a group\'s by its owner and moderators', async () => {
    expect(await status(t.ann.post('/api/docs/spaces', { name: 'Mine' }))).toBe(403);
    expect(await status(guest.post('/api/docs/spaces', { name: 'G' }))).toBe(401);
    expect(await status(anon.post('/api/docs/spaces', { name: 'A' }))).toBe(401);
    const r = await t.owner.post('/api/docs/spaces', { name: 'Company' });
    expect(r.status).toBe(201);
    expect(r.body.space).toMatchObject({ name: 'Company', groupId: null, canEdit: true, canManage: true });
    company = r.body.space.id;
    expect(await status(t.admin.post('/api/docs/spaces', { name: 'Handbook' }))).toBe(201);
    // The closed group's space: its owner yes; a member no; outsiders (the workspace owner included) do not even see the group.
    expect(await status(t.ben.post('/api/docs/spaces', { name: 'S', groupId }))).toBe(403);
    expect(await status(t.cid.post('/api/docs/spaces', { name: 'S', groupId }))).toBe(404);
    expect(await status(t.owner.post('/api/docs/spaces', { name: 'S', groupId }))).toBe(404);
    expect(await status(t.ann.post('/api/docs/spaces', { name: 'S', groupId: randomUUID() }))).toBe(404);
    const g = await t.ann.post('/api/docs/spaces', { name: 'Secret docs', groupId });
    expect(g.status).toBe(201);
    groupSpace = g.body.space.id;
    // Bad bodies.
    const bad = await t.owner.post('/api/docs/spaces', { name: '' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.name).toBeTruthy();
    expect(await status(t.owner.post('/api/docs/spaces', { name: 'x', extra: 1 }))).toBe(400);
    expect(await status(t.owner.post('/api/docs/spaces', { name: 'x'.repeat(101) }))).toBe(400);
  });

  it('listing spaces shows each person what they may read, and what they may do there', async () => {
    const names = async (c: ApiClient) => ((await c.get('/api/docs/spaces')).body.spaces as { name: string }[]).map((s) => s.name).sort();
    expect(await names(t.ann)).toEqual(['Company', 'Handbook', 'Secret docs']);
    expect(await names(t.ben)).toEqual(['Company', 'Handbook', 'Secret docs']);
    expect(await names(t.cid)).toEqual(['Company', 'Handbook']);
    expect(await names(t.owner)).toEqual(['Company', 'Handbook']);
    const benSpaces = (await t.ben.get('/api/docs/spaces')).body.spaces;
    expect(benSpaces.find((s: any) => s.name === 'Secret docs')).toMatchObject({ canEdit: true, canManage: false });
    expect(benSpaces.find((s: any) => s.name === 'Company')).toMatchObject({ canEdit: true, canManage: false });
    expect(await status(guest.get('/api/docs/spaces'))).toBe(401);
    expect(await status(anon.get('/api/docs/spaces'))).toBe(401);
  });

  it('renaming spaces', async () => {
    expect(await status(t.ann.patch(`/api/docs/spaces/${company}`, { name: 'Ours' }))).toBe(403);
    expect((await t.admin.patch(`/api/docs/spaces/${company}`, { name: 'Acme' })).body.space.name).toBe('Acme');
    expect(await status(t.ben.patch(`/api/docs/spaces/${groupSpace}`, { name: 'X' }))).toBe(403);
    expect(await status(t.cid.patch(`/api/docs/spaces/${groupSpace}`, { name: 'X' }))).toBe(404);
    expect(await status(t.ann.patch(`/api/docs/spaces/${groupSpace}`, { name: 'Secret notes' }))).toBe(200);
    expect(await status(t.ann.patch(`/api/docs/spaces/${randomUUID()}`, { name: 'X' }))).toBe(404);
    expect(await status(t.ann.patch('/api/docs/spaces/nope', { name: 'X' }))).toBe(404);
    expect(await status(guest.patch(`/api/docs/spaces/${company}`, { name: 'X' }))).toBe(401);
    expect(await status(anon.patch(`/api/docs/spaces/${company}`, { name: 'X' }))).toBe(401);
  });

  it('pages: every employee edits the company\'s tree; in a closed group\'s, members do and outsiders get 404', async () => {
    const root = await t.cid.post(`/api/docs/spaces/${company}/pages`, { title: 'Root' });
    expect(root.status).toBe(201);
    expect(root.body.page).toMatchObject({ title: 'Root', parentId: null, spaceId: company, deletedAt: null });
    const child = (await t.ben.post(`/api/docs/spaces/${company}/pages`, { title: 'Child', parentId: root.body.page.id })).body.page;
    const first = (await t.ann.post(`/api/docs/spaces/${company}/pages`, { title: 'First', index: 0 })).body.page;
    expect((await pagesOf(t.owner, company)).map((p) => p.title)).toEqual(['First', 'Root', 'Child']);
    expect(await status(guest.post(`/api/docs/spaces/${company}/pages`, { title: 'G' }))).toBe(401);
    expect(await status(anon.post(`/api/docs/spaces/${company}/pages`, { title: 'A' }))).toBe(401);
    // A parent from another space, or an unknown one.
    expect(await status(t.ann.post(`/api/docs/spaces/${groupSpace}/pages`, { title: 'X', parentId: root.body.page.id }))).toBe(400);
    expect(await status(t.ann.post(`/api/docs/spaces/${company}/pages`, { title: 'X', parentId: randomUUID() }))).toBe(400);

    const secret = await t.ben.post(`/api/docs/spaces/${groupSpace}/pages`, { title: 'Plans' });
    expect(secret.status).toBe(201);
    const sid = secret.body.page.id;
    for (const c of [t.cid, t.owner, t.admin]) {
      expect(await status(c.get(`/api/docs/spaces/${groupSpace}/pages`))).toBe(404);
      expect(await status(c.post(`/api/docs/spaces/${groupSpace}/pages`, { title: 'X' }))).toBe(404);
      expect(await status(c.get(`/api/docs/pages/${sid}`))).toBe(404);
      expect(await status(c.patch(`/api/docs/pages/${sid}`, { title: 'X' }))).toBe(404);
      expect(await status(c.post(`/api/docs/pages/${sid}/move`, { parentId: null }))).toBe(404);
      expect(await status(c.del(`/api/docs/pages/${sid}`))).toBe(404);
      expect(await status(c.post(`/api/docs/pages/${sid}/restore`))).toBe(404);
    }
    expect((await t.ann.get(`/api/docs/pages/${sid}`)).body).toMatchObject({ access: 'edit', page: { title: 'Plans' } });
    expect((await t.ann.patch(`/api/docs/pages/${sid}`, { title: 'Plans 2027' })).body.page.title).toBe('Plans 2027');
    for (const c of [guest, anon]) {
      expect(await status(c.get(`/api/docs/pages/${sid}`))).toBe(401);
      expect(await status(c.patch(`/api/docs/pages/${child.id}`, { title: 'X' }))).toBe(401);
      expect(await status(c.del(`/api/docs/pages/${child.id}`))).toBe(401);
      expect(await status(c.post(`/api/docs/pages/${child.id}/restore`))).toBe(401);
      expect(await status(c.post(`/api/docs/pages/${child.id}/move`, { parentId: null }))).toBe(401);
      expect(await status(c.get(`/api/docs/spaces/${company}/pages`))).toBe(401);
    }
    void first;
  });

  it('moving reorders and reparents, never under the page itself or its descendants', async () => {
    const p = async (title: string, parentId: string | null = null) =>
      (await t.ann.post(`/api/docs/spaces/${company}/pages`, { title, parentId })).body.page.id as string;
    const a = await p('A');
    const a1 = await p('A1', a);
    const a11 = await p('A11', a1);
    const b = await p('B');
    expect((await t.ann.post(`/api/docs/pages/${a}/move`, { parentId: a11 })).status).toBe(409);
    expect((await t.ann.post(`/api/docs/pages/${a}/move`, { parentId: a })).status).toBe(409);
    expect((await t.ann.post(`/api/docs/pages/${a1}/move`, { parentId: b, index: 0 })).body.page.parentId).toBe(b);
    expect((await t.ann.post(`/api/docs/pages/${b}/move`, { parentId: null, index: 0 })).status).toBe(200);
    const tree = await pagesOf(t.ann, company);
    expect(tree[0].title).toBe('B');
    // Depth-first: B, then A1 under it, then A11 under A1.
    expect(tree.slice(0, 3).map((x) => x.title)).toEqual(['B', 'A1', 'A11']);
    expect(await status(t.ann.post(`/api/docs/pages/${a}/move`, { parentId: 'nope' }))).toBe(400);
    expect(await status(t.ann.post(`/api/docs/pages/${a}/move`, {}))).toBe(400);
  });

  it('delete hides the page with its subtree; restore brings them back; deleted pages cannot be edited', async () => {
    const p = async (title: string, parentId: string | null = null) =>
      (await t.cid.post(`/api/docs/spaces/${company}/pages`, { title, parentId })).body.page.id as string;
    const top = await p('Doomed');
    const sub = await p('Doomed child', top);
    const d = await t.cid.del(`/api/docs/pages/${top}`);
    expect(d.status).toBe(200);
    expect(d.body.page.deletedAt).toBeTruthy();
    const live = (await pagesOf(t.ann, company)).map((x) => x.id);
    expect(live).not.toContain(top);
    expect(live).not.toContain(sub);
    expect((await pagesOf(t.ann, company, true)).map((x) => x.id)).toEqual([top]);
    expect(await status(t.ann.patch(`/api/docs/pages/${top}`, { title: 'X' }))).toBe(409);
    expect(await status(t.ann.del(`/api/docs/pages/${top}`))).toBe(409);
    expect((await t.ann.get(`/api/docs/pages/${top}`)).body.access).toBe('read');
    expect((await t.ben.post(`/api/docs/pages/${top}/restore`)).status).toBe(200);
    const back = await pagesOf(t.ann, company);
    expect(back.map((x) => x.id)).toEqual(expect.arrayContaining([top, sub]));
    expect(back.find((x) => x.id === sub)!.parentId).toBe(top);
    expect(await status(t.ann.post(`/api/docs/pages/${top}/restore`))).toBe(409);
    expect(await status(t.ann.del(`/api/docs/pages/${randomUUID()}`))).toBe(404);
  });

  it('an open group\'s space is read by everyone and edited by its members; an archived group\'s is read-only', async () => {
    const open = (await t.ann.post('/api/groups', { name: 'Open', visibility: 'open' })).body.group.id;
    const space = (await t.ann.post('/api/docs/spaces', { name: 'Open docs', groupId: open })).body.space.id;
    const page = (await t.ann.post(`/api/docs/spaces/${space}/pages`, { title: 'Notes' })).body.page.id;
    expect(await status(t.cid.get(`/api/docs/spaces/${space}/pages`))).toBe(200);
    expect((await t.cid.get(`/api/docs/pages/${page}`)).body.access).toBe('read');
    expect(await status(t.cid.post(`/api/docs/spaces/${space}/pages`, { title: 'X' }))).toBe(403);
    expect(await status(t.cid.patch(`/api/docs/pages/${page}`, { title: 'X' }))).toBe(403);
    expect(await status(t.cid.del(`/api/docs/pages/${page}`))).toBe(403);
    expect(await status(t.ann.post(`/api/groups/${open}/archive`))).toBe(200);
    expect((await t.ann.get(`/api/docs/pages/${page}`)).body.access).toBe('read');
    expect(await status(t.ann.patch(`/api/docs/pages/${page}`, { title: 'X' }))).toBe(409);
    expect(await status(t.ann.post(`/api/docs/spaces/${space}/pages`, { title: 'X' }))).toBe(409);
  });

  it('search: titles at once, only from readable spaces; guests and anonymous callers refused', async () => {
    const ids = async (c: ApiClient, q: string) => ((await c.get(`/api/docs/search?q=${encodeURIComponent(q)}`)).body.hits as any[]).map((h) => h.page.title);
    expect(await ids(t.ann, 'plans')).toContain('Plans 2027');
    expect(await ids(t.ben, '2027')).toContain('Plans 2027');
    expect(await ids(t.cid, 'plans')).toEqual([]);
    expect(await ids(t.owner, 'plans')).toEqual([]);
    expect(await ids(t.cid, 'root')).toContain('Root');
    expect(await status(t.ann.get('/api/docs/search?q=x'))).toBe(400);
    expect(await status(guest.get('/api/docs/search?q=plans'))).toBe(401);
    expect(await status(anon.get('/api/docs/search?q=plans'))).toBe(401);
  });

  it('every docs route refuses guests and anonymous callers with 401', async () => {
    const { DOC_ROUTES } = await import('../../server/http/docRoutes');
    for (const r of DOC_ROUTES) {
      const path = r.path.replace(/:[a-z]+/gi, company);
      for (const c of [guest, anon]) expect(`${r.method} ${r.path}: ${(await c.call(r.method, path, r.body === 'json' ? {} : undefined)).status}`).toBe(`${r.method} ${r.path}: 401`);
    }
  });

  it('the Yjs endpoint refuses guests and follows the same rules at upgrade', async () => {
    const page = (await t.ann.post(`/api/docs/spaces/${groupSpace}/pages`, { title: 'Live' })).body.page.id;
    expect(await upgradeStatus(hub.url, page, guest.cookie, hub.url, 'artel_guest')).toBe(403);
    expect(await upgradeStatus(hub.url, page, null, hub.url)).toBe(401);
    expect(await upgradeStatus(hub.url, page, t.cid.cookie, hub.url)).toBe(404);
    expect(await upgradeStatus(hub.url, page, t.ben.cookie, hub.url)).toBe(101);
  });

  it('a space\'s page tree changes reach its readers live (docspace:<id>); others may not follow it', async () => {
    const ben = await RealtimeClient.open(hub.url, t.ben.cookie);
    const cid = await RealtimeClient.open(hub.url, t.cid.cookie);
    const guestRt = await RealtimeClient.open(hub.url, guest.cookie, hub.url, 'artel_guest');
    expect((await ben.request({ type: 'subscribe', streams: [{ stream: `docspace:${groupSpace}` }, { stream: `docspace:${company}` }] })).ok).toBe(true);
    // Cid is not in the closed group: its space does not exist for him; the company's he may follow.
    expect((await cid.request({ type: 'subscribe', streams: [{ stream: `docspace:${groupSpace}` }] })).error.code).toBe('not_found');
    expect((await cid.request({ type: 'subscribe', streams: [{ stream: `docspace:${randomUUID()}` }] })).error.code).toBe('not_found');
    expect((await cid.request({ type: 'subscribe', streams: [{ stream: `docspace:${company}` }] })).ok).toBe(true);
    expect((await guestRt.request({ type: 'subscribe', streams: [{ stream: `docspace:${company}` }] })).error.code).toBe('forbidden');
    const kinds = () => ben.events(`docspace:${groupSpace}`).map((e) => `${e.event.type}:${e.event.payload.kind}`);
    const page = (await t.ann.post(`/api/docs/spaces/${groupSpace}/pages`, { title: 'Agenda' })).body.page.id;
    const child = (await t.ann.post(`/api/docs/spaces/${groupSpace}/pages`, { title: 'Item', parentId: page })).body.page.id;
    await t.ann.patch(`/api/docs/pages/${page}`, { title: 'Agenda (final)' });
    await t.ann.post(`/api/docs/pages/${child}/move`, { parentId: null });
    await t.ann.post(`/api/docs/pages/${child}/move`, { parentId: page });
    await t.ann.del(`/api/docs/pages/${page}`);
    await t.ann.post(`/api/docs/pages/${page}/restore`, {});
    await ben.waitFor(() => kinds().length >= 7);
    expect(kinds()).toEqual(['pages_changed:created', 'pages_changed:created', 'pages_changed:renamed', 'pages_changed:moved', 'pages_changed:moved', 'pages_changed:deleted', 'pages_changed:restored']);
    const deleted = ben.events(`docspace:${groupSpace}`)[5].event.payload;
    expect(deleted).toEqual({ spaceId: groupSpace, kind: 'deleted', pageIds: expect.arrayContaining([page, child]) });
    // Nothing of the group's space reached Cid.
    expect(cid.events(`docspace:${groupSpace}`)).toEqual([]);
    for (const c of [ben, cid, guestRt]) c.close();
  });

  it('open document sockets follow access changes: an archived group\'s become read-only, a removed member\'s close', async () => {
    const page = (await t.ann.post(`/api/docs/spaces/${groupSpace}/pages`, { title: 'Minutes' })).body.page.id;
    const ben = openDoc(hub.url, page, t.ben);
    const ann = openDoc(hub.url, page, t.ann);
    try {
      await Promise.all([ben.synced, ann.synced]);
      ben.text.insert(0, 'editable');
      await until(() => ann.text.toString() === 'editable', 'Ben editing');
      // Archived: the editors' sockets close ("access changed") and come back read-only.
      expect((await t.ann.post(`/api/groups/${groupId}/archive`, {})).status).toBe(200);
      await until(() => ben.closes.some((c) => c.code === 4300 && c.reason === 'access changed'), 'Ben told');
      await until(() => ben.provider.synced && ben.provider.wsconnected, 'Ben back');
      ben.text.insert(0, 'nope ');
      await until(() => ben.denied.includes('permission denied: read-only'), 'a read-only refusal');
      expect(ann.text.toString()).toBe('editable');
      expect((await t.ann.post(`/api/groups/${groupId}/restore`, {})).status).toBe(200);
      // Restored: back to editing, again through a reconnect.
      await until(() => ben.closes.filter((c) => c.code === 4300).length === 2 && ben.provider.synced && ben.provider.wsconnected, 'Ben editing again');
      ben.text.insert(0, 'again ');
      await until(() => ann.text.toString().startsWith('again '), 'an edit after the restore');
      // Removed from the closed group: Ben's socket closes and the page no longer opens for him.
      const closesBefore = ben.closes.length;
      expect((await t.ann.del(`/api/groups/${groupId}/members/${t.ids.ben}`)).status).toBe(200);
      await until(() => ben.closes.slice(closesBefore).some((c) => c.code === 4403), 'Ben closed out');
      expect(await upgradeStatus(hub.url, page, t.ben.cookie, hub.url)).toBe(404);
      // Ann, still a member with edit rights, was left alone.
      expect(ann.closes.filter((c) => c.reason === 'access revoked')).toEqual([]);
    } finally {
      ben.destroy();
      ann.destroy();
    }
  });
});
