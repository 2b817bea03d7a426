/**
 * A feed of 700 posts in a real browser: the reader scrolls down to the very first post ever written and
 * back up to the newest, and at no point does the page hold more than the window of posts
 * (web/src/lib/feed/window.ts), nor does the post on screen jump while pages are dropped and fetched
 * again above it. Far down the feed, a new post shows as a "new post" button that leads back to the top.
 * The composer's formatting bar (shortcuts, undo, preview) and a comment box's compact bar are here too,
 * on the same feed.
 *
 * The newest posts are written through the API by colleagues; the older history is stored in one SQL
 * statement (what those posts would store), since the feed's rate limit lets one person post only a
 * burst of 20 and then one every few seconds.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, registerOwner, type ApiClient } from '../helpers/client';
import { chromiumNote, haveChromium, launchChromium, online, signedInContext, watchProblems } from '../helpers/browser';

const TOTAL = 700;
/** Colleagues who each post a burst through the API (the rest is history stored directly). */
const AUTHORS = 3;
const BURST = 20;
/** The window's limit (MAX_POSTS). */
const MAX_KEPT = 300;

/** Store `count` posts for everyone, a minute apart, ending an hour ago (what posting them would store). */
async function seedHistory(url: string, authorId: string, count: number): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('BEGIN');
    const { rows } = await c.query(
      `INSERT INTO feed_posts (id, author_id, client_id, body, created_at)
       SELECT gen_random_uuid(), $1, gen_random_uuid(), 'History post ' || i, now() - interval '1 hour' - make_interval(mins => $2 - i)
       FROM generate_series(1, $2) AS i RETURNING id`,
      [authorId, count],
    );
    await c.query(`INSERT INTO feed_audience (post_id, kind, ref) SELECT unnest($1::uuid[]), 'everyone', ''`, [rows.map((r) => r.id)]);
    await c.query('COMMIT');
  } finally {
    await c.end();
  }
}

const posts = (p: Page) => p.locator('[data-testid=feed] [data-testid=post]');

/** The post in the middle of the viewport: its id and where it is. */
function middle(p: Page): Promise<{ id: string; top: number } | null> {
  return p.evaluate(() => {
    const y = innerHeight / 2;
    for (const el of Array.from(document.querySelectorAll('[data-testid=feed] [data-testid=post]'))) {
      const r = el.getBoundingClientRect();
      if (r.top <= y && r.bottom >= y) return { id: el.getAttribute('data-id') ?? '', top: r.top };
    }
    return null;
  });
}

function topOf(p: Page, id: string): Promise<number | null> {
  return p.evaluate((id) => document.querySelector(`[data-testid=feed] [data-id="${id}"]`)?.getBoundingClientRect().top ?? null, id);
}

/** Wait until no page is loading at either end, and the list has settled for a moment. */
async function settle(p: Page): Promise<void> {
  await p.waitForFunction(() => !document.querySelector('[data-testid=feed] .foot .spinner'));
  await p.waitForTimeout(120);
  await p.waitForFunction(() => !document.querySelector('[data-testid=feed] .foot .spinner'));
}

