/**
 * External people on a feed post, in real browsers and through the UI only: Bob (an employee) writes a
 * post in the composer and adds a partner's address to its audience; the invitation mail is in the
 * outbox (Olga's Admin → Mail outbox page); its link opens the post in a fresh browser context; the guest
 * comments under a display name and Bob's open feed page shows it without a reload (and the guest sees
 * Bob's answer arrive); Bob revokes the guest in the Guests dialog while the guest page is open, and the
 * page closes at once and stays closed. Hostile markup stays inert; the feed shows its mail addresses;
 * the guest page speaks Russian to a Russian browser.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, registerOwner, type ApiClient } from '../helpers/client';
import { browserContext, chromiumNote, collectProblems, haveChromium, launchChromium, online, signedInContext } from '../helpers/browser';

const DOMAIN = 'artel.test';
const GUEST = 'client@partner.example';
const BODY = 'Please review **clause 4** <img src=x onerror=alert(1)> [x](javascript:alert(2))';
/** Room for the feed's cards; the clipboard, to check what "click copies" copied. */
const employee = { viewport: { width: 1280, height: 900 }, permissions: ['clipboard-read', 'clipboard-write'] };

/** The card of the post whose body contains `text`. */
const card = (p: Page, text: string): Locator => p.locator('[data-testid=post]').filter({ has: p.locator('[data-testid=post-body]', { hasText: text }) });

/** Write a post in the feed composer, for everyone and the external `email` (typed into the audience picker). */
async function writePost(p: Page, title: string, body: string, email: string) {
  const composer = p.locator('[data-testid=post-composer]');
  await composer.locator('[data-testid=post-composer-open]').click();
  await composer.locator('[data-testid=post-body-input]:focus').waitFor();
  await composer.locator('[data-testid=post-title-input]').fill(title);
  await composer.locator('[data-testid=post-body-input]').fill(body);
  const input = composer.locator('[data-testid=audience-input]');
  await input.click();
  await input.fill(email);
  await input.press('Enter');
  await composer.locator('[data-testid=audience-chip][data-kind=email]').filter({ hasText: email }).waitFor();
  await composer.locator('[data-testid=audience-chip][data-kind=everyone]').waitFor();
  await composer.locator('[data-testid=post-body-input]').press('Control+Enter');
  await composer.locator('[data-testid=post-composer-open]').waitFor();
}

/** The guest link of the newest mail to `to`, read from the Admin → Mail outbox page as an admin sees it. */
async function linkFromOutbox(p: Page, hubUrl: string, to: string): Promise<string> {
  await p.goto(`${hubUrl}/app/admin?tab=outbox`);
  const mail = p.locator(`[data-testid=outbox-mail][data-to="${to}"]`).first();
  // The mail may be queued a moment after the post: refresh the list until it is there.
  for (let i = 0; !(await mail.count()); i++) {
    if (i > 20) throw new Error(`no mail to ${to} in the outbox`);
    await p.waitForTimeout(250);
    await p.locator('[data-testid=outbox-refresh]').click();
  }
  await mail.locator('summary').click();
  const link = mail.locator('[data-testid=outbox-link]').filter({ hasText: '/g/' }).first();
  const href = (await link.getAttribute('href'))!;
  expect(href).toMatch(/^https?:\/\/\S+\/g\/[A-Za-z0-9_-]{43}$/);
  return href;
}

