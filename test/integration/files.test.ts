import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, RealtimeClient, registerOwner, type ApiClient } from '../helpers/client';

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082',
  'hex',
);

describe('files in chats', () => {
  let hub: TestHub;
  let owner: ApiClient;
  let bob: ApiClient;
  let eve: ApiClient;
  let chat: string;
  let other: string;
  let rt: RealtimeClient;
  const upload = (c: ApiClient, chatId: string, data: Buffer, name: string, type = 'application/octet-stream') =>
    c.call('POST', `/api/chats/${chatId}/files`, data, { 'content-type': type, 'x-file-name': encodeURIComponent(name) });
  const send = (body: string, fileIds: string[]) => rt.request({ type: 'message_send', chatId: chat, clientId: randomUUID(), body, fileIds });

  beforeAll(async () => {
    hub = await startTestHub({ env: { MAX_UPLOAD_MB: '1' } });
    owner = await registerOwner(hub.url);
    bob = await addColleague(owner, 'bob@example.com', 'Bob');
    eve = await addColleague(owner, 'eve@example.com', 'Eve');
    const bobId = (await bob.get('/api/me')).body.user.id;
    chat = (await owner.post('/api/chats', { kind: 'group', title: 'Files', memberIds: [bobId] })).body.chat.id;
    other = (await owner.post('/api/chats', { kind: 'group', title: 'Other', memberIds: [] })).body.chat.id;
    rt = await RealtimeClient.open(hub.url, owner.cookie);
  });
  afterAll(async () => {
    rt.close();
    await hub.stop();
  });

  it('shares an image: members download the same bytes inline; others cannot', async () => {
    const up = await upload(owner, chat, PNG, 'Схема офиса.png', 'image/png');
    expect(up.status).toBe(201);
    expect(up.body.file).toMatchObject({ name: 'Схема офиса.png', size: PNG.length, mime: 'image/png', isImage: true });
    const sent = await send('', [up.body.file.id]);
    expect(sent.ok).toBe(true);
    expect(sent.message.attachments).toEqual([up.body.file]);
    const res = await fetch(hub.url + up.body.file.url, { headers: { cookie: `artel_session=${bob.cookie}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('content-disposition')).toMatch(/^inline; filename\*=UTF-8''/);
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);
    expect((await eve.get(up.body.file.url)).status).toBe(403);
    expect((await fetch(hub.url + up.body.file.url)).status).toBe(401);
    expect((await bob.get(`/api/files/${randomUUID()}`)).status).toBe(404);
  });

  it('serves anything that is not a sniffed image as an opaque download', async () => {
    const up = await upload(bob, chat, Buffer.from('<script>alert(1)</script>'), 'page.html', 'text/html');
    expect(up.body.file).toMatchObject({ mime: 'text/html', isImage: false });
    const fake = await upload(bob, chat, Buffer.from('<svg onload=alert(1)>'), 'x.png', 'image/png');
    expect(fake.body.file).toMatchObject({ isImage: false, mime: 'application/octet-stream' });
    for (const f of [up.body.file, fake.body.file]) {
      const res = await fetch(hub.url + f.url, { headers: { cookie: `artel_session=${bob.cookie}` } });
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment;/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('refuses outsiders, oversized files, and bad names', async () => {
    expect((await upload(eve, chat, PNG, 'a.png')).status).toBe(403);
    expect((await upload(owner, randomUUID(), PNG, 'a.png')).status).toBe(404);
    const big = await upload(owner, chat, Buffer.alloc(1024 * 1024 + 1, 1), 'big.bin');
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('payload_too_large');
    expect((await upload(owner, chat, PNG, '')).status).toBe(400);
    expect((await upload(owner, chat, Buffer.alloc(0), 'empty.txt')).status).toBe(400);
    const traversal = await upload(owner, chat, Buffer.from('x'), '../../etc/passwd');
    expect(traversal.body.file.name).toBe('passwd');
  });

  it('attaches only the sender’s own unattached uploads of the same chat', async () => {
    const mine = (await upload(owner, chat, Buffer.from('one'), 'one.txt')).body.file;
    const bobs = (await upload(bob, chat, Buffer.from('two'), 'two.txt')).body.file;
    const elsewhere = (await upload(owner, other, Buffer.from('three'), 'three.txt')).body.file;
    expect((await send('x', [bobs.id])).error.code).toBe('bad_request');
    expect((await send('x', [elsewhere.id])).error.code).toBe('bad_request');
    expect((await send('x', [mine.id])).ok).toBe(true);
    expect((await send('again', [mine.id])).error.code).toBe('bad_request');
    expect((await send('', [])).error.code).toBe('bad_request');
  });

  it('keeps identical uploads once on disk', async () => {
    const data = Buffer.from(`same bytes ${randomUUID()}`);
    await upload(owner, chat, data, 'a.txt');
    await upload(bob, chat, data, 'b.txt');
    const dir = path.join(hub.artel.svc.config.dataDir, 'files');
    const stored = fs.readdirSync(dir).flatMap((d) => fs.readdirSync(path.join(dir, d)));
    const sha = (await import('node:crypto')).createHash('sha256').update(data).digest('hex');
    expect(stored.filter((f) => f === sha)).toHaveLength(1);
  });
});
