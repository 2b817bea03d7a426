/**
 * Files in the feed: uploaded, then attached by a post or a comment; readable by whoever sees the post
 * and by that post's guests, by nobody else; an upload not attached yet by its uploader alone.
 */
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, ApiClient, idsOf, registerOwner } from '../helpers/client';

const linkIn = (text: string) => /\/g\/([A-Za-z0-9_-]{43})/.exec(text)![1];

describe('files on feed posts and comments', () => {
  let hub: TestHub;
  let owner: ApiClient;
  let bob: ApiClient;
  let eve: ApiClient;
  let ids: Record<string, string>;
  let png: Buffer;
  const upload = (c: ApiClient, path: string, data: Buffer, name: string, type = 'application/octet-stream') =>
    c.call('POST', path, data, { 'content-type': type, 'x-file-name': encodeURIComponent(name) });
  const guestOf = async (postId: string, email: string) => {
    const mail = (await hub.outbox()).find((m) => m.to === email)!;
    const g = new ApiClient(hub.url, hub.url, 'artel_guest');
    expect((await g.post('/api/guest/session', { token: linkIn(mail.text) })).status).toBe(201);
    expect((await g.get('/api/guest/thread')).body.post.id).toBe(postId);
    return g;
  };

  beforeAll(async () => {
    hub = await startTestHub();
    owner = await registerOwner(hub.url);
    bob = await addColleague(owner, 'bob@example.com', 'Bob');
    eve = await addColleague(owner, 'eve@example.com', 'Eve');
    ids = await idsOf({ owner, bob, eve });
    png = await sharp({ create: { width: 1200, height: 600, channels: 3, background: '#3366cc' } }).png().toBuffer();
  });
  afterAll(async () => {
    await hub.stop();
  });

  it('a post carries its files; its audience and its guests read them, others cannot', async () => {
    const image = await upload(bob, '/api/feed/files', png, 'chart.png', 'image/png');
    expect(image.status).toBe(201);
    expect(image.body.file).toMatchObject({ name: 'chart.png', isImage: true, width: 1200, height: 600 });
    const doc = (await upload(bob, '/api/feed/files', Buffer.from('terms\n'), 'terms.txt', 'text/plain')).body.file;
    // Not attached yet: only the uploader reads it.
    expect((await bob.get(doc.url)).status).toBe(200);
    expect((await owner.get(doc.url)).status).toBe(403);

    const post = await bob.post('/api/feed/posts', {
      clientId: randomUUID(), body: 'The chart and the terms', audience: { userIds: [ids.owner], emails: ['partner@client.example'] },
      fileIds: [image.body.file.id, doc.id],
    });
    expect(post.status).toBe(201);
    expect(post.body.post.attachments.map((f: any) => f.name)).toEqual(['chart.png', 'terms.txt']);
    const postId = post.body.post.id;

    expect((await owner.get(doc.url)).body).toBe('terms\n');
    expect((await owner.get(image.body.file.previewUrl)).headers.get('content-type')).toBe('image/webp');
    expect((await eve.get(doc.url)).status).toBe(403);
    expect((await eve.get(image.body.file.previewUrl)).status).toBe(403);
    expect((await new ApiClient(hub.url).get(doc.url)).status).toBe(401);
    const guest = await guestOf(postId, 'partner@client.example');
    const shown = (await guest.get('/api/guest/thread')).body.post.attachments;
    expect(shown.map((f: any) => f.url)).toEqual([`/api/guest/files/${image.body.file.id}`, `/api/guest/files/${doc.id}`]);
    expect((await guest.get(shown[1].url)).body).toBe('terms\n');
    expect((await guest.get(shown[0].previewUrl)).status).toBe(200);
    // A guest cookie is no colleague session; and another post's files stay closed to this guest.
    expect((await guest.get(doc.url)).status).toBe(401);
    const elsewhere = (await upload(owner, '/api/feed/files', Buffer.from('internal'), 'internal.txt')).body.file;
    await owner.post('/api/feed/posts', { clientId: randomUUID(), body: 'internal', audience: { everyone: true }, fileIds: [elsewhere.id] });
    expect((await guest.get(`/api/guest/files/${elsewhere.id}`)).status).toBe(403);

    // A file is attached once, by its uploader.
    const again = await bob.post('/api/feed/posts', { clientId: randomUUID(), body: 'again', audience: { everyone: true }, fileIds: [doc.id] });
    expect([again.status, again.body.error.code]).toEqual([400, 'bad_request']);
    const mine = (await upload(eve, '/api/feed/files', Buffer.from('x'), 'x.txt')).body.file;
    const stolen = await bob.post('/api/feed/posts', { clientId: randomUUID(), body: 'stolen', audience: { everyone: true }, fileIds: [mine.id] });
    expect(stolen.status).toBe(400);
    expect((await owner.get('/api/feed')).body.posts.map((p: any) => p.body)).toEqual(['internal', 'The chart and the terms']);
  });

  it('comments carry files, a guest\'s too', async () => {
    const post = (await owner.post('/api/feed/posts', {
      clientId: randomUUID(), body: 'Send me the invoice', audience: { userIds: [ids.bob], emails: ['buyer@client.example'] },
    })).body.post;
    const file = (await upload(bob, '/api/feed/files', Buffer.from('%PDF-1.4 invoice'), 'invoice.pdf', 'application/pdf')).body.file;
    const c = await bob.post(`/api/feed/posts/${post.id}/comments`, { clientId: randomUUID(), body: 'Here it is', fileIds: [file.id] });
    expect(c.body.comment.attachments.map((f: any) => [f.name, f.mime])).toEqual([['invoice.pdf', 'application/pdf']]);
    expect((await owner.get(`/api/feed/posts/${post.id}/comments`)).body.comments[0].attachments).toHaveLength(1);
    expect((await eve.get(file.url)).status).toBe(403);

    const guest = await guestOf(post.id, 'buyer@client.example');
    const signed = await upload(guest, '/api/guest/files', Buffer.from('signed'), 'signed.txt', 'text/plain');
    expect(signed.status).toBe(201);
    const answer = await guest.post('/api/guest/comments', { clientId: randomUUID(), body: 'Signed copy attached', fileIds: [signed.body.file.id] });
    expect(answer.body.comment.attachments.map((f: any) => [f.name, f.url])).toEqual([['signed.txt', `/api/guest/files/${signed.body.file.id}`]]);
    expect((await guest.get(answer.body.comment.attachments[0].url)).body).toBe('signed');
    expect((await owner.get(signed.body.file.url)).body).toBe('signed');
    expect((await eve.get(signed.body.file.url)).status).toBe(403);
    // A guest upload cannot go anywhere but the guest's own comment on their post.
    const other = (await upload(guest, '/api/guest/files', Buffer.from('y'), 'y.txt')).body.file;
    expect((await owner.post('/api/feed/posts', { clientId: randomUUID(), body: 'z', audience: { everyone: true }, fileIds: [other.id] })).status).toBe(400);
  });
});
