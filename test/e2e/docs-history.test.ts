/**
 * The knowledge base's history, live tree and richer editor in real browsers against a real hub: Olga
 * saves a named version, changes the text, previews the old version read-only and restores it, and
 * both her page and Ann's show the restored text live; a page Olga creates, renames and deletes shows
 * up in Ann's tree without a reload; a checklist item toggled, a table grown and a link added by one
 * user appear for the other, and a `javascript:` link is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub';
import { team, type Team } from '../helpers/team';
import { editor, editorText, saved, treePage } from '../helpers/docs';
import { chromiumNote, collectProblems, haveChromium, launchChromium, signedInContext } from '../helpers/browser';


describe.skipIf(!haveChromium)(`docs history, live tree, checklists, tables, links (browser)${chromiumNote}`, () => {
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

  async function openBoth(title: string): Promise<[Page, Page]> {
    const pageId = (await t.owner.post(`/api/docs/spaces/${spaceId}/pages`, { title })).body.page.id;
    const a = await ctxOlga.newPage();
    const b = await ctxAnn.newPage();
    for (const p of [a, b]) {
      await p.goto(`${hub.url}/app/docs/${pageId}`);
      await p.locator('[data-testid=doc-page][data-access=edit]').waitFor();
      await saved(p);
    }
    return [a, b];
  }

  it('saves a named version, previews it read-only, and restores it live for every open editor', async () => {
    const [a, b] = await openBoth('Policy');
    const problems = collectProblems({ Olga: a, Ann: b }, { csp: true });

    await editor(a).click();
    await editor(a).pressSequentially('Original wording');
    await editor(b).locator('p', { hasText: 'Original wording' }).waitFor();
    await saved(a);

    // --- a named version "v1"
    await a.click('[data-testid=doc-history]');
    const panel = a.locator('[data-testid=history-panel]');
    await panel.waitFor();
    await panel.locator('[data-testid=version-save]').click();
    await panel.locator('[data-testid=version-name]').fill('v1');
    await panel.locator('[data-testid=version-save-submit]').click();
    await panel.locator('[data-testid=version][data-reason=named][data-name=v1]').waitFor();
    await panel.locator('[data-testid=history-note]', { hasText: 'Version “v1” saved.' }).waitFor();
    await a.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });

    // --- the text changes for both
    await editor(a).click();
    await a.keyboard.press('ControlOrMeta+a');
    await editor(a).pressSequentially('Rewritten entirely');
    await expect.poll(() => editorText(b), { timeout: 10_000 }).toBe('Rewritten entirely');
    await saved(a);

    // --- Ann (an editor too) previews v1: the old text, read-only, while the live page is unchanged
    await b.click('[data-testid=doc-history]');
    const panelB = b.locator('[data-testid=history-panel]');
    await panelB.locator('[data-testid=version][data-name=v1]').click();
    const preview = panelB.locator('[data-testid=version-preview-body]');
    await preview.locator('p', { hasText: 'Original wording' }).waitFor();
    expect(await preview.textContent()).not.toContain('Rewritten');
    expect(await preview.getAttribute('contenteditable')).toBe('false');
    expect(await editorText(b)).toBe('Rewritten entirely');

    // --- she restores it after confirming; both live editors converge on the old text by themselves
    await panelB.locator('[data-testid=version-restore]').click();
    await panelB.locator('[data-testid=version-restore-confirm]').click();
    await panelB.locator('[data-testid=history-note]', { hasText: 'restored' }).waitFor();
    // The content before the restore is kept, so the restore itself can be undone.
    await panelB.locator('[data-testid=version][data-reason=before_restore]').waitFor();
    await expect.poll(() => editorText(a), { timeout: 10_000 }).toBe('Original wording');
    await expect.poll(() => editorText(b), { timeout: 10_000 }).toBe('Original wording');
    await b.keyboard.press('Escape');

    // --- and it was stored: a reload shows it
    await a.reload();
    await editor(a).locator('p', { hasText: 'Original wording' }).waitFor();
    expect(await editorText(a)).toBe('Original wording');
    expect(problems).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });

  it('a reader sees the history and previews a version, but may not save or restore one', async () => {
    // An open workgroup of Olga's without Ann: Ann may read its space's pages, not edit them.
    const groupId = (await t.owner.post('/api/groups', { name: 'Legal', visibility: 'open', memberIds: [] })).body.group.id;
    const space = (await t.owner.post('/api/docs/spaces', { name: 'Legal docs', groupId })).body.space.id;
    const pageId = (await t.owner.post(`/api/docs/spaces/${space}/pages`, { title: 'Terms' })).body.page.id;
    const a = await ctxOlga.newPage();
    const b = await ctxAnn.newPage();
    const problems = collectProblems({ Olga: a, Ann: b }, { csp: true });
    await a.goto(`${hub.url}/app/docs/${pageId}`);
    await a.locator('[data-testid=doc-page][data-access=edit]').waitFor();
    await editor(a).click();
    await a.click('[data-testid=tool-tasks]');
    await editor(a).pressSequentially('Sign the terms');
    await saved(a);
    await t.owner.post(`/api/docs/pages/${pageId}/versions`, { name: 'Draft' });

    await b.goto(`${hub.url}/app/docs/${pageId}`);
    await b.locator('[data-testid=doc-page][data-access=read]').waitFor();
    expect(await b.locator('[data-testid=doc-toolbar]').count()).toBe(0);
    await b.click('[data-testid=doc-history]');
    const panel = b.locator('[data-testid=history-panel]');
    await panel.locator('[data-testid=version][data-name=Draft]').click();
    // The checklist renders in the preview too (the preview has the live editor's schema).
    await panel.locator('[data-testid=version-preview-body] li[data-type=taskItem]', { hasText: 'Sign the terms' }).waitFor();
    expect(await panel.locator('[data-testid=version-save]').count()).toBe(0);
    expect(await panel.locator('[data-testid=version-restore]').count()).toBe(0);
    expect(problems).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });

  it('a page another user creates, renames or deletes shows in my tree without a reload', async () => {
    const a = await ctxOlga.newPage();
    const b = await ctxAnn.newPage();
    const problems = collectProblems({ Olga: a, Ann: b }, { csp: true });
    for (const p of [a, b]) {
      await p.goto(`${hub.url}/app/docs`);
      // The last space opened is remembered (Legal docs, above): pick the Handbook.
      await p.locator('[data-testid=space-item]').filter({ hasText: 'Handbook' }).click();
      await p.locator('[data-testid=space-item][aria-current=true]').filter({ hasText: 'Handbook' }).waitFor();
      await treePage(p, 'Policy').waitFor();
    }

    // Olga creates a page through the UI and names it; Ann's tree follows.
    await a.click('[data-testid=new-page]');
    await a.waitForURL(/\/app\/docs\/[0-9a-f-]{36}$/);
    await a.locator('[data-testid=doc-title]').fill('Onboarding');
    await a.locator('[data-testid=doc-title]').press('Enter');
    await treePage(b, 'Onboarding').waitFor({ timeout: 10_000 });

    // Renamed and deleted through the API (another tab, say): the same.
    const id = a.url().split('/').pop()!;
    await t.owner.patch(`/api/docs/pages/${id}`, { title: 'Onboarding guide' });
    await treePage(b, 'Onboarding guide').waitFor({ timeout: 10_000 });
    await t.owner.del(`/api/docs/pages/${id}`);
    await treePage(b, 'Onboarding guide').waitFor({ state: 'detached', timeout: 10_000 });
    await treePage(b, 'Policy').waitFor();
    expect(problems).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });

  it('checklists, tables and links made by one user appear for the other; unsafe links are refused', async () => {
    const [a, b] = await openBoth('Plan');
    const problems = collectProblems({ Olga: a, Ann: b }, { csp: true });

    // --- a checklist by Olga; Ann ticks an item, Olga sees it ticked
    await editor(a).click();
    await a.click('[data-testid=tool-tasks]');
    await editor(a).pressSequentially('Buy milk');
    await editor(a).press('Enter');
    await editor(a).pressSequentially('Call Ben');
    const item = (p: Page, text: string) => editor(p).locator('li[data-type=taskItem]', { hasText: text });
    await item(b, 'Call Ben').waitFor();
    await item(b, 'Buy milk').locator('input[type=checkbox]').check();
    await editor(a).locator('li[data-type=taskItem][data-checked=true]', { hasText: 'Buy milk' }).waitFor();
    expect(await item(a, 'Call Ben').getAttribute('data-checked')).toBe('false');

    // --- a 3×3 table (a header row), then a row and a column more
    await editor(a).press('Enter');
    await editor(a).press('Enter');
    await a.click('[data-testid=tool-table]');
    await editor(b).locator('table').waitFor();
    await expect.poll(() => editor(b).locator('table tr').count()).toBe(3);
    expect(await editor(b).locator('table th').count()).toBe(3);
    expect(await editor(b).locator('table td').count()).toBe(6);
    await editor(a).locator('table td').first().click();
    await a.keyboard.type('Q1');
    await a.click('[data-testid=tool-row-add]');
    await a.click('[data-testid=tool-col-add]');
    await expect.poll(() => editor(b).locator('table tr').count()).toBe(4);
    await expect.poll(() => editor(b).locator('table tr').first().locator('th').count()).toBe(4);
    await editor(b).locator('table td', { hasText: 'Q1' }).waitFor();
    await a.click('[data-testid=tool-row-remove]');
    await expect.poll(() => editor(b).locator('table tr').count()).toBe(3);
    // The row and column tools are offered only inside a table.
    await editor(a).locator('li[data-type=taskItem]', { hasText: 'Call Ben' }).click();
    await a.locator('[data-testid=tool-row-add]').waitFor({ state: 'detached' });

    // --- a link on a selected word: javascript: refused, a bare domain made https, safe rel for the other
    await a.keyboard.press('End');
    await a.keyboard.type(' site');
    for (let i = 0; i < 4; i++) await a.keyboard.press('Shift+ArrowLeft');
    await a.click('[data-testid=tool-link]');
    const dialog = a.locator('[data-testid=link-dialog]');
    await dialog.locator('[data-testid=link-href]').fill('javascript:alert(1)');
    await dialog.locator('[data-testid=link-submit]').click();
    await dialog.locator('[role=alert]', { hasText: 'Only http, https and mailto' }).waitFor();
    await dialog.locator('[data-testid=link-href]').fill('example.com/team');
    await dialog.locator('[data-testid=link-submit]').click();
    await dialog.waitFor({ state: 'detached' });
    const link = editor(b).locator('a', { hasText: 'site' });
    await link.waitFor();
    expect(await link.getAttribute('href')).toBe('https://example.com/team');
    expect(await link.getAttribute('rel')).toContain('noopener');
    expect(await editor(b).locator('a[href^="javascript"]').count()).toBe(0);
    await saved(a);

    // --- all of it is stored: Ann reloads and sees it
    await b.reload();
    await editor(b).locator('li[data-type=taskItem][data-checked=true]', { hasText: 'Buy milk' }).waitFor();
    await expect.poll(() => editor(b).locator('table tr').count()).toBe(3);
    await editor(b).locator('a[href="https://example.com/team"]').waitFor();
    expect(problems).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });
});
