/**
 * The CRM in a real browser against a real hub. Olga (owner) and Bob (employee) under `all_employees`:
 * a deal made in Olga's UI shows up on Bob's board live; dragging it to another column moves it (and
 * Bob's board follows), a drop Bob may not make goes back with a clear error, and a won drop asks why;
 * the deal's page shows its timeline and a comment added there (live for Bob too); a CSV import with
 * one bad row reports that row; the funnel report renders and downloads as CSV; a lead converts into a
 * deal; Carl, in a Russian browser, sees the built-in stages in Russian. And the chat flow of issue 5:
 * `/сделка Поставка 150 000 ₽ @Bob #переговоры` in a chat posts a card, the card opens the deal, a drag
 * on the board is told in the card's thread.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, registerOwner, type ApiClient } from '../helpers/client';
import { chromiumNote, collectProblems, haveChromium, launchChromium, online, signedInContext } from '../helpers/browser';

/** The board needs room for its columns; dates in the tests are Moscow's. */
const WIDE = { timezoneId: 'Europe/Moscow', viewport: { width: 1440, height: 900 } };

const column = (p: Page, code: string) => p.locator(`[data-testid=board-column][data-stage-id="${stageIds[code]}"]`);
const card = (scope: Page | Locator, title: string) => scope.locator('[data-testid=deal-card]').filter({ hasText: title });

/** Drag a deal's card onto a column (near its bottom: after the cards there). */
async function drag(p: Page, title: string, code: string): Promise<void> {
  const source = card(p, title);
  const box = (await source.boundingBox())!;
  const target = column(p, code);
  const tbox = (await target.boundingBox())!;
  await source.dragTo(target, { sourcePosition: { x: 12, y: box.height - 8 }, targetPosition: { x: tbox.width / 2, y: tbox.height - 12 } });
}

const stageIds: Record<string, string> = {};

