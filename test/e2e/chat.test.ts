/**
 * Chats in a real browser against a real hub: two people in two browser contexts talk in a direct chat
 * (live delivery, unread and mention badges, reactions, edits, threads, hostile markup shown as text),
 * and one of them writes while offline, reloads with the socket still down, and gets every message
 * delivered once, in order, when the connection returns.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, registerOwner, type ApiClient } from '../helpers/client';
import { collectProblems, chromiumNote, haveChromium, launchChromium, online, signedInContext, watchProblems } from '../helpers/browser';

const messages = (p: Page, text: string) => p.locator('[data-testid=message-list] [data-testid=message]').filter({ hasText: text });

async function send(p: Page, text: string, scope = '[data-testid=composer]') {
  await p.locator(`${scope} [data-testid=composer-input]`).last().fill(text);
  await p.locator(`${scope} [data-testid=composer-input]`).last().press('Enter');
}

describe.skipIf(!haveChromium)(`chats (browser)${chromiumNote}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let ctxA: BrowserContext;
  let ctxB: BrowserContext;
  let bobId: string;
  let olga: ApiClient;
  let socketDown = false;
  const sockets: WebSocketRoute[] = [];

  beforeAll(async () => {
    [hub, browser] = await Promise.all([startTestHub(), launchChromium()]);
    olga = await registerOwner(hub.url);
    const bob = await addColleague(olga, 'bob@example.com', 'Bob Builder');
    bobId = (await bob.get('/api/me')).body.user.id;
    ctxA = await signedInContext(browser, hub, olga);
    // A's socket passes through a route, so the test can cut it and keep it down (the browser's offline
    // mode alone does not reliably stop an open WebSocket).
    await ctxA.routeWebSocket(/\/ws$/, (ws) => {
      if (socketDown) return void ws.close();
      sockets.push(ws);
      ws.connectToServer();
    });
    ctxB = await signedInContext(browser, hub, bob);
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('two people chat live: unread and mention badges, reactions, edits, threads, safe rendering, offline sending', async () => {
    const a = await ctxA.newPage();
    const b = await ctxB.newPage();
    const problems = collectProblems({ A: a, B: b });
    await Promise.all([a.goto(`${hub.url}/app/chats`), b.goto(`${hub.url}/app/feed`)]);
    await online(a);
    await online(b);

    // --- A opens the direct chat with Bob and writes
    await a.click('[data-testid=new-chat]');
    await a.locator('[data-testid=new-chat-person]').filter({ hasText: 'Bob Builder' }).click();
    await a.waitForURL(/\/app\/chats\/[0-9a-f-]{36}$/);
    const chatId = a.url().split('/').pop()!;
    await a.locator('[data-testid=chat-header-title]').filter({ hasText: 'Bob Builder' }).waitFor();
    await send(a, 'Hello Bob');
    await messages(a, 'Hello Bob').and(a.locator('[data-state=sent]')).waitFor();

    // --- B, elsewhere in the app, sees the unread counter in the sidebar and the tab title
    await b.locator('[data-testid=chats-unread]').filter({ hasText: '1' }).waitFor();
    await expect.poll(() => b.title()).toMatch(/^\(1\) /);
    await b.click('[data-testid=nav-chats]');
    const itemAtB = b.locator(`[data-testid=chat-item][data-chat-id="${chatId}"]`);
    await itemAtB.locator('[data-testid=chat-unread]').filter({ hasText: '1' }).waitFor();
    await itemAtB.locator('[data-testid=chat-title]').filter({ hasText: 'Olga Owner' }).waitFor();
    // ...and opening the chat reads it: the badges clear
    await itemAtB.click();
    await messages(b, 'Hello Bob').waitFor();
    await itemAtB.locator('[data-testid=chat-unread]').waitFor({ state: 'detached' });
    await b.locator('[data-testid=chats-unread]').waitFor({ state: 'detached' });
    await expect.poll(() => b.title()).not.toMatch(/^\(\d+\) /);

    // --- B reacts; A sees the reaction
    const helloAtB = messages(b, 'Hello Bob');
    await helloAtB.hover();
    await helloAtB.locator('[data-testid=action-react]').click();
    await helloAtB.locator('[data-testid=emoji-picker] [data-emoji="👍"]').click();
    await messages(a, 'Hello Bob').locator('[data-testid=reaction][data-emoji="👍"]').filter({ hasText: '1' }).waitFor();

    // --- A edits; B sees the new text marked as edited
    const helloAtA = messages(a, 'Hello Bob');
    await helloAtA.hover();
    await helloAtA.locator('[data-testid=action-edit]').click();
    await a.locator('[data-testid=edit-input]').fill('Hello Bob, welcome');
    await a.locator('[data-testid=edit-input]').press('Enter');
    await messages(b, 'Hello Bob, welcome').locator('[data-testid=message-edited]').waitFor();

    // --- B replies in a thread; the main lists show "1 reply" instead of the reply
    await helloAtB.hover();
    await helloAtB.locator('[data-testid=action-reply]').click();
    await send(b, 'A reply in the thread', '[data-testid=thread-panel]');
    await b.locator('[data-testid=thread-panel] [data-testid=message]').filter({ hasText: 'A reply in the thread' }).and(b.locator('[data-state=sent]')).waitFor();
    await messages(a, 'Hello Bob').locator('[data-testid=thread-link]').filter({ hasText: '1 reply' }).waitFor();
    expect(await messages(a, 'A reply in the thread').count()).toBe(0);
    await messages(a, 'Hello Bob').locator('[data-testid=thread-link]').click();
    await a.locator('[data-testid=thread-panel] [data-testid=message]').filter({ hasText: 'A reply in the thread' }).waitFor();
    await a.click('[data-testid=thread-close]');
    await b.click('[data-testid=thread-close]');

    // --- A mentions Bob through the autocomplete while Bob looks at the chat list: a mention badge
    await b.goto(`${hub.url}/app/chats`);
    await itemAtB.waitFor();
    const input = a.locator('[data-testid=composer] [data-testid=composer-input]');
    await input.fill('');
    await input.pressSequentially('Look @Bo');
    await a.locator('[data-testid=mention-option]').filter({ hasText: 'Bob Builder' }).waitFor();
    await input.press('Enter'); // picks the highlighted person
    expect(await input.inputValue()).toBe(`Look <@${bobId}> `);
    await input.pressSequentially('here');
    await input.press('Enter');
    await messages(a, 'Look @Bob Builder here').and(a.locator('[data-state=sent]')).waitFor();
    await itemAtB.locator('[data-testid=chat-mentions]').waitFor();
    await itemAtB.locator('[data-testid=chat-unread]').filter({ hasText: '1' }).waitFor();
    await itemAtB.click();
    await messages(b, 'Look @Bob Builder here').locator('.mention').filter({ hasText: '@Bob Builder' }).waitFor();
    await itemAtB.locator('[data-testid=chat-mentions]').waitFor({ state: 'detached' });

    // --- hostile markup is shown as text, never run
    const hostile = '<img src=x onerror=alert(1)>';
    await send(a, hostile);
    const hostileAtB = messages(b, hostile);
    await hostileAtB.waitFor();
    expect(await hostileAtB.locator('[data-testid=message-body]').innerText()).toContain(hostile);
    expect(await b.locator('[data-testid=message-list] img[src=x]').count()).toBe(0);

    // --- A goes offline and writes two messages: both wait, in order, and survive a reload
    socketDown = true;
    await ctxA.setOffline(true);
    for (const ws of sockets.splice(0)) await ws.close();
    await a.locator('aside [data-testid=connection][data-status=online]').waitFor({ state: 'detached' });
    await send(a, 'Offline one');
    await send(a, 'Offline two');
    await messages(a, 'Offline one').and(a.locator('[data-state=pending]')).waitFor();
    await messages(a, 'Offline two').and(a.locator('[data-state=pending]')).waitFor();
    // The page can only be reloaded with the network back; the socket stays down through the route.
    await ctxA.setOffline(false);
    await a.reload();
    await messages(a, 'Offline one').and(a.locator('[data-state=pending]')).waitFor();
    await messages(a, 'Offline two').and(a.locator('[data-state=pending]')).waitFor();
    const queued = await a.evaluate(() => Object.entries(localStorage).filter(([k]) => k.startsWith('artel.outbox.')).map(([, v]) => JSON.parse(v)));
    expect(queued.flat().map((i: { body: string }) => i.body)).toEqual(['Offline one', 'Offline two']);

    // --- the socket comes back: each is delivered once, in order, on both sides
    socketDown = false;
    await a.evaluate(() => window.dispatchEvent(new Event('online')));
    await messages(a, 'Offline two').and(a.locator('[data-state=sent]')).waitFor({ timeout: 25_000 });
    await messages(a, 'Offline one').and(a.locator('[data-state=sent]')).waitFor();
    await messages(b, 'Offline two').waitFor();
    await b.waitForTimeout(500);
    for (const p of [a, b]) {
      const bodies = await p.locator('[data-testid=message-list] [data-testid=message-body]').allInnerTexts();
      const offline = bodies.map((s) => s.trim()).filter((s) => s.startsWith('Offline'));
      expect(offline).toEqual(['Offline one', 'Offline two']);
    }
    const stored = (await (await fetch(`${hub.url}/api/chats/${chatId}/messages`, { headers: { cookie: (await ctxA.cookies()).map((c) => `${c.name}=${c.value}`).join('; ') } })).json()) as {
      messages: { body: string }[];
    };
    expect(stored.messages.filter((m) => m.body.startsWith('Offline')).map((m) => m.body)).toEqual(['Offline one', 'Offline two']);
    expect(await a.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('artel.outbox.')))).toEqual([]);

    expect(problems).toEqual([]);
  }, 120_000);

  it('opens a long chat at its newest message and pages back without moving what is on screen', async () => {
    const chatId = (await olga.post('/api/chats', { kind: 'group', title: 'Long history', memberIds: [bobId] })).body.chat.id;
    for (let i = 0; i < 75; i++) {
      const clientId = randomUUID();
      let r = await olga.post(`/api/chats/${chatId}/messages`, { clientId, body: `line ${i}` });
      // The hub limits how fast one person sends: wait and resend (the same client id stores it once).
      while (r.status === 429) {
        await new Promise((ok) => setTimeout(ok, 200));
        r = await olga.post(`/api/chats/${chatId}/messages`, { clientId, body: `line ${i}` });
      }
      expect(r.status).toBe(201);
    }
    const a = await ctxA.newPage();
    const problems = watchProblems(a, 'A');
    await a.goto(`${hub.url}/app/chats/${chatId}`);
    const list = a.locator('[data-testid=message-list]');
    await messages(a, 'line 74').waitFor();
    // Newest at the bottom, scrolled there
    await expect.poll(() => list.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)).toBeLessThan(5);
    expect(await messages(a, 'line 24').count()).toBe(0);

    // Scrolling to the top loads the page before; the message that was on top stays where it was
    const marker = messages(a, 'line 25').locator('[data-testid=message-body]');
    await list.evaluate((el) => (el.scrollTop = 0));
    const before = (await marker.boundingBox())!.y;
    await messages(a, 'line 24').waitFor();
    await a.waitForTimeout(300);
    expect(Math.abs((await marker.boundingBox())!.y - before)).toBeLessThan(30);
    expect(await list.evaluate((el) => el.scrollTop)).toBeGreaterThan(200);
    expect(await a.locator('[data-testid=message-list] [data-testid=message-body]').count()).toBe(75);
    await messages(a, 'line 0').waitFor({ state: 'attached' });
    expect(problems).toEqual([]);
  }, 60_000);
});
