/**
 * Guests with a link to a page of the knowledge base, against a real hub and the real y-websocket client:
 * who may make, list and revoke links; a read link's guest gets the text and is refused writes; an edit
 * link's guest edits with the team live; the guest reaches no other page, route or stream; revoking (or
 * expiry) closes their socket at once; forged, expired and revoked tokens open nothing.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../server/db/pool';
import { ROUTES } from '../../server/http/routes';
import { guestStreamVerdict } from '../../server/domains/guests/policy';
import { startTestHub, type TestHub } from '../helpers/hub';
import { ApiClient, RealtimeClient, UpgradeRefused } from '../helpers/client';
import { team, type Team } from '../helpers/team';
import { openDoc, until, upgradeStatus, yjsUrl, type DocClient } from '../helpers/yjs';

const COOKIE = 'artel_doc_guest';
const tokenOf = (url: string) => /\/d\/([A-Za-z0-9_-]{43})$/.exec(url)?.[1] ?? '';

describe('guest links to a document page', () => {
  let hub: TestHub;
  let t: Team<'ann' | 'ben'>;
  let companySpace: string;
  let page: string;
  let otherPage: string;
  let openGroupPage: string;
  let closedGroupPage: string;
  let readToken: string;
  let editToken: string;
  let editLinkId: string;
  let readGuest: ApiClient;
  let editGuest: ApiClient;
  const open: DocClient[] = [];
  const client = (...args: Parameters<typeof openDoc>) => {
    const c = openDoc(...args);
    open.push(c);
    return c;
  };
  const guestClient = () => new ApiClient(hub.url, hub.url, COOKIE);
  const countUsers = async () => Number((await hub.artel.svc.db.query(sql`SELECT count(*)::int AS n FROM users`))[0].n);

  beforeAll(async () => {
    hub = await startTestHub();
    t = await team(hub.url, ['ann', 'ben'] as const);
    companySpace = (await t.owner.post('/api/docs/spaces', { name: 'Company' })).body.space.id;
    page = (await t.ann.post(`/api/docs/spaces/${companySpace}/pages`, { title: 'Offer' })).body.page.id;
    otherPage = (await t.ann.post(`/api/docs/spaces/${companySpace}/pages`, { title: 'Internal' })).body.page.id;
    const closed = (await t.ann.post('/api/groups', { name: 'Secret', visibility: 'closed' })).body.group.id;
    const opened = (await t.ann.post('/api/groups', { name: 'Open', visibility: 'open' })).body.group.id;
    const closedSpace = (await t.ann.post('/api/docs/spaces', { name: 'Secret docs', groupId: closed })).body.space.id;
    const openSpace = (await t.ann.post('/api/docs/spaces', { name: 'Open docs', groupId: opened })).body.space.id;
    closedGroupPage = (await t.ann.post(`/api/docs/spaces/${closedSpace}/pages`, { title: 'Plans' })).body.page.id;
    openGroupPage = (await t.ann.post(`/api/docs/spaces/${openSpace}/pages`, { title: 'Notes' })).body.page.id;
    // The page already has text when the guests come.
    const ann = client(hub.url, page, t.ann);
    await ann.synced;
    ann.text.insert(0, 'Price: 100');
    await until(() => ann.provider.wsconnected, 'ann connected');
  }, 60_000);

  afterAll(async () => {
    for (const c of open) c.destroy();
    await hub?.stop();
  });

  it('the page\'s editors make, list and revoke links; readers 403, outsiders 404, anonymous and guests 401', async () => {
    const made = await t.ann.post(`/api/docs/pages/${page}/guest-links`, { access: 'read', name: 'Partner', email: 'Partner@Example.org', days: 3 });
    expect(made.status).toBe(201);
    expect(made.body.link).toMatchObject({ pageId: page, access: 'read', name: 'Partner', email: 'partner@example.org', revokedAt: null });
    expect(made.body.link.url).toMatch(new RegExp(`^${hub.url}/d/[A-Za-z0-9_-]{43}$`));
    readToken = tokenOf(made.body.link.url);
    const mail = (await hub.outbox()).find((m) => m.to === 'partner@example.org');
    expect(mail?.text).toContain(made.body.link.url);
    const edit = await t.owner.post(`/api/docs/pages/${page}/guest-links`, { access: 'edit' });
    expect(edit.status).toBe(201);
    editToken = tokenOf(edit.body.link.url);
    editLinkId = edit.body.link.id;
    const list = (await t.ann.get(`/api/docs/pages/${page}/guest-links`)).body.links;
    expect(list.map((l: any) => l.access).sort()).toEqual(['edit', 'read']);
    // The address is shown once: never in the list.
    expect(list.every((l: any) => l.url === undefined)).toBe(true);
    // The token is kept only as its hash.
    const stored = await hub.artel.svc.db.query(sql`SELECT token_hash FROM doc_guest_links`);
    expect(stored.map((r) => r.token_hash)).not.toContain(readToken);

    // Ben reads the open group's page (403) and does not see the closed group's (404).
    expect((await t.ben.post(`/api/docs/pages/${openGroupPage}/guest-links`, { access: 'read' })).status).toBe(403);
    expect((await t.ben.get(`/api/docs/pages/${openGroupPage}/guest-links`)).status).toBe(403);
    expect((await t.ben.post(`/api/docs/pages/${closedGroupPage}/guest-links`, { access: 'read' })).status).toBe(404);
    expect((await t.ben.get(`/api/docs/pages/${closedGroupPage}/guest-links`)).status).toBe(404);
    expect((await t.ben.del(`/api/docs/pages/${closedGroupPage}/guest-links/${editLinkId}`)).status).toBe(404);
    // A link of another page is not found under this one.
    expect((await t.ann.del(`/api/docs/pages/${otherPage}/guest-links/${editLinkId}`)).status).toBe(404);
    const anonymous = new ApiClient(hub.url);
    expect((await anonymous.post(`/api/docs/pages/${page}/guest-links`, { access: 'read' })).status).toBe(401);
    expect((await anonymous.get(`/api/docs/pages/${page}/guest-links`)).status).toBe(401);
    // Bad input changes nothing.
    expect((await t.ann.post(`/api/docs/pages/${page}/guest-links`, { access: 'admin' })).status).toBe(400);
    expect((await t.ann.post(`/api/docs/pages/${page}/guest-links`, { access: 'read', days: 365 })).status).toBe(400);
    expect((await t.ann.post(`/api/docs/pages/${page}/guest-links`, { access: 'read', email: 'nope' })).status).toBe(400);
    expect((await t.ann.get(`/api/docs/pages/${page}/guest-links`)).body.links).toHaveLength(2);
  });

  it('forged and malformed tokens are refused with nothing created', async () => {
    const users = await countUsers();
    const stranger = guestClient();
    const forged = await stranger.post('/api/doc-guest/session', { token: 'A'.repeat(43), name: 'Mallory' });
    expect([forged.status, forged.body.error.code]).toEqual([410, 'link_invalid']);
    expect((await stranger.post('/api/doc-guest/session', { token: '<script>', name: 'Mallory' })).status).toBe(400);
    expect((await stranger.post('/api/doc-guest/session', { token: readToken })).status).toBe(400);
    expect(stranger.cookie).toBeNull();
    expect(await countUsers()).toBe(users);
    expect((await stranger.get('/api/doc-guest/me')).status).toBe(401);
  });

  it('a read link\'s guest gets the text live and their writes are refused', async () => {
    readGuest = guestClient();
    const opened = await readGuest.post('/api/doc-guest/session', { token: readToken, name: 'Rita Reader' });
    expect(opened.status).toBe(201);
    expect(opened.body.me).toMatchObject({ name: 'Rita Reader', pageId: page, title: 'Offer', access: 'read' });
    expect(readGuest.cookie).toBeTruthy();
    expect((await readGuest.patch('/api/doc-guest/me', { name: 'Rita R.' })).body.me.name).toBe('Rita R.');
    const g = client(hub.url, page, readGuest);
    await g.synced;
    expect(g.text.toString()).toBe('Price: 100');
    const ann = client(hub.url, page, t.ann);
    await ann.synced;
    ann.text.insert(ann.text.length, ' EUR');
    await until(() => g.text.toString() === 'Price: 100 EUR', 'the reader sees the edit');
    g.text.insert(0, 'FREE! ');
    await until(() => g.denied.length > 0, 'the refusal');
    expect(g.denied[0]).toContain('read-only');
    await new Promise((r) => setTimeout(r, 200));
    expect(ann.text.toString()).toBe('Price: 100 EUR');
    // The link records that it was used.
    const [link] = (await t.ann.get(`/api/docs/pages/${page}/guest-links`)).body.links.filter((l: any) => l.access === 'read');
    expect(link.lastSeenAt).toBeTruthy();
  });

  it('an edit link\'s guest edits together with the team', async () => {
    editGuest = guestClient();
    expect((await editGuest.post('/api/doc-guest/session', { token: editToken, name: 'Ed Editor' })).body.me.access).toBe('edit');
    const g = client(hub.url, page, editGuest);
    const ann = client(hub.url, page, t.ann);
    await Promise.all([g.synced, ann.synced]);
    g.text.insert(g.text.length, ' (agreed)');
    await until(() => ann.text.toString().endsWith(' (agreed)'), 'the guest\'s edit reaches Ann');
    expect(g.denied).toEqual([]);
    g.provider.awareness.setLocalStateField('user', { name: 'Ed Editor' });
    await until(() => [...ann.provider.awareness.getStates().values()].some((s) => s.user?.name === 'Ed Editor'), 'the guest\'s cursor name');
  });

  it('the guest opens no other page, no route and no stream', async () => {
    // Another page, of their space or not, and a page that does not exist: not found.
    for (const id of [otherPage, closedGroupPage, openGroupPage, randomUUID()]) {
      expect([id, await upgradeStatus(hub.url, id, editGuest.cookie, hub.url, COOKIE)]).toEqual([id, 404]);
    }
    // Without the right Origin, not even their page.
    expect(await upgradeStatus(hub.url, page, editGuest.cookie, 'https://evil.example', COOKIE)).toBe(403);
    for (const route of ROUTES.filter((r) => r.access !== 'public' && !r.path.startsWith('/api/doc-guest/'))) {
      const path = route.path.replace(/:id\b/, page).replace(/:[a-zA-Z]+/g, randomUUID());
      const body = route.body === 'raw' ? Buffer.from('x') : route.body === 'json' ? { name: 'x', access: 'edit', title: 'x' } : undefined;
      const r = await editGuest.call(route.method, path, body);
      expect([route.method, route.path, r.status]).toEqual([route.method, route.path, 401]);
    }
    // A colleague's session opens no document guest route.
    for (const route of ROUTES.filter((r) => r.path.startsWith('/api/doc-guest/') && r.access === 'guest')) {
      const r = await t.ben.call(route.method, route.path, route.body === 'json' ? { name: 'x' } : undefined);
      expect([route.method, route.path, r.status]).toEqual([route.method, route.path, 401]);
    }
    // No realtime socket at all, so no stream; and the stream rule refuses their grant everything.
    await expect(RealtimeClient.connect(hub.url, editGuest.cookie, hub.url, COOKIE)).rejects.toBeInstanceOf(UpgradeRefused);
    const actor = { id: randomUUID(), role: 'guest' as const, active: true, grant: { pageId: page, linkId: editLinkId, access: 'edit' as const } };
    for (const stream of [`docspace:${companySpace}`, 'feed:all', `user:${actor.id}`, `post:${page}`, `call:${page}`, 'directory']) {
      expect([stream, guestStreamVerdict(actor, stream)]).toEqual([stream, 'forbidden']);
    }
    // A browser holding both cookies on the guest page (?guest=doc) is the guest: Ann's other page is not theirs.
    const both = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${yjsUrl(hub.url)}/${otherPage}?guest=doc`, {
        headers: { cookie: `artel_session=${t.ann.cookie}; ${COOKIE}=${editGuest.cookie}`, origin: hub.url },
      });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => {
        resolve(101);
        ws.close();
      });
      ws.on('error', () => {});
    });
    expect(both).toBe(404);
    // Without ?guest=doc the colleague's session wins.
    expect(await upgradeStatus(hub.url, otherPage, t.ann.cookie, hub.url)).toBe(101);
  });

  it('revoking the link closes the guest\'s socket at once (4403) and the link stops working', async () => {
    const g = client(hub.url, page, editGuest);
    await g.synced;
    const left = await t.ann.del(`/api/docs/pages/${page}/guest-links/${editLinkId}`);
    expect(left.status).toBe(200);
    expect(left.body.links.find((l: any) => l.id === editLinkId).revokedAt).toBeTruthy();
    await until(() => g.closes.some((c) => c.code === 4403), 'the guest socket closed');
    expect((await editGuest.get('/api/doc-guest/me')).status).toBe(401);
    expect(await upgradeStatus(hub.url, page, editGuest.cookie, hub.url, COOKIE)).toBe(401);
    const users = await countUsers();
    const again = await guestClient().post('/api/doc-guest/session', { token: editToken, name: 'Ed again' });
    expect([again.status, again.body.error.code]).toEqual([403, 'link_revoked']);
    expect(await countUsers()).toBe(users);
    // The read link is untouched.
    expect((await readGuest.get('/api/doc-guest/me')).status).toBe(200);
  });

  it('an expired link opens nothing, and expiry closes an open socket', async () => {
    const made = (await t.ann.post(`/api/docs/pages/${page}/guest-links`, { access: 'edit' })).body.link;
    const late = guestClient();
    expect((await late.post('/api/doc-guest/session', { token: tokenOf(made.url), name: 'Late' })).status).toBe(201);
    // The link (and so its session) ends in a moment.
    await hub.artel.svc.db.query(sql`UPDATE doc_guest_links SET expires_at = now() + interval '1500 milliseconds' WHERE id = ${made.id}`);
    const g = client(hub.url, page, late);
    await g.synced;
    await until(() => g.closes.some((c) => c.code === 4403 && c.reason === 'link expired'), 'the socket closed at expiry', 8000);
    const opened = await guestClient().post('/api/doc-guest/session', { token: tokenOf(made.url), name: 'Later' });
    expect([opened.status, opened.body.error.code]).toEqual([410, 'link_invalid']);
    expect((await late.get('/api/doc-guest/me')).status).toBe(401);
  });

  it('leaving ends the guest\'s session', async () => {
    const out = await readGuest.del('/api/doc-guest/session');
    expect(out.status).toBe(200);
    expect((await readGuest.get('/api/doc-guest/me')).status).toBe(401);
  });
});
