/**
 * Forward, quote and upload retries in a real browser against a real hub: a message with a file is
 * forwarded from a group to a direct chat (and to the group itself) with a comment, and the other person
 * sees where it came from and downloads the file; a quote lands in the composer and is sent as a
 * blockquote; an upload the hub answers 503 is retried by hand, and one made without network is retried
 * by itself once the connection is back, its message (and the one after it) delivered once, in order.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, registerOwner, type ApiClient } from '../helpers/client';
import { chromiumNote, collectProblems, haveChromium, launchChromium, online, signedInContext } from '../helpers/browser';

const messages = (p: Page, text: string) => p.locator('[data-testid=message-list] [data-testid=message]').filter({ hasText: text });
const input = (p: Page) => p.locator('[data-testid=composer] [data-testid=composer-input]').first();
const fileInput = (p: Page) => p.locator('[data-testid=composer] [data-testid=composer-file-input]').first();

describe.skipIf(!haveChromium)(`chat forward, quote and upload retry (browser)${chromiumNote}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let olga: ApiClient;
  let bob: ApiClient;
  let designId: string;
  let directId: string;
  let ctxA: BrowserContext;
  let a: Page;
  let b: Page;
  let problems: string[] = [];
  let socketDown = false;
  const sockets: WebSocketRoute[] = [];

  beforeAll(async () => {
    [hub, browser] = await Promise.all([startTestHub(), launchChromium()]);
    olga = await registerOwner(hub.url);
    bob = await addColleague(olga, 'bob@example.com', 'Bob Builder');
    const carl = await addColleague(olga, 'carl@example.com', 'Carl Cole');
    const [bobId, carlId] = await Promise.all([bob, carl].map(async (c) => (await c.get('/api/me')).body.user.id as string));
    designId = (await olga.post('/api/chats', { kind: 'group', title: 'Design', memberIds: [carlId] })).body.chat.id;
    directId = (await olga.post('/api/chats', { kind: 'direct', userId: bobId })).body.chat.id;
    // Carl posts a spec with a file in the group (Bob is not in it).
    const file = (await carl.call('POST', `/api/chats/${designId}/files`, Buffer.from('spec v2 contents\n'), { 'x-file-name': 'spec.txt', 'content-type': 'text/plain' })).body.file;
    const sent = await carl.post(`/api/chats/${designId}/messages`, { clientId: randomUUID(), body: 'Spec v2 is ready\nPlease review', fileIds: [file.id] });
    expect(sent.status).toBe(201);

    ctxA = await signedInContext(browser, hub, olga, 'en-US', { acceptDownloads: true });
    // Olga's socket passes through a route, so the test can cut it and keep it down (the browser's
    // offline mode alone does not reliably stop an open WebSocket).
    await ctxA.routeWebSocket(/\/ws$/, (ws) => {
      if (socketDown) return void ws.close();
      sockets.push(ws);
      ws.connectToServer();
    });
    a = await ctxA.newPage();
    b = await (await signedInContext(browser, hub, bob, 'en-US', { acceptDownloads: true })).newPage();
    problems = collectProblems({ A: a, B: b });
    await Promise.all([a.goto(`${hub.url}/app/chats/${designId}`), b.goto(`${hub.url}/app/chats/${directId}`)]);
    for (const p of [a, b]) await online(p);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('forwards a message with its file, with a comment, to a direct chat and to its own chat', async () => {
    const spec = messages(a, 'Spec v2 is ready').first();
    await spec.hover();
    await spec.locator('[data-testid=action-more]').click();
    await spec.locator('[data-testid=action-forward]').click();
    const dialog = a.locator('[data-testid=forward-dialog]');
    await dialog.locator('[data-testid=forward-search]').fill('bob');
    expect(await dialog.locator('[data-testid=forward-chat-name]').allInnerTexts()).toEqual(['Bob Builder']);
    await dialog.locator('[data-testid=forward-chat]').filter({ hasText: 'Bob Builder' }).locator('input').check();
    await dialog.locator('[data-testid=forward-search]').fill('des');
    await dialog.locator('[data-testid=forward-chat]').filter({ hasText: 'Design' }).locator('input').check();
    await dialog.locator('[data-testid=forward-comment]').fill('FYI, the new spec');
    await dialog.locator('[data-testid=forward-submit]').filter({ hasText: 'Forward to 2 chats' }).click();
    await dialog.waitFor({ state: 'detached' });
    await spec.locator('[data-testid=message-notice]').filter({ hasText: 'Forwarded to 2 chats' }).waitFor();

    // Bob, not in Design, sees the comment, then the forward: who wrote it (not where), and the file.
    await messages(b, 'FYI, the new spec').waitFor();
    const copy = messages(b, 'Spec v2 is ready');
    await copy.locator('[data-testid=message-forwarded]').filter({ hasText: 'Forwarded from Carl Cole' }).waitFor();
    expect(await copy.locator('[data-testid=message-forwarded-chat]').count()).toBe(0);
    const bodies = (await b.locator('[data-testid=message-list] [data-testid=message-body]').allInnerTexts()).map((s) => s.trim());
    expect(bodies.indexOf('FYI, the new spec')).toBeLessThan(bodies.findIndex((s) => s.startsWith('Spec v2')));
    const chip = copy.locator('[data-testid=attachment-file]').filter({ hasText: 'spec.txt' });
    const [download] = await Promise.all([b.waitForEvent('download'), chip.click()]);
    expect(fs.readFileSync((await download.path())!, 'utf8')).toBe('spec v2 contents\n');

    // In Design itself the copy is marked too (no link to the chat it is already in).
    const own = messages(a, 'Spec v2 is ready').and(a.locator('[data-state=sent]')).filter({ has: a.locator('[data-testid=message-forwarded]') });
    await own.waitFor();
    expect(await own.locator('[data-testid=message-forwarded-chat]').count()).toBe(0);

    // Olga, in both chats, sees where Bob's copy came from, as a link to it.
    await a.goto(`${hub.url}/app/chats/${directId}`);
    await online(a);
    await messages(a, 'Spec v2 is ready').locator('[data-testid=message-forwarded-chat]').filter({ hasText: 'Design' }).waitFor();

    // Each was stored once: the comment and the forward.
    const stored = (await bob.get(`/api/chats/${directId}/messages`)).body.messages as { body: string; forwardedFrom: unknown }[];
    expect(stored.map((m) => [m.body, !!m.forwardedFrom])).toEqual([
      ['FYI, the new spec', false],
      ['Spec v2 is ready\nPlease review', true],
    ]);
  });

  it('quotes a message into the composer (focused at the end) and sends it as a blockquote', async () => {
    await a.goto(`${hub.url}/app/chats/${designId}`);
    await online(a);
    const spec = messages(a, 'Spec v2 is ready').first();
    await spec.hover();
    await spec.locator('[data-testid=action-more]').click();
    await spec.locator('[data-testid=action-quote]').click();
    const quote = '> **Carl Cole:** Spec v2 is ready\n> Please review\n\n';
    await expect.poll(() => input(a).inputValue()).toBe(quote);
    expect(await input(a).evaluate((el: HTMLTextAreaElement) => [document.activeElement === el, el.selectionStart])).toEqual([true, quote.length]);
    await a.keyboard.type('Looks good to me');
    await a.keyboard.press('Enter');
    const reply = messages(a, 'Looks good to me').and(a.locator('[data-state=sent]'));
    await reply.waitFor();
    await reply.locator('[data-testid=message-body] blockquote').filter({ hasText: 'Carl Cole: Spec v2 is ready' }).waitFor();
    expect(await reply.locator('[data-testid=message-body] blockquote strong').innerText()).toBe('Carl Cole:');
    expect((await reply.locator('[data-testid=message-body] > p').innerText()).trim()).toBe('Looks good to me');
  });

  it('retries an upload the hub refused with 503 when asked; the message goes once', async () => {
    await a.goto(`${hub.url}/app/chats/${directId}`);
    await online(a);
    let refused = 0;
    await a.route('**/api/chats/*/files', (route) =>
      refused++ === 0
        ? route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'unavailable', message: 'Service unavailable' } }) })
        : route.continue(),
    );
    await fileInput(a).setInputFiles({ name: 'first.txt', mimeType: 'text/plain', buffer: Buffer.from('first try\n') });
    await a.locator('[data-testid=upload][data-state=failed]').waitFor();
    await a.locator('[data-testid=upload-error]').filter({ hasText: 'Could not upload “first.txt”' }).waitFor();
    await input(a).fill('after a retry');
    // A file that needs the user holds the message back.
    expect(await a.locator('[data-testid=composer-send]').isDisabled()).toBe(true);
    await a.locator('[data-testid=upload-retry]').filter({ hasText: 'Retry “first.txt”' }).click();
    await a.locator('[data-testid=upload][data-state=done]').waitFor();
    await a.unroute('**/api/chats/*/files');
    await input(a).press('Enter');
    await messages(b, 'after a retry').locator('[data-testid=attachment-file]').filter({ hasText: 'first.txt' }).waitFor();
    expect(refused).toBe(2);
  });

  it('retries an upload made without network by itself once back online; its message and the next keep their order', async () => {
    socketDown = true;
    await ctxA.setOffline(true);
    for (const ws of sockets.splice(0)) await ws.close();
    await a.locator('aside [data-testid=connection][data-status=online]').waitFor({ state: 'detached' });

    await fileInput(a).setInputFiles({ name: 'offline.txt', mimeType: 'text/plain', buffer: Buffer.from('made offline\n') });
    await a.locator('[data-testid=upload-error]').filter({ hasText: '“offline.txt” will upload once the connection is back.' }).waitFor();
    await input(a).fill('file written offline');
    await input(a).press('Enter');
    await input(a).fill('sent after the file');
    await input(a).press('Enter');
    const withFile = messages(a, 'file written offline');
    await withFile.and(a.locator('[data-state=pending]')).locator('[data-testid=upload]').filter({ hasText: 'offline.txt' }).waitFor();
    await messages(a, 'sent after the file').and(a.locator('[data-state=pending]')).waitFor();

    socketDown = false;
    await ctxA.setOffline(false);
    await a.evaluate(() => window.dispatchEvent(new Event('online')));
    await messages(a, 'sent after the file').and(a.locator('[data-state=sent]')).waitFor({ timeout: 25_000 });
    await withFile.and(a.locator('[data-state=sent]')).locator('[data-testid=attachment-file]').filter({ hasText: 'offline.txt' }).waitFor();
    await messages(b, 'sent after the file').waitFor();
    await messages(b, 'file written offline').locator('[data-testid=attachment-file]').filter({ hasText: 'offline.txt' }).waitFor();

    const stored = (await bob.get(`/api/chats/${directId}/messages`)).body.messages as { body: string; attachments: { name: string }[] }[];
    const tail = stored.slice(-2).map((m) => [m.body, m.attachments.map((f) => f.name)]);
    expect(tail).toEqual([
      ['file written offline', ['offline.txt']],
      ['sent after the file', []],
    ]);
    expect(stored.filter((m) => m.body === 'file written offline')).toHaveLength(1);
    expect(problems).toEqual([]);
  });
});
