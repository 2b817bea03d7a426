/**
 * More of the messenger in a real browser, in a group of three (Olga, Ann and Ben): @all picked from the
 * autocomplete gives the others a mention badge; a mention raises a browser notification while the tab is
 * hidden (a plain group message does not); "Seen by N" counts the members who have read; a deleted message
 * turns into a tombstone on another member's open page, live; a file dropped onto the conversation and an
 * image pasted into the composer both upload and reach the others.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub';
import { team, type Team } from '../helpers/team';
import { chromiumNote, collectProblems, haveChromium, launchChromium, notesOf, online, recordNotifications, setHidden, signedInContext } from '../helpers/browser';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

const messages = (p: Page, text: string) => p.locator('[data-testid=message-list] [data-testid=message]').filter({ hasText: text });
const input = (p: Page) => p.locator('[data-testid=composer] [data-testid=composer-input]').first();

async function send(p: Page, text: string): Promise<void> {
  await input(p).fill(text);
  await input(p).press('Enter');
  await messages(p, text).and(p.locator('[data-state=sent]')).waitFor();
}

describe.skipIf(!haveChromium)(`chats in a group, more (browser)${chromiumNote}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let t: Team<'ann' | 'ben'>;
  let group: string;
  let a: Page;
  let b: Page;
  let c: Page;
  let problems: string[] = [];

  const item = (p: Page) => p.locator(`[data-testid=chat-item][data-chat-id="${group}"]`);

  beforeAll(async () => {
    [hub, browser] = await Promise.all([startTestHub(), launchChromium()]);
    t = await team(hub.url, ['ann', 'ben']);
    group = (await t.owner.post('/api/chats', { kind: 'group', title: 'Launch crew', memberIds: [t.ids.ann, t.ids.ben] })).body.chat.id;
    [a, b, c] = await Promise.all([t.owner, t.ann, t.ben].map(async (who) => (await signedInContext(browser, hub, who)).newPage()));
    problems = collectProblems({ A: a, B: b, C: c }, { acceptConfirms: true });
    await Promise.all([a.goto(`${hub.url}/app/chats/${group}`), b.goto(`${hub.url}/app/chats`), c.goto(`${hub.url}/app/chats`)]);
    for (const p of [a, b, c]) await online(p);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('@all picked from the autocomplete gives every other member a mention badge', async () => {
    await input(a).pressSequentially('Standup moved @al');
    await a.locator('[data-testid=mention-option]').filter({ hasText: '@all' }).waitFor();
    await input(a).press('Enter'); // picks the highlighted entry
    expect(await input(a).inputValue()).toBe('Standup moved @all ');
    await input(a).pressSequentially('to ten');
    await input(a).press('Enter');
    await messages(a, 'Standup moved @all to ten').and(a.locator('[data-state=sent]')).waitFor();
    for (const p of [b, c]) {
      await item(p).locator('[data-testid=chat-mentions]').waitFor();
      await item(p).locator('[data-testid=chat-unread]').filter({ hasText: '1' }).waitFor();
    }
    // The author gets no badge of her own.
    expect(await item(a).locator('[data-testid=chat-mentions]').count()).toBe(0);
    // Opening the chat reads it: Ann's badge clears, Ben's stays.
    await item(b).click();
    await messages(b, 'Standup moved @all to ten').waitFor();
    await item(b).locator('[data-testid=chat-mentions]').waitFor({ state: 'detached' });
    expect(await item(c).locator('[data-testid=chat-mentions]').count()).toBe(1);
    expect(problems).toEqual([]);
  });

  it('a mention in a group raises a browser notification while the tab is hidden; a plain message does not', async () => {
    const ctx = await signedInContext(browser, hub, t.ben);
    await recordNotifications(ctx);
    const n = await ctx.newPage();
    const seen = collectProblems({ N: n });
    await n.goto(`${hub.url}/app/chats`);
    await online(n);
    await setHidden(n, true);
    // Ben has not opened the group since the @all: his unread counter is at 1, and a plain message makes it 2.
    const unread = n.locator(`[data-testid=chat-item][data-chat-id="${group}"] [data-testid=chat-unread]`);
    await unread.filter({ hasText: '1' }).waitFor();
    await t.owner.post(`/api/chats/${group}/messages`, { clientId: randomUUID(), body: 'Coffee is ready' });
    await unread.filter({ hasText: '2' }).waitFor();
    expect(await notesOf(n)).toEqual([]);

    await t.owner.post(`/api/chats/${group}/messages`, { clientId: randomUUID(), body: `<@${t.ids.ben}> the **release** notes, please` });
    await expect.poll(() => notesOf(n)).toEqual([{ title: 'Olga Owner in Launch crew', body: '@Ben the release notes, please' }]);
    expect(seen).toEqual([]);
    await ctx.close();
  });

  it('"Seen by N" under my message counts the members who have read it', async () => {
    await c.goto(`${hub.url}/app/chats`); // Ben is elsewhere while Olga writes
    await online(c);
    await send(a, 'Slides are in the folder');
    // Ann has the chat open: one reader.
    await messages(b, 'Slides are in the folder').waitFor();
    const mine = messages(a, 'Slides are in the folder');
    await mine.locator('[data-testid=seen]').filter({ hasText: 'Seen by 1' }).waitFor();
    // Ben opens it: two.
    await item(c).click();
    await messages(c, 'Slides are in the folder').waitFor();
    await mine.locator('[data-testid=seen]').filter({ hasText: 'Seen by 2' }).waitFor();
    expect(await mine.locator('[data-testid=seen]').getAttribute('title')).toBe('Ann, Ben');
    expect(problems).toEqual([]);
  });

  it('the composer\'s formatting bar: Ctrl+B and the list button format the text; the preview shows it; the others see it formatted', async () => {
    await input(a).fill('ship it');
    await input(a).press('Control+a');
    await input(a).press('Control+b');
    expect(await input(a).inputValue()).toBe('**ship it**');
    await input(a).press('End');
    await input(a).press('Shift+Enter');
    await input(a).pressSequentially('first');
    await a.locator('[data-testid=composer-toolbar] [data-testid=md-bullet]').click();
    expect(await input(a).inputValue()).toBe('**ship it**\n- first');
    await a.locator('[data-testid=composer-toolbar] [data-testid=md-preview]').click();
    await a.locator('[data-testid=composer] [data-testid=md-preview-body] strong').filter({ hasText: 'ship it' }).waitFor();
    await a.locator('[data-testid=composer-toolbar] [data-testid=md-preview]').click();
    await input(a).press('Enter');
    await b.locator('[data-testid=message-list] [data-testid=message-body] strong').filter({ hasText: 'ship it' }).waitFor();
    await b.locator('[data-testid=message-list] [data-testid=message-body] li').filter({ hasText: 'first' }).waitFor();
    expect(problems).toEqual([]);
  });

  it('deleting a message shows the tombstone on the other members’ open pages, live', async () => {
    await send(a, 'Wrong room, sorry');
    await messages(b, 'Wrong room, sorry').waitFor();
    await messages(c, 'Wrong room, sorry').waitFor();
    const mine = messages(a, 'Wrong room, sorry');
    await mine.hover();
    await mine.locator('[data-testid=action-delete]').click(); // the confirmation is accepted
    for (const p of [a, b, c]) await p.locator('[data-testid=message-list] [data-testid=message] [data-testid=message-deleted]').filter({ hasText: 'Message deleted' }).waitFor();
    for (const p of [b, c]) expect(await messages(p, 'Wrong room, sorry').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('a file dropped onto the conversation and an image pasted into the composer upload and reach the others', async () => {
    // A drop on the conversation, with a DataTransfer holding a file, as the browser fires it.
    await a.locator('[data-testid=message-list]').evaluate((list) => {
      const dt = new DataTransfer();
      dt.items.add(new File(['agenda for friday\n'], 'agenda.txt', { type: 'text/plain' }));
      const target = list.closest('[role=region]') ?? list;
      target.dispatchEvent(new DragEvent('dragenter', { bubbles: true, cancelable: true, dataTransfer: dt }));
      target.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: dt }));
      target.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: dt }));
    });
    await a.locator('[data-testid=upload][data-state=done]').filter({ hasText: 'agenda.txt' }).waitFor();
    await a.locator('[data-testid=drop-zone]').waitFor({ state: 'detached' });
    await input(a).fill('the agenda');
    await input(a).press('Enter');
    for (const p of [b, c]) await messages(p, 'the agenda').locator('[data-testid=attachment-file]').filter({ hasText: 'agenda.txt' }).waitFor();

    // A pasted screenshot: a paste event whose clipboard holds an image file.
    await input(a).evaluate((el, bytes) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], 'screenshot.png', { type: 'image/png' }));
      el.focus();
      el.dispatchEvent(new ClipboardEvent('paste', { bubbles: true, cancelable: true, clipboardData: dt }));
    }, [...PNG]);
    await a.locator('[data-testid=upload][data-state=done]').filter({ hasText: 'screenshot.png' }).waitFor();
    // Pasting a file puts no text into the composer.
    expect(await input(a).inputValue()).toBe('');
    await input(a).fill('see the screenshot');
    await input(a).press('Enter');
    const thumb = messages(b, 'see the screenshot').locator('[data-testid=attachment-image] img');
    await thumb.waitFor();
    await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);
    await messages(c, 'see the screenshot').locator('[data-testid=attachment-image]').waitFor();
    expect(problems).toEqual([]);
  });
});
