/**
 * Chat extras in a real browser against a real hub: typing indicators, files (an image thumbnail on the
 * other side, a text file that downloads, the size limit shown clearly), pins and "seen", browser
 * notifications while the tab is hidden, and search that finds a Russian word form and opens the chat at
 * the hit, highlighted.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, registerOwner, type ApiClient } from '../helpers/client';
import { chromiumNote, collectProblems, haveChromium, launchChromium, notesOf, online, recordNotifications, setHidden, signedInContext } from '../helpers/browser';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
/** Files download in these tests. */
const downloads = { acceptDownloads: true };

const messages = (p: Page, text: string) => p.locator('[data-testid=message-list] [data-testid=message]').filter({ hasText: text });
const fileInput = (p: Page) => p.locator('[data-testid=composer] [data-testid=composer-file-input]').first();

describe.skipIf(!haveChromium)(`chat extras (browser)${chromiumNote}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let olga: ApiClient;
  let bob: ApiClient;
  let chatId: string;
  let a: Page;
  let b: Page;
  let problems: string[] = [];

  beforeAll(async () => {
    [hub, browser] = await Promise.all([startTestHub({ env: { MAX_UPLOAD_MB: '1' } }), launchChromium()]);
    olga = await registerOwner(hub.url);
    bob = await addColleague(olga, 'bob@example.com', 'Bob Builder');
    const bobId = (await bob.get('/api/me')).body.user.id;
    chatId = (await olga.post('/api/chats', { kind: 'direct', userId: bobId })).body.chat.id;
    a = await (await signedInContext(browser, hub, olga, 'en-US', downloads)).newPage();
    b = await (await signedInContext(browser, hub, bob, 'en-US', downloads)).newPage();
    problems = collectProblems({ A: a, B: b });
    await Promise.all([a.goto(`${hub.url}/app/chats/${chatId}`), b.goto(`${hub.url}/app/chats/${chatId}`)]);
    for (const p of [a, b]) await online(p);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('shows who is typing to the other person only', async () => {
    await a.locator('[data-testid=composer] [data-testid=composer-input]').pressSequentially('Hel');
    await b.locator('[data-testid=typing]').filter({ hasText: 'Olga Owner is typing…' }).waitFor();
    expect(await a.locator('[data-testid=typing]').textContent()).toBe('');
    await a.locator('[data-testid=composer] [data-testid=composer-input]').fill('');
    // It expires after a few seconds without new pushes.
    await b.locator('[data-testid=typing]').filter({ hasText: 'typing' }).waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('sends an image (a thumbnail on the other side) and a text file that downloads; too large is refused clearly', async () => {
    await fileInput(a).setInputFiles({ name: 'dot.png', mimeType: 'image/png', buffer: PNG });
    await a.locator('[data-testid=upload][data-state=done]').waitFor();
    await a.click('[data-testid=composer-send]');
    const thumb = messages(b, '').locator('[data-testid=attachment-image] img').last();
    await thumb.waitFor();
    await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);
    expect(await thumb.locator('..').getAttribute('target')).toBe('_blank');

    await fileInput(a).setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('meeting notes\n') });
    await a.locator('[data-testid=upload][data-state=done]').waitFor();
    await a.locator('[data-testid=composer] [data-testid=composer-input]').fill('see the notes');
    await a.locator('[data-testid=composer] [data-testid=composer-input]').press('Enter');
    const chip = messages(b, 'see the notes').locator('[data-testid=attachment-file]');
    await chip.filter({ hasText: 'notes.txt' }).filter({ hasText: '14 B' }).waitFor();
    const [download] = await Promise.all([b.waitForEvent('download'), chip.click()]);
    expect(download.suggestedFilename()).toBe('notes.txt');
    expect(fs.readFileSync((await download.path())!, 'utf8')).toBe('meeting notes\n');

    await fileInput(a).setInputFiles({ name: 'big.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(1_200_000, 1) });
    await a.locator('[data-testid=upload-error]').filter({ hasText: '“big.bin” is too large to upload.' }).waitFor();
    expect(await a.locator('[data-testid=composer-send]').isDisabled()).toBe(true);
  });

  it('pins a message for both sides, shows who has seen it, and lists pins that open the message', async () => {
    await a.locator('[data-testid=composer] [data-testid=composer-input]').fill('Pin this plan');
    await a.locator('[data-testid=composer] [data-testid=composer-input]').press('Enter');
    const mine = messages(a, 'Pin this plan');
    await mine.and(a.locator('[data-state=sent]')).waitFor();
    // Bob has the chat open and in view: his read position reaches Olga as "Seen" under her message.
    await messages(b, 'Pin this plan').waitFor();
    await mine.locator('[data-testid=seen]').filter({ hasText: 'Seen' }).waitFor();

    await mine.hover();
    await mine.locator('[data-testid=action-pin]').click();
    await mine.locator('[data-testid=message-pinned]').waitFor();
    await messages(b, 'Pin this plan').locator('[data-testid=message-pinned]').waitFor();
    await b.locator('[data-testid=pins-button]').click();
    const pin = b.locator('[data-testid=pins-list] [data-testid=pin]').filter({ hasText: 'Pin this plan' });
    await pin.click();
    await b.waitForURL(/\?at=\d+/);
    await messages(b, 'Pin this plan').and(b.locator('.highlighted')).waitFor();

    // Unpinned by Olga: gone from Bob's message live.
    await mine.hover();
    await mine.locator('[data-testid=action-pin]').click();
    await messages(b, 'Pin this plan').locator('[data-testid=message-pinned]').waitFor({ state: 'detached' });
    expect(problems).toEqual([]);
  });

  it('raises a browser notification for a direct message only while the tab is hidden', async () => {
    // Bob's second tab: notifications granted, the page's visibility under the test's control, and the
    // Notification constructor recording what Artel shows (the browser's own popup is not observable).
    const ctx = await signedInContext(browser, hub, bob, 'en-US', downloads);
    await recordNotifications(ctx);
    const c = await ctx.newPage();
    const seenProblems = collectProblems({ C: c });
    await c.goto(`${hub.url}/app/chats`);
    await online(c);
    const notes = () => notesOf(c);

    await olga.post(`/api/chats/${chatId}/messages`, { clientId: randomUUID(), body: 'While you look' });
    await c.locator(`[data-testid=chat-item][data-chat-id="${chatId}"] [data-testid=chat-unread]`).waitFor();
    expect(await notes()).toEqual([]);

    await setHidden(c, true);
    await olga.post(`/api/chats/${chatId}/messages`, { clientId: randomUUID(), body: '**Ping** while you are away' });
    await expect.poll(notes).toEqual([{ title: 'Olga Owner', body: 'Ping while you are away' }]);
    expect(seenProblems).toEqual([]);
    await ctx.close();
  });

  it('finds a Russian word form and opens the chat at the hit, highlighted', async () => {
    const say = async (body: string) => {
      const clientId = randomUUID();
      for (;;) {
        const r = await olga.post(`/api/chats/${chatId}/messages`, { clientId, body });
        if (r.status !== 429) return expect(r.status).toBe(201);
        await new Promise((ok) => setTimeout(ok, 250)); // sends are rate limited per person
      }
    };
    await say('договоры подписаны');
    // Enough later messages that the hit is not on the newest page.
    for (let i = 0; i < 60; i++) await say(`filler ${i}`);
    await b.goto(`${hub.url}/app/chats/${chatId}`);
    await messages(b, 'filler 59').waitFor();
    expect(await messages(b, 'договоры подписаны').count()).toBe(0);

    await b.locator('[data-testid=chat-search]').fill('договор');
    const hit = b.locator('[data-testid=search-hit]').first();
    await hit.locator('mark').filter({ hasText: 'договоры' }).waitFor();
    expect(await hit.textContent()).toContain('Olga Owner');
    await hit.click();
    await b.waitForURL(/\?at=\d+/);
    const found = messages(b, 'договоры подписаны');
    await found.and(b.locator('.highlighted')).waitFor();
    expect(await found.isVisible()).toBe(true);
    expect(problems).toEqual([]);
  });
});
