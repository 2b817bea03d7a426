/**
 * Away presence in a real browser: Olga's page, with the idle threshold shortened for the test, goes idle
 * and Bob sees her dot turn "away"; input on her page brings it back to online; hiding her page makes
 * her away again and showing it makes her online.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, registerOwner } from '../helpers/client';
import { chromiumNote, collectProblems, haveChromium, launchChromium, online, recordNotifications, setHidden, signedInContext } from '../helpers/browser';

/** Olga's page goes idle after this long without input. */
const IDLE_MS = 3_000;

describe.skipIf(!haveChromium)(`away presence (browser)${chromiumNote}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let ctxA: BrowserContext;
  let ctxB: BrowserContext;

  beforeAll(async () => {
    [hub, browser] = await Promise.all([startTestHub(), launchChromium()]);
    const olga = await registerOwner(hub.url);
    const bob = await addColleague(olga, 'bob@example.com', 'Bob Builder');
    ctxA = await signedInContext(browser, hub, olga);
    await ctxA.addInitScript((ms) => {
      (window as unknown as { __artelIdleMs: number }).__artelIdleMs = ms;
    }, IDLE_MS);
    // Lets the test hide and show Olga's page as far as the app can tell.
    await recordNotifications(ctxA);
    ctxB = await signedInContext(browser, hub, bob);
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  /** Keep moving the mouse on a page until `seen` resolves (the page would go idle again otherwise). */
  async function activeUntil(page: Page, seen: Promise<unknown>): Promise<void> {
    let done = false;
    const waited = seen.finally(() => (done = true));
    for (let i = 0; !done && i < 100; i++) {
      await page.mouse.move(100 + (i % 20) * 10, 200);
      await Promise.race([waited, new Promise((r) => setTimeout(r, 250))]);
    }
    await waited;
  }

  it('an idle page shows as away on a colleague\'s page, and online again on input', async () => {
    const a = await ctxA.newPage();
    const b = await ctxB.newPage();
    const problems = collectProblems({ A: a, B: b });
    await Promise.all([b.goto(`${hub.url}/app/people`), a.goto(`${hub.url}/app/feed`)]);
    await online(a);
    await online(b);
    const olgaDot = b.locator('[data-testid=person]').filter({ hasText: 'Olga Owner' }).locator('[data-testid=presence]');

    // Left alone, Olga's page goes idle: Bob sees her away (amber ring, "Away").
    await olgaDot.and(b.locator('[data-status=away]')).waitFor();
    expect(await olgaDot.getAttribute('title')).toBe('Away');
    // Bob's own page is active: he stays online on his own list.
    await b.locator('[data-testid=person]').filter({ hasText: 'Bob Builder' }).locator('[data-testid=presence][data-status=online]').waitFor();

    // Olga moves her mouse: online again at once.
    await activeUntil(a, olgaDot.and(b.locator('[data-status=online]')).waitFor());
    expect(await olgaDot.getAttribute('title')).toBe('Online');

    // A keypress counts as input too, after she went away again.
    await olgaDot.and(b.locator('[data-status=away]')).waitFor();
    await a.keyboard.press('Shift');
    await olgaDot.and(b.locator('[data-status=online]')).waitFor({ timeout: IDLE_MS });

    // Hidden for the threshold: away; shown again: online.
    await setHidden(a, true);
    await olgaDot.and(b.locator('[data-status=away]')).waitFor();
    await setHidden(a, false);
    await olgaDot.and(b.locator('[data-status=online]')).waitFor({ timeout: IDLE_MS });

    // Olga closes her page: offline.
    await a.close();
    await olgaDot.and(b.locator('[data-status=offline]')).waitFor();
    expect(problems).toEqual([]);
  });
});
