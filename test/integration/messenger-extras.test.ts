import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, idsOf, RealtimeClient, registerOwner, type ApiClient } from '../helpers/client';

describe('messenger: pins, forwards, seen-by, flood limits', () => {
  let hub: TestHub;
  let owner: ApiClient;
  let bob: ApiClient;
  let eve: ApiClient;
  const ids: Record<string, string> = {};
  let chat: string;
  const send = (rt: RealtimeClient, chatId: string, body: string, extra: Record<string, unknown> = {}) => rt.sendMessage(chatId, body, extra);

  beforeAll(async () => {
    hub = await startTestHub();
    owner = await registerOwner(hub.url);
    bob = await addColleague(owner, 'bob@example.com', 'Bob');
    eve = await addColleague(owner, 'eve@example.com', 'Eve');
    Object.assign(ids, await idsOf({ owner, bob, eve }));
    chat = (await owner.post('/api/chats', { kind: 'group', title: 'Ops', memberIds: [ids.bob] })).body.chat.id;
  });
  afterAll(() => hub.stop());

  it('any member pins and unpins; the chat lists its pins', async () => {
    const rt = await RealtimeClient.open(hub.url, bob.cookie);
    const m = (await send(rt, chat, 'Wi-Fi password is on the fridge')).message;
    const pinned = await rt.request({ type: 'message_pin', messageId: m.id, pinned: true });
    expect(pinned.message).toMatchObject({ pinnedBy: ids.bob, pinnedAt: expect.any(String) });
    expect((await owner.get(`/api/chats/${chat}/pins`)).body.messages.map((x: any) => x.id)).toEqual([m.id]);
    expect((await eve.get(`/api/chats/${chat}/pins`)).status).toBe(403);
    await rt.request({ type: 'message_pin', messageId: m.id, pinned: false });
    expect((await owner.get(`/api/chats/${chat}/pins`)).body.messages).toEqual([]);
    rt.close();
  });

  it('forwards a readable message with its files, marked with where it came from', async () => {
    const rt = await RealtimeClient.open(hub.url, owner.cookie);
    const file = (await owner.call('POST', `/api/chats/${chat}/files`, Buffer.from('report'), { 'x-file-name': 'report.txt' })).body.file;
    const original = (await send(rt, chat, 'Q3 report attached', { fileIds: [file.id] })).message;
    const direct = (await owner.post('/api/chats', { kind: 'direct', userId: ids.eve })).body.chat.id;
    const fwd = await send(rt, direct, '', { forwardOf: original.id });
    expect(fwd.message).toMatchObject({
      chatId: direct, body: 'Q3 report attached', forwardedFrom: { chatId: chat, messageId: original.id, authorId: ids.owner },
    });
    expect(fwd.message.attachments).toHaveLength(1);
    const copy = fwd.message.attachments[0];
    expect(copy.id).not.toBe(file.id);
    expect((await eve.get(copy.url)).body).toBe('report');
    expect((await eve.get(file.url)).status).toBe(403);
    const eveRt = await RealtimeClient.open(hub.url, eve.cookie);
    expect((await send(eveRt, direct, '', { forwardOf: original.id })).error.code).toBe('forbidden');
    expect((await send(rt, direct, 'comment', { forwardOf: original.id })).error.code).toBe('bad_request');
    rt.close();
    eveRt.close();
  });

  it('shows who has seen what: read positions with the history, and live as they move', async () => {
    const ownerRt = await RealtimeClient.open(hub.url, owner.cookie);
    await ownerRt.request({ type: 'subscribe', streams: [{ stream: `chat:${chat}` }] });
    const m = (await send(ownerRt, chat, 'Seen?')).message;
    const bobRt = await RealtimeClient.open(hub.url, bob.cookie);
    await bobRt.request({ type: 'mark_read', chatId: chat, seq: m.seq });
    const push = await ownerRt.waitFor(() => ownerRt.frames.find((f) => f.type === 'read' && f.userId === ids.bob));
    expect(push).toEqual({ type: 'read', chatId: chat, userId: ids.bob, readSeq: m.seq });
    const page = (await owner.get(`/api/chats/${chat}/messages?limit=5`)).body;
    expect(page.readPositions[ids.bob]).toBe(m.seq);
    ownerRt.close();
    bobRt.close();
  });

  it('a flood from one person is limited, retryably, while others keep sending', async () => {
    const flood = (await owner.post('/api/chats', { kind: 'group', title: 'Flood', memberIds: [ids.eve] })).body.chat.id;
    // Several sockets do not multiply the allowance: the limit is per person.
    const sockets = await Promise.all([1, 2, 3].map(() => RealtimeClient.open(hub.url, bob.cookie)));
    await owner.post(`/api/chats/${flood}/members`, { userIds: [ids.bob] });
    const replies = await Promise.all(Array.from({ length: 45 }, (_, i) => send(sockets[i % 3], flood, `spam ${i}`)));
    const limited = replies.filter((r) => !r.ok);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.every((r) => r.error.code === 'rate_limited' && r.error.retryAfter >= 1)).toBe(true);
    const eveRt = await RealtimeClient.open(hub.url, eve.cookie);
    expect((await send(eveRt, flood, 'I am fine')).ok).toBe(true);
    for (const rt of [...sockets, eveRt]) rt.close();
  });
});
