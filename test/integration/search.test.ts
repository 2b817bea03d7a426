import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, RealtimeClient, registerOwner, type ApiClient } from '../helpers/client';
import { HIGHLIGHT } from '../../server/domains/search/actions';

describe('search: Russian and English word forms, partial words, permissions', () => {
  let hub: TestHub;
  let owner: ApiClient;
  let bob: ApiClient;
  let eve: ApiClient;
  let chat: string;
  let rt: RealtimeClient;
  const say = async (body: string, extra: Record<string, unknown> = {}) =>
    (await rt.request({ type: 'message_send', chatId: chat, clientId: randomUUID(), body, ...extra })).message;
  const find = async (c: ApiClient, q: string) => (await c.get(`/api/search?q=${encodeURIComponent(q)}`)).body.results as any[];

  beforeAll(async () => {
    hub = await startTestHub();
    owner = await registerOwner(hub.url);
    bob = await addColleague(owner, 'bob@example.com', 'Bob');
    eve = await addColleague(owner, 'eve@example.com', 'Eve');
    const bobId = (await bob.get('/api/me')).body.user.id;
    chat = (await owner.post('/api/chats', { kind: 'group', title: 'Deals', memberIds: [bobId] })).body.chat.id;
    rt = await RealtimeClient.open(hub.url, owner.cookie);
    const root = await say('Мы подписали договоры с новыми клиентами');
    await say('The meetings were scheduled for Friday');
    await say('Contact the Artelcorp people', { threadRootId: root.id });
    await say('ничего интересного');
  });
  afterAll(async () => {
    rt.close();
    await hub.stop();
  });

  it('finds Russian word forms', async () => {
    for (const q of ['договор', 'договоров', 'клиент', 'подписать']) {
      const hits = await find(bob, q);
      expect(hits.map((h) => h.message.body), q).toEqual(['Мы подписали договоры с новыми клиентами']);
    }
  });

  it('finds English word forms and highlights them', async () => {
    const hits = await find(bob, 'meeting schedule');
    expect(hits).toHaveLength(1);
    expect(hits[0].snippet).toContain(`${HIGHLIGHT.start}meetings${HIGHLIGHT.end}`);
  });

  it('finds partial words, in thread replies too', async () => {
    const hits = await find(bob, 'telco');
    expect(hits).toHaveLength(1);
    expect(hits[0].message.threadRootId).not.toBeNull();
    expect(hits[0].snippet).toContain(`${HIGHLIGHT.start}telco${HIGHLIGHT.end}`);
  });

  it('finds messages by the names of their files', async () => {
    const file = (await owner.call('POST', `/api/chats/${chat}/files`, Buffer.from('%PDF'), { 'x-file-name': encodeURIComponent('Прайс-лист 2027.pdf') })).body.file;
    await say('', { fileIds: [file.id] });
    const hits = await find(bob, 'прайс');
    expect(hits.map((h) => h.message.attachments[0]?.name)).toEqual(['Прайс-лист 2027.pdf']);
    expect(await find(eve, 'прайс')).toEqual([]);
  });

  it('shows only chats the searcher is in, and refuses anonymous and too-short queries', async () => {
    expect(await find(eve, 'договор')).toEqual([]);
    expect((await eve.get(`/api/search?q=x&chatId=${chat}`)).status).toBe(400);
    expect((await eve.get(`/api/search?q=договор&chatId=${chat}`)).body.results).toEqual([]);
    const anon = await fetch(`${hub.url}/api/search?q=договор`);
    expect(anon.status).toBe(401);
  });

  it('a deleted message is gone from search, history and the stored events', async () => {
    const m = await say('секретный пароль 12345');
    expect(await find(bob, 'пароль')).toHaveLength(1);
    await rt.request({ type: 'message_delete', messageId: m.id });
    expect(await find(bob, 'пароль')).toEqual([]);
    const events = (await rt.request({ type: 'fetch', stream: `chat:${chat}`, after: 0 })).events;
    expect(JSON.stringify(events)).not.toContain('12345');
  });
});
