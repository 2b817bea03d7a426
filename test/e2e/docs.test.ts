/**
 * The knowledge base in real browsers against a real hub: Olga creates a space and a page through the UI;
 * Ann opens the same page and both edit it live (a heading and paragraphs appear on the other side, each
 * sees the other's cursor with a name, simultaneous typing converges, a reload keeps everything, the
 * indicator says "saved"); Cid, outside an open workgroup, reads its space's page but cannot change it;
 * the page tree creates, renames, moves, deletes (undo toast) and restores from the bin; search finds a
 * page by another form of a Russian word in its text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub';
import { team, type Team } from '../helpers/team';
import { editor, editorText, saved, treePage } from '../helpers/docs';
import { chromiumNote, collectProblems, haveChromium, launchChromium, signedInContext } from '../helpers/browser';


async function openMenu(p: Page, title: string, action: string) {
  const row = treePage(p, title);
  await row.hover();
  await row.locator('[data-testid=tree-menu]').click();
  await row.locator(`[data-testid=tree-action-${action}]`).click();
}

describe.skipIf(!haveChromium)(`docs (browser)${chromiumNote}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let t: Team<'ann' | 'ben' | 'cid'>;
  let ctxOlga: BrowserContext;
  let ctxAnn: BrowserContext;
  let ctxCid: BrowserContext;
  /** Whether Olga's routed document sockets are cut (the offline test), and the open ones. */
  let down = false;
  const sockets: WebSocketRoute[] = [];
  /** The page the first test writes. */
  let notesUrl = '';

  beforeAll(async () => {
    // Documents unload (and are compacted, which indexes their text for search) a second after the last editor leaves.
    [hub, browser] = await Promise.all([startTestHub({ env: { DOC_UNLOAD_SECONDS: '1' } }), launchChromium()]);
    t = await team(hub.url, ['ann', 'ben', 'cid'] as const);
    [ctxOlga, ctxAnn, ctxCid] = await Promise.all([
      signedInContext(browser, hub, t.owner),
      signedInContext(browser, hub, t.ann),
      signedInContext(browser, hub, t.cid),
    ]);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('two people edit one page live: text, headings, cursors with names, concurrent typing, reload', async () => {
    const a = await ctxOlga.newPage();
    const b = await ctxAnn.newPage();
    const problems = collectProblems({ Olga: a, Ann: b }, { csp: true });

    // --- Olga creates the company's space and a page through the UI
    await a.goto(`${hub.url}/app/docs`);
    await a.locator('[data-testid=docs-empty]').waitFor();
    await a.click('[data-testid=new-space]');
    await a.locator('[data-testid=space-name]').fill('Handbook');
    await a.click('[data-testid=space-create]');
    await a.locator('[data-testid=space-title]').filter({ hasText: 'Handbook' }).waitFor();
    await a.locator('[data-testid=space-item][aria-current=true]').filter({ hasText: 'Handbook' }).waitFor();
    await a.click('[data-testid=new-page]');
    await a.waitForURL(/\/app\/docs\/[0-9a-f-]{36}$/);
    const url = a.url();
    notesUrl = url;
    await a.locator('[data-testid=doc-page][data-access=edit]').waitFor();
    await a.locator('[data-testid=doc-title]').fill('Meeting notes');
    await a.locator('[data-testid=doc-title]').press('Enter');
    await treePage(a, 'Meeting notes').waitFor();
    await saved(a);

    // --- Ann opens it; Olga writes a heading (toolbar) and a paragraph; Ann sees both appear
    await b.goto(url);
    await b.locator('[data-testid=doc-page][data-access=edit]').waitFor();
    await saved(b);
    await editor(a).click();
    await a.click('[data-testid=tool-h1]');
    await editor(a).pressSequentially('Agenda');
    await editor(a).press('Enter');
    await editor(a).pressSequentially('First point');
    await editor(b).locator('h1', { hasText: 'Agenda' }).waitFor();
    await editor(b).locator('p', { hasText: 'First point' }).waitFor();
    await expect.poll(() => b.locator('[data-testid=doc-title]').inputValue()).toBe('Meeting notes');

    // --- Ann's caret shows up at Olga's with her name; each sees the other among those present
    await editor(b).locator('p', { hasText: 'First point' }).click();
    await b.keyboard.press('End');
    await editor(a).locator('.collaboration-cursor__label', { hasText: 'Ann' }).waitFor();
    await a.locator('[data-testid=doc-presence-name]', { hasText: 'Ann' }).waitFor();
    await b.locator('[data-testid=doc-presence-name]', { hasText: 'Olga Owner' }).waitFor();

    // --- both type at once, in different places; the texts converge
    await editor(a).locator('h1').click();
    await a.keyboard.press('End');
    await Promise.all([editor(a).pressSequentially(' for Monday', { delay: 15 }), editor(b).pressSequentially(' and the second', { delay: 15 })]);
    await expect.poll(async () => (await editorText(a)) === (await editorText(b)) && (await editorText(a)).includes('the second'), { timeout: 10_000 }).toBe(true);
    const text = await editorText(a);
    expect(text).toContain('Agenda for Monday');
    expect(text).toContain('First point and the second');
    await saved(a);
    await saved(b);

    // --- a reload loads what was stored
    await a.reload();
    await editor(a).locator('h1', { hasText: 'Agenda for Monday' }).waitFor();
    expect(await editorText(a)).toBe(text);
    await saved(a);
    expect(problems).toEqual([]);
    await a.close();
    await b.close();
  }, 120_000);

  it('edits made offline go out when the connection returns; the indicator says where they are', async () => {
    // Olga's document sockets pass through a route, so the test can cut them and keep them down.
    await ctxOlga.routeWebSocket(/\/yjs\//, (ws) => {
      if (down) return void ws.close({ code: 1001, reason: 'test: network down' });
      sockets.push(ws);
      ws.connectToServer();
    });
    const a = await ctxOlga.newPage();
    const b = await ctxAnn.newPage();
    try {
      await offlineEdits(a, b);
    } finally {
      down = false;
      await ctxOlga.unrouteAll();
    }
  }, 60_000);

  /** Olga cuts her connection, writes, and comes back; Ann gets it then. */
  async function offlineEdits(a: Page, b: Page) {
    const problems = collectProblems({ Olga: a, Ann: b }, { csp: true });
    await Promise.all([a.goto(notesUrl), b.goto(notesUrl)]);
    await saved(a);
    await saved(b);

    down = true;
    for (const ws of sockets.splice(0)) await ws.close({ code: 1001, reason: 'test: network down' });
    await a.locator('[data-testid=doc-status][data-status=offline]').waitFor();
    await editor(a).locator('h1').click();
    await a.keyboard.press('End');
    await a.keyboard.type(' (draft)');
    await a.waitForTimeout(500);
    await a.locator('[data-testid=doc-status][data-status=offline]').waitFor();
    expect(await editorText(b)).not.toContain('(draft)');

    down = false;
    await saved(a);
    await editor(b).locator('h1', { hasText: 'Agenda for Monday (draft)' }).waitFor();
    expect(await editorText(b)).toBe(await editorText(a));
    expect(problems).toEqual([]);
    await a.close();
    await b.close();
  }

  it('an image chosen from the toolbar or pasted is stored with the page and shows for the other editor', async () => {
    const a = await ctxOlga.newPage();
    const b = await ctxAnn.newPage();
    const problems = collectProblems({ Olga: a, Ann: b }, { csp: true });
    await a.goto(notesUrl);
    await b.goto(notesUrl);
    await a.locator('[data-testid=doc-page][data-access=edit]').waitFor();
    await b.locator('[data-testid=doc-page][data-access=edit]').waitFor();
    const png = await a.evaluate(async () => {
      const c = document.createElement('canvas');
      c.width = 160;
      c.height = 90;
      const g = c.getContext('2d')!;
      g.fillStyle = '#2a7';
      g.fillRect(0, 0, 160, 90);
      const blob: Blob = await new Promise((r) => c.toBlob((x) => r(x!), 'image/png'));
      return Array.from(new Uint8Array(await blob.arrayBuffer()));
    });
    await editor(a).click();
    await a.keyboard.press('Control+End');
    await a.locator('[data-testid=doc-image-input]').setInputFiles({ name: 'chart.png', mimeType: 'image/png', buffer: Buffer.from(png) });
    // Ann's page shows it, loaded from the stored file (decoded: it has a width).
    const img = editor(b).locator('img[src^="/api/files/"]');
    await img.first().waitFor();
    await expect.poll(() => img.first().evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(160);
    // Pasted into Ann's editor: a second image, seen by Olga.
    await editor(b).click();
    await b.evaluate(async (bytes) => {
      const file = new File([new Uint8Array(bytes)], 'pasted.png', { type: 'image/png' });
      const data = new DataTransfer();
      data.items.add(file);
      document.querySelector('[data-testid=doc-editor]')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, png);
    await expect.poll(() => editor(a).locator('img[src^="/api/files/"]').count()).toBe(2);
    expect(problems).toEqual([]);
    await a.close();
    await b.close();
  });

  it('a reader sees the text and cannot change it', async () => {
    // An open workgroup of Ann's: Cid, not a member, may read its space but not edit it.
    const groupId = (await t.ann.post('/api/groups', { name: 'Design', visibility: 'open', memberIds: [t.ids.ben] })).body.group.id;
    const space = (await t.ann.post('/api/docs/spaces', { name: 'Design docs', groupId })).body.space.id;
    const pageId = (await t.ann.post(`/api/docs/spaces/${space}/pages`, { title: 'Principles' })).body.page.id;

    const b = await ctxAnn.newPage();
    const c = await ctxCid.newPage();
    const problems = collectProblems({ Ann: b, Cid: c }, { csp: true });
    await b.goto(`${hub.url}/app/docs/${pageId}`);
    await b.locator('[data-testid=doc-page][data-access=edit]').waitFor();
    await editor(b).click();
    await editor(b).pressSequentially('Keep it simple');
    await saved(b);

    await c.goto(`${hub.url}/app/docs/${pageId}`);
    await c.locator('[data-testid=doc-page][data-access=read]').waitFor();
    await editor(c).locator('p', { hasText: 'Keep it simple' }).waitFor();
    await c.locator('[data-testid=doc-readonly]').waitFor();
    await c.locator('[data-testid=doc-title-text]').filter({ hasText: 'Principles' }).waitFor();
    expect(await c.locator('[data-testid=doc-toolbar]').count()).toBe(0);
    expect(await editor(c).getAttribute('contenteditable')).toBe('false');
    await editor(c).click();
    await c.keyboard.type('vandal');
    // Ann keeps writing; Cid sees it live, and nothing of Cid's went anywhere
    await editor(b).pressSequentially(', always');
    await editor(c).locator('p', { hasText: 'Keep it simple, always' }).waitFor();
    expect(await editorText(c)).not.toContain('vandal');
    expect(await editorText(b)).not.toContain('vandal');
    // The reader's client never even tried to send an update (the hub would have refused it).
    expect(await c.locator('[data-testid=doc-page]').getAttribute('data-denied')).toBe('0');
    // The tree is there to read, without editing controls
    await treePage(c, 'Principles').waitFor();
    expect(await c.locator('[data-testid=new-page]').count()).toBe(0);

    // An empty page: binding the editor to an empty document writes nothing either
    const empty = (await t.ann.post(`/api/docs/spaces/${space}/pages`, { title: 'Empty' })).body.page.id;
    await c.goto(`${hub.url}/app/docs/${empty}`);
    await c.locator('[data-testid=doc-page][data-access=read]').waitFor();
    await saved(c);
    await c.waitForTimeout(300);
    expect(await c.locator('[data-testid=doc-page]').getAttribute('data-denied')).toBe('0');

    // A page of a space Cid may not open at all: a clear message
    const closed = (await t.ann.post('/api/groups', { name: 'Board', visibility: 'closed' })).body.group.id;
    const closedSpace = (await t.ann.post('/api/docs/spaces', { name: 'Board docs', groupId: closed })).body.space.id;
    const secret = (await t.ann.post(`/api/docs/spaces/${closedSpace}/pages`, { title: 'Secret' })).body.page.id;
    await c.goto(`${hub.url}/app/docs/${secret}`);
    await c.locator('[data-testid=doc-problem][data-problem=gone]').waitFor();
    expect(problems).toEqual([]);
    await b.close();
    await c.close();
  }, 90_000);

  it('the page tree: create, rename, move, delete with undo, restore from the bin', async () => {
    const a = await ctxOlga.newPage();
    const problems = collectProblems({ Olga: a }, { csp: true });
    await a.goto(`${hub.url}/app/docs`);
    await a.locator('[data-testid=space-item][aria-current=true]').filter({ hasText: 'Handbook' }).waitFor();
    await treePage(a, 'Meeting notes').waitFor();

    // Create two pages and rename them from the tree
    await a.click('[data-testid=new-page]');
    await a.waitForURL(/\/app\/docs\/[0-9a-f-]{36}$/);
    await treePage(a, '').waitFor();
    await openMenu(a, '', 'rename');
    await a.locator('[data-testid=tree-rename-input]').fill('Onboarding');
    await a.locator('[data-testid=tree-rename-input]').press('Enter');
    await treePage(a, 'Onboarding').waitFor();
    await expect.poll(() => a.locator('[data-testid=doc-title]').inputValue()).toBe('Onboarding');

    // A subpage from the menu, renamed in the editor's title
    const onboardingUrl = a.url();
    await openMenu(a, 'Onboarding', 'child');
    await a.waitForURL((u) => u.href !== onboardingUrl);
    await expect.poll(() => a.locator('[data-testid=doc-title]').inputValue()).toBe('');
    await a.locator('[data-testid=doc-title]').fill('First day');
    await a.locator('[data-testid=doc-title]').press('Enter');
    await treePage(a, 'First day').and(a.locator('[data-depth="1"]')).waitFor();

    // Move "Meeting notes" under "Onboarding" with the dialog, then back up with "Outdent"
    await openMenu(a, 'Meeting notes', 'move');
    const onboardingId = await treePage(a, 'Onboarding').getAttribute('data-id');
    await a.locator('[data-testid=move-parent]').selectOption(onboardingId!);
    await a.click('[data-testid=move-submit]');
    await treePage(a, 'Meeting notes').and(a.locator('[data-depth="1"]')).waitFor();
    const order = async () => a.locator('[data-testid=tree-page]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-depth')}:${e.getAttribute('data-title')}`));
    expect(await order()).toEqual(['0:Onboarding', '1:First day', '1:Meeting notes']);
    await openMenu(a, 'Meeting notes', 'outdent');
    await treePage(a, 'Meeting notes').and(a.locator('[data-depth="0"]')).waitFor();
    expect(await order()).toEqual(['0:Onboarding', '1:First day', '0:Meeting notes']);
    await openMenu(a, 'Meeting notes', 'up');
    await expect.poll(order).toEqual(['0:Meeting notes', '0:Onboarding', '1:First day']);

    // Drag "Meeting notes" onto "Onboarding": it goes inside, last; dragged to the top drop zone, back out
    await treePage(a, 'Meeting notes').locator('.row').dragTo(treePage(a, 'Onboarding').locator('.row'));
    await expect.poll(order).toEqual(['0:Onboarding', '1:First day', '1:Meeting notes']);
    await openMenu(a, 'Meeting notes', 'outdent');
    await openMenu(a, 'Meeting notes', 'up');
    await expect.poll(order).toEqual(['0:Meeting notes', '0:Onboarding', '1:First day']);

    // Delete "Onboarding" (and its subpage); undo brings both back
    await openMenu(a, 'Onboarding', 'delete');
    await a.locator('[data-testid=undo-toast]').filter({ hasText: 'Onboarding' }).waitFor();
    await treePage(a, 'Onboarding').waitFor({ state: 'detached' });
    await a.waitForURL(/\/app\/docs$/); // its subpage was open
    await a.click('[data-testid=undo]');
    await a.locator('[data-testid=undo-toast]').waitFor({ state: 'detached' });
    await expect.poll(order).toEqual(['0:Meeting notes', '0:Onboarding', '1:First day']);

    // Delete again, let the toast go; the bin restores it
    await openMenu(a, 'Onboarding', 'delete');
    await treePage(a, 'Onboarding').waitFor({ state: 'detached' });
    await a.locator('[data-testid=undo-toast] button[aria-label]').last().click();
    const binned = a.locator('[data-testid=bin-page]').filter({ hasText: 'Onboarding' });
    await binned.waitFor();
    await binned.locator('[data-testid=bin-restore]').click();
    await binned.waitFor({ state: 'detached' });
    await a.locator('[data-testid=bin-empty]').waitFor();
    await expect.poll(order).toEqual(['0:Meeting notes', '0:Onboarding', '1:First day']);
    expect(problems).toEqual([]);
    await a.close();
  }, 90_000);

  it('search finds a page by another form of a Russian word in its text', async () => {
    const a = await ctxOlga.newPage();
    const problems = collectProblems({ Olga: a }, { csp: true });
    await a.goto(`${hub.url}/app/docs`);
    await a.locator('[data-testid=space-item][aria-current=true]').waitFor();
    await a.click('[data-testid=new-page]');
    await a.waitForURL(/\/app\/docs\/[0-9a-f-]{36}$/);
    const pageId = a.url().split('/').pop()!;
    await a.locator('[data-testid=doc-title]').fill('Продажи');
    await a.locator('[data-testid=doc-title]').press('Enter');
    await editor(a).click();
    await editor(a).pressSequentially('Квартальные отчёты отправлены клиентам');
    await saved(a);
    // Leaving the page lets the hub unload the document, which compacts it and indexes its text.
    await a.goto(`${hub.url}/app/docs`);
    const search = a.locator('[data-testid=doc-search]');
    const hit = a.locator(`[data-testid=doc-search-hit][data-id="${pageId}"]`);
    await expect
      .poll(
        async () => {
          await search.fill('');
          await search.fill('квартальный отчёт');
          await a.locator('[data-testid=doc-search-results], [data-testid=doc-search-empty]').first().waitFor();
          return hit.count();
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe(1);
    expect(await hit.locator('[data-testid=doc-search-snippet] mark').allInnerTexts()).toEqual(expect.arrayContaining(['Квартальные']));
    await hit.click();
    await a.waitForURL(new RegExp(`/app/docs/${pageId}$`));
    await editor(a).locator('p', { hasText: 'Квартальные отчёты' }).waitFor();
    expect(problems).toEqual([]);
    await a.close();
  }, 90_000);
});
