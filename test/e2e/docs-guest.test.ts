/**
 * A guest link to a document in real browsers against a real hub: Ann makes an edit link in the page's
 * Share dialog; a fresh browser (no account) opens /d/<token>, gives a name and types; Ann sees the text
 * live; Ann revokes the link and the guest's page closes at once. A read link's guest sees the page but
 * cannot type into it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub';
import { team, type Team } from '../helpers/team';
import { browserContext, chromiumNote, collectProblems, haveChromium, launchChromium, signedInContext } from '../helpers/browser';

const editor = (p: Page) => p.locator('[data-testid=doc-editor]');
/** The editor's text without the co-editors' cursor labels drawn inside it. */
const editorText = (p: Page) =>
  editor(p).evaluate((el) => {
    const copy = el.cloneNode(true) as HTMLElement;
    copy.querySelectorAll('.collaboration-cursor__caret').forEach((caret) => caret.remove());
    return copy.textContent ?? '';
  });

describe.skipIf(!haveChromium)(`document guest links (browser)${chromiumNote}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let t: Team<'ann'>;
  let ctxAnn: BrowserContext;
  let pageId: string;

  beforeAll(async () => {
    [hub, browser] = await Promise.all([startTestHub(), launchChromium()]);
    t = await team(hub.url, ['ann'] as const);
    const space = (await t.owner.post('/api/docs/spaces', { name: 'Company' })).body.space.id;
    pageId = (await t.ann.post(`/api/docs/spaces/${space}/pages`, { title: 'Offer for Partner' })).body.page.id;
    ctxAnn = await signedInContext(browser, hub, t.ann);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('an edit link: the guest gives a name and types, the editor sees it live, revoking closes the guest\'s page', async () => {
    const a = await ctxAnn.newPage();
    const ctxGuest = await browserContext(browser);
    const g = await ctxGuest.newPage();
    const problems = collectProblems({ Ann: a, guest: g }, { csp: true });

    await a.goto(`${hub.url}/app/docs/${pageId}`);
    await a.locator('[data-testid=doc-page][data-access=edit]').waitFor();
    await editor(a).click();
    await a.keyboard.type('Price: 100.');

    // --- Ann makes an edit link in the Share dialog
    await a.click('[data-testid=doc-share]');
    const dialog = a.locator('[data-testid=doc-share-dialog]');
    await dialog.waitFor();
    await dialog.locator('[data-testid=doc-share-edit]').check();
    await dialog.locator('[data-testid=doc-share-name]').fill('Paul Partner');
    await dialog.locator('[data-testid=doc-share-create]').click();
    const url = await dialog.locator('[data-testid=doc-share-url]').inputValue();
    expect(url).toMatch(new RegExp(`^${hub.url}/d/[A-Za-z0-9_-]{43}$`));
    await dialog.locator('[data-testid=doc-share-link][data-state=active][data-access=edit]').filter({ hasText: 'Paul Partner' }).waitFor();

    // --- A fresh browser opens the link, gives a name, sees the title and the text, and types
    await g.goto(url);
    await g.locator('[data-testid=doc-guest-name]').fill('Paul');
    await g.click('[data-testid=doc-guest-open]');
    await g.locator('[data-testid=doc-guest-title]').filter({ hasText: 'Offer for Partner' }).waitFor();
    await g.locator('[data-testid=doc-page][data-access=edit]').waitFor();
    await expect.poll(() => editorText(g)).toContain('Price: 100.');
    await g.locator('[data-testid=doc-status][data-status=saved]').waitFor();
    await editor(g).click();
    await g.keyboard.press('End');
    await g.keyboard.type(' Agreed by Paul.');
    await expect.poll(() => editorText(a)).toContain('Price: 100. Agreed by Paul.');
    // Ann sees the guest on the page, by the name they gave.
    await a.locator('[data-testid=doc-presence-name]').filter({ hasText: 'Paul' }).waitFor();
    // A reload keeps the guest's session: no new name is asked.
    await g.reload();
    await g.locator('[data-testid=doc-page][data-access=edit]').waitFor();

    // --- Ann revokes the link: the guest's page closes at once
    await dialog.locator('[data-testid=doc-share-revoke]').click();
    await dialog.locator('[data-testid=doc-share-link][data-state=revoked]').waitFor();
    await g.locator('[data-testid=doc-guest-closed]').waitFor();
    expect(await g.locator('[data-testid=doc-editor]').count()).toBe(0);
    // The link opens nothing any more.
    const again = await (await browserContext(browser)).newPage();
    await again.goto(url);
    await again.locator('[data-testid=doc-guest-name]').fill('Paul');
    await again.click('[data-testid=doc-guest-open]');
    await again.locator('[data-testid=doc-guest-problem][data-problem=revoked]').waitFor();
    expect(problems).toEqual([]);
  });

  it('a read link: the guest sees the page, read-only, in Russian too', async () => {
    const made = await t.ann.post(`/api/docs/pages/${pageId}/guest-links`, { access: 'read' });
    const ctx = await browserContext(browser, 'ru-RU');
    const g = await ctx.newPage();
    const problems = collectProblems({ guest: g }, { csp: true });
    await g.goto(made.body.link.url);
    await g.locator('[data-testid=doc-guest-open]').filter({ hasText: 'Открыть документ' }).waitFor();
    await g.locator('[data-testid=doc-guest-name]').fill('Вера');
    await g.click('[data-testid=doc-guest-open]');
    await g.locator('[data-testid=doc-page][data-access=read]').waitFor();
    await g.locator('[data-testid=doc-readonly-hint]').waitFor();
    await expect.poll(() => editorText(g)).toContain('Agreed by Paul.');
    expect(await editor(g).getAttribute('contenteditable')).toBe('false');
    // A forged link says it does not work.
    await g.goto(`${hub.url}/d/${'A'.repeat(43)}`);
    await g.locator('[data-testid=doc-guest-name]').fill('Вера');
    await g.click('[data-testid=doc-guest-open]');
    await g.locator('[data-testid=doc-guest-problem][data-problem=invalid]').waitFor();
    expect(problems).toEqual([]);
  });
});
