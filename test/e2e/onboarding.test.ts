/**
 * Onboarding in a real browser against a real hub: the owner creates the workspace, invites a colleague
 * through the admin page and its mail outbox, the colleague joins in Russian, and both see each other's
 * changes live through the directory stream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub';
import { collectProblems, browserContext, chromiumNote, haveChromium, launchChromium, online, watchProblems } from '../helpers/browser';

/** Problems the page reports that must never happen: script errors, dialogs and CSP refusals. */
const withCsp = { csp: true };

function waitForLocaleSave(page: Page, locale: 'en' | 'ru') {
  return page.waitForResponse(
    (r) => r.url().endsWith('/api/me') && r.request().method() === 'PATCH' && (r.request().postData() ?? '').includes(`"${locale}"`) && r.ok(),
  );
}

// Without Debian's Chromium the browser tests say so and skip (CI installs it: .ci/run).
describe.skipIf(!haveChromium)(`onboarding (browser)${chromiumNote}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let ctxA: BrowserContext;
  let ctxB: BrowserContext;

  beforeAll(async () => {
    [hub, browser] = await Promise.all([startTestHub(), launchChromium()]);
    ctxA = await browserContext(browser);
    ctxB = await browserContext(browser, 'ru-RU');
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('owner sets up, invites; the invitee joins in Russian; changes show up live', async () => {
    const a = await ctxA.newPage();
    const problems = watchProblems(a, 'A', withCsp);

    // --- A: first run -> /setup -> the shell
    await a.goto(hub.url);
    await a.waitForURL('**/setup');
    expect(await a.getAttribute('html', 'lang')).toBe('en');
    await expect.poll(() => a.locator('h1').textContent()).toBe('Create your workspace');
    await a.fill('input[name=workspaceName]', 'Acme');
    await a.fill('input[name=name]', 'Alice Owner');
    await a.fill('input[name=email]', 'alice@example.com');
    await a.fill('input[name=password]', 'correct horse battery');
    await a.click('[data-testid=submit]');
    await a.waitForURL('**/app/feed');
    await a.locator('[data-testid=workspace-name]').filter({ hasText: 'Acme' }).waitFor();
    await a.locator('[data-testid=current-user-name]').filter({ hasText: 'Alice Owner' }).waitFor();
    await online(a);

    // --- A: invite Bob from the admin page, read the link from the outbox shown there
    await a.click('[data-testid=nav-admin]');
    await a.waitForURL('**/app/admin');
    await a.locator('[data-testid=admin-user-row][data-email="alice@example.com"]').waitFor();
    await a.click('[data-testid=tab-invitations]');
    await a.fill('[data-testid=invite-form] input[name=email]', 'bob@example.com');
    await a.selectOption('[data-testid=invite-form] select[name=role]', 'employee');
    await a.click('[data-testid=invite-submit]');
    await a.locator('[data-testid=invite-notice]').filter({ hasText: 'bob@example.com' }).waitFor();
    await a.locator('[data-testid=invitation-row][data-email="bob@example.com"][data-status=pending]').waitFor();
    await a.click('[data-testid=tab-outbox]');
    const mail = a.locator('[data-testid=outbox-mail][data-to="bob@example.com"]').first();
    await mail.locator('summary').click();
    const link = await mail.locator('a[data-testid=outbox-link][href*="/invite/"]').first().getAttribute('href');
    expect(link).toMatch(new RegExp(`^${hub.url}/invite/[A-Za-z0-9_-]{43}$`));
    const recorded = await hub.outbox();
    expect(recorded.some((m) => m.to === 'bob@example.com' && m.text.includes(link!))).toBe(true);

    // A watches the people list from now on (no reload after this point)
    await a.click('[data-testid=nav-people]');
    await a.waitForURL('**/app/people');
    await a.locator('[data-testid=person]').filter({ hasText: 'Alice Owner' }).waitFor();
    expect(await a.locator('[data-testid=person]').filter({ hasText: 'Bob' }).count()).toBe(0);

    // --- B (Russian browser): open the invitation, join
    const b = await ctxB.newPage();
    collectProblems({ B: b }, withCsp, problems);
    await b.goto(link!);
    await b.locator('[data-testid=invite-title]').filter({ hasText: 'Alice Owner приглашает вас в Acme' }).waitFor();
    expect(await b.getAttribute('html', 'lang')).toBe('ru');
    expect(await b.locator('[data-testid=invite-form] input[name=email]').inputValue()).toBe('bob@example.com');
    await b.fill('[data-testid=invite-form] input[name=name]', 'Bob Builder');
    await b.fill('[data-testid=invite-form] input[name=password]', 'another good secret');
    await b.click('[data-testid=submit]');
    await b.waitForURL('**/app/feed');
    await b.locator('[data-testid=nav-feed]').filter({ hasText: 'Лента' }).waitFor();
    await b.locator('[data-testid=workspace-name]').filter({ hasText: 'Acme' }).waitFor();
    await b.locator('[data-testid=current-user-name]').filter({ hasText: 'Bob Builder' }).waitFor();
    expect(await b.locator('[data-testid=nav-admin]').count()).toBe(0);

    // --- A sees Bob appear live, and online
    const bobAtA = a.locator('[data-testid=person]').filter({ hasText: 'Bob Builder' });
    await bobAtA.waitFor();
    await bobAtA.locator('[data-testid=presence][data-status=online]').waitFor();

    // --- B switches to English and back to Russian; the choice is stored on the account
    await online(b);
    let saved = waitForLocaleSave(b, 'en');
    await b.click('aside [data-testid=lang-en]');
    await saved;
    await b.locator('[data-testid=nav-feed]').filter({ hasText: 'Feed' }).waitFor();
    expect(await b.getAttribute('html', 'lang')).toBe('en');
    saved = waitForLocaleSave(b, 'ru');
    await b.click('aside [data-testid=lang-ru]');
    await saved;
    await b.locator('[data-testid=nav-feed]').filter({ hasText: 'Лента' }).waitFor();
    await b.reload();
    await b.locator('[data-testid=nav-feed]').filter({ hasText: 'Лента' }).waitFor();
    expect(await b.getAttribute('html', 'lang')).toBe('ru');

    // --- B edits the profile; A sees the new position live
    await b.click('[data-testid=current-user]');
    await b.waitForURL('**/app/profile');
    await b.fill('[data-testid=profile-form] input[name=position]', 'Прораб');
    await b.fill('[data-testid=profile-form] input[name=department]', 'Стройка');
    await b.click('[data-testid=profile-save]');
    await b.locator('[data-testid=profile-saved]').waitFor();
    await bobAtA.locator('[data-testid=person-meta]').filter({ hasText: 'Прораб · Стройка' }).waitFor();

    // --- log out: back to sign-in; the app is closed until signing in again
    await b.click('[data-testid=logout]');
    await b.waitForURL('**/login');
    await b.locator('[data-testid=login-form]').waitFor();
    await b.goto(`${hub.url}/app/profile`);
    await b.waitForURL(/\/login\?next=%2Fapp%2Fprofile$/);

    // ...and signing in again lands on the page asked for
    await b.fill('input[name=email]', 'bob@example.com');
    await b.fill('input[name=password]', 'another good secret');
    await b.click('[data-testid=submit]');
    await b.waitForURL('**/app/profile');
    expect(await b.locator('[data-testid=profile-form] input[name=position]').inputValue()).toBe('Прораб');

    expect(problems).toEqual([]);
  }, 60_000);
});
