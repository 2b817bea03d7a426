import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { team, type Team } from '../helpers/team';
import { ApiClient } from '../helpers/client';

const GUEST_EMAIL = 'client@partner.example';

/**
 * Pages attached to chats, tasks and deals, and a call's meeting notes, per role: Ann owns a closed group
 * (Ben is a member) and an open one; the chat holds Ann, Ben and Cid (Dan is outside); Ann's task and deal
 * are seen by her and the owner and admins only; a guest and nobody signed in get nothing.
 */
describe('documents attached to chats, tasks and deals', () => {
  let hub: TestHub;
  let t: Team<'admin' | 'ann' | 'ben' | 'cid' | 'dan'>;
  let anon: ApiClient;
  let guest: ApiClient;
  let company: string;
  let pub: string;
  let secret: string;
  let openPage: string;
  let chatId: string;
  let taskId: string;
  let dealId: string;

  const status = async (p: Promise<{ status: number }>) => (await p).status;
  const attach = (c: ApiClient, page: string, kind: string, targetId: string) => c.post(`/api/docs/pages/${page}/attachments`, { kind, targetId });
  const docCards = async (c: ApiClient = t.ann) =>
    ((await c.get(`/api/chats/${chatId}/messages`)).body.messages as any[]).filter((m) => m.card?.kind === 'doc');
  const linkCount = async (page: string) => ((await t.ann.get(`/api/docs/pages/${page}/attachments`)).body.attachments ?? []).length;
  const newPage = async (c: ApiClient, space: string, title: string) => (await c.post(`/api/docs/spaces/${space}/pages`, { title })).body.page.id as string;

  beforeAll(async () => {
    hub = await startTestHub();
    t = await team(hub.url, ['admin', 'ann', 'ben', 'cid', 'dan'] as const);
    anon = new ApiClient(hub.url);
    const closed = (await t.ann.post('/api/groups', { name: 'Secret', visibility: 'closed', memberIds: [t.ids.ben] })).body.group.id;
    const open = (await t.ann.post('/api/groups', { name: 'Open', visibility: 'open', memberIds: [] })).body.group.id;
    company = (await t.owner.post('/api/docs/spaces', { name: 'Company' })).body.space.id;
    const secretSpace = (await t.ann.post('/api/docs/spaces', { name: 'Secret docs', groupId: closed })).body.space.id;
    const openSpace = (await t.ann.post('/api/docs/spaces', { name: 'Open docs', groupId: open })).body.space.id;
    pub = await newPage(t.ann, company, 'Handbook');
    secret = await newPage(t.ann, secretSpace, 'Salaries');
    openPage = await newPage(t.ann, openSpace, 'Roadmap');
    chatId = (await t.ann.post('/api/chats', { kind: 'group', title: 'Launch', memberIds: [t.ids.ben, t.ids.cid] })).body.chat.id;
    taskId = (await t.ann.post('/api/tasks', { clientId: randomUUID(), title: 'Write the spec' })).body.task.id;
    dealId = (await t.ann.post('/api/crm/deals', { clientId: randomUUID(), title: 'Big supply', amount: '100' })).body.record.id;
    await t.owner.post('/api/feed/posts', { clientId: randomUUID(), title: 'Terms', body: 'Hi', audience: { userIds: [t.ids.ann], emails: [GUEST_EMAIL] } });
    const mail = (await hub.outbox()).find((m) => m.to === GUEST_EMAIL)!;
    const token = /\/g\/([A-Za-z0-9_-]{43})/.exec(mail.text)![1];
    guest = new ApiClient(hub.url, hub.url, 'artel_guest');
    expect((await guest.post('/api/guest/session', { token })).status).toBe(201);
  }, 90_000);

  afterAll(async () => {
    await hub?.stop();
  });

  it('attaching to a chat posts the page\'s card once, for members who read the page', async () => {
    expect(await status(anon.post(`/api/docs/pages/${pub}/attachments`, { kind: 'chat', targetId: chatId }))).toBe(401);
    expect(await status(attach(guest, pub, 'chat', chatId))).toBe(401);
    // Dan reads the page but is not in the chat; an unknown chat is not found; bad bodies are refused.
    expect(await status(attach(t.dan, pub, 'chat', chatId))).toBe(403);
    expect(await status(attach(t.ann, pub, 'chat', randomUUID()))).toBe(404);
    expect(await status(attach(t.ann, randomUUID(), 'chat', chatId))).toBe(404);
    const bad = await attach(t.ann, pub, 'folder', chatId);
    expect([bad.status, Object.keys(bad.body.error.fields ?? {})]).toEqual([400, ['kind']]);
    expect(await status(t.ann.post(`/api/docs/pages/${pub}/attachments`, { kind: 'chat', targetId: 'nope' }))).toBe(400);
    expect(await status(t.ann.post(`/api/docs/pages/${pub}/attachments`, { kind: 'chat', targetId: chatId, extra: 1 }))).toBe(400);
    expect(await status(t.ann.post(`/api/docs/pages/not-a-uuid/attachments`, { kind: 'chat', targetId: chatId }))).toBe(404);
    expect(await linkCount(pub)).toBe(0);
    expect(await docCards()).toHaveLength(0);

    const r = await attach(t.ann, pub, 'chat', chatId);
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ created: true, attachment: { pageId: pub, kind: 'chat', targetId: chatId, title: 'Launch', url: `/app/chats/${chatId}`, canDetach: true } });
    const cards = await docCards(t.cid);
    expect(cards).toHaveLength(1);
    expect(cards[0].card).toEqual({ kind: 'doc', id: pub, title: 'Handbook', url: `/app/docs/${pub}` });
    expect(cards[0].authorId).toBe(t.ids.ann);
    // Again, by anyone: the same link, no second card.
    const again = await attach(t.ben, pub, 'chat', chatId);
    expect([again.status, again.body.created, again.body.attachment.id]).toEqual([200, false, r.body.attachment.id]);
    expect(await docCards()).toHaveLength(1);
  });

  it('attaching grants nothing: a member who may not read the page sees the card and is refused the page', async () => {
    // Cid may not even see the closed group's page, so he cannot attach it; Ben (a member of the group) can.
    expect(await status(attach(t.cid, secret, 'chat', chatId))).toBe(404);
    expect(await status(attach(t.ben, secret, 'chat', chatId))).toBe(201);
    const card = (await docCards(t.cid)).find((m) => m.card.id === secret);
    expect(card.card.url).toBe(`/app/docs/${secret}`);
    expect(await status(t.cid.get(`/api/docs/pages/${secret}`))).toBe(404);
    expect(await status(t.ben.get(`/api/docs/pages/${secret}`))).toBe(200);
    // Attachments of a page are listed to its readers only.
    expect(await status(t.cid.get(`/api/docs/pages/${secret}/attachments`))).toBe(404);
    expect(await status(guest.get(`/api/docs/pages/${pub}/attachments`))).toBe(401);
    expect(await status(anon.get(`/api/docs/pages/${pub}/attachments`))).toBe(401);
  });

  it('tasks: attach where you see the task; the task lists only the pages its viewer may read', async () => {
    // Ben reads the page but does not see Ann's task: refused, nothing stored.
    expect(await status(attach(t.ben, pub, 'task', taskId))).toBe(403);
    expect(await status(attach(t.ann, pub, 'task', randomUUID()))).toBe(404);
    expect(await status(attach(t.ann, pub, 'task', dealId))).toBe(404);
    expect(await linkCount(pub)).toBe(1);
    expect(await status(attach(t.ann, pub, 'task', taskId))).toBe(201);
    expect(await status(attach(t.ann, secret, 'task', taskId))).toBe(201);
    const titles = async (c: ApiClient) => ((await c.get(`/api/tasks/${taskId}/docs`)).body.docs as any[]).map((d) => d.page.title);
    expect(await titles(t.ann)).toEqual(['Handbook', 'Salaries']);
    // The owner sees every task but not the closed group's page.
    expect(await titles(t.owner)).toEqual(['Handbook']);
    expect(await status(t.ben.get(`/api/tasks/${taskId}/docs`))).toBe(403);
    expect(await status(t.ann.get(`/api/tasks/${randomUUID()}/docs`))).toBe(404);
    expect(await status(guest.get(`/api/tasks/${taskId}/docs`))).toBe(401);
    expect(await status(anon.get(`/api/tasks/${taskId}/docs`))).toBe(401);
    // Attaching does not show the task to whoever may read the page.
    expect(await status(t.ben.get(`/api/tasks/${taskId}`))).toBe(403);
  });

  it('deals: attach where you see the deal; the deal lists only the pages its viewer may read', async () => {
    expect(await status(attach(t.cid, pub, 'deal', dealId))).toBe(403);
    expect(await status(attach(t.ann, pub, 'deal', taskId))).toBe(404);
    expect(await status(attach(t.ann, pub, 'deal', randomUUID()))).toBe(404);
    expect(await status(attach(guest, pub, 'deal', dealId))).toBe(401);
    expect(await status(attach(t.admin, pub, 'deal', dealId))).toBe(201);
    expect(await status(attach(t.ann, secret, 'deal', dealId))).toBe(201);
    const titles = async (c: ApiClient) => ((await c.get(`/api/crm/deals/${dealId}/docs`)).body.docs as any[]).map((d) => d.page.title);
    expect(await titles(t.ann)).toEqual(['Handbook', 'Salaries']);
    expect(await titles(t.admin)).toEqual(['Handbook']);
    expect(await status(t.cid.get(`/api/crm/deals/${dealId}/docs`))).toBe(403);
    expect(await status(t.ann.get(`/api/crm/deals/${randomUUID()}/docs`))).toBe(404);
    expect(await status(anon.get(`/api/crm/deals/${dealId}/docs`))).toBe(401);
  });

  it('a page\'s "attached to" list shows each reader only the targets they may see', async () => {
    const kinds = async (c: ApiClient, page = pub) =>
      ((await c.get(`/api/docs/pages/${page}/attachments`)).body.attachments as any[]).map((a) => `${a.kind}:${a.title}`);
    expect(await kinds(t.ann)).toEqual(['chat:Launch', 'task:Write the spec', 'deal:Big supply']);
    expect(await kinds(t.ben)).toEqual(['chat:Launch']);
    expect(await kinds(t.dan)).toEqual([]);
    expect(await kinds(t.owner)).toEqual(['task:Write the spec', 'deal:Big supply']);
  });

  it('detaching: the page\'s editors and whoever attached it; the others are refused', async () => {
    // The open group's page: Cid reads it (not a member, so he may not edit), and attaches it himself.
    const mine = await attach(t.cid, openPage, 'chat', chatId);
    expect(mine.status).toBe(201);
    const ann = await attach(t.ann, openPage, 'task', taskId);
    expect(ann.status).toBe(201);
    const list = (await t.cid.get(`/api/docs/pages/${openPage}/attachments`)).body.attachments;
    expect(list.map((a: any) => [a.kind, a.canDetach])).toEqual([['chat', true]]);
    expect(await status(t.dan.del(`/api/docs/pages/${openPage}/attachments/${ann.body.attachment.id}`))).toBe(403);
    expect(await status(t.cid.del(`/api/docs/pages/${openPage}/attachments/${ann.body.attachment.id}`))).toBe(403);
    expect(await status(anon.del(`/api/docs/pages/${openPage}/attachments/${ann.body.attachment.id}`))).toBe(401);
    expect(await status(t.cid.del(`/api/docs/pages/${openPage}/attachments/${randomUUID()}`))).toBe(404);
    // A link id under another page is not found either.
    expect(await status(t.ann.del(`/api/docs/pages/${pub}/attachments/${ann.body.attachment.id}`))).toBe(404);
    expect(await linkCount(openPage)).toBe(2);
    expect(await status(t.cid.del(`/api/docs/pages/${openPage}/attachments/${mine.body.attachment.id}`))).toBe(200);
    expect(await status(t.ann.del(`/api/docs/pages/${openPage}/attachments/${ann.body.attachment.id}`))).toBe(200);
    expect(await linkCount(openPage)).toBe(0);
    expect((await t.ann.get(`/api/tasks/${taskId}/docs`)).body.docs.map((d: any) => d.page.id)).not.toContain(openPage);
    // A deleted page cannot be attached, and drops out of the task's list.
    const gone = await newPage(t.ann, company, 'Old');
    expect(await status(attach(t.ann, gone, 'task', taskId))).toBe(201);
    expect(await status(t.ann.del(`/api/docs/pages/${gone}`))).toBe(200);
    expect(await status(attach(t.ann, gone, 'deal', dealId))).toBe(409);
    expect((await t.ann.get(`/api/tasks/${taskId}/docs`)).body.docs.map((d: any) => d.page.id)).not.toContain(gone);
  });

  it('meeting notes: one page per call, in the company space, attached to the call\'s chat', async () => {
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const callId = (await t.ann.post(`/api/chats/${chatId}/calls`, { title: 'Weekly', at })).body.call.id;
    expect(await status(anon.post(`/api/calls/${callId}/notes`, {}))).toBe(401);
    expect(await status(guest.post(`/api/calls/${callId}/notes`, {}))).toBe(401);
    expect(await status(t.dan.post(`/api/calls/${callId}/notes`, {}))).toBe(403);
    expect(await status(t.ann.post(`/api/calls/${randomUUID()}/notes`, {}))).toBe(404);
    expect(await status(t.ann.post(`/api/calls/${callId}/notes`, { title: 'x'.repeat(201) }))).toBe(400);
    const before = (await docCards()).length;

    const first = await t.ben.post(`/api/calls/${callId}/notes`, {});
    expect(first.status).toBe(201);
    expect(first.body.page).toMatchObject({ spaceId: company, title: `Meeting notes — Weekly — ${at.slice(0, 10)}` });
    const second = await t.ann.post(`/api/calls/${callId}/notes`, { title: 'Заметки' });
    expect([second.status, second.body.created, second.body.page.id]).toEqual([200, false, first.body.page.id]);
    const cards = await docCards();
    expect(cards).toHaveLength(before + 1);
    expect(cards.at(-1).card).toMatchObject({ kind: 'doc', id: first.body.page.id });

    // Two presses at once still make one page and one card; the browser's title names it.
    const other = (await t.ann.post(`/api/chats/${chatId}/calls`, { title: 'Retro', at })).body.call.id;
    const both = await Promise.all([t.ann, t.cid].map((c) => c.post(`/api/calls/${other}/notes`, { title: 'Retro notes' })));
    expect(both.map((r) => r.status).sort()).toEqual([200, 201]);
    expect(both[0].body.page.id).toBe(both[1].body.page.id);
    expect(await docCards()).toHaveLength(before + 2);
    const titles = ((await t.ann.get(`/api/docs/spaces/${company}/pages`)).body.pages as any[]).map((p) => p.title);
    expect(titles.filter((x) => x === 'Retro notes')).toHaveLength(1);
  });
});
