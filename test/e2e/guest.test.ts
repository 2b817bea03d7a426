/**
 * An external guest in a real browser: the link from their invitation mail opens the one post, they
 * comment and see colleagues' comments arrive live, hostile markup stays inert, and revoking the link
 * ends the page at once; the page speaks Russian to a Russian browser.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, idsOf, registerOwner, type ApiClient } from '../helpers/client';
import { browserContext, chromiumNote, haveChromium, launchChromium, watchProblems } from '../helpers/browser';

describe.skipIf(!haveChromium)(`a guest on a feed post (browser)${chromiumNote}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let owner: ApiClient;
  let bob: ApiClient;

  /** Post to Bob and an external address; returns the post id and the guest's link from the mail. */
  async function postWithGuest(email: string, body: string): Promise<{ postId: string; link: string }> {
    const { bob: bobId } = await idsOf({ bob });
    const r = await owner.post('/api/feed/posts', { clientId: randomUUID(), title: 'Supply contract', body, audience: { userIds: [bobId], emails: [email] } });
    expect(r.status).toBe(201);
    const mail = (await hub.outbox()).find((m) => m.to === email)!;
    return { postId: r.body.post.id, link: /https?:\/\/\S+\/g\/[A-Za-z0-9_-]{43}/.exec(mail.text)![0] };
  }

  beforeAll(async () => {
    [hub, browser] = await Promise.all([startTestHub({ env: { GUEST_DIGEST_MINUTES: '60' } }), launchChromium()]);
    owner = await registerOwner(hub.url);
    bob = await addColleague(owner, 'bob@example.com', 'Bob Builder');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('opens the post from the mailed link, comments, sees replies live, and loses access when revoked', async () => {
    const { postId, link } = await postWithGuest('client@partner.example', 'Please review **clause 4** <img src=x onerror=alert(1)> [x](javascript:alert(2))');
    const ctx = await browserContext(browser);
    const page = await ctx.newPage();
    const problems = watchProblems(page, 'guest');
    await page.goto(link);
    await page.waitForURL(/\/g$/);
    const post = page.getByTestId('guest-post');
    await post.getByText('Supply contract').waitFor();
    expect(await post.locator('strong').textContent()).toBe('clause 4');
    expect(await post.locator('img').count()).toBe(0);
    expect(await page.getByTestId('guest-as').textContent()).toContain('client');

    await page.getByTestId('guest-as').getByRole('button').click();
    await page.getByTestId('guest-name').fill('Carla Client');
    await page.getByTestId('guest-name').press('Enter');
    await page.getByTestId('guest-as').filter({ hasText: 'Carla Client' }).waitFor();

    await page.getByTestId('guest-file').setInputFiles({ name: 'redlines.txt', mimeType: 'text/plain', buffer: Buffer.from('clause 4: ok') });
    await page.getByTestId('guest-files').filter({ hasText: 'redlines.txt' }).waitFor();
    await page.getByTestId('guest-input').fill('Clause 4 is fine with us');
    await page.getByTestId('guest-send').click();
    const mine = page.getByTestId('guest-comment').filter({ hasText: 'Clause 4 is fine with us' });
    await mine.getByTestId('attachment-file').filter({ hasText: 'redlines.txt' }).waitFor();
    const seen = (await bob.get(`/api/feed/posts/${postId}/comments`)).body.comments;
    expect(seen.map((c: any) => [c.body, c.guestName, c.attachments.map((f: any) => f.name)])).toEqual([
      ['Clause 4 is fine with us', 'Carla Client', ['redlines.txt']],
    ]);
    expect((await bob.get(seen[0].attachments[0].url)).body).toBe('clause 4: ok');

    // Bob answers: it arrives on the guest's page without a reload; the guest replies to it.
    const answer = await bob.post(`/api/feed/posts/${postId}/comments`, { clientId: randomUUID(), body: 'Great, **signing** today' });
    const bobs = page.getByTestId('guest-comment').filter({ hasText: 'Great, signing today' });
    await bobs.waitFor();
    await bobs.filter({ hasText: 'Bob Builder' }).waitFor();
    await bobs.getByTestId('guest-reply').click();
    await page.getByTestId('guest-input').fill('Thank you!');
    await page.getByTestId('guest-input').press('Control+Enter');
    await page.locator('.reply [data-testid=guest-comment]').filter({ hasText: 'Thank you!' }).waitFor();
    const replies = (await bob.get(`/api/feed/posts/${postId}/comments`)).body.comments.filter((c: any) => c.replyTo === answer.body.comment.id);
    expect(replies.map((c: any) => c.body)).toEqual(['Thank you!']);

    // Revoked: the open page says so at once; the link no longer opens.
    const [guestLink] = (await owner.get(`/api/feed/posts/${postId}/guests`)).body.guests;
    await owner.del(`/api/feed/posts/${postId}/guests/${guestLink.id}`);
    await page.getByTestId('guest-problem').filter({ hasText: 'revoked' }).waitFor();
    expect(await page.getByTestId('guest-input').count()).toBe(0);
    await page.goto(link);
    await page.getByTestId('guest-problem').filter({ hasText: 'withdrawn' }).waitFor();
    expect(problems).toEqual([]);
    await ctx.close();
  }, 90_000);

  it('speaks Russian to a Russian browser, and explains a broken link', async () => {
    const { link } = await postWithGuest('klient@partner.example', 'Проверьте, пожалуйста, пункт 4');
    const ctx = await browserContext(browser, 'ru-RU');
    const page = await ctx.newPage();
    await page.goto(link);
    await page.getByTestId('guest-as').filter({ hasText: 'Вы гость' }).waitFor();
    await page.getByTestId('guest-post').getByText('Проверьте, пожалуйста, пункт 4').waitFor();
    await page.goto(`${hub.url}/g/${'x'.repeat(43)}`);
    await page.getByTestId('guest-problem').filter({ hasText: 'Попросите у отправителя новую' }).waitFor();
    await ctx.close();
  }, 60_000);
});
