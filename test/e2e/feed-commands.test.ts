/**
 * Slash commands typed in a feed post's and a task's comment box get the chat composer's command side: the
 * `/` list with help, the live preview with problems marked, and the confirmation card where the hub is in
 * doubt (which Ann), which re-sends the confirmed draft. The record is made and a comment links to it;
 * before the card is confirmed nothing is made, and what cannot be made (a past deadline, no title, an
 * unknown person or command) says why in the box. Escape backs out of the card.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, idsOf, registerOwner, type ApiClient } from '../helpers/client';
import { chromiumNote, haveChromium, launchChromium, signedInContext, watchProblems } from '../helpers/browser';

const tall = { viewport: { width: 1280, height: 900 } };

/** The option labels of a confirmation card's choice (each label follows an avatar). */
async function offered(choice: Locator): Promise<string[]> {
  const texts = await choice.locator('[data-testid=confirm-option]').allInnerTexts();
  return texts.map((s) => s.split('\n').pop()!.trim()).sort();
}

describe.skipIf(!haveChromium)(`slash commands in feed and task comments (browser)${chromiumNote}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let owner: ApiClient;
  let bob: ApiClient;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    [hub, browser] = await Promise.all([startTestHub(), launchChromium()]);
    owner = await registerOwner(hub.url);
    bob = await addColleague(owner, 'bob@example.com', 'Bob Builder');
    const annLee = await addColleague(owner, 'ann1@example.com', 'Ann Lee');
    const annSmith = await addColleague(owner, 'ann2@example.com', 'Ann Smith');
    Object.assign(ids, await idsOf({ bob, annLee, annSmith }));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  type Made = { id: string; title: string; creator: { id: string }; responsible: { id: string } };
  /** The tasks Bob made (he is their creator, whoever is responsible). */
  async function bobsMade(): Promise<Made[]> {
    const { tasks } = (await bob.get('/api/tasks?filter=all')).body;
    return (tasks as Made[]).filter((t) => t.creator.id === ids.bob);
  }
  const bobsTasks = async () => (await bobsMade()).map((t) => t.title).sort();
  const bobsTask = async (title: string) => (await bobsMade()).find((t) => t.title === title)!;

  it('runs commands from a feed comment box: list, preview, confirmation card; doubts and refusals make nothing', async () => {
    await owner.post('/api/feed/posts', { clientId: randomUUID(), body: 'Quarterly review', audience: { userIds: [ids.bob] } });
    const ctx = await signedInContext(browser, hub, bob, 'en-US', tall);
    const page = await ctx.newPage();
    const errors = watchProblems(page, 'Bob');
    await page.goto(`${hub.url}/app/feed`);
    const post = page.locator('[data-testid=post]').filter({ hasText: 'Quarterly review' });
    const input = post.locator('[data-testid=comment-input]');
    const comments = () => post.locator('[data-testid=comment]').count();

    // The `/` list, with each command's help; arrows move, Enter picks.
    await input.click();
    await input.pressSequentially('/');
    const options = post.locator('[data-testid=command-menu] [data-testid=command-option]');
    await expect.poll(() => options.count()).toBe(6);
    expect(await options.first().innerText()).toMatch(/\/task[\s\S]*create a task/);
    await input.press('ArrowDown');
    await post.locator('[data-testid=command-option][data-command=deal]').and(page.locator('.on')).waitFor();
    await input.press('ArrowUp');
    await input.pressSequentially('ta');
    await expect.poll(() => options.count()).toBe(1);
    await input.press('Enter');
    expect(await input.inputValue()).toBe('/task ');
    await post.locator('[data-testid=command-menu]').waitFor({ state: 'detached' });
    // No title yet: the command's grammar and an example; Enter refuses without asking the hub.
    await post.locator('[data-testid=command-help]').filter({ hasText: '/task —' }).waitFor();
    await input.press('Enter');
    await post.locator('[data-testid=command-refused] [data-testid=command-problem][data-code=empty_title]').waitFor();

    // The live preview while typing, then the record and the comment linking to it.
    await input.pressSequentially('Prepare the figures tomorrow');
    const ready = post.locator('[data-testid=command-preview][data-state=ready]');
    await ready.locator('[data-testid=preview-title]').filter({ hasText: 'Prepare the figures' }).waitFor();
    await ready.locator('[data-testid=draft-due]').filter({ hasText: 'the whole day' }).waitFor();
    await input.press('Enter');
    const link = post.getByRole('link', { name: 'Task: Prepare the figures' });
    await link.waitFor();
    expect(await input.inputValue()).toBe('');
    expect(await bobsTasks()).toEqual(['Prepare the figures']);
    expect(await link.getAttribute('href')).toBe(`/app/tasks/${(await bobsTask('Prepare the figures')).id}`);

    // Two Anns: the preview marks the doubt, Enter asks on the card, and nothing is made until one is picked.
    await input.fill('/task Check the numbers @Ann ');
    await post.locator('[data-testid=command-preview][data-state=doubt] mark[data-code=ambiguous_person]').filter({ hasText: '@Ann' }).waitFor();
    await input.press('Enter');
    const confirm = post.locator('[data-testid=command-confirm]');
    const choice = confirm.locator('[data-testid=confirm-choice][data-code=ambiguous_person]');
    await choice.waitFor();
    expect(await offered(choice)).toEqual(['Ann Lee', 'Ann Smith']);
    expect(await confirm.locator('[data-testid=confirm-title]').inputValue()).toBe('Check the numbers');
    expect(await confirm.locator('[data-testid=confirm-create]').isDisabled()).toBe(true);
    expect(await bobsTasks()).toEqual(['Prepare the figures']);
    const before = await comments();
    await choice.locator(`[data-testid=confirm-option][data-value="${ids.annSmith}"]`).click();
    await confirm.locator('[data-testid=draft-responsible]').filter({ hasText: 'Ann Smith' }).waitFor();
    await confirm.locator('[data-testid=confirm-create]').click();
    await post.getByRole('link', { name: 'Task: Check the numbers' }).waitFor();
    await confirm.waitFor({ state: 'detached' });
    expect(await input.inputValue()).toBe('');
    expect(await comments()).toBe(before + 1);
    expect((await bobsTask('Check the numbers')).responsible.id).toBe(ids.annSmith);

    // Escape on the card (from the field or from the card itself) goes back to editing, the text kept.
    await input.fill('/task Sign it @Ann ');
    await input.press('Enter');
    await confirm.waitFor();
    await input.press('Escape');
    await confirm.waitFor({ state: 'detached' });
    await post.locator('[data-testid=command-preview]').waitFor();
    expect(await input.inputValue()).toBe('/task Sign it @Ann ');
    await input.press('Enter');
    await choice.locator('[data-testid=confirm-option]').first().focus();
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'detached' });
    expect(await input.inputValue()).toBe('/task Sign it @Ann ');

    // A past deadline: marked in the preview, refused on the card with a clear message; nothing is made.
    await input.fill('/task Pay the invoice 2020-01-10');
    await post.locator('[data-testid=command-preview][data-state=doubt] mark[data-code=past_date]').waitFor();
    await input.press('Enter');
    await confirm.locator('[data-testid=confirm-past]').filter({ hasText: 'This date is in the past' }).waitFor();
    await confirm.locator('[data-testid=confirm-note][data-code=past_date]').filter({ hasText: '"2020-01-10" is in the past' }).waitFor();
    expect(await confirm.locator('[data-testid=confirm-create]').isDisabled()).toBe(true);
    await confirm.locator('[data-testid=confirm-title]').press('Enter');
    await input.press('Escape');
    await confirm.waitFor({ state: 'detached' });

    // An unknown person and a negative amount are told on the card before anything is made.
    await input.fill('/task Call the auditor @Zed');
    await input.press('Enter');
    await confirm.locator('[data-testid=confirm-note][data-code=unknown_person]').filter({ hasText: 'No one matches "@Zed"' }).waitFor();
    await input.press('Escape');
    await input.fill('/deal Audit -500 USD');
    await post.locator('[data-testid=command-preview] [data-testid=command-problem][data-code=negative_amount]').waitFor();
    await input.press('Enter');
    await confirm.locator('[data-testid=confirm-note][data-code=negative_amount]').filter({ hasText: 'cannot be negative' }).waitFor();
    await input.press('Escape');

    // A mistyped command: a suggestion that fixes the text; sending it as a plain comment after all.
    await input.fill('/tsak x');
    await input.press('Enter');
    const refused = post.locator('[data-testid=command-refused]');
    await refused.locator('[data-testid=command-problem][data-code=unknown_command]').waitFor();
    await refused.locator('[data-testid=command-suggestion]').filter({ hasText: /^\/task$/ }).click();
    expect(await input.inputValue()).toBe('/task x');

    await page.waitForTimeout(300);
    expect(await bobsTasks()).toEqual(['Check the numbers', 'Prepare the figures']);
    expect((await owner.get('/api/crm/deals')).body.records).toEqual([]);
    expect(await comments()).toBe(before + 1);
    expect(errors).toEqual([]);
    await ctx.close();
  }, 120_000);

  it("runs commands from a task's comment box in Russian: the card asks which Ann, then the task and its link", async () => {
    const task = (await owner.post('/api/tasks', { clientId: randomUUID(), title: 'Agree the protocol', responsibleId: ids.bob })).body.task;
    // The account's language is the UI's (the browser's only counts before sign-in).
    expect((await bob.patch('/api/me', { locale: 'ru' })).status).toBe(200);
    const ctx = await signedInContext(browser, hub, bob, 'ru-RU', tall);
    const page = await ctx.newPage();
    const errors = watchProblems(page, 'Bob');
    await page.goto(`${hub.url}/app/tasks/${task.id}`);
    const box = page.getByTestId('task-comments');
    const input = page.getByTestId('task-comment-input');

    await input.click();
    await input.pressSequentially('/за');
    await box.locator('[data-testid=command-menu] [data-testid=command-option]').filter({ hasText: '/задача' }).waitFor();
    await input.press('Tab');
    expect(await input.inputValue()).toBe('/задача ');
    await input.pressSequentially('Сверить протокол @Ann ');
    const preview = box.locator('[data-testid=command-preview][data-state=doubt]');
    await preview.locator('mark[data-code=ambiguous_person]').waitFor();
    await preview.locator('[data-testid=command-problem]').filter({ hasText: 'подходит нескольким людям' }).waitFor();
    await input.press('Enter');
    const confirm = box.locator('[data-testid=command-confirm]');
    await confirm.getByText('Проверьте перед созданием: Задача').waitFor();
    const choice = confirm.locator('[data-testid=confirm-choice][data-code=ambiguous_person]');
    expect(await offered(choice)).toEqual(['Ann Lee', 'Ann Smith']);
    expect(await bobsTasks()).not.toContain('Сверить протокол');
    await choice.locator(`[data-testid=confirm-option][data-value="${ids.annLee}"]`).click();
    await confirm.getByRole('button', { name: 'Подтвердить и создать' }).click();
    const link = box.getByRole('link', { name: 'Task: Сверить протокол' });
    await link.waitFor();
    const made = await bobsTask('Сверить протокол');
    expect(made.responsible.id).toBe(ids.annLee);
    expect(await link.getAttribute('href')).toBe(`/app/tasks/${made.id}`);
    expect(await input.inputValue()).toBe('');

    // A deal with no doubt is made at once from the send button.
    await input.fill('/сделка Протокол 10 тыс ₽');
    await box.locator('[data-testid=command-preview][data-state=ready]').waitFor();
    await page.getByTestId('task-comment-send').click();
    const deal = box.getByRole('link', { name: 'Deal: Протокол' });
    await deal.waitFor();
    const record = (await owner.get('/api/crm/deals')).body.records.find((d: { title: string }) => d.title === 'Протокол');
    expect(await deal.getAttribute('href')).toBe(`/app/crm/deals/${record.id}`);
    expect(errors).toEqual([]);
    await ctx.close();
  }, 120_000);
});
