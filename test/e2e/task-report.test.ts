/** The overdue report in the browser: bars and a table by person, and its CSV. */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, idsOf, registerOwner, type ApiClient } from '../helpers/client';
import { chromiumNote, haveChromium, launchChromium, signedInContext } from '../helpers/browser';

describe.skipIf(!haveChromium)(`the overdue report (browser)${chromiumNote}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let owner: ApiClient;

  beforeAll(async () => {
    [hub, browser] = await Promise.all([startTestHub(), launchChromium()]);
    owner = await registerOwner(hub.url);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('shows overdue tasks by person and downloads them as CSV', async () => {
    const bob = await addColleague(owner, 'bob@example.com', 'Bob Builder');
    const { bob: bobId } = await idsOf({ bob });
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    for (const title of ['Late', 'Also late', 'On time']) {
      expect((await owner.post('/api/tasks', { clientId: randomUUID(), title, responsibleId: bobId, deadline: soon })).status).toBe(201);
    }
    const c = new pg.Client({ connectionString: hub.db.url });
    await c.connect();
    await c.query(`UPDATE tasks SET deadline = now() - interval '1 day' WHERE title IN ('Late', 'Also late')`);
    await c.end();

    const ctx = await signedInContext(browser, hub, owner, 'en-US', { acceptDownloads: true });
    const page = await ctx.newPage();
    await page.goto(`${hub.url}/app/tasks`);
    await page.getByTestId('task-view-report').click();
    await page.waitForURL(/\/app\/tasks\/reports$/);
    const row = page.getByTestId('task-report-row').filter({ hasText: 'Bob Builder' });
    await row.waitFor();
    expect((await row.innerText()).replace(/\s+/g, ' ')).toContain('Bob Builder 3 2');
    expect(await page.getByTestId('task-report-overdue').first().getAttribute('data-count')).toBe('2');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('task-report-csv').click()]);
    expect(fs.readFileSync((await download.path())!, 'utf8')).toContain('Bob Builder;3;2;');
    await ctx.close();
  }, 60_000);
});
