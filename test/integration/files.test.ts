import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, RealtimeClient, registerOwner, type ApiClient } from '../helpers/client';

/** A valid 1x1 transparent PNG. */
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000970485973000003e8000003e801b57b526b' +
    '0000000d494441540899636060606000000005000187a14ed40000000049454e44ae426082',
  'hex',
);

/** A picture with some detail (a gradient), so encoders have something to encode. */
function gradient(width: number, height: number): ReturnType<typeof sharp> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw.set([(x * 255) / width, (y * 255) / height, 128], (y * width + x) * 3);
  }
  return sharp(raw, { raw: { width, height, channels: 3 } });
}

/** A valid 1x1 PNG whose header claims `width` x `height`: a decompression bomb as a decoder first sees it. */
async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await sharp({ create: { width: 1, height: 1, channels: 3, background: '#fff' } }).png().toBuffer());
  // Signature (8), IHDR length (4) and type (4), then width and height; the chunk's CRC follows its 13 data bytes.
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

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
  /** GET as `c` (or anonymously), keeping the bytes of the answer. */
  const fetchAs = async (c: ApiClient | null, url: string) => {
    const res = await fetch(hub.url + url, { headers: c ? { cookie: `artel_session=${c.cookie}` } : {} });
    return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
  };

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

  it('makes a WebP preview of an uploaded image and records its size', async () => {
    const png = await gradient(2000, 1000).png().toBuffer();
    const up = await upload(owner, chat, png, 'plan.png', 'image/png');
    expect(up.status).toBe(201);
    const file = up.body.file;
    expect(file).toMatchObject({ mime: 'image/png', isImage: true, width: 2000, height: 1000, previewUrl: `/api/files/${file.id}/preview` });
    const preview = await fetchAs(bob, file.previewUrl);
    expect(preview.status).toBe(200);
    expect(preview.headers.get('content-type')).toBe('image/webp');
    expect(preview.headers.get('cache-control')).toBe('private, max-age=86400');
    // Enforced on top of the site-wide policy (browsers apply every CSP header they get).
    expect(preview.headers.get('content-security-policy')).toBe("sandbox; default-src 'none'");
    const meta = await sharp(preview.bytes).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: 640, height: 320 });
    expect(preview.bytes.length).toBeLessThan(png.length);
    // The original stays as it was.
    expect((await fetchAs(bob, file.url)).bytes.equals(png)).toBe(true);
    // Members of the chat only, like the download.
    expect((await fetchAs(eve, file.previewUrl)).status).toBe(403);
    expect((await fetchAs(null, file.previewUrl)).status).toBe(401);
    expect((await fetchAs(bob, `/api/files/${randomUUID()}/preview`)).status).toBe(404);
    // The history carries the same reference.
    const sent = await send('the plan', [file.id]);
    const history = (await bob.get(`/api/chats/${chat}/messages?limit=5`)).body.messages;
    expect(history.find((m: any) => m.id === sent.message.id).attachments).toEqual([file]);
  });

  it('turns photos upright, strips their metadata, never enlarges, and keeps a still of an animation', async () => {
    // A camera's portrait shot: stored sideways, EXIF says "rotate 90°".
    const photo = await gradient(2000, 1000).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const shot = (await upload(owner, chat, photo, 'portrait.jpg', 'image/jpeg')).body.file;
    expect(shot).toMatchObject({ mime: 'image/jpeg', width: 1000, height: 2000 });
    const upright = await sharp((await fetchAs(owner, shot.previewUrl)).bytes).metadata();
    expect(upright).toMatchObject({ format: 'webp', width: 320, height: 640 });
    expect(upright.exif).toBeUndefined();
    expect(upright.orientation).toBeUndefined();

    const small = (await upload(owner, chat, await gradient(200, 100).png().toBuffer(), 'small.png')).body.file;
    expect(small).toMatchObject({ width: 200, height: 100 });
    expect(await sharp((await fetchAs(owner, small.previewUrl)).bytes).metadata()).toMatchObject({ width: 200, height: 100 });

    const frame = (colour: string) => sharp({ create: { width: 60, height: 40, channels: 3, background: colour } }).png().toBuffer();
    const gif = await sharp([await frame('#ff0000'), await frame('#00ff00')], { join: { animated: true } }).gif({ delay: 100 }).toBuffer();
    const anim = (await upload(owner, chat, gif, 'wave.gif')).body.file;
    expect(anim).toMatchObject({ mime: 'image/gif', isImage: true, width: 60, height: 40 });
    const still = await sharp((await fetchAs(owner, anim.previewUrl)).bytes).metadata();
    expect(still).toMatchObject({ format: 'webp', width: 60, height: 40 });
    expect(still.pages ?? 1).toBe(1);
    const original = await fetchAs(owner, anim.url);
    expect(original.headers.get('content-type')).toBe('image/gif');
    expect((await sharp(original.bytes).metadata()).pages).toBe(2);
  });

  it('keeps a file that only looks like an image, or would decode to too many pixels, as opaque bytes', async () => {
    const corrupt = Buffer.concat([PNG.subarray(0, 8), Buffer.from('not really a picture, just garbage bytes')]);
    const bomb = await pngClaiming(20000, 20000);
    for (const data of [corrupt, bomb]) {
      const up = await upload(bob, chat, data, 'photo.png', 'image/png');
      expect(up.status).toBe(201);
      expect(up.body.file).toMatchObject({ isImage: false, mime: 'application/octet-stream', size: data.length });
      expect(up.body.file).not.toHaveProperty('previewUrl');
      expect(up.body.file).not.toHaveProperty('width');
      const res = await fetchAs(bob, up.body.file.url);
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment;/);
      expect(res.bytes.equals(data)).toBe(true);
      expect((await fetchAs(bob, `${up.body.file.url}/preview`)).status).toBe(404);
    }
  });

  it('gives a forwarded copy the preview and size of the original', async () => {
    const file = (await upload(owner, chat, await gradient(1200, 900).jpeg().toBuffer(), 'view.jpg')).body.file;
    const original = (await send('the view', [file.id])).message;
    const fwd = await rt.request({ type: 'message_send', chatId: other, clientId: randomUUID(), body: '', forwardOf: original.id });
    expect(fwd.ok).toBe(true);
    const [copy] = fwd.message.attachments;
    expect(copy.id).not.toBe(file.id);
    expect(copy).toMatchObject({ isImage: true, width: 1200, height: 900, previewUrl: `/api/files/${copy.id}/preview` });
    const [a, b] = await Promise.all([fetchAs(owner, file.previewUrl), fetchAs(owner, copy.previewUrl)]);
    expect(b.status).toBe(200);
    expect(b.bytes.equals(a.bytes)).toBe(true);
    // Bob is in the original's chat, not in the copy's.
    expect((await fetchAs(bob, copy.previewUrl)).status).toBe(403);
  });
});