describe.skipIf(!haveChromium)(`a 700-post feed (browser)${chromiumNote}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let owner: ApiClient;
  let writer: ApiClient;
  /** Every post's id, newest first, as the feed lists them. */
  const all: string[] = [];

  beforeAll(async () => {
    [hub, browser] = await Promise.all([startTestHub(), launchChromium()]);
    owner = await registerOwner(hub.url);
    const authors: ApiClient[] = [];
    for (let i = 0; i < AUTHORS; i++) authors.push(await addColleague(owner, `writer${i}@example.com`, `Writer ${i}`));
    writer = authors[0];
    const ownerId = (await owner.get('/api/me')).body.user.id as string;
    await seedHistory(hub.db.url, ownerId, TOTAL - AUTHORS * BURST);
    // Each author writes a burst; the authors write side by side.
    await Promise.all(
      authors.map(async (a, i) => {
        for (let n = 0; n < BURST; n++) {
          const r = await a.post('/api/feed/posts', { clientId: randomUUID(), body: `Post ${i}-${n}`, audience: { everyone: true } });
          if (r.status !== 201) throw new Error(`post failed: ${r.status} ${JSON.stringify(r.body)}`);
        }
      }),
    );
    for (let cursor: string | null = null; ; ) {
      const r: { body: { posts: { id: string }[]; nextCursor: string | null } } = await owner.get(`/api/feed?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      all.push(...r.body.posts.map((p) => p.id));
      cursor = r.body.nextCursor;
      if (!cursor) break;
    }
    expect(all).toHaveLength(TOTAL);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('scrolls down to the first post and back to the newest, keeping a window and the view steady', async () => {
    const ctx = await signedInContext(browser, hub, owner, 'en-US', { viewport: { width: 1280, height: 900 } });
    const p = await ctx.newPage();
    const problems = watchProblems(p, 'owner');
    await p.goto(`${hub.url}/app/feed`);
    await online(p);
    await posts(p).first().waitFor();
    expect(await posts(p).first().getAttribute('data-id')).toBe(all[0]);

    // Down to the end: the window never holds more than its limit, and it moves (the top pages go).
    let most = 0;
    for (let i = 0; i < 400 && !(await p.locator('[data-testid=feed-end]').isVisible()); i++) {
      await p.mouse.wheel(0, 6000);
      await settle(p);
      most = Math.max(most, await posts(p).count());
    }
    expect(await p.locator('[data-testid=feed-end]').isVisible()).toBe(true);
    expect(most).toBeLessThanOrEqual(MAX_KEPT);
    expect(await posts(p).last().getAttribute('data-id')).toBe(all[TOTAL - 1]);
    expect(await posts(p).first().getAttribute('data-id')).not.toBe(all[0]);
    const shown = await posts(p).evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
    // What is kept is one unbroken run of the feed, ending at the first post.
    expect(shown).toEqual(all.slice(TOTAL - shown.length));

    // A post from a colleague while the reader is far down: a button, not a jump.
    expect((await writer.post('/api/feed/posts', { clientId: randomUUID(), body: 'Fresh while you were away', audience: { everyone: true } })).status).toBe(201);
    await p.locator('[data-testid=feed-new-posts]', { hasText: '1 new post' }).waitFor();

    // Back up step by step: the post in the middle of the screen stays where it is while pages load
    // above it and the bottom ones are dropped.
    let checked = 0;
    let moved = 0;
    for (let i = 0; i < 600; i++) {
      if ((await p.locator('[data-testid=feed-newer]').count()) === 0 && (await p.evaluate(() => scrollY)) === 0) break;
      // Scrolled in the page itself, so the position is known at once (a wheel scrolls a frame later).
      await p.evaluate(() => scrollBy(0, -2500));
      const before = await middle(p);
      const firstBefore = await posts(p).first().getAttribute('data-id');
      await settle(p);
      if (before) {
        const after = await topOf(p, before.id);
        if (after !== null) {
          // A page loaded above moves the post by thousands of pixels unless the list holds it; a card
          // settling its layout a frame later may still nudge it by a few.
          expect(Math.abs(after - before.top)).toBeLessThanOrEqual(12);
          checked++;
          if ((await posts(p).first().getAttribute('data-id')) !== firstBefore) moved++;
        }
      }
      expect(await posts(p).count()).toBeLessThanOrEqual(MAX_KEPT);
    }
    // The window moved up page by page (400 posts above the first 300), each time without a jump.
    expect(moved).toBeGreaterThanOrEqual(10);
    expect(checked).toBeGreaterThanOrEqual(moved);
    // At the top again: the newest posts, the one written meanwhile first.
    await expect.poll(() => posts(p).first().getAttribute('data-id')).not.toBe(all[0]);
    const first = await posts(p).first().locator('[data-testid=post-body]').textContent();
    expect(first).toContain('Fresh while you were away');
    expect(await posts(p).nth(1).getAttribute('data-id')).toBe(all[0]);
    await p.locator('[data-testid=feed-new-posts]').waitFor({ state: 'detached' });
    expect(problems).toEqual([]);
    await ctx.close();
  }, 300_000);

  it('the "new posts" button leads from far down straight back to the newest', async () => {
    const ctx = await signedInContext(browser, hub, owner, 'en-US', { viewport: { width: 1280, height: 900 } });
    const p = await ctx.newPage();
    const problems = watchProblems(p, 'owner2');
    await p.goto(`${hub.url}/app/feed`);
    await online(p);
    await posts(p).first().waitFor();
    // Far enough down that the top pages are dropped.
    for (let i = 0; i < 200 && (await p.locator('[data-testid=feed-newer]').count()) === 0; i++) {
      await p.mouse.wheel(0, 6000);
      await settle(p);
    }
    await p.locator('[data-testid=feed-newer]').waitFor({ state: 'attached' });
    expect((await writer.post('/api/feed/posts', { clientId: randomUUID(), body: 'Another fresh one', audience: { everyone: true } })).status).toBe(201);
    await p.locator('[data-testid=feed-new-posts]', { hasText: '1 new post' }).click();
    await posts(p).first().locator('[data-testid=post-body]', { hasText: 'Another fresh one' }).waitFor();
    expect(await p.evaluate(() => scrollY)).toBeLessThan(50);
    await p.locator('[data-testid=feed-newer]').waitFor({ state: 'detached' });
    expect(problems).toEqual([]);
    await ctx.close();
  }, 180_000);

  it('formats with the toolbar and shortcuts, undoes like typing, previews, and posts the result', async () => {
    const ctx = await signedInContext(browser, hub, owner, 'en-US', { viewport: { width: 1280, height: 900 } });
    const p = await ctx.newPage();
    const problems = watchProblems(p, 'owner3');
    await p.goto(`${hub.url}/app/feed`);
    await online(p);
    const composer = p.locator('[data-testid=post-composer]');
    await composer.locator('[data-testid=post-composer-open]').click();
    const body = composer.locator('[data-testid=post-body-input]');
    await body.waitFor();
    await body.pressSequentially('make this loud');
    // Ctrl+B on the word under the caret.
    await body.press('Control+b');
    await expect.poll(() => body.inputValue()).toBe('make this **loud**');
    // Undo is the browser's own: the edit goes away like typing would.
    await body.press('Control+z');
    await expect.poll(() => body.inputValue()).toBe('make this loud');
    await body.press('Control+b');
    await expect.poll(() => body.inputValue()).toBe('make this **loud**');
    // The bulleted-list button on the line; then a link around a selection.
    await composer.locator('[data-testid=md-bullet]').click();
    await expect.poll(() => body.inputValue()).toBe('- make this **loud**');
    await body.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(2, 6));
    await body.press('Control+k');
    await p.keyboard.type('https://example.com');
    await expect.poll(() => body.inputValue()).toBe('- [make](https://example.com) this **loud**');
    // The preview renders as the post will, and hides the field until "Edit".
    await composer.locator('[data-testid=md-preview]').click();
    const preview = composer.locator('[data-testid=md-preview-body]');
    await preview.locator('li strong', { hasText: 'loud' }).waitFor();
    expect(await preview.locator('a[href="https://example.com"]').count()).toBe(1);
    expect(await body.isVisible()).toBe(false);
    await composer.locator('[data-testid=md-preview]').click();
    await body.waitFor();
    await body.press('Control+Enter');
    const card = posts(p).first();
    await card.locator('[data-testid=post-body] li strong', { hasText: 'loud' }).waitFor();

    // A comment box shows its compact bar only while in use.
    const box = card.locator('[data-testid=comment-box]');
    expect(await box.locator('[data-testid=comment-input-toolbar]').count()).toBe(0);
    const input = box.locator('[data-testid=comment-input]');
    await input.click();
    await box.locator('[data-testid=comment-input-toolbar]').waitFor();
    await input.fill('quiet');
    await input.press('Control+a');
    await box.locator('[data-testid=md-italic]').click();
    await expect.poll(() => input.inputValue()).toBe('_quiet_');
    await input.press('Enter');
    await card.locator('[data-testid=comment-body] em', { hasText: 'quiet' }).waitFor();
    expect(problems).toEqual([]);
    await ctx.close();
  }, 120_000);
});
