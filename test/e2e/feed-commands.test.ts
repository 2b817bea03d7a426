/**
 * A slash command typed in a feed comment box: the task is made and a comment linking to it appears on
 * the post for both people; a command the hub is unsure of makes nothing and says why.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, idsOf, registerOwner, type ApiClient } from '../helpers/client';
import { chromiumNote, haveChromium, launchChromium, signedInContext, watchProblems } from '../helpers/browser';

const tall = { viewport: { width: 1280, height: 900 } };

describe.skipIf(!haveChromium)(`slash commands in feed and task comments (browser)${chromiumNote}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let owner: ApiClient;
  let bob: ApiClient;

  beforeAll(async () => {
    [hub, browser] = await Promise.all([startTestHub(), launchChromium()]);
    owner = await registerOwner(hub.url);
    bob = await addColleague(owner, 'bob@example.com', 'Bob Builder');
    await addColleague(owner, 'ann1@example.com', 'Ann Lee');
    await addColleague(owner, 'ann2@example.com', 'Ann Smith');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('makes a task from a comment box and links it in a comment; doubts make nothing', async () => {
    const { bob: bobId } = await idsOf({ bob });
    await owner.post('/api/feed/posts', { clientId: randomUUID(), body: 'Quarterly review', audience: { userIds: [bobId] } });
    const ctx = await signedInContext(browser, hub, bob, 'en-US', tall);
    const page = await ctx.newPage();
    const errors = watchProblems(page, 'Bob');
    await page.goto(`${hub.url}/app/feed`);
    const post = page.locator('[data-testid=post]').filter({ hasText: 'Quarterly review' });
    const input = post.locator('[data-testid=comment-input]');
    // Inline help: the commands that match what is typed, then the chosen one's grammar.
    await input.fill('/ta');
    await post.locator('[data-testid=command-hint-option]').filter({ hasText: '/task' }).click();
    expect(await input.inputValue()).toBe('/task ');
    await post.locator('[data-testid=command-hint]').filter({ hasText: '/task —' }).waitFor();
    await input.fill('/task Prepare the figures @Olga tomorrow');
    await input.press('Enter');
    const link = post.getByRole('link', { name: 'Task: Prepare the figures' });
    await link.waitFor();
    const tasks = (await owner.get('/api/tasks?filter=mine')).body.tasks;
    expect(tasks.map((t: any) => t.title)).toEqual(['Prepare the figures']);
    expect(await link.getAttribute('href')).toBe(`/app/tasks/${tasks[0].id}`);

    await input.fill('/task Check the numbers @Ann today');
    await input.press('Enter');
    await post.locator('[data-testid=comment-error]').filter({ hasText: 'Nothing was created' }).waitFor();
    expect(await input.inputValue()).toBe('/task Check the numbers @Ann today');
    expect(errors).toEqual([]);
    await ctx.close();
  }, 90_000);

  it('makes a deal from a task\'s comment box and links it there', async () => {
    const { bob: bobId } = await idsOf({ bob });
    const task = (await owner.post('/api/tasks', { clientId: randomUUID(), title: 'Agree the protocol', responsibleId: bobId })).body.task;
    const ctx = await signedInContext(browser, hub, bob, 'ru-RU', tall);
    const page = await ctx.newPage();
    await page.goto(`${hub.url}/app/tasks/${task.id}`);
    const input = page.getByTestId('task-comment-input');
    await input.fill('/сделка Протокол 10 тыс ₽');
    await page.getByTestId('task-comment-send').click();
    const link = page.getByTestId('task-comments').getByRole('link', { name: 'Deal: Протокол' });
    await link.waitFor();
    const deal = (await owner.get('/api/crm/deals')).body.records.find((d: any) => d.title === 'Протокол');
    expect(await link.getAttribute('href')).toBe(`/app/crm/deals/${deal.id}`);
    await ctx.close();
  }, 90_000);
});
