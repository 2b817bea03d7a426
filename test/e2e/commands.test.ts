/**
 * Slash commands and record cards in a real browser against a real hub: Olga and Bob in a group chat.
 * The `/` list completes a command; a Russian `/задача` with a deadline and a person posts a live card
 * both see; two Anns make the hub ask which one, on a confirmation card; a mistyped command gets a
 * suggestion and sends nothing; a message's menu makes a task (and a deal, or says deals are not there
 * yet); a past deadline is fixed on the card; the thread panel's composer runs commands into the thread;
 * offline, a command is refused with the text kept (never queued) and runs once the connection is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, registerOwner, type ApiClient } from '../helpers/client';
import { collectProblems, chromiumNote, haveChromium, launchChromium, online, signedInContext, watchProblems } from '../helpers/browser';

const ZONE = 'Europe/Moscow';
/** The browsers run in Moscow time, with room for cards. */
const inZone = { timezoneId: ZONE, viewport: { width: 1280, height: 900 } };

const mainList = (p: Page) => p.locator('[data-testid=message-list]');
const cards = (p: Page, title: string) => mainList(p).locator('[data-testid=card]').filter({ has: p.locator('[data-testid=card-title]', { hasText: title }) });
/** A message by its text (card messages, which repeat a title, have no body). */
const message = (p: Page, text: string) =>
  mainList(p).locator('[data-testid=message]').filter({ has: p.locator('[data-testid=message-body]', { hasText: text }) });
const input = (p: Page, scope = '[data-testid=composer]') => p.locator(`${scope} [data-testid=composer-input]`).last();

/** Tomorrow's date in the zone, as the card's absolute time shows it in en-US ("Mar 11, 2026"). */
function tomorrowLabel(): string {
  return new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: ZONE }).format(new Date(Date.now() + 86_400_000));
}

