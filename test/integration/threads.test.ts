import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, idsOf, RealtimeClient, registerOwner, type ApiClient } from '../helpers/client';

describe('threads: their own page and unread state; jumping to a message', () => {
  let hub: TestHub;
  let owner: ApiClient;
  let bob: ApiClient;
  let carol: ApiClient;
  const ids: Record<string, string> = {};
  let chat: string;
  const summary = async (c: ApiClient) => (await c.get('/api/chats')).body.chats.find((x: any) => x.id === chat);

  beforeAll(async () => {
    hub = await startTestHub();
    owner = await registerOwner(hub.url);
    bob = await addColleague(owner, 'bob@example.com', 'Bob');
    carol = await addColleague(owner, 'carol@example.com', 'Carol');
    Object.assign(ids, await idsOf({ owner, bob, carol }));
    chat = (await owner.post('/api/chats', { kind: 'group', title: 'Threads', memberIds: [ids.bob, ids.carol] })).body.chat.id;
  });
  afterAll(() => hub.stop());

  it('replies live in their thread, count as unread there for participants, and not in the main list', async () => {
    const ownerRt = await RealtimeClient.open(hub.url, owner.cookie);
    const bobRt = await RealtimeClient.open(hub.url, bob.cookie);
    const send = (rt: RealtimeClient, body: string, threadRootId?: string) =>
      rt.request({ type: 'message_send', chatId: chat, clientId: randomUUID(), body, ...(threadRootId ? { threadRootId } : {}) });
    const root = (await send(ownerRt, 'Release on Friday?')).message;
    await ownerRt.request({ type: 'mark_read', chatId: chat, seq: root.seq });
    await send(bobRt, 'Yes, if QA agrees', root.id);
    await send(bobRt, `<@${ids.owner}> can you ask QA?`, root.id);

    const main = (await owner.get(`/api/chats/${chat}/messages`)).body.messages;
    expect(main.map((m: any) => m.body)).toEqual(['Release on Friday?']);
    expect(main[0]).toMatchObject({ replyCount: 2 });
    const thread = (await owner.get(`/api/chats/${chat}/messages?thread=${root.id}`)).body.messages;
    expect(thread.map((m: any) => m.body)).toEqual(['Release on Friday?', 'Yes, if QA agrees', `<@${ids.owner}> can you ask QA?`]);
    expect(main[0].lastReplySeq).toBe(thread[2].seq);

    expect(await summary(owner)).toMatchObject({ unread: 0, threadUnread: 2, mentions: 1 });
    expect(await summary(carol)).toMatchObject({ unread: 1, threadUnread: 0, mentions: 0 }); // not in the thread
    const read = await ownerRt.request({ type: 'thread_read', rootId: root.id, seq: thread[2].seq });
    expect(read.readSeq).toBe(thread[2].seq);
    expect(await summary(owner)).toMatchObject({ unread: 0, threadUnread: 0, mentions: 0 });
    expect((await owner.get(`/api/chats/${chat}/messages?thread=${root.id}`)).body.threadReadSeq).toBe(thread[2].seq);
    expect((await bob.get(`/api/chats/${chat}/messages?thread=${root.id}`)).body.threadReadSeq).toBe(0);

    expect((await owner.get(`/api/chats/${chat}/messages?thread=${thread[1].id}`)).status).toBe(404);
    const eve = await addColleague(owner, 'eve@example.com', 'Eve');
    expect((await eve.get(`/api/chats/${chat}/messages?thread=${root.id}`)).status).toBe(403);
    const eveRt = await RealtimeClient.open(hub.url, eve.cookie);
    expect((await eveRt.request({ type: 'thread_read', rootId: root.id, seq: 1 })).error.code).toBe('forbidden');
    for (const rt of [ownerRt, bobRt, eveRt]) rt.close();
  });

  it('opens history around a message (jump from search)', async () => {
    const rt = await RealtimeClient.open(hub.url, carol.cookie);
    const sent = [];
    for (let i = 0; i < 30; i++) sent.push((await rt.request({ type: 'message_send', chatId: chat, clientId: randomUUID(), body: `n${i}` })).message);
    const target = sent[10];
    const page = (await carol.get(`/api/chats/${chat}/messages?around=${target.seq}&limit=6`)).body.messages;
    expect(page.map((m: any) => m.body)).toEqual(['n8', 'n9', 'n10', 'n11', 'n12', 'n13']);
    const after = (await carol.get(`/api/chats/${chat}/messages?after=${sent[27].seq}`)).body.messages;
    expect(after.map((m: any) => m.body)).toEqual(['n28', 'n29']);
    expect((await carol.get(`/api/chats/${chat}/messages?around=x`)).status).toBe(400);
    rt.close();
  });
});
