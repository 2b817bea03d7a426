import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, idsOf, RealtimeClient, registerOwner, type ApiClient } from '../helpers/client';
import { MAX_MESSAGE_CHARS } from '../../shared/messenger';

describe('messenger: chats, messages, counters', () => {
  let hub: TestHub;
  let owner: ApiClient;
  let bob: ApiClient;
  let carol: ApiClient;
  let dave: ApiClient;
  const ids: Record<string, string> = {};
  let group: string;

  const send = (rt: RealtimeClient, chatId: string, body: string, extra: Record<string, unknown> = {}) => rt.sendMessage(chatId, body, extra);

  beforeAll(async () => {
    hub = await startTestHub();
    owner = await registerOwner(hub.url);
    bob = await addColleague(owner, 'bob@example.com', 'Bob');
    carol = await addColleague(owner, 'carol@example.com', 'Carol');
    dave = await addColleague(owner, 'dave@example.com', 'Dave');
    Object.assign(ids, await idsOf({ owner, bob, carol, dave }));
    const r = await owner.post('/api/chats', { kind: 'group', title: 'Sales', memberIds: [ids.bob, ids.carol] });
    expect(r.status).toBe(201);
    group = r.body.chat.id;
  });
  afterAll(() => hub.stop());

  it('opens one direct chat per pair, whoever opens it', async () => {
    const a = await bob.post('/api/chats', { kind: 'direct', userId: ids.owner });
    const b = await owner.post('/api/chats', { kind: 'direct', userId: ids.bob });
    expect(a.body.chat.id).toBe(b.body.chat.id);
    expect(a.body.chat.memberIds.sort()).toEqual([ids.owner, ids.bob].sort());
    expect((await bob.post('/api/chats', { kind: 'direct', userId: ids.bob })).status).toBe(400);
    expect((await bob.post('/api/chats', { kind: 'direct', userId: randomUUID() })).status).toBe(404);
  });

  it('delivers a sent message live to members, acked with its seq after commit', async () => {
    const bobRt = await RealtimeClient.open(hub.url, bob.cookie);
    const sub = await bobRt.request({ type: 'subscribe', streams: [{ stream: `chat:${group}` }] });
    expect(sub.ok).toBe(true);
    const ownerRt = await RealtimeClient.open(hub.url, owner.cookie);
    const r = await send(ownerRt, group, 'Hello **team**');
    expect(r.ok).toBe(true);
    expect(r.message).toMatchObject({ chatId: group, authorId: ids.owner, body: 'Hello **team**', seq: sub.streams[0].head + 1 });
    const ev = await bobRt.waitFor(() => bobRt.events(`chat:${group}`).find((e) => e.event.type === 'message_created'));
    expect(ev.seq).toBe(r.message.seq);
    expect(ev.event.payload.message.id).toBe(r.message.id);
    bobRt.close();
    ownerRt.close();
  });

  it('a retried send with the same client id stores one message, even when the retries race', async () => {
    const rt = await RealtimeClient.open(hub.url, carol.cookie);
    const clientId = randomUUID();
    const replies = await Promise.all([
      rt.request({ type: 'message_send', chatId: group, clientId, body: 'once' }),
      rt.request({ type: 'message_send', chatId: group, clientId, body: 'once' }),
    ]);
    const viaHttp = await carol.post(`/api/chats/${group}/messages`, { clientId, body: 'once' });
    expect(viaHttp.status).toBe(201);
    expect(new Set([...replies.map((r) => r.message.id), viaHttp.body.message.id]).size).toBe(1);
    const history = (await carol.get(`/api/chats/${group}/messages`)).body.messages;
    expect(history.filter((m: any) => m.clientId === clientId)).toHaveLength(1);
    const otherChat = (await carol.post('/api/chats', { kind: 'direct', userId: ids.bob })).body.chat.id;
    expect((await rt.request({ type: 'message_send', chatId: otherChat, clientId, body: 'once' })).error.code).toBe('conflict');
    rt.close();
  });

  it('non-members can neither follow, read, nor write a chat; unknown chats are not found', async () => {
    const rt = await RealtimeClient.open(hub.url, dave.cookie);
    expect((await rt.request({ type: 'subscribe', streams: [{ stream: `chat:${group}` }] })).error.code).toBe('forbidden');
    expect((await rt.request({ type: 'fetch', stream: `chat:${group}`, after: 0 })).error.code).toBe('forbidden');
    expect((await send(rt, group, 'let me in')).error.code).toBe('forbidden');
    expect((await rt.request({ type: 'mark_read', chatId: group, seq: 1 })).error.code).toBe('forbidden');
    expect((await rt.request({ type: 'subscribe', streams: [{ stream: `chat:${randomUUID()}` }] })).error.code).toBe('not_found');
    expect((await rt.request({ type: 'subscribe', streams: [{ stream: `user:${ids.bob}` }] })).error.code).toBe('forbidden');
    expect((await dave.get(`/api/chats/${group}/messages`)).status).toBe(403);
    expect((await dave.post(`/api/chats/${group}/messages`, { clientId: randomUUID(), body: 'x' })).status).toBe(403);
    expect((await dave.get('/api/chats')).body.chats.some((c: any) => c.id === group)).toBe(false);
    const first = (await owner.get(`/api/chats/${group}/messages?limit=1`)).body.messages[0];
    expect((await rt.request({ type: 'reaction_toggle', messageId: first.id, emoji: '👍' })).error.code).toBe('forbidden');
    expect((await rt.request({ type: 'message_delete', messageId: first.id })).error.code).toBe('forbidden');
    rt.close();
  });

  it('edits by the author only; deletes by the author or the chat owner leave a tombstone', async () => {
    const bobRt = await RealtimeClient.open(hub.url, bob.cookie);
    const carolRt = await RealtimeClient.open(hub.url, carol.cookie);
    const m = (await send(bobRt, group, 'draft')).message;
    expect((await carolRt.request({ type: 'message_edit', messageId: m.id, body: 'hijack' })).error.code).toBe('forbidden');
    const edited = await bobRt.request({ type: 'message_edit', messageId: m.id, body: 'final' });
    expect(edited.message).toMatchObject({ body: 'final' });
    expect(edited.message.editedAt).not.toBeNull();
    expect((await carolRt.request({ type: 'message_delete', messageId: m.id })).error.code).toBe('forbidden');
    const ownerRt = await RealtimeClient.open(hub.url, owner.cookie);
    const del = await ownerRt.request({ type: 'message_delete', messageId: m.id });
    expect(del.message).toMatchObject({ id: m.id, body: '', deletedAt: expect.any(String) });
    expect((await bobRt.request({ type: 'message_edit', messageId: m.id, body: 'back' })).error.code).toBe('conflict');
    const page = (await bob.get(`/api/chats/${group}/messages`)).body.messages;
    expect(page.find((x: any) => x.id === m.id)).toMatchObject({ body: '', deletedAt: expect.any(String) });
    for (const rt of [bobRt, carolRt, ownerRt]) rt.close();
  });

  it('reactions toggle per person and emoji', async () => {
    const bobRt = await RealtimeClient.open(hub.url, bob.cookie);
    const carolRt = await RealtimeClient.open(hub.url, carol.cookie);
    const m = (await send(bobRt, group, 'react to me')).message;
    await bobRt.request({ type: 'reaction_toggle', messageId: m.id, emoji: '👍' });
    const r = await carolRt.request({ type: 'reaction_toggle', messageId: m.id, emoji: '👍' });
    expect(r.message.reactions).toEqual([{ emoji: '👍', userIds: [ids.bob, ids.carol] }]);
    const back = await bobRt.request({ type: 'reaction_toggle', messageId: m.id, emoji: '👍' });
    expect(back.message.reactions).toEqual([{ emoji: '👍', userIds: [ids.carol] }]);
    expect((await bobRt.request({ type: 'reaction_toggle', messageId: m.id, emoji: '<script>' })).error.code).toBe('bad_frame');
    bobRt.close();
    carolRt.close();
  });

  it('counts unread messages and mentions per member, and every device learns the read position', async () => {
    const chat = (await owner.post('/api/chats', { kind: 'group', title: 'Counters', memberIds: [ids.bob, ids.carol] })).body.chat.id;
    const ownerRt = await RealtimeClient.open(hub.url, owner.cookie);
    await send(ownerRt, chat, 'one');
    await send(ownerRt, chat, `two for <@${ids.bob}>`);
    await send(ownerRt, chat, 'three for @all');
    const bobChat = () => bob.get('/api/chats').then((r) => r.body.chats.find((c: any) => c.id === chat));
    expect(await bobChat()).toMatchObject({ unread: 3, mentions: 2 });
    expect((await owner.get('/api/chats')).body.chats.find((c: any) => c.id === chat)).toMatchObject({ unread: 0 });
    const bobPhone = await RealtimeClient.open(hub.url, bob.cookie);
    await bobPhone.request({ type: 'subscribe', streams: [{ stream: `user:${ids.bob}` }] });
    const bobDesk = await RealtimeClient.open(hub.url, bob.cookie);
    const head = (await bobChat()).head;
    const read = await bobDesk.request({ type: 'mark_read', chatId: chat, seq: head + 100 });
    expect(read.readSeq).toBe(head); // never past the head
    const ev = await bobPhone.waitFor(() => bobPhone.events(`user:${ids.bob}`).find((e) => e.event.type === 'chat_read'));
    expect(ev.event.payload).toEqual({ chatId: chat, readSeq: head });
    expect(await bobChat()).toMatchObject({ unread: 0, mentions: 0, readSeq: head });
    expect((await bobDesk.request({ type: 'mark_read', chatId: chat, seq: 1 })).readSeq).toBe(head); // never back
    for (const rt of [ownerRt, bobPhone, bobDesk]) rt.close();
  });

  it('new chats appear live in each member’s list', async () => {
    const carolRt = await RealtimeClient.open(hub.url, carol.cookie);
    await carolRt.request({ type: 'subscribe', streams: [{ stream: `user:${ids.carol}` }] });
    const chat = (await bob.post('/api/chats', { kind: 'group', title: 'Новый чат', memberIds: [ids.carol] })).body.chat;
    const ev = await carolRt.waitFor(() => carolRt.events(`user:${ids.carol}`).find((e) => e.event.type === 'chat_added'));
    expect(ev.event.payload.chat).toMatchObject({ id: chat.id, title: 'Новый чат', myRole: 'member' });
    carolRt.close();
  });

  it('threads: replies point at the first message, one level deep', async () => {
    const rt = await RealtimeClient.open(hub.url, bob.cookie);
    const root = (await send(rt, group, 'Question?')).message;
    const reply = await send(rt, group, 'Answer', { threadRootId: root.id });
    expect(reply.message.threadRootId).toBe(root.id);
    expect((await send(rt, group, 'nested', { threadRootId: reply.message.id })).error.code).toBe('bad_request');
    rt.close();
  });

  it('pages back through history and refuses oversized messages', async () => {
    const chat = (await owner.post('/api/chats', { kind: 'group', title: 'History', memberIds: [] })).body.chat.id;
    const rt = await RealtimeClient.open(hub.url, owner.cookie);
    for (let i = 0; i < 25; i++) await send(rt, chat, `m${i}`);
    const last = await owner.get(`/api/chats/${chat}/messages?limit=10`);
    expect(last.body.messages.map((m: any) => m.body)).toEqual(Array.from({ length: 10 }, (_, i) => `m${15 + i}`));
    const before = last.body.messages[0].seq;
    const older = await owner.get(`/api/chats/${chat}/messages?limit=10&before=${before}`);
    expect(older.body.messages.map((m: any) => m.body)).toEqual(Array.from({ length: 10 }, (_, i) => `m${5 + i}`));
    expect((await owner.get(`/api/chats/${chat}/messages?limit=0`)).status).toBe(400);
    const big = await send(rt, chat, 'x'.repeat(MAX_MESSAGE_CHARS + 1));
    expect(big.error.code).toBe('bad_frame');
    rt.close();
  });

  it('a reconnecting member gets exactly the messages it missed, in order', async () => {
    const carolRt = await RealtimeClient.open(hub.url, carol.cookie);
    const sub = await carolRt.request({ type: 'subscribe', streams: [{ stream: `chat:${group}` }] });
    const seen = sub.streams[0].head;
    carolRt.close();
    await carolRt.closed;
    const bobRt = await RealtimeClient.open(hub.url, bob.cookie);
    const sent = [];
    for (let i = 0; i < 5; i++) sent.push((await send(bobRt, group, `while away ${i}`)).message);
    const again = await RealtimeClient.open(hub.url, carol.cookie);
    await again.request({ type: 'subscribe', streams: [{ stream: `chat:${group}`, after: seen }] });
    const got = again.events(`chat:${group}`).map((e) => e.event.payload.message.body);
    expect(got).toEqual(sent.map((m) => m.body));
    bobRt.close();
    again.close();
  });
});
