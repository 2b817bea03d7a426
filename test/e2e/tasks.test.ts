/**
 * Tasks in a real browser against a real hub: Olga creates a task for Bob with a deadline and a
 * checklist (a deadline in the past is refused with a message); it appears in Bob's "Mine" live and
 * lights his counter; Bob starts it, ticks an item and comments, and Olga sees it all live; Bob completes
 * it, it waits for Olga's control, she accepts it. On the kanban a card dragged to another column takes
 * the status step that leads there, and a drop no step leads to snaps back with a message. A deadline
 * that passes (moved into the past in the database, then the job runner) lights Bob's overdue counter
 * live. A timer started and stopped logs an entry. Carl's UI speaks Russian.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, registerOwner, type ApiClient } from '../helpers/client';
import { collectProblems, chromiumNote, haveChromium, launchChromium, online, signedInContext, watchProblems } from '../helpers/browser';

/** Room for the kanban's columns. */
const wide = { viewport: { width: 1400, height: 900 } };
/** Script errors and dialogs other than our own confirmations (accepted) are problems. */
const confirmsOk = { acceptConfirms: true };

/** A local date and time (the browser runs on this machine, in its time zone) `ms` from now. */
function localInputs(ms: number): { date: string; time: string } {
  const d = new Date(Date.now() + ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return { date: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`, time: `${pad(d.getHours())}:${pad(d.getMinutes())}` };
}

const row = (p: Page, title: string): Locator => p.locator('[data-testid=task-row]').filter({ has: p.locator('[data-testid=task-link]', { hasText: title }) });
const boardCard = (p: Page, title: string): Locator => p.locator('[data-testid=task-card]').filter({ has: p.locator('[data-testid=task-link]', { hasText: title }) });
const column = (p: Page, status: string): Locator => p.locator(`[data-testid=board-column][data-status=${status}]`);

describe.skipIf(!haveChromium)(`tasks (browser)${chromiumNote}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let ctxA: BrowserContext;
  let ctxB: BrowserContext;
  let ctxC: BrowserContext;
  let olga: ApiClient;
  let bob: ApiClient;
  let carl: ApiClient;
  let bobId: string;
  let problems: string[] = [];

  beforeAll(async () => {
    [hub, browser] = await Promise.all([startTestHub(), launchChromium()]);
    olga = await registerOwner(hub.url);
    bob = await addColleague(olga, 'bob@example.com', 'Bob Builder');
    carl = await addColleague(olga, 'carl@example.com', 'Carl Designer');
    bobId = (await bob.get('/api/me')).body.user.id;
    expect((await carl.patch('/api/me', { locale: 'ru' })).status).toBe(200);
    ctxA = await signedInContext(browser, hub, olga, 'en-US', wide);
    ctxB = await signedInContext(browser, hub, bob, 'en-US', wide);
    ctxC = await signedInContext(browser, hub, carl, 'ru-RU', wide);
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  /** A task made over the API, as Olga. */
  async function apiTask(body: Record<string, unknown>): Promise<{ id: string; title: string }> {
    const r = await olga.post('/api/tasks', { clientId: crypto.randomUUID(), responsibleId: bobId, ...body });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.task;
  }

  it('creates a task for Bob, who sees it live, works on it, and Olga accepts it', async () => {
    const a = await ctxA.newPage();
    const b = await ctxB.newPage();
    problems = collectProblems({ A: a, B: b }, confirmsOk);
    await Promise.all([a.goto(`${hub.url}/app/tasks`), b.goto(`${hub.url}/app/tasks`)]);
    await Promise.all([online(a), online(b)]);
    await b.locator('[data-testid=task-tab-mine]').click();
    await b.locator('[data-testid=tasks-empty]').filter({ hasText: 'Nothing is assigned to you' }).waitFor();
    expect(await b.locator('[data-testid=nav-tasks] [data-testid=tasks-attention]').count()).toBe(0);

    // --- The dialog: a title is required, a deadline in the past is refused by the hub with a message
    await a.locator('[data-testid=new-task]').click();
    const dialog = a.locator('[data-testid=new-task-dialog]');
    await dialog.locator('[data-testid=new-task-submit]').click();
    await dialog.locator('[data-testid=task-title-error]').filter({ hasText: 'Give the task a title' }).waitFor();
    await dialog.locator('[data-testid=task-title-input]').fill('Prepare the quarterly report');
    await dialog.locator('[data-testid=task-description-input]').fill('Use the **new** template');
    await dialog.locator('[data-testid=task-responsible-input]').fill('Bob');
    await dialog.locator('[data-testid=person-option]').filter({ hasText: 'Bob Builder' }).click();
    await dialog.locator('[data-testid=task-responsible] [data-testid=person-chip]').filter({ hasText: 'Bob Builder' }).waitFor();
    const past = localInputs(-2 * 3_600_000);
    await dialog.locator('[data-testid=task-deadline-date]').fill(past.date);
    await dialog.locator('[data-testid=task-deadline-time]').fill(past.time);
    await dialog.locator('[data-testid=draft-checklist-add]').click();
    await dialog.locator('[data-testid=draft-checklist-item]').nth(0).fill('Collect the numbers');
    await dialog.locator('[data-testid=draft-checklist-item]').nth(0).press('Enter');
    await dialog.locator('[data-testid=draft-checklist-item]').nth(1).fill('Write the summary');
    await dialog.locator('[data-testid=new-task-submit]').click();
    await dialog.locator('[data-testid=task-deadline-error]').filter({ hasText: 'already in the past' }).waitFor();
    expect((await olga.get('/api/tasks')).body.tasks).toHaveLength(0);
    // Due in two hours: within a day, so it needs Bob's attention.
    const soon = localInputs(2 * 3_600_000);
    await dialog.locator('[data-testid=task-deadline-date]').fill(soon.date);
    await dialog.locator('[data-testid=task-deadline-time]').fill(soon.time);
    await dialog.locator('[data-testid=new-task-submit]').click();
    await dialog.waitFor({ state: 'detached' });
    await row(a, 'Prepare the quarterly report').waitFor();

    // --- Bob: it appears in "Mine" without a reload, and his counter lights up
    const bobRow = row(b, 'Prepare the quarterly report');
    await bobRow.waitFor();
    expect(await bobRow.getAttribute('data-status')).toBe('new');
    expect(await bobRow.innerText()).toContain('0 of 2');
    await b.locator('[data-testid=nav-tasks] [data-testid=tasks-attention]').filter({ hasText: '1' }).waitFor();

    // --- Both open it; Bob starts it, ticks an item and comments: Olga sees each live
    await a.locator('[data-testid=task-link]', { hasText: 'Prepare the quarterly report' }).click();
    await a.locator('[data-testid=task-page][data-status=new]').waitFor();
    expect(await a.locator('[data-testid=task-description] strong').textContent()).toBe('new');
    await bobRow.locator('[data-testid=task-link]').click();
    await b.locator('[data-testid=task-page][data-status=new]').waitFor();
    expect(await b.locator('[data-testid=task-action-complete]').isVisible()).toBe(true);
    expect(await b.locator('[data-testid=task-edit]').count()).toBe(0);
    await b.locator('[data-testid=task-action-start]').click();
    await b.locator('[data-testid=task-page][data-status=in_progress]').waitFor();
    await a.locator('[data-testid=task-page][data-status=in_progress]').waitFor();

    await b.locator('[data-testid=checklist-item]').filter({ hasText: 'Collect the numbers' }).locator('[data-testid=checklist-toggle]').check();
    await b.locator('[data-testid=checklist-progress]').filter({ hasText: '1 of 2' }).waitFor();
    await a.locator('[data-testid=checklist-item][data-done=true]').filter({ hasText: 'Collect the numbers' }).waitFor();
    await a.locator('[data-testid=checklist-progress]').filter({ hasText: '1 of 2' }).waitFor();

    await b.locator('[data-testid=task-comment-input]').fill('The numbers are **in**');
    await b.locator('[data-testid=task-comment-send]').click();
    await b.locator('[data-testid=task-comment]').filter({ hasText: 'The numbers are in' }).waitFor();
    const seen = a.locator('[data-testid=task-comment]').filter({ hasText: 'The numbers are in' });
    await seen.waitFor();
    expect(await seen.locator('[data-testid=task-comment-author]').textContent()).toBe('Bob Builder');
    expect(await seen.locator('[data-testid=task-comment-body] strong').textContent()).toBe('in');
    await expect.poll(async () => (await a.locator('[data-testid=task-comment]').count())).toBe(1);

    // --- Bob completes: it waits for Olga's control (her counter lights up); she accepts it
    await b.locator('[data-testid=task-action-complete]').click();
    await b.locator('[data-testid=task-page][data-status=waiting_control]').waitFor();
    await b.locator('[data-testid=task-waiting]').waitFor();
    await a.locator('[data-testid=task-page][data-status=waiting_control]').waitFor();
    await a.locator('[data-testid=nav-tasks] [data-testid=tasks-attention]').waitFor();
    await a.locator('[data-testid=task-action-accept]').click();
    await a.locator('[data-testid=task-page][data-status=done]').waitFor();
    await b.locator('[data-testid=task-page][data-status=done]').waitFor();
    await b.locator('[data-testid=task-status]').filter({ hasText: 'Done' }).waitFor();
    await a.locator('[data-testid=nav-tasks] [data-testid=tasks-attention]').waitFor({ state: 'detached' });
    expect(problems).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });

  it('moves a task on the kanban by dragging its card; a drop no step leads to snaps back', async () => {
    const t = await apiTask({ title: 'Paint the fence' });
    const b = await ctxB.newPage();
    problems = watchProblems(b, 'B', confirmsOk);
    await b.goto(`${hub.url}/app/tasks?view=board&filter=mine`);
    await online(b);
    const card = boardCard(b, 'Paint the fence');
    await column(b, 'new').locator('[data-testid=task-card]').filter({ hasText: 'Paint the fence' }).waitFor();

    await card.dragTo(column(b, 'in_progress'));
    await column(b, 'in_progress').locator('[data-testid=task-card]').filter({ hasText: 'Paint the fence' }).waitFor();
    await b.locator('[data-testid=board-notice]').filter({ hasText: 'Start' }).waitFor();
    await expect.poll(async () => (await bob.get(`/api/tasks/${t.id}`)).body.task.status).toBe('in_progress');

    // Done is the creator's to decide: the card stays where it was and the board says what Bob may do.
    await card.dragTo(column(b, 'done'));
    await b.locator('[data-testid=board-notice]').filter({ hasText: 'What you can do now' }).waitFor();
    expect(await card.getAttribute('data-status')).toBe('in_progress');
    expect(await column(b, 'done').locator('[data-testid=task-card]').filter({ hasText: 'Paint the fence' }).count()).toBe(0);
    expect(await column(b, 'in_progress').locator('[data-testid=task-card]').filter({ hasText: 'Paint the fence' }).count()).toBe(1);
    expect((await bob.get(`/api/tasks/${t.id}`)).body.task.status).toBe('in_progress');

    // Olga moves it on her side: Bob's board follows live.
    expect((await olga.post(`/api/tasks/${t.id}/status`, { action: 'defer' })).status).toBe(200);
    await column(b, 'deferred').locator('[data-testid=task-card]').filter({ hasText: 'Paint the fence' }).waitFor();
    expect(problems).toEqual([]);
    await b.close();
  });

  it('lights the overdue counter when a deadline passes', async () => {
    const t = await apiTask({ title: 'Renew the licence', deadline: new Date(Date.now() + 3 * 86_400_000).toISOString() });
    const b = await ctxB.newPage();
    problems = watchProblems(b, 'B', confirmsOk);
    await b.goto(`${hub.url}/app/tasks?filter=mine`);
    await online(b);
    const r = row(b, 'Renew the licence');
    await r.locator('[data-testid=task-deadline][data-state=later]').waitFor();
    expect(await b.locator('[data-testid=nav-tasks] [data-testid=tasks-overdue]').count()).toBe(0);

    // The deadline passes: moved into the past in the database, and its job made due now.
    const c = new pg.Client({ connectionString: hub.db.url });
    await c.connect();
    try {
      await c.query(`UPDATE tasks SET deadline = now() - interval '1 minute' WHERE id = $1`, [t.id]);
      const moved = await c.query(`UPDATE jobs SET run_at = now() - interval '1 second' WHERE key = $1 AND done_at IS NULL`, [`task:${t.id}:overdue`]);
      expect(moved.rowCount).toBe(1);
    } finally {
      await c.end();
    }
    await hub.artel.svc.jobs.runDue();

    await b.locator('[data-testid=nav-tasks] [data-testid=tasks-overdue]').filter({ hasText: '1' }).waitFor();
    await r.locator('[data-testid=task-deadline][data-state=overdue]').waitFor();
    await b.locator('[data-testid=task-tab-overdue]').click();
    await row(b, 'Renew the licence').waitFor();
    expect(problems).toEqual([]);
    await b.close();
  });

  it('tracks time: a timer started and stopped logs an entry, and so does a manual one', async () => {
    const t = await apiTask({ title: 'Fix the printer', plannedMinutes: 60 });
    const b = await ctxB.newPage();
    problems = watchProblems(b, 'B', confirmsOk);
    await b.goto(`${hub.url}/app/tasks/${t.id}`);
    await online(b);
    await b.locator('[data-testid=task-page]').waitFor();
    await b.locator('[data-testid=time-planned]').filter({ hasText: '1 h 00 min' }).waitFor();

    await b.locator('[data-testid=timer-start]').click();
    await b.locator('[data-testid=task-timer][data-state=running]').waitFor();
    const clockText = await b.locator('[data-testid=timer-clock]').textContent();
    await expect.poll(async () => await b.locator('[data-testid=timer-clock]').textContent(), { timeout: 5000 }).not.toBe(clockText);
    await b.locator('[data-testid=timer-stop]').click();
    await b.locator('[data-testid=task-timer][data-state=off]').waitFor();
    await b.locator('[data-testid=time-entry][data-source=timer]').waitFor();
    const time = (await bob.get(`/api/tasks/${t.id}/time`)).body;
    expect(time.entries).toHaveLength(1);
    expect(time.entries[0]).toMatchObject({ source: 'timer', userId: bobId });
    expect(time.entries[0].seconds).toBeGreaterThanOrEqual(1);
    expect(time.timers).toEqual([]);

    await b.locator('[data-testid=time-minutes]').fill('45');
    await b.locator('[data-testid=time-note]').fill('Replaced the drum');
    await b.locator('[data-testid=time-add]').click();
    await b.locator('[data-testid=time-entry][data-source=manual]').filter({ hasText: 'Replaced the drum' }).waitFor();
    await b.locator('[data-testid=time-spent]').filter({ hasText: '45 min' }).waitFor();

    // A reminder in the past is refused, one ahead is listed.
    const past = localInputs(-3_600_000);
    await b.locator('[data-testid=reminder-date]').fill(past.date);
    await b.locator('[data-testid=reminder-time]').fill(past.time);
    await b.locator('[data-testid=reminder-add]').click();
    await b.locator('[data-testid=reminder-error]').filter({ hasText: 'in the past' }).waitFor();
    const ahead = localInputs(2 * 86_400_000);
    await b.locator('[data-testid=reminder-date]').fill(ahead.date);
    await b.locator('[data-testid=reminder-time]').fill(ahead.time);
    await b.locator('[data-testid=reminder-add]').click();
    await b.locator('[data-testid=reminder]').waitFor();
    expect((await bob.get(`/api/tasks/${t.id}/reminders`)).body.reminders).toHaveLength(1);
    expect(problems).toEqual([]);
    await b.close();
  });

  it('edits a task, reorders its checklist, edits and deletes a comment, and links back to its chat', async () => {
    const chat = (await olga.post('/api/chats', { kind: 'group', title: 'Office', memberIds: [bobId] })).body.chat;
    const sent = await olga.post(`/api/chats/${chat.id}/messages`, { clientId: crypto.randomUUID(), body: 'We need new chairs' });
    expect(sent.status).toBe(201);
    const message = sent.body.message;
    const t = await apiTask({ title: 'Order chairs', checklist: ['Measure', 'Choose', 'Pay'], origin: { chatId: chat.id, messageId: message.id } });
    const a = await ctxA.newPage();
    problems = watchProblems(a, 'A', confirmsOk);
    await a.goto(`${hub.url}/app/tasks/${t.id}`);
    await online(a);
    await a.locator('[data-testid=task-page]').waitFor();
    await a.locator(`[data-testid=task-origin][href="/app/chats/${chat.id}?at=${message.seq}"]`).filter({ hasText: 'Created from a chat' }).waitFor();

    // Checklist: down, edit, delete, add.
    const texts = () => a.locator('[data-testid=checklist-text]').allTextContents();
    const item = (text: string) => a.locator('[data-testid=checklist-item]').filter({ hasText: text });
    await item('Measure').locator('[data-testid=checklist-down]').click();
    await expect.poll(texts).toEqual(['Choose', 'Measure', 'Pay']);
    await item('Choose').locator('[data-testid=checklist-edit]').click();
    await a.locator('[data-testid=checklist-edit-input]').fill('Choose the model');
    await a.locator('[data-testid=checklist-edit-input]').press('Enter');
    await item('Pay').locator('[data-testid=checklist-delete]').click();
    await a.locator('[data-testid=checklist-add-input]').fill('Assemble');
    await a.locator('[data-testid=checklist-add]').click();
    await expect.poll(texts).toEqual(['Choose the model', 'Measure', 'Assemble']);
    expect((await olga.get(`/api/tasks/${t.id}/checklist`)).body.checklist.map((i: { text: string }) => i.text)).toEqual(['Choose the model', 'Measure', 'Assemble']);

    // Fields: the creator edits the title and priority; only what changed is sent.
    await a.locator('[data-testid=task-edit]').click();
    const dialog = a.locator('[data-testid=edit-task-dialog]');
    await dialog.locator('[data-testid=task-title-input]').fill('Order office chairs');
    await dialog.locator('[data-testid=task-priority]').check();
    await dialog.locator('[data-testid=edit-task-submit]').click();
    await dialog.waitFor({ state: 'detached' });
    await a.locator('[data-testid=task-title]').filter({ hasText: 'Order office chairs' }).waitFor();
    await a.locator('[data-testid=task-high]').waitFor();

    // Comments: mine to edit and delete.
    await a.locator('[data-testid=task-comment-input]').fill('Budget is 500');
    await a.locator('[data-testid=task-comment-input]').press('Control+Enter');
    const written = a.locator('[data-testid=task-comment]').filter({ hasText: 'Budget is' });
    await written.waitFor();
    const comment = a.locator(`[data-testid=task-comment][data-id="${await written.getAttribute('data-id')}"]`);
    await comment.locator('[data-testid=task-comment-edit]').click();
    await comment.locator('[data-testid=task-comment-edit-input]').fill('Budget is 600');
    await comment.locator('[data-testid=task-comment-save]').click();
    await comment.locator('[data-testid=task-comment-body]').filter({ hasText: 'Budget is 600' }).waitFor();
    await comment.locator('[data-testid=task-comment-delete]').click();
    await a.locator('[data-testid=task-comment][data-deleted=true]').waitFor();
    await a.locator('[data-testid=comment-count]').filter({ hasText: '0 comments' }).waitFor();
    expect(problems).toEqual([]);
    await a.close();
  });

  it('speaks Russian to Carl', async () => {
    const c = await ctxC.newPage();
    problems = watchProblems(c, 'C', confirmsOk);
    await c.goto(`${hub.url}/app/tasks`);
    await online(c);
    await c.locator('[data-testid=nav-tasks]').filter({ hasText: 'Задачи' }).waitFor();
    await c.locator('[data-testid=task-tab-mine]').filter({ hasText: 'Мои' }).waitFor();
    await c.locator('[data-testid=task-tab-assigned_by_me]').filter({ hasText: 'Поручил' }).waitFor();
    await c.locator('[data-testid=new-task]').filter({ hasText: 'Новая задача' }).click();
    await c.locator('[data-testid=new-task-dialog] [data-testid=new-task-submit]').click();
    await c.locator('[data-testid=task-title-error]').filter({ hasText: 'Укажите название задачи' }).waitFor();
    expect(problems).toEqual([]);
    await c.close();
  });
});
