import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, idsOf, RealtimeClient, registerOwner, type ApiClient } from '../helpers/client';
import { runMentionDigest } from '../../server/domains/notifications/digest';

describe('e-mail digest of unread mentions for people who are offline', () => {
  let hub: TestHub;
  let owner: ApiClient;
  let bob: ApiClient;
  let carol: ApiClient;
  const ids: Record<string, string> = {};
  const online = (userId: string) => hub.artel.hub.presence.status(userId) === 'online';
  const digestsTo = async (email: string) => (await hub.outbox()).filter((m) => m.to === email && /mention|упомян/i.test(m.subject));

  beforeAll(async () => {
    hub = await startTestHub();
    owner = await registerOwner(hub.url);
    bob = await addColleague(owner, 'bob@example.com', 'Bob');
    carol = await addColleague(owner, 'carol@example.com', 'Carol');
    await carol.patch('/api/me', { locale: 'ru' });
    Object.assign(ids, await idsOf({ owner, bob, carol }));
  });
  afterAll(() => hub.stop());

  it('mails each offline person once per mention, in their language; not the online, not what was read', async () => {
    const chat = (await owner.post('/api/chats', { kind: 'group', title: 'Планёрка', memberIds: [ids.bob, ids.carol] })).body.chat.id;
    const rt = await RealtimeClient.open(hub.url, owner.cookie);
    const send = (body: string) => rt.request({ type: 'message_send', chatId: chat, clientId: randomUUID(), body });
    await send(`<@${ids.bob}> please review the **contract**`);
    await send(`<@${ids.carol}> посмотрите договор`);
    await send('no mention here');
    // Carol is online: no mail for her while she is.
    const carolRt = await RealtimeClient.open(hub.url, carol.cookie);
    await rt.waitFor(() => online(ids.carol));

    expect(await runMentionDigest(hub.artel.svc, online, 0)).toBe(1);
    const [bobMail] = await digestsTo('bob@example.com');
    expect(bobMail.subject).toBe('You were mentioned in Artel: 1');
    expect(bobMail.text).toContain('Olga Owner — Планёрка: @Bob please review the contract');
    expect(bobMail.text).toContain(`/app/chats/${chat}`);
    expect(await digestsTo('carol@example.com')).toEqual([]);

    // Nothing new: no second mail for the same mention.
    expect(await runMentionDigest(hub.artel.svc, online, 0)).toBe(0);

    carolRt.close();
    await carolRt.closed;
    await rt.waitFor(() => !online(ids.carol));
    expect(await runMentionDigest(hub.artel.svc, online, 0)).toBe(1);
    const [carolMail] = await digestsTo('carol@example.com');
    expect(carolMail.subject).toBe('Вас упомянули в Artel: 1');

    // A mention that was read before the digest ran is not mailed.
    await send(`@all read this`);
    const head = (await bob.get('/api/chats')).body.chats.find((c: any) => c.id === chat).head;
    const bobRt = await RealtimeClient.open(hub.url, bob.cookie);
    await bobRt.request({ type: 'mark_read', chatId: chat, seq: head });
    bobRt.close();
    await bobRt.closed;
    await rt.waitFor(() => !online(ids.bob));
    expect(await runMentionDigest(hub.artel.svc, online, 0)).toBe(1); // Carol only
    expect(await digestsTo('bob@example.com')).toHaveLength(1);
    // And nothing is mailed before the grace period has passed.
    await send(`<@${ids.bob}> again`);
    expect(await runMentionDigest(hub.artel.svc, online, 15)).toBe(0);
    rt.close();
  });
});
