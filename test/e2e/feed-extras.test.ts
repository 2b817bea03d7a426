/**
 * Feed extras in a real browser against a real hub (uploads limited to 1 MB): Olga posts with an image
 * and a text file picked with the composer's file input and Bob sees the preview (its box reserved from
 * the recorded size) and downloads the file; Bob comments with a file; files dropped on the composer or
 * pasted into a comment are attached (pasted text is not); Olga opens the external guests of
 * a post, revokes one, sees a colleague's address refused and invites another; a file over the limit is
 * refused clearly (in English and in Russian) and nothing is posted.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, registerOwner, type ApiClient } from '../helpers/client';
import { collectProblems, chromiumNote, haveChromium, launchChromium, online, signedInContext, watchProblems } from '../helpers/browser';

/** Room for the feed's cards; files download. */
const feedContext = { viewport: { width: 1280, height: 900 }, acceptDownloads: true };
/** Script errors and dialogs other than our own confirmations (accepted) are problems. */
const confirmsOk = { acceptConfirms: true };

/** A solid-colour RGB PNG of the given size. */
function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([Buffer.from(type), data])) >>> 0);
    return Buffer.concat([len, Buffer.from(type), data, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, 0x5a)]);
  const pixels = zlib.deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', pixels), chunk('IEND', Buffer.alloc(0))]);
}

/** The card of the post whose body contains `text`. */
const card = (p: Page, text: string): Locator =>
  p.locator('[data-testid=post]').filter({ has: p.locator('[data-testid=post-body]', { hasText: text }) });

async function openFeed(p: Page, url: string) {
  await p.goto(`${url}/app/feed`);
  await online(p);
}

