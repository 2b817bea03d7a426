import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, idsOf, RealtimeClient, registerOwner, type ApiClient } from '../helpers/client';

describe('group chats: rename, members, roles, leaving; typing', () => {
  let hub: TestHub;
  let owner: ApiClient;
  let ann: ApiClient;
  let ben: ApiClient;
  let cid: ApiClient;
  const ids: Record<string, string> = {};
  const chatOf = async (c: ApiClient, chatId: string) => (await c.get('/api/chats')).body.chats.find((x: any) => x.id === chatId);

  beforeAll(async () => {
    hub = await startTestHub();
    owner = await registerOwner(hub.url);
    ann = await addColleague(owner, 'ann@example.com', 'Ann');
    ben = await addColleague(owner, 'ben@example.com', 'Ben');
    cid = await addColleague(owner, 'cid@example.com', 'Cid');
    Object.assign(ids, await idsOf({ owner, ann, ben, cid }));
  });
  afterAll(() => hub.stop());

  const newGroup = async (members: string[]) =>
    (await owner.post('/api/chats', { kind: 'group', title: 'Team', memberIds: members })).body.chat.id as string;

  it('the owner and chat admins rename and add people; plain members cannot', async () => {
    const chat = await newGroup([ids.ann, ids.ben]);
    expect((await ann.patch(`/api/chats/${chat}`, { title: 'Mine' })).status).toBe(403);
    expect((await owner.patch(`/api/chats/${chat}/members/${ids.ann}`, { role: 'admin' })).status).toBe(200);
    expect((await ann.patch(`/api/chats/${chat}`, { title: 'Команда' })).status).toBe(200);
    expect((await chatOf(ben, chat)).title).toBe('Команда');
    expect((await ben.post(`/api/chats/${chat}/members`, { userIds: [ids.cid] })).status).toBe(403);
    const cidRt = await RealtimeClient.open(hub.url, cid.cookie);
    await cidRt.request({ type: 'subscribe', streams: [{ stream: `user:${ids.cid}` }] });
    const added = await ann.post(`/api/chats/${chat}/members`, { userIds: [ids.cid] });
    expect(added.body.chat.memberIds).toContain(ids.cid);
    await cidRt.waitFor(() => cidRt.events().find((e) => e.event.type === 'chat_added' && e.event.payload.chat.id === chat));
    expect((await owner.post(`/api/chats/${chat}/members`, { userIds: [randomUUID()] })).status).toBe(400);
    cidRt.close();
  });

  it('a removed member stops receiving the chat at once and can no longer read it', async () => {
    const chat = await newGroup([ids.ann, ids.ben]);
    const benRt = await RealtimeClient.open(hub.url, ben.cookie);
    await benRt.request({ type: 'subscribe', streams: [{ stream: `chat:${chat}` }, { stream: `user:${ids.ben}` }] });
    expect((await owner.del(`/api/chats/${chat}/members/${ids.ben}`)).status).toBe(200);
    await benRt.waitFor(() => benRt.frames.find((f) => f.type === 'stream_revoked' && f.stream === `chat:${chat}`));
    await benRt.waitFor(() => benRt.events(`user:${ids.ben}`).find((e) => e.event.type === 'chat_removed'));
    const ownerRt = await RealtimeClient.open(hub.url, owner.cookie);
    const sent = await ownerRt.request({ type: 'message_send', chatId: chat, clientId: randomUUID(), body: 'after Ben left' });
    await new Promise((r) => setTimeout(r, 200));
    expect(benRt.events(`chat:${chat}`).some((e) => e.seq === sent.message.seq)).toBe(false);
    expect((await ben.get(`/api/chats/${chat}/messages`)).status).toBe(403);
    expect(await chatOf(ben, chat)).toBeUndefined();
    benRt.close();
    ownerRt.close();
  });

  it('anyone may leave; admins remove plain members only; a leaving owner hands over to an admin', async () => {
    const chat = await newGroup([ids.ann, ids.ben, ids.cid]);
    await owner.patch(`/api/chats/${chat}/members/${ids.ann}`, { role: 'admin' });
    expect((await ann.del(`/api/chats/${chat}/members/${ids.owner}`)).status).toBe(403);
    expect((await ben.del(`/api/chats/${chat}/members/${ids.cid}`)).status).toBe(403);
    expect((await ann.del(`/api/chats/${chat}/members/${ids.cid}`)).status).toBe(200);
    expect((await ben.del(`/api/chats/${chat}/members/${ids.ben}`)).status).toBe(200);
    expect((await owner.del(`/api/chats/${chat}/members/${ids.owner}`)).status).toBe(200);
    expect((await chatOf(ann, chat)).myRole).toBe('owner');
    expect((await chatOf(ann, chat)).memberIds).toEqual([ids.ann]);
  });

  it('a group gets a picture from its owner or admins; members see it, outsiders do not', async () => {
    const PNG = Buffer.from(
      '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082',
      'hex',
    );
    const chat = await newGroup([ids.ann]);
    expect((await ann.call('PUT', `/api/chats/${chat}/avatar`, PNG)).status).toBe(403);
    expect((await owner.call('PUT', `/api/chats/${chat}/avatar`, Buffer.from('<svg/>'))).status).toBe(400);
    expect((await owner.call('PUT', `/api/chats/${chat}/avatar`, PNG)).status).toBe(200);
    const url = (await chatOf(ann, chat)).avatarUrl;
    expect(url).toMatch(new RegExp(`^/api/chats/${chat}/avatar\\?v=1$`));
    const res = await fetch(hub.url + url, { headers: { cookie: `artel_session=${ann.cookie}` } });
    expect(res.headers.get('content-type')).toBe('image/png');
    expect((await cid.get(url)).status).toBe(403);
    expect((await owner.call('DELETE', `/api/chats/${chat}/avatar`)).status).toBe(200);
    expect((await chatOf(ann, chat)).avatarUrl).toBeNull();
  });

  it('direct chats keep their two people and their title', async () => {
    const chat = (await ann.post('/api/chats', { kind: 'direct', userId: ids.ben })).body.chat.id;
    expect((await ann.patch(`/api/chats/${chat}`, { title: 'x' })).status).toBe(409);
    expect((await ann.post(`/api/chats/${chat}/members`, { userIds: [ids.cid] })).status).toBe(409);
    expect((await ann.del(`/api/chats/${chat}/members/${ids.ann}`)).status).toBe(409);
  });

  it('typing reaches the other followers, not outsiders, and is throttled', async () => {
    const chat = await newGroup([ids.ann]);
    const annRt = await RealtimeClient.open(hub.url, ann.cookie);
    await annRt.request({ type: 'subscribe', streams: [{ stream: `chat:${chat}` }] });
    const ownerRt = await RealtimeClient.open(hub.url, owner.cookie);
    for (let i = 0; i < 5; i++) expect((await ownerRt.request({ type: 'typing', chatId: chat })).ok).toBe(true);
    await annRt.waitFor(() => annRt.frames.find((f) => f.type === 'typing' && f.userId === ids.owner));
    await new Promise((r) => setTimeout(r, 100));
    expect(annRt.frames.filter((f) => f.type === 'typing')).toHaveLength(1);
    const benRt = await RealtimeClient.open(hub.url, ben.cookie);
    expect((await benRt.request({ type: 'typing', chatId: chat })).error.code).toBe('forbidden');
    for (const rt of [annRt, ownerRt, benRt]) rt.close();
  });
});