describe.skipIf(!haveChromium)(`CRM (browser)${chromiumNote}`, () => {
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
  let bobId: string;

  beforeAll(async () => {
    [hub, browser] = await Promise.all([
      startTestHub(),
      launchChromium(),
    ]);
    olga = await registerOwner(hub.url);
    bob = await addColleague(olga, 'bob@example.com', 'Bob Builder');
    bobId = (await bob.get('/api/me')).body.user.id;
    // Every employee sees every record (the default, own_and_shared, would hide Olga's deals from Bob).
    expect((await olga.patch('/api/crm/settings', { visibility: 'all_employees' })).status).toBe(200);
    const { pipelines } = (await olga.get('/api/crm/pipelines')).body;
    for (const s of pipelines.find((p: { isDefault: boolean }) => p.isDefault).stages) stageIds[s.code ?? s.name] = s.id;
    chatId = (await olga.post('/api/chats', { kind: 'group', title: 'Supply', memberIds: [bobId] })).body.chat.id;

    ctxA = await signedInContext(browser, hub, olga, 'en-US', WIDE);
    ctxB = await signedInContext(browser, hub, bob, 'en-US', WIDE);
    a = await ctxA.newPage();
    b = await ctxB.newPage();
    problems = collectProblems({ A: a, B: b });
    await Promise.all([a.goto(`${hub.url}/app/crm`), b.goto(`${hub.url}/app/crm`)]);
    for (const p of [a, b]) {
      await online(p);
      await p.locator('[data-testid=deal-board]').waitFor();
    }
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('makes a deal from the UI; it appears live on Bob`s board with its amount', async () => {
    await a.click('[data-testid=crm-new-deal]');
    const dialog = a.locator('[data-testid=crm-new-dialog]');
    await dialog.locator('[data-testid=crm-field-title]').fill('Windows for the school');
    await dialog.locator('[data-testid=crm-field-amount]').fill('150 000');
    expect(await dialog.locator('[data-testid=crm-field-currency]').inputValue()).toBe('RUB');
    await dialog.locator('[data-testid=crm-create]').click();
    await dialog.waitFor({ state: 'detached' });

    for (const p of [a, b]) {
      const c = card(column(p, 'new'), 'Windows for the school');
      await c.waitFor();
      expect((await c.locator('[data-testid=deal-amount]').innerText()).replace(/\s/g, ' ')).toBe('RUB 150,000');
      await column(p, 'new').locator('[data-testid=column-count]').filter({ hasText: /^1$/ }).waitFor();
      expect(await column(p, 'new').locator('[data-testid=column-amount]').innerText()).toContain('150,000');
    }
  }, 60_000);

  it('drags the deal to another column: the stage changes and Bob`s board follows', async () => {
    await drag(a, 'Windows for the school', 'negotiation');
    for (const p of [a, b]) {
      await card(column(p, 'negotiation'), 'Windows for the school').waitFor();
      expect(await card(column(p, 'new'), 'Windows for the school').count()).toBe(0);
      await column(p, 'negotiation').locator('[data-testid=column-count]').filter({ hasText: /^1$/ }).waitFor();
      await column(p, 'new').locator('[data-testid=column-count]').filter({ hasText: /^0$/ }).waitFor();
    }
    const id = await card(a, 'Windows for the school').getAttribute('data-deal-id');
    const { record } = (await olga.get(`/api/crm/deals/${id}`)).body;
    expect(record.stage.code).toBe('negotiation');
  }, 60_000);

  it('puts a card back with a clear error when the drop is refused', async () => {
    // Bob sees Olga's deal but may not move it (he is neither its responsible nor its creator).
    await drag(b, 'Windows for the school', 'proposal');
    const error = b.locator('[data-testid=board-error]');
    await error.waitFor();
    expect(await error.innerText()).toContain('The deal was not moved');
    await card(column(b, 'negotiation'), 'Windows for the school').waitFor();
    expect(await card(column(b, 'proposal'), 'Windows for the school').count()).toBe(0);
    await column(b, 'negotiation').locator('[data-testid=column-count]').filter({ hasText: /^1$/ }).waitFor();
  }, 60_000);

  it('asks why when a deal is dropped on Won, and keeps the reason', async () => {
    const made = await olga.post('/api/crm/deals', { title: 'Desks for the office', amount: '5000', currency: 'USD' });
    expect(made.status).toBe(201);
    await card(column(a, 'new'), 'Desks for the office').waitFor();
    await drag(a, 'Desks for the office', 'won');
    const dialog = a.locator('[data-testid=reason-dialog]');
    await dialog.waitFor();
    await dialog.locator('[data-testid=reason-input]').fill('Best price');
    await dialog.locator('[data-testid=reason-submit]').click();
    for (const p of [a, b]) await card(column(p, 'won'), 'Desks for the office').waitFor();
    expect((await column(a, 'won').locator('[data-testid=column-amount]').innerText())).toContain('$5,000');
    await expect.poll(async () => (await olga.get(`/api/crm/deals/${made.body.record.id}`)).body.record.closeReason).toBe('Best price');
  }, 60_000);

  it('opens a deal: the timeline shows its history and a comment added there, live for Bob', async () => {
    await card(a, 'Windows for the school').locator('[data-testid=deal-title]').click();
    await a.waitForURL(/\/app\/crm\/deals\/[0-9a-f-]{36}$/);
    const url = a.url();
    await b.goto(url);
    for (const p of [a, b]) {
      await p.locator('[data-testid=record-title]').filter({ hasText: 'Windows for the school' }).waitFor();
      await p.locator('[data-testid=timeline-entry][data-type=created]').waitFor();
      const moved = p.locator('[data-testid=timeline-entry][data-type=stage_changed] [data-testid=timeline-stage]');
      expect(await moved.innerText()).toBe('New → Negotiation');
    }
    expect(await a.locator('[data-testid=record-stage-badge]').innerText()).toBe('Negotiation');

    await a.locator('[data-testid=timeline-body]').fill('Called the **headmaster**: they want a discount');
    await a.locator('[data-testid=timeline-submit]').click();
    for (const p of [a, b]) {
      const entry = p.locator('[data-testid=timeline-entry][data-type=comment]').first();
      await entry.locator('strong', { hasText: 'headmaster' }).waitFor();
      expect(await entry.innerText()).toContain('Olga Owner');
    }
    expect(await a.locator('[data-testid=timeline-body]').inputValue()).toBe('');

    // A call, with its direction and duration.
    await a.locator('[data-testid=timeline-type-call]').check({ force: true });
    await a.locator('[data-testid=timeline-form] input[type=number]').fill('15');
    await a.locator('[data-testid=timeline-body]').fill('Agreed on delivery');
    await a.locator('[data-testid=timeline-submit]').click();
    const call = b.locator('[data-testid=timeline-entry][data-type=call]').filter({ hasText: 'Agreed on delivery' });
    await call.waitFor();
    expect(await call.innerText()).toContain('15 min');

    // Olga edits the amount: the page, Bob's copy and the timeline follow.
    await a.click('[data-testid=record-edit-open]');
    await a.locator('[data-testid=record-edit] [data-testid=crm-field-amount]').fill('160000');
    await a.click('[data-testid=record-save]');
    for (const p of [a, b]) {
      await p.locator('[data-testid=record-amount]').filter({ hasText: '160,000' }).waitFor();
      const changed = p.locator('[data-testid=timeline-entry][data-type=fields_changed]');
      expect((await changed.innerText()).replace(/\s/g, ' ')).toContain('Amount: RUB 150,000 → RUB 160,000');
    }
  }, 60_000);

  it('imports a CSV with one bad row and lists that row with its reason', async () => {
    await a.goto(`${hub.url}/app/crm/contacts`);
    await a.locator('[data-testid=crm-list][data-kind=contact]').waitFor();
    await a.click('[data-testid=crm-import]');
    const dialog = a.locator('[data-testid=import-dialog]');
    const csv = 'Имя;Фамилия;Телефон;E-mail\r\nИван;Петров;+7 916 123-45-67;ivan@example.com\r\nПётр;Без почты;;not-an-email\r\nМария;Сидорова;8 (903) 555-12-34;maria@example.com\r\n';
    await dialog.locator('[data-testid=import-file]').setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
    await dialog.locator('[data-testid=import-preview]').waitFor();
    expect(await dialog.locator('[data-testid=import-column]').allInnerTexts()).toEqual(['Имя', 'Фамилия', 'Телефон', 'E-mail']);
    expect(await dialog.locator('[data-testid=import-row]').count()).toBe(3);
    expect(await dialog.locator('[data-testid=import-map-0]').inputValue()).toBe('firstName');
    expect(await dialog.locator('[data-testid=import-map-3]').inputValue()).toBe('email');
    // Ignore the phone column, then map it back.
    await dialog.locator('[data-testid=import-map-2]').selectOption('');
    await dialog.locator('[data-testid=import-map-2]').selectOption('phone');
    await dialog.locator('[data-testid=import-run]').click();

    const result = dialog.locator('[data-testid=import-result]');
    await result.waitFor();
    expect(await result.locator('[data-testid=import-created]').getAttribute('data-count')).toBe('2');
    expect(await result.locator('[data-testid=import-created]').innerText()).toContain('2 contacts created');
    const failures = result.locator('[data-testid=import-failure]');
    expect(await failures.count()).toBe(1);
    expect(await failures.getAttribute('data-row')).toBe('3');
    expect(await failures.getAttribute('data-code')).toBe('bad_email');
    expect(await failures.innerText()).toMatch(/Row 3:.*not an e-mail address/);
    await dialog.locator('[data-testid=import-done]').click();
    await dialog.waitFor({ state: 'detached' });
    for (const name of ['Иван Петров', 'Мария Сидорова']) {
      await a.locator('[data-testid=crm-row-title]').filter({ hasText: name }).waitFor();
    }
    // A new contact with an e-mail already in the CRM: warned, then made anyway.
    await a.click('[data-testid=crm-new-contact]');
    const create = a.locator('[data-testid=crm-new-dialog]');
    await create.locator('[data-testid=crm-field-firstName]').fill('Ivan');
    await create.locator('[data-testid=crm-add-emails]').click();
    await create.locator('[data-testid=crm-emails-0]').fill('IVAN@example.com');
    await create.locator('[data-testid=crm-create]').click();
    const dup = create.locator('[data-testid=duplicates] [data-testid=duplicate]');
    await dup.filter({ hasText: 'Иван Петров' }).waitFor();
    expect(await dup.innerText()).toContain('ivan@example.com');
    await create.locator('[data-testid=create-anyway]').click();
    await create.waitFor({ state: 'detached' });
    await a.locator('[data-testid=crm-row-title]').filter({ hasText: /^Ivan$/ }).waitFor();

    // Search finds a contact by phone.
    await a.locator('[data-testid=crm-search]').fill('903');
    await expect.poll(() => a.locator('[data-testid=crm-row]').count()).toBe(1);
    expect(await a.locator('[data-testid=crm-row-title]').innerText()).toBe('Мария Сидорова');
  }, 60_000);

  it('renders the funnel report with its CSV', async () => {
    await a.goto(`${hub.url}/app/crm/reports`);
    const chart = a.locator('[data-testid=funnel-chart]');
    await chart.waitFor();
    const bars = chart.locator('[data-testid=funnel-bar]');
    expect(await bars.count()).toBe(5);
    expect(await bars.nth(0).getAttribute('data-stage')).toBe('new');
    expect(Number(await bars.nth(0).getAttribute('data-reached'))).toBeGreaterThanOrEqual(2);
    expect(await chart.locator('text', { hasText: 'Negotiation' }).count()).toBe(1);
    await chart.locator('[data-testid=funnel-conversion]').first().waitFor();
    await a.locator('[data-testid=deals-by-manager] [data-testid=deals-row][data-won="1"]').waitFor();
    const href = (await a.locator('[data-testid=funnel-csv]').getAttribute('href'))!;
    expect(href).toMatch(/^\/api\/crm\/reports\/funnel\?.*format=csv/);
    const res = await olga.get(href);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
  }, 60_000);

  it('converts a lead into a deal and opens the deal', async () => {
    await a.goto(`${hub.url}/app/crm/leads`);
    await a.click('[data-testid=crm-new-lead]');
    const dialog = a.locator('[data-testid=crm-new-dialog]');
    await dialog.locator('[data-testid=crm-field-title]').fill('Chairs for the hall');
    await dialog.locator('[data-testid=crm-field-firstName]').fill('Irina');
    await dialog.locator('[data-testid=crm-field-companyName]').fill('Hall Ltd');
    await dialog.locator('[data-testid=crm-field-amount]').fill('20000');
    await dialog.locator('[data-testid=crm-create]').click();
    await a.locator('[data-testid=crm-row-title]').filter({ hasText: 'Chairs for the hall' }).click();
    await a.locator('[data-testid=record-title]').filter({ hasText: 'Chairs for the hall' }).waitFor();
    await a.click('[data-testid=lead-convert]');
    const convert = a.locator('[data-testid=convert-dialog]');
    expect(await convert.locator('[data-testid=convert-contact]').isChecked()).toBe(true);
    expect(await convert.locator('[data-testid=convert-company]').isChecked()).toBe(true);
    expect(await convert.locator('[data-testid=convert-deal]').isChecked()).toBe(true);
    await convert.locator('[data-testid=convert-submit]').click();
    await a.waitForURL(/\/app\/crm\/deals\/[0-9a-f-]{36}$/);
    await a.locator('[data-testid=record-page][data-kind=deal]').waitFor();
    expect(await a.locator('[data-testid=record-title]').innerText()).toBe('Chairs for the hall');
    expect((await a.locator('[data-testid=record-amount]').innerText()).replace(/\s/g, ' ')).toBe('RUB 20,000');
    const links = a.locator('[data-testid=record-link]');
    await links.filter({ hasText: 'Hall Ltd' }).waitFor();
    await links.filter({ hasText: 'Chairs for the hall' }).waitFor();
  }, 60_000);

  it('shows the built-in stages in Russian in a Russian browser', async () => {
    const carl = await addColleague(olga, 'carl@example.com', 'Карл Иванов');
    expect((await carl.patch('/api/me', { locale: 'ru' })).status).toBe(200);
    const ctx = await signedInContext(browser, hub, carl, 'ru-RU', WIDE);
    const c = await ctx.newPage();
    collectProblems({ C: c }, {}, problems);
    await c.goto(`${hub.url}/app/crm`);
    await c.locator('[data-testid=deal-board]').waitFor();
    expect(await c.locator('[data-testid=column-title]').allInnerTexts()).toEqual(['Новая', 'Переговоры', 'Предложение', 'Успешно', 'Проиграна']);
    expect(await c.locator('[data-testid=crm-tab-deals]').innerText()).toBe('Сделки');
    expect((await card(column(c, 'negotiation'), 'Windows for the school').locator('[data-testid=deal-amount]').innerText()).replace(/\s/g, ' ')).toBe('160 000 ₽');
    await ctx.close();
  }, 60_000);

  it('from a chat: /сделка posts a card, the card opens the deal, a drag is told in its thread', async () => {
    await Promise.all([a.goto(`${hub.url}/app/chats/${chatId}`), b.goto(`${hub.url}/app/chats/${chatId}`)]);
    for (const p of [a, b]) await p.locator('[data-testid=chat-header-title]').filter({ hasText: 'Supply' }).waitFor();
    const box = a.locator('[data-testid=composer] [data-testid=composer-input]').last();
    await box.fill('/сделка Поставка 150 000 ₽ @Bob #переговоры');
    const preview = a.locator('[data-testid=command-preview][data-state=ready]');
    await preview.locator('[data-testid=preview-title]').filter({ hasText: 'Поставка' }).waitFor();
    await box.press('Enter');

    const cardIn = (p: Page) => p.locator('[data-testid=message-list] [data-testid=card][data-kind=deal]').filter({ hasText: 'Поставка' });
    for (const p of [a, b]) {
      await cardIn(p).waitFor();
      expect(await cardIn(p).locator('[data-testid=card-responsible]').innerText()).toContain('Bob Builder');
    }
    const dealId = (await cardIn(a).getAttribute('data-card-id'))!;
    expect(await cardIn(a).getAttribute('href')).toBe(`/app/crm/deals/${dealId}`);

    // The card opens the deal page; its timeline links back to the chat.
    await cardIn(a).click();
    await a.waitForURL(`${hub.url}/app/crm/deals/${dealId}`);
    await a.locator('[data-testid=record-title]').filter({ hasText: 'Поставка' }).waitFor();
    expect(await a.locator('[data-testid=record-stage-badge]').innerText()).toBe('Negotiation');
    expect((await a.locator('[data-testid=record-amount]').innerText()).replace(/\s/g, ' ')).toBe('RUB 150,000');
    expect(await a.locator('[data-testid=record-responsible]').innerText()).toContain('Bob Builder');
    const chatLink = a.locator('[data-testid=timeline-entry][data-type=chat_linked] [data-testid=timeline-chat-link]');
    expect(await chatLink.getAttribute('href')).toBe(`/app/chats/${chatId}`);
    expect(await chatLink.innerText()).toBe('Supply');

    // On the board, the deal goes from Negotiation to Proposal; the card's thread says so.
    await a.locator('[data-testid=crm-tab-deals]').click();
    await card(column(a, 'negotiation'), 'Поставка').waitFor();
    await drag(a, 'Поставка', 'proposal');
    await card(column(a, 'proposal'), 'Поставка').waitFor();
    await expect.poll(async () => (await olga.get(`/api/crm/deals/${dealId}`)).body.record.stage.code).toBe('proposal');

    await cardIn(b).locator('[data-testid=card-status]').filter({ hasText: 'Proposal' }).waitFor();
    const message = b.locator('[data-testid=message-list] [data-testid=message]').filter({ has: b.locator('[data-testid=card][data-kind=deal]', { hasText: 'Поставка' }) });
    await message.locator('[data-testid=thread-link]').click();
    const thread = b.locator('[data-testid=thread-panel]');
    await thread.locator('[data-testid=message-body]').filter({ hasText: 'Stage: Proposal' }).waitFor();
  }, 90_000);

  it('under "own and shared", Bob`s board drops what he no longer sees and follows his own records', async () => {
    await Promise.all([a.goto(`${hub.url}/app/crm/settings`), b.goto(`${hub.url}/app/crm`)]);
    await card(column(b, 'negotiation'), 'Windows for the school').waitFor();
    await a.locator('[data-testid=settings-visibility-own_and_shared]').check();
    await a.locator('[data-testid=settings-save]').click();
    await a.locator('[data-testid=settings-saved]').waitFor();
    // crm:all is revoked from Bob at once: his board reloads with what he may see.
    await card(b, 'Windows for the school').waitFor({ state: 'detached' });
    await card(column(b, 'proposal'), 'Поставка').waitFor();
    // Now his board lives on his own stream: a deal made for him shows up, one of Olga's does not.
    expect((await olga.post('/api/crm/deals', { title: 'Olga private deal' })).status).toBe(201);
    expect((await olga.post('/api/crm/deals', { title: 'A deal for Bob', responsibleId: bobId })).status).toBe(201);
    await card(column(b, 'new'), 'A deal for Bob').waitFor();
    expect(await card(b, 'Olga private deal').count()).toBe(0);
    expect(problems).toEqual([]);
  }, 60_000);
});
