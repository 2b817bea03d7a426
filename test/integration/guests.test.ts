/**
 * External guests on a feed post, against a real hub: the invitation mail and its personal link, the
 * guest page's API and live socket, comments both ways, batched mail of new comments, and every door a
 * guest might try (each HTTP route and each realtime request) refused; revoking the link ends the guest's
 * access and closes their socket at once.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientMessageSchema } from '../../shared/protocol';
import { ROUTES } from '../../server/http/routes';
import { runGuestDigest } from '../../server/domains/guests/digest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, ApiClient, idsOf, RealtimeClient, registerOwner, UpgradeRefused } from '../helpers/client';

const GUEST_EMAIL = 'client@partner.example';
const linkIn = (text: string) => /\/g\/([A-Za-z0-9_-]{43})/.exec(text)?.[1] ?? null;

/** A valid frame of every realtime request type: a guest socket must be refused each one it is not allowed. */
function sampleRequests(ids: { chat: string; message: string; user: string }): Record<string, Record<string, unknown>> {
  return {
    hello: { v: 1 },
    ping: {},
    subscribe: { streams: [{ stream: `chat:${ids.chat}` }] },
    unsubscribe: { streams: ['feed:all'] },
    fetch: { stream: `chat:${ids.chat}`, after: 0 },
    presence_query: { userIds: [ids.user] },
    presence_set: { idle: true },
    message_send: { chatId: ids.chat, clientId: randomUUID(), body: 'from a guest' },
    message_edit: { messageId: ids.message, body: 'edited by a guest' },
    message_delete: { messageId: ids.message },
    reaction_toggle: { messageId: ids.message, emoji: '👍' },
    mark_read: { chatId: ids.chat, seq: 1 },
    typing: { chatId: ids.chat },
    thread_read: { rootId: ids.message, seq: 1 },
    message_pin: { messageId: ids.message, pinned: true },
    command_run: { chatId: ids.chat, clientId: randomUUID(), text: '/task from a guest' },
    // A thread guest reaches no call: every call request is refused (call guests: calls.test.ts).
    call_start: { chatId: ids.chat },
    call_join: { callId: randomUUID(), audio: true, video: true },
    call_publish: { callId: randomUUID(), sdp: 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n', tracks: [{ mid: '0', source: 'mic' }] },
    call_subscribe: { callId: randomUUID(), participantIds: [] },
    call_answer: { callId: randomUUID(), sdp: 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n' },
    call_ice: { callId: randomUUID(), leg: 'publisher', candidate: null },
    call_restart: { callId: randomUUID() },
    call_quality: { callId: randomUUID(), participantIds: [randomUUID()], quality: 'low' },
    call_update: { callId: randomUUID(), hand: true },
    call_leave: { callId: randomUUID() },
    call_admit: { callId: randomUUID(), guestId: randomUUID(), admit: true },
  };
}

describe('external guests on a feed post', () => {
  let hub: TestHub;
  let owner: ApiClient;
  let bob: ApiClient;
  let eve: ApiClient;
  let ids: Record<string, string>;
  let postId: string;
  let token: string;
  let guest: ApiClient;
  let guestId: string;
  let chatId: string;
  let messageId: string;

  beforeAll(async () => {
    hub = await startTestHub({ env: { GUEST_DIGEST_MINUTES: '60' } });
    owner = await registerOwner(hub.url);
    bob = await addColleague(owner, 'bob@example.com', 'Bob');
    eve = await addColleague(owner, 'eve@example.com', 'Eve');
    ids = await idsOf({ owner, bob, eve });
    const chat = (await owner.post('/api/chats', { kind: 'group', title: 'Internal', memberIds: [ids.bob] })).body.chat;
    chatId = chat.id;
    messageId = (await owner.post(`/api/chats/${chatId}/messages`, { clientId: randomUUID(), body: 'internal only' })).body.message.id;
    const r = await owner.post('/api/feed/posts', {
      clientId: randomUUID(),
      title: 'Delivery terms',
      body: 'Can you confirm **Friday**?',
      // Eve's address is a colleague's: she is added by name, not invited as a guest.
      audience: { userIds: [ids.bob], emails: [GUEST_EMAIL, 'EVE@example.com'] },
    });
    expect(r.status).toBe(201);
    postId = r.body.post.id;
  });
  afterAll(async () => {
    await hub.stop();
  });

  it('mails the external address a personal link and reply address; a colleague\'s address joins by name', async () => {
    const mails = (await hub.outbox()).filter((m) => m.to === GUEST_EMAIL);
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toBe('Delivery terms');
    expect(mails[0].text).toContain('Can you confirm **Friday**?'.replace(/\*\*/g, ''));
    token = linkIn(mails[0].text)!;
    expect(token).toBeTruthy();
    expect((await hub.outbox()).filter((m) => m.to.toLowerCase() === 'eve@example.com').map((m) => m.subject)).toEqual([
      expect.stringMatching(/^Invitation/),
    ]);
    expect((await eve.get(`/api/feed/posts/${postId}`)).status).toBe(200);
    // The token is stored hashed: it is nowhere in the database.
    const c = new pg.Client({ connectionString: hub.db.url });
    await c.connect();
    const dump = await c.query(`SELECT (SELECT json_agg(t) FROM guest_tokens t)::text AS t, (SELECT json_agg(l) FROM guest_links l)::text AS l`);
    await c.end();
    expect(JSON.stringify(dump.rows)).not.toContain(token);
  });

  it('refuses forged, malformed and unknown tokens without opening anything', async () => {
    const stranger = new ApiClient(hub.url, hub.url, 'artel_guest');
    const unknown = await stranger.post('/api/guest/session', { token: 'A'.repeat(43) });
    expect(unknown.status).toBe(410);
    expect(unknown.body.error.code).toBe('link_invalid');
    expect((await stranger.post('/api/guest/session', { token: '<script>' })).status).toBe(400);
    expect((await stranger.post('/api/guest/session', {})).status).toBe(400);
    expect(stranger.cookie).toBeNull();
    expect((await stranger.get('/api/guest/thread')).status).toBe(401);
  });

  it('opens the thread: the post without its audience, comments, and names of the people in it', async () => {
    guest = new ApiClient(hub.url, hub.url, 'artel_guest');
    const opened = await guest.post('/api/guest/session', { token });
    expect(opened.status).toBe(201);
    expect(opened.body.me).toMatchObject({ email: GUEST_EMAIL, postId });
    guestId = opened.body.me.id;
    expect(guest.cookie).toBeTruthy();
    const thread = (await guest.get('/api/guest/thread')).body;
    expect(thread.post).toMatchObject({ id: postId, title: 'Delivery terms', body: 'Can you confirm **Friday**?' });
    expect(thread.post.audience).toEqual({ everyone: false, departments: [], groups: [], users: [], emails: [], externalCount: 0 });
    expect(thread.people[ids.owner]).toEqual({ name: 'Olga Owner', guest: false });
    const named = await guest.patch('/api/guest/me', { name: 'Carla Client' });
    expect(named.body.me.name).toBe('Carla Client');
  });

  it('a guest cookie opens no colleague endpoint, and a colleague session opens no guest endpoint', async () => {
    const sessionRoutes = ROUTES.filter((r) => r.access === 'session');
    for (const route of sessionRoutes) {
      const path = route.path.replace(/:id\b/, postId).replace(/:[a-zA-Z]+/g, randomUUID());
      const body = route.body === 'raw' ? Buffer.from('x') : route.body === 'json' ? {} : undefined;
      const r = await guest.call(route.method, path, body);
      expect([route.method, route.path, r.status]).toEqual([route.method, route.path, 401]);
    }
    for (const route of ROUTES.filter((r) => r.access === 'guest')) {
      const r = await bob.call(route.method, route.path, route.body === 'json' ? { name: 'x' } : undefined);
      expect([route.method, route.path, r.status]).toEqual([route.method, route.path, 401]);
    }
    // The calls changed nothing: the chat still has only its message, nobody was renamed.
    expect((await owner.get(`/api/chats/${chatId}/messages`)).body.messages.map((m: any) => m.body)).toEqual(['internal only']);
    expect((await owner.get('/api/users')).body.users.map((u: any) => u.name).sort()).toEqual(['Bob', 'Eve', 'Olga Owner']);
  });

  it('a guest socket follows only its post; every other realtime request is refused', async () => {
    const rt = await RealtimeClient.open(hub.url, guest.cookie, hub.url, 'artel_guest');
    const samples = sampleRequests({ chat: chatId, message: messageId, user: ids.bob });
    const types = ClientMessageSchema.options.map((o) => o.shape.type.value as string);
    // A new request type must be given a sample here, so the guest rule is checked for it too.
    expect(types.filter((t) => !(t in samples))).toEqual([]);
    for (const type of types.filter((t) => t !== 'hello')) {
      const r = await rt.request({ type, ...samples[type] });
      if (type === 'ping' || type === 'unsubscribe') expect(r.ok).toBe(true);
      else expect([type, r.ok, r.error?.code]).toEqual([type, false, 'forbidden']);
    }
    for (const stream of ['feed:all', `feed:user:${guestId}`, `user:${guestId}`, `chat:${chatId}`, 'directory', `post:${randomUUID()}`]) {
      const r = await rt.request({ type: 'subscribe', streams: [{ stream }] });
      expect([stream, r.ok]).toEqual([stream, false]);
    }
    expect((await rt.request({ type: 'subscribe', streams: [{ stream: `post:${postId}` }] })).ok).toBe(true);
    expect((await rt.request({ type: 'fetch', stream: `post:${postId}`, after: 0 })).ok).toBe(true);
    // Nothing reached the chat.
    expect((await owner.get(`/api/chats/${chatId}/messages`)).body.messages).toHaveLength(1);
    rt.close();
  });

  it('comments flow both ways live; the guest\'s comment carries their name', async () => {
    const guestRt = await RealtimeClient.open(hub.url, guest.cookie, hub.url, 'artel_guest');
    expect((await guestRt.request({ type: 'subscribe', streams: [{ stream: `post:${postId}` }] })).ok).toBe(true);
    const bobRt = await RealtimeClient.open(hub.url, bob.cookie);
    expect((await bobRt.request({ type: 'subscribe', streams: [{ stream: `post:${postId}` }] })).ok).toBe(true);

    const fromBob = await bob.post(`/api/feed/posts/${postId}/comments`, { clientId: randomUUID(), body: 'Friday works for us' });
    expect(fromBob.status).toBe(201);
    await guestRt.waitFor(() => guestRt.events(`post:${postId}`).some((e) => e.event.payload.comment?.body === 'Friday works for us'));

    const clientId = randomUUID();
    const fromGuest = await guest.post('/api/guest/comments', { clientId, body: 'Confirmed, thanks <@' + ids.eve + '>', replyTo: fromBob.body.comment.id });
    expect(fromGuest.status).toBe(201);
    expect(fromGuest.body.comment).toMatchObject({ authorId: guestId, guestName: 'Carla Client', replyTo: fromBob.body.comment.id, mentions: [] });
    // A retry stores nothing new.
    expect((await guest.post('/api/guest/comments', { clientId, body: 'Confirmed, thanks' })).body.comment.id).toBe(fromGuest.body.comment.id);
    await bobRt.waitFor(() => bobRt.events(`post:${postId}`).some((e) => e.event.payload.comment?.guestName === 'Carla Client'));
    const seen = (await bob.get(`/api/feed/posts/${postId}/comments`)).body.comments;
    expect(seen.map((c: any) => [c.body.slice(0, 9), c.guestName])).toEqual([['Friday wo', null], ['Confirmed', 'Carla Client']]);

    // An edit reaches the guest without the post's audience.
    await owner.patch(`/api/feed/posts/${postId}`, { body: 'Can you confirm **Friday** at 10?' });
    await guestRt.waitFor(() => guestRt.events(`post:${postId}`).some((e) => e.event.type === 'post_edited'));
    const edited = guestRt.events(`post:${postId}`).find((e) => e.event.type === 'post_edited');
    expect(edited.event.payload.post.audience.users).toEqual([]);
    expect(JSON.stringify(guestRt.events())).not.toContain('Bob"');
    guestRt.close();
    bobRt.close();
  });

  it('mails new comments to the guest in one batch, threaded, never their own', async () => {
    const before = (await hub.outbox()).length;
    await bob.post(`/api/feed/posts/${postId}/comments`, { clientId: randomUUID(), body: 'One more thing: the invoice' });
    expect(await runGuestDigest(hub.artel.svc)).toBe(1);
    const mails = (await hub.outbox()).slice(0, (await hub.outbox()).length - before);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ to: GUEST_EMAIL, subject: 'Re: Delivery terms' });
    expect(mails[0].text).toContain('Friday works for us');
    expect(mails[0].text).toContain('One more thing: the invoice');
    expect(mails[0].text).not.toContain('Confirmed, thanks');
    // A fresh personal link in it works too; nothing new means no mail.
    expect(linkIn(mails[0].text)).not.toBe(token);
    expect(await runGuestDigest(hub.artel.svc)).toBe(0);
  });

  it('only the author and admins list and revoke guest links', async () => {
    expect((await bob.get(`/api/feed/posts/${postId}/guests`)).status).toBe(403);
    expect((await eve.get(`/api/feed/posts/${postId}/guests`)).status).toBe(403);
    const list = (await owner.get(`/api/feed/posts/${postId}/guests`)).body.guests;
    expect(list).toMatchObject([{ email: GUEST_EMAIL, name: 'Carla Client', revokedAt: null }]);
    expect((await bob.del(`/api/feed/posts/${postId}/guests/${list[0].id}`)).status).toBe(403);
  });

  it('revoking the link closes the guest\'s socket at once and ends their access', async () => {
    const rt = await RealtimeClient.open(hub.url, guest.cookie, hub.url, 'artel_guest');
    await rt.request({ type: 'subscribe', streams: [{ stream: `post:${postId}` }] });
    const [link] = (await owner.get(`/api/feed/posts/${postId}/guests`)).body.guests;
    const revoked = await owner.del(`/api/feed/posts/${postId}/guests/${link.id}`);
    expect(revoked.body.guests[0].revokedAt).toBeTruthy();
    expect((await rt.closed).code).toBe(4403);
    expect((await guest.get('/api/guest/thread')).status).toBe(401);
    expect((await guest.post('/api/guest/comments', { clientId: randomUUID(), body: 'still here?' })).status).toBe(401);
    await expect(RealtimeClient.connect(hub.url, guest.cookie, hub.url, 'artel_guest')).rejects.toBeInstanceOf(UpgradeRefused);
    const again = await new ApiClient(hub.url, hub.url, 'artel_guest').post('/api/guest/session', { token });
    expect(again.status).toBe(403);
    expect(again.body.error.code).toBe('link_revoked');
    expect((await bob.get(`/api/feed/posts/${postId}/comments`)).body.comments.some((c: any) => c.body === 'still here?')).toBe(false);
  });

  it('an expired link opens nothing; a guest can never sign in with a password', async () => {
    const r = await owner.post(`/api/feed/posts/${postId}/guests`, { email: 'late@partner.example' });
    expect(r.status).toBe(201);
    const late = linkIn((await hub.outbox()).find((m) => m.to === 'late@partner.example')!.text)!;
    const c = new pg.Client({ connectionString: hub.db.url });
    await c.connect();
    await c.query(`UPDATE guest_links SET expires_at = now() - interval '1 minute' WHERE guest_id = (SELECT id FROM users WHERE email = 'late@partner.example')`);
    await c.end();
    const opened = await new ApiClient(hub.url, hub.url, 'artel_guest').post('/api/guest/session', { token: late });
    expect([opened.status, opened.body.error.code]).toEqual([410, 'link_invalid']);
    const login = await new ApiClient(hub.url).post('/api/auth/login', { email: GUEST_EMAIL, password: 'whatever-password' });
    expect([login.status, login.body.error.code]).toEqual([401, 'invalid_credentials']);
    expect((await owner.get('/api/users')).body.users.some((u: any) => u.email === GUEST_EMAIL)).toBe(false);
  });

  it('a guest invited to join the workspace becomes a colleague, keeping their comments', async () => {
    const inv = await owner.post('/api/invitations', { email: GUEST_EMAIL, role: 'employee' });
    expect(inv.status).toBe(201);
    const invite = linkIn((await hub.outbox()).find((m) => m.subject.startsWith('Invitation'))!.text.replace('/invite/', '/g/'))!;
    const joined = await new ApiClient(hub.url).post('/api/invitations/accept', { token: invite, name: 'Carla Client', password: 'a-long-enough-password' });
    expect(joined.status).toBe(201);
    expect(joined.body.user).toMatchObject({ id: guestId, role: 'employee' });
  });
});
