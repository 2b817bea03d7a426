/**
 * What the browser tests share: Debian's Chromium (tests skip, saying why, without it), a launch with
 * the quiet flags, browser contexts (signed in or not) and the list of problems a page reports.
 */
import fs from 'node:fs';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import type { TestHub } from './hub';
import type { ApiClient } from './client';

export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = fs.existsSync(CHROMIUM);
/** Appended to a browser suite's name: empty, or why it is skipped (CI installs Chromium: .ci/run). */
export const chromiumNote = haveChromium ? '' : `: skipped, ${CHROMIUM} is missing (apt-get install -y chromium)`;

/**
 * Chromium, headless, with nothing of its own talking to the network. `extraArgs` adds switches (the
 * media tests' fake camera and microphone, for instance).
 */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

/** A fresh context in `locale` with a desktop viewport and a 15 s default timeout; `extra` adds or overrides options. */
export async function browserContext(browser: Browser, locale = 'en-US', extra: BrowserContextOptions = {}): Promise<BrowserContext> {
  const ctx = await browser.newContext({ locale, viewport: { width: 1280, height: 800 }, ...extra });
  ctx.setDefaultTimeout(15_000);
  return ctx;
}

/** A context (as `browserContext`) that carries `client`'s session cookie for `hub`. */
export async function signedInContext(
  browser: Browser,
  hub: TestHub,
  client: ApiClient,
  locale = 'en-US',
  extra: BrowserContextOptions = {},
): Promise<BrowserContext> {
  const ctx = await browserContext(browser, locale, extra);
  await ctx.addCookies([{ name: 'artel_session', value: client.cookie!, url: hub.url }]);
  return ctx;
}

export interface WatchOptions {
  /** Accept `confirm()` dialogs (the app's own confirmations) instead of counting them as problems. */
  acceptConfirms?: boolean;
  /** Also count the console's Content Security Policy refusals. */
  csp?: boolean;
}

/**
 * Problems that must never happen on these pages, collected into one list that fills as they happen:
 * script errors and dialogs (an alert would mean injected markup ran; dialogs are dismissed). Pass
 * `problems` to add pages to a list already being watched (never copy the list: it fills later).
 */
export function collectProblems(pages: Record<string, Page>, opts: WatchOptions = {}, problems: string[] = []): string[] {
  for (const [name, page] of Object.entries(pages)) {
    page.on('pageerror', (e) => problems.push(`${name}: page error: ${e.message}`));
    page.on('dialog', (d) => {
      if (opts.acceptConfirms && d.type() === 'confirm') return void d.accept();
      problems.push(`${name}: dialog: ${d.message()}`);
      void d.dismiss();
    });
    if (opts.csp) {
      page.on('console', (m) => {
        if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`${name}: ${m.text()}`);
      });
    }
  }
  return problems;
}

/** `collectProblems` for one page. */
export function watchProblems(page: Page, name: string, opts: WatchOptions = {}): string[] {
  return collectProblems({ [name]: page }, opts);
}

/** Wait until the page's connection dot says online. */
export async function online(page: Page): Promise<void> {
  await page.locator('aside [data-testid=connection][data-status=online]').waitFor();
}

/** A notification as Artel showed it. */
export interface Note {
  title: string;
  body: string;
}

type Recorder = { __hidden: boolean; __notes: Note[] };

/**
 * The context's pages get notifications granted, a visibility the test controls (`setHidden`) and a
 * Notification constructor that records what Artel shows (`notesOf`): the browser's own popup is not
 * observable.
 */
export async function recordNotifications(ctx: BrowserContext): Promise<void> {
  await ctx.addInitScript(() => {
    const w = window as unknown as Recorder;
    w.__hidden = false;
    w.__notes = [];
    Object.defineProperty(document, 'visibilityState', { get: () => (w.__hidden ? 'hidden' : 'visible') });
    Object.defineProperty(document, 'hidden', { get: () => w.__hidden });
    class RecordedNotification {
      static permission = 'granted';
      static requestPermission = async () => 'granted';
      onclick: (() => void) | null = null;
      constructor(title: string, options?: { body?: string }) {
        w.__notes.push({ title, body: options?.body ?? '' });
      }
      close() {}
    }
    (window as unknown as { Notification: unknown }).Notification = RecordedNotification;
  });
}

/** The notifications the page has shown (see `recordNotifications`). */
export function notesOf(page: Page): Promise<Note[]> {
  return page.evaluate(() => (window as unknown as Recorder).__notes);
}

/** Hide or show the page as far as Artel can tell (see `recordNotifications`). */
export async function setHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((h) => {
    (window as unknown as Recorder).__hidden = h;
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}
