/**
 * A chat with 10,000 messages in a real browser: it opens at the newest, the reader scrolls back to the
 * very first message and returns, and at no point does the page hold more than a window of rendered
 * messages (the list is virtualised), nor does the message on screen jump when history loads.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, idsOf, registerOwner, type ApiClient } from '../helpers/client';
import { chromiumNote, haveChromium, launchChromium, signedInContext, watchProblems } from '../helpers/browser';

const TOTAL = 10_000;
/** The window the list renders (web/src/lib/chats/window.ts), with room for a page being swapped. */
const MAX_RENDERED = 130;

/** Store `count` messages alternating between two authors, a minute apart, ending now (what sends would store). */
async function seedHistory(url: string, chatId: string, authors: string[], count: number): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('BEGIN');
    const { rows } = await c.query('SELECT head FROM streams WHERE id = $1', [`chat:${chatId}`]);
    const base = Number(rows[0]?.head ?? 0);
    await c.query(
      `INSERT INTO messages (id, chat_id, seq, author_id, client_id, body, created_at)
       SELECT gen_random_uuid(), $1, $2 + i, ($3::uuid[])[1 + i % 2], gen_random_uuid(), 'History line ' || i,
              now() - make_interval(mins => $4 - i)
       FROM generate_series(1, $4) AS i`,
      [chatId, base, authors, count],
    );
    await c.query(
      `INSERT INTO events (stream_id, seq, type, payload, actor_id)
       SELECT $1, $2 + i, 'message_created', '{}'::jsonb, NULL FROM generate_series(1, $3) AS i`,
      [`chat:${chatId}`, base, count],
    );
    await c.query('INSERT INTO streams (id, head) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET head = $2', [`chat:${chatId}`, base + count]);
    await c.query('UPDATE chats SET last_message_at = now() WHERE id = $1', [chatId]);
    await c.query('COMMIT');
  } finally {
    await c.end();
  }
}

const rendered = (p: Page) => p.locator('[data-testid=message-list] [data-testid=message]').count();

describe.skipIf(!haveChromium)(`a 10,000-message chat (browser)${chromiumNote}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let owner: ApiClient;
  let chatId: string;

  beforeAll(async () => {
    [hub, browser] = await Promise.all([startTestHub(), launchChromium()]);
    owner = await registerOwner(hub.url);
    const bob = await addColleague(owner, 'bob@example.com', 'Bob');
    const { ownerId, bobId } = await idsOf({ ownerId: owner, bobId: bob });
    chatId = (await owner.post('/api/chats', { kind: 'group', title: 'Ten thousand', memberIds: [bobId] })).body.chat.id;
    await seedHistory(hub.db.url, chatId, [ownerId, bobId], TOTAL);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('scrolls back to the first message and returns, rendering only a window', async () => {
    const ctx = await signedInContext(browser, hub, owner);
    const page = await ctx.newPage();
    const errors = watchProblems(page, 'owner');
    await page.goto(`${hub.url}/app/chats/${chatId}`);
    const list = page.locator('[data-testid=message-list]');
    await list.getByText(`History line ${TOTAL}`, { exact: true }).waitFor();
    expect(await rendered(page)).toBeLessThanOrEqual(MAX_RENDERED);

    // Scroll up the way a reader does, in the page itself: each step waits for the list to settle.
    // The message in the middle of the view must never jump while pages load and the window moves.
    const walk = await list.evaluate(async (el) => {
      const frame = () => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok)));
      const middle = () => {
        const r = el.getBoundingClientRect();
        const y = r.top + r.height / 2;
        for (const m of Array.from(el.querySelectorAll<HTMLElement>('[data-testid=message]'))) {
          const b = m.getBoundingClientRect();
          if (b.bottom > y) return { m, top: b.top };
        }
        return null;
      };
      // Main-thread tasks over 50 ms would be visible as stutter: report the longest (not asserted: timing).
      let longestTask = 0;
      new PerformanceObserver((l) => l.getEntries().forEach((e) => (longestTask = Math.max(longestTask, e.duration)))).observe({ type: 'longtask' });
      let maxRendered = 0;
      let worstJump = 0;
      const jumps: string[] = [];
      const started = performance.now();
      for (let step = 0; step < 5000 && !el.querySelector('[data-testid=history-start]'); step++) {
        el.scrollTop = Math.max(0, el.scrollTop - 1500);
        await frame();
        const seen = middle();
        const scrolled = el.scrollTop;
        // Let a page load or a window move settle, then see whether the message we looked at moved.
        for (let i = 0; i < 50 && el.querySelector('[data-testid=loading-older]'); i++) await new Promise((ok) => setTimeout(ok, 20));
        await frame();
        if (seen?.m.isConnected) {
          const j = Math.abs(seen.m.getBoundingClientRect().top - seen.top);
          if (j > 2) jumps.push(`step ${step}: ${Math.round(j)} px at scrollTop ${scrolled}`);
          worstJump = Math.max(worstJump, j);
        }
        maxRendered = Math.max(maxRendered, el.querySelectorAll('[data-testid=message]').length);
      }
      return { longestTask, jumps, maxRendered, worstJump, ms: performance.now() - started, reachedStart: !!el.querySelector('[data-testid=history-start]') };
    });
    console.log(
      `scrolled back through ${TOTAL} messages in ${Math.round(walk.ms)} ms; at most ${walk.maxRendered} rendered; ` +
        `longest main-thread task ${Math.round(walk.longestTask)} ms; jumps: ${walk.jumps.slice(0, 3).join('; ') || 'none'}`,
    );
    expect(walk.reachedStart).toBe(true);
    expect(walk.maxRendered).toBeLessThanOrEqual(MAX_RENDERED);
    expect(walk.worstJump).toBeLessThan(2);
    await list.getByText('History line 1', { exact: true }).waitFor();

    // Back to the newest in one click
    await page.getByTestId('jump-newest').click();
    await list.getByText(`History line ${TOTAL}`, { exact: true }).waitFor();
    await expect.poll(() => list.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)).toBeLessThan(5);
    await expect.poll(() => page.getByTestId('jump-newest').count()).toBe(0);
    expect(await rendered(page)).toBeLessThanOrEqual(MAX_RENDERED);

    // A live message still arrives at the bottom
    const r = await owner.post(`/api/chats/${chatId}/messages`, { clientId: crypto.randomUUID(), body: 'After ten thousand' });
    expect(r.status).toBe(201);
    await list.getByText('After ten thousand').waitFor();
    expect(errors).toEqual([]);
    await ctx.close();
  }, 180_000);
});
