/**
 * The mail addresses the feed shows, against a real hub: `GET /api/feed/mail` (the feed's `feed@`) for
 * colleagues, and `GET /api/feed/posts/:id/mail` (a post's own `post+<id>@`) only for those who can see
 * the post. The addresses handed out are real: mail to them, sent with nodemailer to the hub's inbound
 * SMTP, becomes a post and a comment.
 */
import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, ApiClient, idsOf, registerOwner } from '../helpers/client';

const DOMAIN = 'Mail.Artel.test';
const GUEST_EMAIL = 'client@partner.example';

describe('the mail addresses of the feed and of a post', () => {
  let hub: TestHub;
  let owner: ApiClient;
  let bob: ApiClient;
  let eve: ApiClient;
  let guest: ApiClient;
  let postId: string;

  beforeAll(async () => {
    hub = await startTestHub({ env: { MAIL_DOMAIN: DOMAIN, GUEST_DIGEST_MINUTES: '60' } });
    owner = await registerOwner(hub.url);
    bob = await addColleague(owner, 'bob@example.com', 'Bob');
    eve = await addColleague(owner, 'eve@example.com', 'Eve');
    const ids = await idsOf({ bob });
    // For Bob and an external guest; Eve is a colleague outside the audience.
    const r = await owner.post('/api/feed/posts', { clientId: randomUUID(), title: 'Prices', body: 'New price list', audience: { userIds: [ids.bob], emails: [GUEST_EMAIL] } });
    expect(r.status).toBe(201);
    postId = r.body.post.id;
    const mail = (await hub.outbox()).find((m) => m.to === GUEST_EMAIL)!;
    const token = /\/g\/([A-Za-z0-9_-]{43})/.exec(mail.text)![1];
    guest = new ApiClient(hub.url, hub.url, 'artel_guest');
    expect((await guest.post('/api/guest/session', { token })).status).toBe(201);
  });
  afterAll(async () => {
    await hub?.stop();
  });

  it('gives every colleague the feed address, in the configured domain (lowercased)', async () => {
    for (const who of [owner, bob, eve]) {
      const r = await who.get('/api/feed/mail');
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ domain: 'mail.artel.test', feed: 'feed@mail.artel.test' });
    }
  });

  it("gives a post's own address to its author and audience only", async () => {
    const address = `post+${postId.replace(/-/g, '')}@mail.artel.test`;
    for (const who of [owner, bob]) {
      const r = await who.get(`/api/feed/posts/${postId}/mail`);
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ address });
    }
    const outsider = await eve.get(`/api/feed/posts/${postId}/mail`);
    expect(outsider.status).toBe(403);
    expect(outsider.body.error.code).toBe('forbidden');
    expect(JSON.stringify(outsider.body)).not.toContain('post+');
  });

  it('refuses guests and anonymous callers, unknown posts and malformed ids', async () => {
    const anonymous = new ApiClient(hub.url);
    for (const path of ['/api/feed/mail', `/api/feed/posts/${postId}/mail`]) {
      for (const who of [guest, anonymous]) {
        const r = await who.get(path);
        expect([path, r.status, r.body.error?.code]).toEqual([path, 401, 'unauthenticated']);
      }
    }
    // The guest's own session still works: being refused here cost them nothing.
    expect((await guest.get('/api/guest/thread')).status).toBe(200);
    const unknown = await bob.get(`/api/feed/posts/${randomUUID()}/mail`);
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'not_found']);
    // A malformed id names no post, as everywhere in the API.
    const malformed = await bob.get('/api/feed/posts/not-a-post/mail');
    expect([malformed.status, malformed.body.error.code]).toEqual([404, 'not_found']);
  });

  it('the addresses handed out work: mail to them makes a post and a comment', async () => {
    const feed = (await bob.get('/api/feed/mail')).body.feed as string;
    const address = (await bob.get(`/api/feed/posts/${postId}/mail`)).body.address as string;
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: hub.smtpPort, secure: false, ignoreTLS: true });
    try {
      await t.sendMail({ from: 'bob@example.com', to: feed, subject: 'Forwarded offer', text: 'See the offer below.' });
      await t.sendMail({ from: 'bob@example.com', to: address, subject: 'Re: Prices', text: 'Looks right to me.' });
    } finally {
      t.close();
    }
    const mine = (await bob.get('/api/feed?filter=mine')).body.posts;
    expect(mine.map((p: any) => [p.title, p.body.trim()])).toEqual([['Forwarded offer', 'See the offer below.']]);
    const comments = (await owner.get(`/api/feed/posts/${postId}/comments`)).body.comments;
    expect(comments.map((c: any) => c.body.trim())).toEqual(['Looks right to me.']);
  });

  it('a deleted post has no address any more', async () => {
    const r = await owner.post('/api/feed/posts', { clientId: randomUUID(), body: 'Short-lived', audience: { everyone: true } });
    expect((await owner.del(`/api/feed/posts/${r.body.post.id}`)).status).toBe(200);
    const gone = await owner.get(`/api/feed/posts/${r.body.post.id}/mail`);
    expect([gone.status, gone.body.error.code]).toEqual([409, 'conflict']);
  });
});