describe.skipIf(!haveChromium)(`slash commands (browser)${chromiumNote}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let olga: ApiClient;
  let bob: ApiClient;
  let ctxA: BrowserContext;
  let ctxB: BrowserContext;
  let a: Page;
  let b: Page;
  let problems: string[];
  let chatId: string;
  const ids: Record<string, string> = {};
  // A's socket passes through a route, so a test can cut it and keep it down.
  let socketDown = false;
  const sockets: WebSocketRoute[] = [];

  beforeAll(async () => {
    [hub, browser] = await Promise.all([startTestHub(), launchChromium()]);
    olga = await registerOwner(hub.url);
    bob = await addColleague(olga, 'bob@example.com', 'Bob Builder');
    const annLee = await addColleague(olga, 'ann1@example.com', 'Ann Lee');
    const annSmith = await addColleague(olga, 'ann2@example.com', 'Ann Smith');
    for (const [k, c] of Object.entries({ olga, bob, annLee, annSmith })) ids[k] = (await c.get('/api/me')).body.user.id;
    chatId = (await olga.post('/api/chats', { kind: 'group', title: 'Contract', memberIds: [ids.bob] })).body.chat.id;
    ctxA = await signedInContext(browser, hub, olga, 'en-US', inZone);
    await ctxA.routeWebSocket(/\/ws$/, (ws) => {
      if (socketDown) return void ws.close();
      sockets.push(ws);
      ws.connectToServer();
    });
    ctxB = await signedInContext(browser, hub, bob, 'en-US', inZone);
    a = await ctxA.newPage();
    b = await ctxB.newPage();
    problems = collectProblems({ A: a, B: b });
    await Promise.all([a.goto(`${hub.url}/app/chats/${chatId}`), b.goto(`${hub.url}/app/chats/${chatId}`)]);
    for (const p of [a, b]) {
      await online(p);
      await p.locator('[data-testid=chat-header-title]').filter({ hasText: 'Contract' }).waitFor();
    }
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('completes a command on `/`, previews it, and posts its card live for both', async () => {
    const box = input(a);
    await box.click();
    await box.pressSequentially('/');
    const options = a.locator('[data-testid=command-menu] [data-testid=command-option]');
    await expect.poll(() => options.count()).toBe(6);
    expect(await options.first().innerText()).toContain('/task');
    expect(await options.first().innerText()).toMatch(/create a task/);
    await box.press('ArrowDown');
    await a.locator('[data-testid=command-option][data-command=deal]').and(a.locator('.on')).waitFor();
    await box.press('ArrowUp');
    await box.pressSequentially('за');
    await expect.poll(() => options.count()).toBe(1);
    expect(await options.first().innerText()).toContain('/задача');
    await box.press('Enter');
    expect(await box.inputValue()).toBe('/задача ');
    await a.locator('[data-testid=command-menu]').waitFor({ state: 'detached' });

    // The person through the @ list: written so that the parser finds exactly Bob.
    await box.pressSequentially('Подготовить договор завтра 15:00 @Bob');
    await a.locator('[data-testid=mention-option]').filter({ hasText: 'Bob Builder' }).waitFor();
    await box.press('Enter');
    expect(await box.inputValue()).toBe('/задача Подготовить договор завтра 15:00 @"Bob Builder" ');
    const preview = a.locator('[data-testid=command-preview][data-state=ready]');
    await preview.locator('[data-testid=preview-title]').filter({ hasText: 'Подготовить договор' }).waitFor();
    await preview.locator('[data-testid=draft-responsible]').filter({ hasText: 'Bob Builder' }).waitFor();
    expect(await preview.locator('[data-testid=draft-due]').innerText()).toContain('3:00');
    await box.press('Enter');

    for (const p of [a, b]) {
      const card = cards(p, 'Подготовить договор');
      await card.waitFor();
      expect(await card.locator('[data-testid=card-responsible]').innerText()).toContain('Bob Builder');
      const due = await card.locator('[data-testid=card-due]').innerText();
      expect(due).toContain('tomorrow');
      expect(due).toContain(tomorrowLabel());
      expect(due).toMatch(/3:00\s?PM/);
      expect(await card.locator('[data-testid=card-status]').innerText()).toBe('New');
      expect(await card.getAttribute('href')).toMatch(/^\/app\/tasks\/[0-9a-f-]{36}$/);
    }
    expect(await box.inputValue()).toBe('');
    await a.locator('[data-testid=command-panel]').waitFor({ state: 'detached' });

    // The card follows the task: Bob starts it, Olga (its creator) completes it; the changes are told in
    // the card's thread.
    const taskId = await cards(a, 'Подготовить договор').getAttribute('data-card-id');
    expect((await bob.post(`/api/tasks/${taskId}/status`, { action: 'start' })).status).toBe(200);
    for (const p of [a, b]) await cards(p, 'Подготовить договор').locator('[data-testid=card-status]').filter({ hasText: 'In progress' }).waitFor();
    expect((await olga.post(`/api/tasks/${taskId}/status`, { action: 'complete' })).status).toBe(200);
    for (const p of [a, b]) {
      const card = cards(p, 'Подготовить договор');
      await card.and(p.locator('[data-closed=true]')).waitFor();
      await card.locator('[data-testid=card-closed]').waitFor();
      expect(await card.locator('[data-testid=card-status]').innerText()).toBe('Done');
    }
    const cardMessage = mainList(b).locator('[data-testid=message]').filter({ has: b.locator('[data-testid=card-title]', { hasText: 'Подготовить договор' }) });
    await cardMessage.locator('[data-testid=thread-link]').filter({ hasText: '2 replies' }).waitFor();
  });

  it('asks which Ann, on a confirmation card, and makes the task only when confirmed', async () => {
    const box = input(a);
    await box.fill('/task Review the offer @Ann ');
    // The live preview already marks the doubt.
    const preview = a.locator('[data-testid=command-preview][data-state=doubt]');
    await preview.locator('mark[data-code=ambiguous_person]').filter({ hasText: '@Ann' }).waitFor();
    await box.press('Enter');
    const confirm = a.locator('[data-testid=command-confirm]');
    await confirm.waitFor();
    const choice = confirm.locator('[data-testid=confirm-choice][data-code=ambiguous_person]');
    const offered = await choice.locator('[data-testid=confirm-option]').allInnerTexts();
    expect(offered.map((s) => s.split('\n').pop()!.trim()).sort()).toEqual(['Ann Lee', 'Ann Smith']);
    expect(await confirm.locator('[data-testid=confirm-title]').inputValue()).toBe('Review the offer');
    expect(await confirm.locator('[data-testid=confirm-create]').isDisabled()).toBe(true);
    expect(await cards(a, 'Review the offer').count()).toBe(0);

    await choice.locator(`[data-testid=confirm-option][data-value="${ids.annSmith}"]`).click();
    await confirm.locator('[data-testid=draft-responsible]').filter({ hasText: 'Ann Smith' }).waitFor();
    await confirm.locator('[data-testid=confirm-title]').fill('Review the offer carefully');
    await confirm.locator('[data-testid=confirm-create]').click();
    for (const p of [a, b]) {
      const card = cards(p, 'Review the offer carefully');
      await card.waitFor();
      expect(await card.locator('[data-testid=card-responsible]').innerText()).toContain('Ann Smith');
    }
    expect(await box.inputValue()).toBe('');
    expect(await cards(a, 'Review the offer carefully').count()).toBe(1);
  });

  it('suggests /task for /tsak and sends nothing; Cancel on a card goes back to editing', async () => {
    const box = input(a);
    const before = await mainList(a).locator('[data-testid=message]').count();
    await box.fill('/tsak x');
    await box.press('Enter');
    const refused = a.locator('[data-testid=command-refused]');
    await refused.locator('[data-testid=command-problem][data-code=unknown_command]').waitFor();
    await refused.locator('[data-testid=command-suggestion]').filter({ hasText: /^\/task$/ }).waitFor();
    await a.waitForTimeout(300);
    expect(await mainList(a).locator('[data-testid=message]').count()).toBe(before);
    expect(await box.inputValue()).toBe('/tsak x');
    await refused.locator('[data-testid=command-suggestion]').filter({ hasText: /^\/task$/ }).click();
    expect(await box.inputValue()).toBe('/task x');

    await box.fill('/task Sign it @Ann ');
    await box.press('Enter');
    await a.locator('[data-testid=command-confirm]').waitFor();
    await a.locator('[data-testid=confirm-cancel]').click();
    await a.locator('[data-testid=command-confirm]').waitFor({ state: 'detached' });
    await a.locator('[data-testid=command-preview]').waitFor();
    expect(await box.inputValue()).toBe('/task Sign it @Ann ');
    await box.fill('');
    expect(await mainList(a).locator('[data-testid=message]').count()).toBe(before);
  });

  it('makes a task from a message through its menu, titled with its text', async () => {
    const box = input(b);
    await box.fill('Send the signed copy to Acme');
    await box.press('Enter');
    const source = message(a, 'Send the signed copy to Acme');
    await source.waitFor();
    await source.hover();
    await source.locator('[data-testid=action-more]').click();
    await source.locator('[data-testid=action-create-task]').filter({ hasText: 'Create task' }).click();
    const confirm = source.locator('[data-testid=message-command] [data-testid=command-confirm]');
    await confirm.waitFor();
    expect(await confirm.locator('[data-testid=confirm-title]').inputValue()).toBe('Send the signed copy to Acme');
    await confirm.locator('[data-testid=confirm-create]').click();
    await confirm.waitFor({ state: 'detached' });
    for (const p of [a, b]) await cards(p, 'Send the signed copy to Acme').waitFor();
    // The task is linked to the message it was made from.
    const taskId = await cards(a, 'Send the signed copy to Acme').getAttribute('data-card-id');
    const task = (await olga.get(`/api/tasks/${taskId}`)).body.task;
    expect(task).toMatchObject({ title: 'Send the signed copy to Acme', origin: { chatId, messageId: await source.getAttribute('data-id') } });

    // A deal from the same menu.
    await source.hover();
    await source.locator('[data-testid=action-more]').click();
    await source.locator('[data-testid=action-create-deal]').click();
    const dealCard = source.locator('[data-testid=message-command][data-kind=deal] [data-testid=command-confirm]');
    await dealCard.locator('[data-testid=confirm-create]').click();
    await mainList(a).locator('[data-testid=card][data-kind=deal]').filter({ hasText: 'Send the signed copy to Acme' }).waitFor();

    // A contact from a message that names someone with an e-mail address.
    await input(a).fill('Ivan Petrov ivan@romashka.example');
    await input(a).press('Enter');
    const intro = message(a, 'Ivan Petrov ivan@romashka.example');
    await intro.and(a.locator('[data-state=sent]')).waitFor();
    await intro.hover();
    await intro.locator('[data-testid=action-more]').click();
    await intro.locator('[data-testid=action-create-contact]').click();
    const contactCard = intro.locator('[data-testid=message-command][data-kind=contact] [data-testid=command-confirm]');
    await contactCard.locator('[data-testid=confirm-create]').click();
    await mainList(a).locator('[data-testid=card][data-kind=contact]').filter({ hasText: 'Ivan Petrov' }).waitFor();
    const contacts = (await olga.get('/api/crm/contacts')).body.records;
    expect(contacts.some((c: any) => c.title === 'Ivan Petrov')).toBe(true);
  });

  it('runs commands from the thread panel into the thread', async () => {
    const root = message(a, 'Send the signed copy to Acme');
    await root.hover();
    await root.locator('[data-testid=action-reply]').click();
    const panel = a.locator('[data-testid=thread-panel]');
    await panel.waitFor();
    const box = input(a, '[data-testid=thread-panel]');
    await box.fill('/task Check the thread copy in 3 days');
    await panel.locator('[data-testid=command-preview][data-state=ready]').waitFor();
    await box.press('Enter');
    await panel.locator('[data-testid=card]').filter({ hasText: 'Check the thread copy' }).waitFor();
    expect(await cards(a, 'Check the thread copy').count()).toBe(0);
    await message(b, 'Send the signed copy to Acme').locator('[data-testid=thread-link]').waitFor();
    await a.click('[data-testid=thread-close]');
  });

  it('has a past deadline fixed on the card before anything is made', async () => {
    const box = input(a);
    await box.fill('/task Pay the invoice 2020-01-10');
    await a.locator('[data-testid=command-preview][data-state=doubt] mark[data-code=past_date]').waitFor();
    await box.press('Enter');
    const confirm = a.locator('[data-testid=command-confirm]');
    await confirm.locator('[data-testid=confirm-past]').waitFor();
    await confirm.locator('[data-testid=confirm-note][data-code=past_date]').waitFor();
    expect(await confirm.locator('[data-testid=confirm-create]').isDisabled()).toBe(true);
    const year = new Date().getFullYear() + 1;
    await confirm.locator('[data-testid=confirm-due]').fill(`${year}-01-10`);
    await confirm.locator('[data-testid=confirm-past]').waitFor({ state: 'detached' });
    await confirm.locator('[data-testid=confirm-create]').click();
    const card = cards(b, 'Pay the invoice');
    await card.waitFor();
    expect(await card.locator('[data-testid=card-due-absolute]').innerText()).toContain(`Jan 10, ${year}`);
  });

  it('offline, says so and keeps the text (nothing queued); runs once the connection is back', async () => {
    socketDown = true;
    for (const ws of sockets.splice(0)) await ws.close();
    await a.locator('aside [data-testid=connection][data-status=online]').waitFor({ state: 'detached' });
    const box = input(a);
    await box.fill('/task Offline plan tomorrow');
    await box.press('Enter');
    await a.locator('[data-testid=command-error]').filter({ hasText: 'No connection' }).waitFor();
    expect(await box.inputValue()).toBe('/task Offline plan tomorrow');
    const queued = await a.evaluate(() => Object.entries(localStorage).filter(([k]) => k.startsWith('artel.outbox.')).map(([, v]) => JSON.parse(v)));
    expect(queued.flat()).toEqual([]);

    socketDown = false;
    await a.evaluate(() => window.dispatchEvent(new Event('online')));
    await a.locator('aside [data-testid=connection][data-status=online]').waitFor({ timeout: 25_000 });
    await box.press('Enter');
    await cards(b, 'Offline plan').waitFor();
    expect(await box.inputValue()).toBe('');
    expect(await cards(a, 'Offline plan').count()).toBe(1);
    expect(problems).toEqual([]);
  });
});