describe.skipIf(!haveChromium)(`feed files and guests (browser)${chromiumNote}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let olga: ApiClient;
  let bob: ApiClient;
  let carl: ApiClient;
  let bobId: string;
  let a: Page;
  let b: Page;
  let c: Page;
  let problems: string[] = [];

  beforeAll(async () => {
    [hub, browser] = await Promise.all([startTestHub({ env: { MAX_UPLOAD_MB: '1' } }), launchChromium()]);
    olga = await registerOwner(hub.url);
    bob = await addColleague(olga, 'bob@example.com', 'Bob Builder');
    carl = await addColleague(olga, 'carl@example.com', 'Carl Designer');
    bobId = (await bob.get('/api/me')).body.user.id;
    expect((await carl.patch('/api/me', { locale: 'ru' })).status).toBe(200);
    a = await (await signedInContext(browser, hub, olga, 'en-US', feedContext)).newPage();
    b = await (await signedInContext(browser, hub, bob, 'en-US', feedContext)).newPage();
    c = await (await signedInContext(browser, hub, carl, 'ru-RU', feedContext)).newPage();
    problems = collectProblems({ A: a, B: b, C: c }, confirmsOk);
    await Promise.all([openFeed(a, hub.url), openFeed(b, hub.url), openFeed(c, hub.url)]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('posts an image and a text file: the other side sees the preview and downloads the file', async () => {
    const composer = a.locator('[data-testid=post-composer]');
    await composer.locator('[data-testid=post-composer-open]').click();
    await composer.locator('[data-testid=post-body-input]').fill('Floor plan and notes attached');
    await composer.locator('[data-testid=post-attach-input]').setInputFiles([
      { name: 'plan.png', mimeType: 'image/png', buffer: png(64, 48) },
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('meeting notes\n') },
    ]);
    await expect.poll(() => composer.locator('[data-testid=feed-upload][data-state=done]').count()).toBe(2);
    // A file can be removed before sending.
    await composer.locator('[data-testid=post-attach-input]').setInputFiles({ name: 'oops.txt', mimeType: 'text/plain', buffer: Buffer.from('no') });
    const oops = composer.locator('[data-testid=feed-upload]').filter({ hasText: 'oops.txt' });
    await oops.and(a.locator('[data-state=done]')).waitFor();
    await oops.locator('[data-testid=feed-upload-remove]').click();
    await oops.waitFor({ state: 'detached' });
    await composer.locator('[data-testid=post-submit]').click();
    await composer.locator('[data-testid=post-composer-open]').waitFor();

    const post = card(b, 'Floor plan and notes attached');
    const img = post.locator('[data-testid=attachment-image] img');
    await img.waitFor();
    // The box is reserved from the recorded size before the preview loads; the preview then loads.
    expect([await img.getAttribute('width'), await img.getAttribute('height')]).toEqual(['64', '48']);
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.naturalWidth)).toBe(64);
    expect(await img.getAttribute('src')).toMatch(/\/api\/files\/[0-9a-f-]{36}\/preview$/);
    const chip = post.locator('[data-testid=attachment-file]').filter({ hasText: 'notes.txt' });
    expect(await post.locator('[data-testid=attachment-file]').count()).toBe(1);
    const [download] = await Promise.all([b.waitForEvent('download'), chip.click()]);
    expect(download.suggestedFilename()).toBe('notes.txt');
    expect(fs.readFileSync((await download.path())!, 'utf8')).toBe('meeting notes\n');
  });

  it('comments with a file attached', async () => {
    const post = card(b, 'Floor plan and notes attached');
    const box = post.locator('[data-testid=comment-box]');
    await box.locator('[data-testid=comment-attach-input]').setInputFiles({ name: 'redlines.txt', mimeType: 'text/plain', buffer: Buffer.from('fix the door') });
    await box.locator('[data-testid=feed-upload][data-state=done]').waitFor();
    // A comment needs words: the send button waits for them.
    await box.locator('[data-testid=comment-needs-text]').waitFor();
    expect(await box.locator('[data-testid=comment-send]').isDisabled()).toBe(true);
    await box.locator('[data-testid=comment-input]').fill('My redlines');
    await box.locator('[data-testid=comment-input]').press('Enter');
    await box.locator('[data-testid=feed-upload]').waitFor({ state: 'detached' });

    const atOlga = card(a, 'Floor plan and notes attached').locator('[data-testid=comment]').filter({ hasText: 'My redlines' });
    const file = atOlga.locator('[data-testid=attachment-file]').filter({ hasText: 'redlines.txt' });
    await file.waitFor();
    const [download] = await Promise.all([a.waitForEvent('download'), file.click()]);
    expect(fs.readFileSync((await download.path())!, 'utf8')).toBe('fix the door');
  });

  it('attaches files dropped on the composer or pasted into a comment', async () => {
    // A drop on the closed composer opens it with the file attached.
    const composer = a.locator('[data-testid=post-composer]');
    await composer.evaluate((el) => {
      const dt = new DataTransfer();
      dt.items.add(new File(['dropped'], 'dropped.txt', { type: 'text/plain' }));
      for (const type of ['dragenter', 'dragover', 'drop']) el.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await composer.locator('[data-testid=feed-upload][data-state=done]').filter({ hasText: 'dropped.txt' }).waitFor();
    expect(await composer.locator('[data-testid=post-drop-zone]').count()).toBe(0);
    await composer.locator('[data-testid=post-body-input]').fill('Dropped in');
    await composer.locator('[data-testid=post-body-input]').press('Control+Enter');
    await card(b, 'Dropped in').locator('[data-testid=attachment-file]').filter({ hasText: 'dropped.txt' }).waitFor();

    // A pasted screenshot is attached; pasted text is not.
    const box = card(b, 'Dropped in').locator('[data-testid=comment-box]');
    const paste = (withText: boolean) =>
      box.locator('[data-testid=comment-input]').evaluate((el, withText) => {
        const dt = new DataTransfer();
        if (withText) dt.setData('text/plain', 'just text');
        dt.items.add(new File(['png'], 'shot.png', { type: 'image/png' }));
        el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
      }, withText);
    await paste(true);
    await paste(false);
    await box.locator('[data-testid=feed-upload]').filter({ hasText: 'shot.png' }).waitFor();
    expect(await box.locator('[data-testid=feed-upload]').count()).toBe(1);
    await box.locator('[data-testid=comment-input]').fill('Screenshot');
    await box.locator('[data-testid=comment-input]').press('Enter');
    await card(a, 'Dropped in').locator('[data-testid=comment]').filter({ hasText: 'Screenshot' }).locator('[data-testid=attachment-file], [data-testid=attachment-image]').waitFor();
  });

  it('lists a post’s guests for its author: revoke one, a colleague’s address refused, invite another', async () => {
    const r = await olga.post('/api/feed/posts', {
      clientId: randomUUID(),
      body: 'Contract draft for our partner',
      audience: { userIds: [bobId], emails: ['client@partner.example'] },
    });
    expect(r.status).toBe(201);
    const post = card(a, 'Contract draft for our partner');
    await post.waitFor();
    // Bob sees the post but not its guests.
    await card(b, 'Contract draft for our partner').waitFor();
    expect(await card(b, 'Contract draft for our partner').locator('[data-testid=post-guests]').count()).toBe(0);

    await post.locator('[data-testid=post-guests]').filter({ hasText: 'Guests · 1' }).click();
    const dialog = a.locator('[data-testid=guests-dialog]');
    const client = dialog.locator('[data-testid=guest-link][data-email="client@partner.example"]');
    await client.and(a.locator('[data-status=active]')).waitFor();
    await client.getByText('Has not opened the link yet').waitFor();
    await client.getByText('Link valid until').waitFor();

    await client.locator('[data-testid=guest-link-revoke]').click(); // confirmed by the dialog handler
    await client.and(a.locator('[data-status=revoked]')).waitFor();
    await client.locator('[data-testid=guest-link-status]').filter({ hasText: 'Revoked' }).waitFor();
    const links = (await olga.get(`/api/feed/posts/${r.body.post.id}/guests`)).body.guests;
    expect(links.map((g: any) => [g.email, !!g.revokedAt])).toEqual([['client@partner.example', true]]);

    const input = dialog.locator('[data-testid=guests-invite-input]');
    await input.fill('bob@example.com');
    await dialog.locator('[data-testid=guests-invite-send]').click();
    await dialog.locator('[data-testid=guests-invite-error]').filter({ hasText: 'bob@example.com belongs to a colleague' }).waitFor();
    await input.fill('not an address');
    await input.press('Enter');
    await dialog.locator('[data-testid=guests-invite-error]').filter({ hasText: 'Enter an e-mail address' }).waitFor();

    await input.fill('Buyer@Partner.example');
    await input.press('Enter');
    await dialog.locator('[data-testid=guest-link][data-email="buyer@partner.example"][data-status=active]').waitFor();
    await dialog.locator('[data-testid=guests-notice]').filter({ hasText: 'An invitation was sent to buyer@partner.example.' }).waitFor();
    expect(await input.inputValue()).toBe('');
    expect((await hub.outbox()).some((m) => m.to === 'buyer@partner.example')).toBe(true);
    expect(await client.getAttribute('data-status')).toBe('revoked');

    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
    await post.locator('[data-testid=post-guests]').filter({ hasText: 'Guests · 2' }).waitFor();
  });

  it('refuses a file over the limit clearly, in English and in Russian, and posts nothing', async () => {
    const big = { name: 'big.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(1_200_000, 1) };
    const composer = a.locator('[data-testid=post-composer]');
    await composer.locator('[data-testid=post-composer-open]').click();
    await composer.locator('[data-testid=post-body-input]').fill('This must not be posted');
    await composer.locator('[data-testid=post-attach-input]').setInputFiles(big);
    await composer
      .locator('[data-testid=feed-upload-error]')
      .filter({ hasText: '“big.bin” (1.1 MB) is too large: files up to 1 MB can be attached.' })
      .waitFor();
    await composer.locator('[data-testid=post-submit]').click();
    await composer.locator('[data-testid=post-error]').filter({ hasText: 'Some files were not uploaded' }).waitFor();
    const mine = (await olga.get('/api/feed?filter=mine')).body.posts;
    expect(mine.some((p: any) => p.body.includes('must not be posted'))).toBe(false);
    // Removing the refused file lets the post go without it.
    await composer.locator('[data-testid=feed-upload-remove]').click();
    await composer.locator('[data-testid=feed-upload]').waitFor({ state: 'detached' });

    // Carl's interface is in Russian: the same refusal in a comment box.
    const box = card(c, 'Floor plan and notes attached').locator('[data-testid=comment-box]');
    await box.locator('[data-testid=comment-attach-input]').setInputFiles(big);
    await box
      .locator('[data-testid=feed-upload-error]')
      .filter({ hasText: 'Файл «big.bin» (1,1 МБ) слишком большой: можно прикреплять файлы до 1 МБ.' })
      .waitFor();
    await box.locator('[data-testid=comment-input]').fill('Не должно уйти');
    await box.locator('[data-testid=comment-input]').press('Enter');
    await box.locator('[data-testid=comment-error]').filter({ hasText: 'Некоторые файлы не загрузились' }).waitFor();
    expect(problems).toEqual([]);
  });
});