describe.skipIf(!haveChromium)(`a guest on a feed post (browser)${chromiumNote}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let olga: ApiClient;
  let bob: ApiClient;
  let olgaCtx: BrowserContext;
  let bobCtx: BrowserContext;

  beforeAll(async () => {
    [hub, browser] = await Promise.all([startTestHub({ env: { GUEST_DIGEST_MINUTES: '60', MAIL_DOMAIN: DOMAIN } }), launchChromium()]);
    olga = await registerOwner(hub.url);
    bob = await addColleague(olga, 'bob@example.com', 'Bob Builder');
    olgaCtx = await signedInContext(browser, hub, olga, 'en-US', employee);
    bobCtx = await signedInContext(browser, hub, bob, 'en-US', employee);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('posts to an external address, the guest comments from the mailed link, Bob sees it live and revokes it', async () => {
    const b = await bobCtx.newPage();
    const o = await olgaCtx.newPage();
    const guestCtx = await browserContext(browser);
    const g = await guestCtx.newPage();
    const problems = collectProblems({ bob: b, olga: o, guest: g }, { acceptConfirms: true });

    // Bob writes the post in the composer, to everyone and to the partner's address.
    await b.goto(`${hub.url}/app/feed`);
    await online(b);
    await writePost(b, 'Supply contract', BODY, GUEST);
    const post = card(b, 'Please review');
    await post.locator('[data-testid=post-title]').filter({ hasText: 'Supply contract' }).waitFor();
    await post.locator('[data-testid=post-guests]').filter({ hasText: 'Guests · 1' }).waitFor();
    // From here on Bob's page is never reloaded: a mark on its window would be lost if it were.
    await b.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

    // The invitation is in the outbox, as Olga (an admin) sees it; its link opens in a fresh context.
    const link = await linkFromOutbox(o, hub.url, GUEST);
    await g.goto(link);
    await g.waitForURL(/\/g$/);
    const shown = g.getByTestId('guest-post');
    await shown.getByText('Supply contract').waitFor();
    expect(await shown.locator('strong').textContent()).toBe('clause 4');
    expect(await shown.locator('img').count()).toBe(0);
    expect(await g.getByTestId('guest-as').textContent()).toContain('client');

    // The guest names themselves and comments with a file.
    await g.getByTestId('guest-as').getByRole('button').click();
    await g.getByTestId('guest-name').fill('Carla Client');
    await g.getByTestId('guest-name').press('Enter');
    await g.getByTestId('guest-as').filter({ hasText: 'Carla Client' }).waitFor();
    await g.getByTestId('guest-file').setInputFiles({ name: 'redlines.txt', mimeType: 'text/plain', buffer: Buffer.from('clause 4: ok') });
    await g.getByTestId('guest-files').filter({ hasText: 'redlines.txt' }).waitFor();
    await g.getByTestId('guest-input').fill('Clause 4 is fine with us');
    await g.getByTestId('guest-send').click();
    await g.getByTestId('guest-comment').filter({ hasText: 'Clause 4 is fine with us' }).getByTestId('attachment-file').filter({ hasText: 'redlines.txt' }).waitFor();

    // Bob's open feed page shows it live: the guest's name, marked external, with the file.
    const theirs = post.locator('[data-testid=comment]').filter({ hasText: 'Clause 4 is fine with us' });
    await theirs.locator('[data-testid=comment-author]').filter({ hasText: 'Carla Client' }).waitFor();
    await theirs.locator('[data-testid=comment-guest]').waitFor();
    await theirs.locator('[data-testid=attachment-file]').filter({ hasText: 'redlines.txt' }).waitFor();

    // Bob answers in his comment box: it reaches the guest's page live, and the guest's reply his.
    await post.locator('[data-testid=comment-input]').fill('Great, **signing** today');
    await post.locator('[data-testid=comment-input]').press('Enter');
    const bobs = g.getByTestId('guest-comment').filter({ hasText: 'Great, signing today' });
    await bobs.filter({ hasText: 'Bob Builder' }).waitFor();
    await bobs.getByTestId('guest-reply').click();
    await g.getByTestId('guest-input').fill('Thank you!');
    await g.getByTestId('guest-input').press('Control+Enter');
    await g.locator('.reply [data-testid=guest-comment]').filter({ hasText: 'Thank you!' }).waitFor();
    await post.locator('[data-testid=comment][data-depth="1"]').filter({ hasText: 'Thank you!' }).waitFor();

    // Bob revokes the guest in the Guests dialog while their page is open: it closes at once.
    await post.locator('[data-testid=post-guests]').click();
    const dialog = b.locator('[data-testid=guests-dialog]');
    const row = dialog.locator(`[data-testid=guest-link][data-email="${GUEST}"]`);
    await row.and(b.locator('[data-status=active]')).waitFor();
    await row.getByText('Last seen').waitFor();
    await row.locator('[data-testid=guest-link-revoke]').click(); // confirmed by the dialog handler
    await row.and(b.locator('[data-status=revoked]')).waitFor();
    await g.getByTestId('guest-problem').filter({ hasText: 'revoked' }).waitFor();
    // What was on the screen goes with the access: the post, the comments, the box to answer.
    expect(await g.getByTestId('guest-post').count()).toBe(0);
    expect(await g.getByText('Clause 4 is fine with us').count()).toBe(0);
    expect(await g.getByTestId('guest-input').count()).toBe(0);
    expect(await g.getByTestId('guest-send').count()).toBe(0);

    // A reload stays closed, and so does the link from the mail.
    await g.reload();
    await g.getByTestId('guest-problem').first().waitFor();
    expect(await g.getByTestId('guest-input').count()).toBe(0);
    expect(await g.getByTestId('guest-post').count()).toBe(0);
    await g.goto(link);
    await g.getByTestId('guest-problem').filter({ hasText: 'withdrawn' }).waitFor();
    expect(await g.getByTestId('guest-post').count()).toBe(0);

    expect(await b.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    expect(problems).toEqual([]);
    await guestCtx.close();
    await Promise.all([b.close(), o.close()]);
  }, 120_000);

  it('shows the feed’s mail address and a post’s own address to colleagues; a click copies them', async () => {
    const b = await bobCtx.newPage();
    const problems = collectProblems({ bob: b });
    await b.goto(`${hub.url}/app/feed`);
    await online(b);
    const hint = b.getByTestId('feed-mail');
    await hint.getByTestId('feed-mail-address').filter({ hasText: `feed@${DOMAIN}` }).waitFor();
    await hint.getByText('Post by e-mail').waitFor();
    await hint.getByTestId('feed-mail-copy').click();
    await hint.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
    expect(await b.evaluate(() => navigator.clipboard.readText())).toBe(`feed@${DOMAIN}`);

    const post = card(b, 'Please review');
    const id = (await post.getAttribute('data-id'))!;
    await post.getByTestId('post-more').click();
    await post.getByTestId('post-menu').getByRole('menuitem', { name: 'Comment by e-mail' }).click();
    await b.getByTestId('post-menu').waitFor({ state: 'detached' });
    const address = `post+${id.replace(/-/g, '')}@${DOMAIN}`;
    const panel = post.getByTestId('post-mail');
    await panel.getByTestId('post-mail-address').filter({ hasText: address }).waitFor();
    await panel.getByTestId('post-mail-copy').click();
    await panel.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
    expect(await b.evaluate(() => navigator.clipboard.readText())).toBe(address);
    await post.getByTestId('post-mail-close').click();
    await post.getByTestId('post-mail-panel').waitFor({ state: 'detached' });

    // The menu closes on Escape, as menus do; a group's feed offers no feed address (a mailed post is not the group's).
    await post.getByTestId('post-more').click();
    await post.getByTestId('post-menu').waitFor();
    await b.keyboard.press('Escape');
    await post.getByTestId('post-menu').waitFor({ state: 'detached' });
    const group = await olga.post('/api/groups', { name: 'Partners' });
    expect(group.status).toBe(201);
    const o = await olgaCtx.newPage();
    collectProblems({ olga: o }, {}, problems);
    await o.goto(`${hub.url}/app/groups/${group.body.group.id}`);
    await online(o);
    await o.getByTestId('feed').waitFor();
    expect(await o.getByTestId('feed-mail').count()).toBe(0);
    expect(problems).toEqual([]);
    await Promise.all([b.close(), o.close()]);
  }, 60_000);

  it('speaks Russian to a Russian browser, and explains a broken link', async () => {
    const r = await bob.post('/api/feed/posts', { clientId: randomUUID(), body: 'Проверьте, пожалуйста, пункт 4', audience: { emails: ['klient@partner.example'] } });
    expect(r.status).toBe(201);
    const mail = (await hub.outbox()).find((m) => m.to === 'klient@partner.example')!;
    const link = /https?:\/\/\S+\/g\/[A-Za-z0-9_-]{43}/.exec(mail.text)![0];
    const ctx = await browserContext(browser, 'ru-RU');
    const page = await ctx.newPage();
    await page.goto(link);
    await page.getByTestId('guest-as').filter({ hasText: 'Вы гость' }).waitFor();
    await page.getByTestId('guest-post').getByText('Проверьте, пожалуйста, пункт 4').waitFor();
    await page.getByTestId('guest-input').and(page.getByPlaceholder('Напишите комментарий')).waitFor();
    await page.goto(`${hub.url}/g/${'x'.repeat(43)}`);
    await page.getByTestId('guest-problem').filter({ hasText: 'Попросите у отправителя новую' }).waitFor();
    await ctx.close();
  }, 60_000);
});
