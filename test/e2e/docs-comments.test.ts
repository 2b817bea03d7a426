/**
 * Comments on a page's selection and @mentions in real browsers against a real hub: Olga selects text and
 * comments on it; Ann, on the same page, sees the highlighted text and the thread appear live, replies, and
 * Olga sees the reply; clicking the thread selects its text; Olga resolves it and the highlight goes away
 * for both. Typing "@" in the page lists colleagues and inserts a mention of the one picked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub';
import { team, type Team } from '../helpers/team';
import { editor, editorText, saved } from '../helpers/docs';
import { chromiumNote, collectProblems, haveChromium, launchChromium, signedInContext } from '../helpers/browser';

const thread = (p: Page) => p.locator('[data-testid=doc-thread]');
const highlight = (p: Page) => editor(p).locator('.doc-comment');

describe.skipIf(!haveChromium)(`docs comments and mentions (browser)${chromiumNote}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let t: Team<'ann'>;
  let ctxOlga: BrowserContext;
  let ctxAnn: BrowserContext;
  let spaceId = '';

  beforeAll(async () => {
    [hub, browser] = await Promise.all([startTestHub(), launchChromium()]);
    t = await team(hub.url, ['ann'] as const);
    [ctxOlga, ctxAnn] = await Promise.all([signedInContext(browser, hub, t.owner), signedInContext(browser, hub, t.ann)]);
    spaceId = (await t.owner.post('/api/docs/spaces', { name: 'Handbook' })).body.space.id;
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('a comment on a selection shows live for the other reader, who replies; resolving hides it for both', async () => {
    const pageId = (await t.owner.post(`/api/docs/spaces/${spaceId}/pages`, { title: 'Plan' })).body.page.id;
    const a = await ctxOlga.newPage();
    const b = await ctxAnn.newPage();
    const problems = collectProblems({ Olga: a, Ann: b }, { csp: true });
    for (const p of [a, b]) {
      await p.goto(`${hub.url}/app/docs/${pageId}`);
      await p.locator('[data-testid=doc-page][data-access=edit]').waitFor();
      await p.locator('[data-testid=doc-comments-empty]').waitFor();
    }

    // Olga writes a line, then selects "calls in May" (the end of the line) and comments on it.
    await editor(a).click();
    await a.keyboard.type('We ship calls in May');
    await saved(a);
    await expect.poll(() => editorText(b)).toContain('We ship calls in May');
    for (let i = 0; i < 'calls in May'.length; i++) await a.keyboard.press('Shift+ArrowLeft');
    await a.locator('[data-testid=doc-comment-add]').click();
    await a.locator('[data-testid=doc-comment-draft] blockquote').filter({ hasText: 'calls in May' }).waitFor();
    await a.locator('[data-testid=doc-comment-input]').fill('Is **May** realistic?');
    await a.locator('[data-testid=doc-comment-send]').click();
    await thread(a).filter({ hasText: 'Is May realistic?' }).waitFor();
    await expect.poll(() => highlight(a).allInnerTexts()).toEqual(['calls in May']);

    // Ann sees the highlighted text and the thread without reloading, and replies.
    await thread(b).filter({ hasText: 'Is May realistic?' }).waitFor();
    await expect.poll(() => highlight(b).allInnerTexts()).toEqual(['calls in May']);
    expect(await thread(b).locator('[data-testid=doc-thread-quote]').innerText()).toBe('calls in May');
    await thread(b).locator('[data-testid=doc-thread-reply]').click();
    await b.locator('[data-testid=doc-reply-input]').fill('June is safer');
    await b.locator('[data-testid=doc-reply-send]').click();
    await thread(b).locator('[data-testid=doc-comment]').nth(1).filter({ hasText: 'June is safer' }).waitFor();
    await thread(a).locator('[data-testid=doc-comment]').nth(1).filter({ hasText: 'June is safer' }).waitFor();

    // The text moves (Ann types before it): the highlight stays on the same words.
    await editor(b).locator('p').first().click({ position: { x: 2, y: 5 } });
    await b.keyboard.press('Home');
    await b.keyboard.type('Plan: ');
    await expect.poll(() => editorText(a)).toContain('Plan: We ship calls in May');
    await expect.poll(() => highlight(a).allInnerTexts()).toEqual(['calls in May']);

    // Clicking the thread selects its text in the editor.
    await thread(b).locator('[data-testid=doc-thread-quote]').click();
    await expect.poll(() => b.evaluate(() => window.getSelection()?.toString())).toBe('calls in May');
    await expect.poll(() => editor(b).locator('.doc-comment-active').count()).toBe(1);

    // Olga resolves the thread: it leaves the open list and the highlight goes, for both.
    await thread(a).locator('[data-testid=doc-thread-resolve]').click();
    for (const p of [a, b]) {
      await expect.poll(() => highlight(p).count()).toBe(0);
      await expect.poll(() => thread(p).count()).toBe(0);
    }
    await b.locator('[data-testid=doc-comments-resolved]').check();
    await thread(b).filter({ hasText: 'Is May realistic?' }).locator('[data-testid=doc-thread-reopen]').waitFor();
    expect(problems).toEqual([]);
  });

  it('typing @ in the page lists colleagues and inserts a mention', async () => {
    const pageId = (await t.owner.post(`/api/docs/spaces/${spaceId}/pages`, { title: 'Mentions' })).body.page.id;
    const a = await ctxOlga.newPage();
    const problems = collectProblems({ Olga: a }, { csp: true });
    await a.goto(`${hub.url}/app/docs/${pageId}`);
    await a.locator('[data-testid=doc-page][data-access=edit]').waitFor();
    await editor(a).click();
    await a.keyboard.type('Ask @An');
    await a.locator('[data-testid=doc-mention-option]').filter({ hasText: 'Ann' }).waitFor();
    await a.keyboard.press('Enter');
    await a.keyboard.type('about it');
    const mention = editor(a).locator('span.mention[data-type=mention]');
    await expect.poll(() => mention.getAttribute('data-id')).toBe(t.ids.ann);
    expect(await mention.innerText()).toBe('@Ann');
    await saved(a);
    expect(problems).toEqual([]);
  });
});
