/**
 * Documents attached to chats and tasks, in a real browser against a real hub: Ann attaches a page to a
 * chat from the page's "Attach to…" dialog; the chat shows the page's card (for Ben too, live); clicking
 * it opens the page; the page lists where it is attached. On a task page, "Attach a document" finds a
 * page by the docs search and the task's Documents section lists it; the call's "Meeting notes" opens
 * the call's notes page, the same one on a second press.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub';
import { team, type Team } from '../helpers/team';
import { chromiumNote, collectProblems, haveChromium, launchChromium, signedInContext } from '../helpers/browser';

describe.skipIf(!haveChromium)(`documents attached to chats and tasks (browser)${chromiumNote}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let t: Team<'ann' | 'ben'>;
  let ctxAnn: BrowserContext;
  let ctxBen: BrowserContext;
  let space: string;
  let pageId: string;
  let chatId: string;

  beforeAll(async () => {
    [hub, browser] = await Promise.all([startTestHub(), launchChromium()]);
    t = await team(hub.url, ['ann', 'ben'] as const);
    space = (await t.owner.post('/api/docs/spaces', { name: 'Company' })).body.space.id;
    pageId = (await t.ann.post(`/api/docs/spaces/${space}/pages`, { title: 'Release checklist' })).body.page.id;
    chatId = (await t.ann.post('/api/chats', { kind: 'group', title: 'Release team', memberIds: [t.ids.ben] })).body.chat.id;
    [ctxAnn, ctxBen] = await Promise.all([signedInContext(browser, hub, t.ann), signedInContext(browser, hub, t.ben)]);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('attach a page to a chat from the page: the chat shows its card, and the card opens the page', async () => {
    const a = await ctxAnn.newPage();
    const b = await ctxBen.newPage();
    const problems = collectProblems({ Ann: a, Ben: b }, { csp: true });
    await b.goto(`${hub.url}/app/chats/${chatId}`);

    await a.goto(`${hub.url}/app/docs/${pageId}`);
    await a.locator('[data-testid=doc-page][data-access=edit]').waitFor();
    await a.locator('[data-testid=doc-attachments]').getByText('Not attached anywhere you can see.').waitFor();
    await a.click('[data-testid=doc-attach]');
    const dialog = a.locator('[data-testid=attach-dialog]');
    await dialog.waitFor();
    await dialog.locator('[data-testid=attach-search]').fill('release');
    await dialog.locator(`[data-testid=attach-option][data-id="${chatId}"]`).click();
    await dialog.locator('[data-testid=attach-note]').filter({ hasText: 'Attached to “Release team”.' }).waitFor();
    await dialog.getByRole('button', { name: 'Done' }).click();
    const listed = a.locator(`[data-testid=doc-attachment][data-kind=chat][data-target="${chatId}"]`);
    await listed.getByRole('link', { name: 'Release team' }).waitFor();

    // Ben's open chat gets the card live; it opens the page.
    const card = b.locator(`[data-testid=card][data-kind=doc][data-card-id="${pageId}"]`);
    await card.waitFor();
    expect(await card.locator('[data-testid=card-title]').textContent()).toContain('📄 Release checklist');
    await card.click();
    await b.waitForURL(`${hub.url}/app/docs/${pageId}`);
    await b.locator('[data-testid=doc-page][data-access=edit]').waitFor();
    // Attaching again is no change: still one card.
    expect((await t.ann.post(`/api/docs/pages/${pageId}/attachments`, { kind: 'chat', targetId: chatId })).status).toBe(200);
    const cards = ((await t.ben.get(`/api/chats/${chatId}/messages`)).body.messages as any[]).filter((m) => m.card?.kind === 'doc');
    expect(cards).toHaveLength(1);
    expect(problems).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });

  it('the task page lists the pages attached to the task, and attaches one found by search', async () => {
    const taskId = (await t.ann.post('/api/tasks', { clientId: randomUUID(), title: 'Ship 2.0' })).body.task.id;
    const other = (await t.ann.post(`/api/docs/spaces/${space}/pages`, { title: 'Migration guide' })).body.page.id;
    expect((await t.ann.post(`/api/docs/pages/${pageId}/attachments`, { kind: 'task', targetId: taskId })).status).toBe(201);
    const a = await ctxAnn.newPage();
    const problems = collectProblems({ Ann: a }, { csp: true });
    await a.goto(`${hub.url}/app/tasks/${taskId}`);
    const section = a.locator('[data-testid=attached-docs][data-kind=task]');
    await section.locator(`[data-testid=attached-doc][data-id="${pageId}"]`).getByRole('link', { name: '📄 Release checklist' }).waitFor();

    await section.locator('[data-testid=attached-docs-attach]').click();
    const dialog = a.locator('[data-testid=attach-doc-dialog]');
    await dialog.locator('[data-testid=attach-doc-search]').fill('migration');
    await dialog.locator(`[data-testid=attach-doc-option][data-id="${other}"]`).click();
    await dialog.waitFor({ state: 'detached' });
    await section.locator(`[data-testid=attached-doc][data-id="${other}"]`).waitFor();
    expect(await section.locator('[data-testid=attached-doc]').count()).toBe(2);
    // The link opens the page.
    await section.getByRole('link', { name: '📄 Migration guide' }).click();
    await a.waitForURL(`${hub.url}/app/docs/${other}`);
    await a.locator(`[data-testid=doc-attachment][data-kind=task][data-target="${taskId}"]`).getByRole('link', { name: 'Ship 2.0' }).waitFor();
    expect(problems).toEqual([]);
    await a.close();
  });

  it('a call\'s "Meeting notes" opens its notes page, the same one every time', async () => {
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const callId = (await t.ann.post(`/api/chats/${chatId}/calls`, { title: 'Planning', at })).body.call.id;
    const a = await ctxAnn.newPage();
    const problems = collectProblems({ Ann: a }, { csp: true });
    // With video off on the test hub, the call page offers the way back to the chat, and the notes.
    await a.goto(`${hub.url}/app/calls/${callId}`);
    await a.click('[data-testid=meeting-notes]');
    await a.waitForURL(/\/app\/docs\/[0-9a-f-]{36}$/);
    const first = a.url();
    await a.locator('[data-testid=doc-page][data-access=edit]').waitFor();
    expect(await a.locator('[data-testid=doc-title]').inputValue()).toMatch(/^Meeting notes — Planning — /);
    await a.goto(`${hub.url}/app/calls/${callId}`);
    await a.click('[data-testid=meeting-notes]');
    await a.waitForURL(first);
    const notes = ((await t.ann.get(`/api/chats/${chatId}/messages`)).body.messages as any[]).filter((m) => m.card?.kind === 'doc');
    expect(notes).toHaveLength(2);
    expect(problems).toEqual([]);
    await a.close();
  });
});
