/**
 * A group's settings in a real browser against a real hub: its owner renames it and changes its picture
 * while another member watches the change arrive live; adds a third person, who then sees the chat;
 * makes someone an admin (whose panel grows the admin controls at once); removes a member, whose page
 * loses the chat with a notice; a member leaves; the owner leaves and hands the chat over. A plain member
 * sees no controls that are not theirs, and a direct chat shows the other person's profile only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub';
import { collectProblems, chromiumNote, haveChromium, launchChromium, online, signedInContext } from '../helpers/browser';
import { team, type Team } from '../helpers/team';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

const info = (p: Page) => p.locator('[data-testid=chat-info]');
const member = (p: Page, userId: string) => info(p).locator(`[data-testid=chat-member][data-user-id="${userId}"]`);
const item = (p: Page, chatId: string) => p.locator(`[data-testid=chat-item][data-chat-id="${chatId}"]`);

describe.skipIf(!haveChromium)(`chat settings (browser)${chromiumNote}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let people: Team<'ann' | 'ben' | 'cid'>;

  beforeAll(async () => {
    [hub, browser] = await Promise.all([startTestHub(), launchChromium()]);
    people = await team(hub.url, ['ann', 'ben', 'cid'] as const);
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  /** A signed-in page of one person at `path`, online. */
  async function open(who: 'owner' | 'ann' | 'ben' | 'cid', path: string): Promise<Page> {
    const ctx = await signedInContext(browser, hub, people[who]);
    const page = await ctx.newPage();
    await page.goto(`${hub.url}${path}`);
    await online(page);
    return page;
  }

  async function openInfo(p: Page) {
    await p.click('[data-testid=chat-info-open]');
    await info(p).waitFor();
  }

  it('rename, picture, add, roles, remove, leave and hand-over reach every open page live', async () => {
    const { ids } = people;
    const created = await people.owner.post('/api/chats', { kind: 'group', title: 'Team', memberIds: [ids.ann, ids.ben] });
    const chatId = created.body.chat.id as string;
    // Someone outside the chat cannot see who is in it.
    expect((await people.cid.get(`/api/chats/${chatId}/members`)).status).toBe(403);
    expect((await people.ann.get(`/api/chats/${chatId}/members`)).body.members).toHaveLength(3);

    const [o, a, b, c] = await Promise.all([
      open('owner', `/app/chats/${chatId}`),
      open('ann', `/app/chats/${chatId}`),
      open('ben', `/app/chats/${chatId}`),
      open('cid', '/app/chats'),
    ]);
    const problems = collectProblems({ owner: o, ann: a, ben: b, cid: c }, { acceptConfirms: true });

    // --- a plain member sees the members and a way out, but none of the managing controls
    await openInfo(b);
    await member(b, ids.owner).locator('[data-testid=chat-member-role]').filter({ hasText: 'Owner' }).waitFor();
    await member(b, ids.ann).waitFor();
    await info(b).locator('[data-testid=chat-leave]').waitFor();
    for (const control of ['chat-rename', 'chat-picture-input', 'chat-add-open', 'member-remove', 'member-make-admin']) {
      expect(await info(b).locator(`[data-testid=${control}]`).count(), control).toBe(0);
    }

    // --- the owner renames the group: Ann's open header and list follow
    await openInfo(o);
    await info(o).locator('[data-testid=chat-rename]').click();
    await info(o).locator('[data-testid=chat-rename-input]').fill('Команда');
    await info(o).locator('[data-testid=chat-rename-save]').click();
    await info(o).locator('[data-testid=chat-info-title]').filter({ hasText: 'Команда' }).waitFor();
    await a.locator('[data-testid=chat-header-title]').filter({ hasText: 'Команда' }).waitFor();
    await item(a, chatId).locator('[data-testid=chat-title]').filter({ hasText: 'Команда' }).waitFor();
    await info(b).locator('[data-testid=chat-info-title]').filter({ hasText: 'Команда' }).waitFor();

    // --- ...and sets a picture, then a file that is not an image is refused in words
    await info(o).locator('[data-testid=chat-picture-input]').setInputFiles({ name: 'team.png', mimeType: 'image/png', buffer: PNG });
    await item(a, chatId).locator(`img[src^="/api/chats/${chatId}/avatar"]`).waitFor();
    await a.locator(`header img[src^="/api/chats/${chatId}/avatar"]`).waitFor();
    await info(o).locator('[data-testid=chat-picture-remove]').waitFor();
    await info(o).locator('[data-testid=chat-picture-input]').setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not a picture at all') });
    await info(o).locator('[data-testid=chat-face-error]').filter({ hasText: 'PNG, JPEG, GIF or WebP' }).waitFor();
    await item(a, chatId).locator(`img[src^="/api/chats/${chatId}/avatar"]`).waitFor();

    // --- adds Cid, who sees the chat arrive in the list and can open it
    await info(o).locator('[data-testid=chat-add-open]').click();
    await info(o).locator('[data-testid=chat-add] label').filter({ hasText: 'Cid' }).locator('input').check();
    expect(await info(o).locator('[data-testid=chat-add] label').filter({ hasText: 'Ann' }).count()).toBe(0);
    await info(o).locator('[data-testid=chat-add-submit]').click();
    await member(o, ids.cid).waitFor();
    await member(b, ids.cid).waitFor();
    await item(c, chatId).locator('[data-testid=chat-title]').filter({ hasText: 'Команда' }).waitFor();
    await item(c, chatId).click();
    await c.locator('[data-testid=chat-header-title]').filter({ hasText: 'Команда' }).waitFor();
    await c.locator('header').getByText('4 members').waitFor();

    // --- makes Ann an admin: her open panel gains the managing controls at once
    await openInfo(a);
    expect(await info(a).locator('[data-testid=chat-rename]').count()).toBe(0);
    await member(o, ids.ann).locator('[data-testid=member-make-admin]').click();
    await member(o, ids.ann).locator('[data-testid=chat-member-role]').filter({ hasText: 'Admin' }).waitFor();
    await member(b, ids.ann).locator('[data-testid=chat-member-role]').filter({ hasText: 'Admin' }).waitFor();
    await info(a).locator('[data-testid=chat-rename]').waitFor();
    await info(a).locator('[data-testid=chat-add-open]').waitFor();
    // An admin removes plain members, never the owner, and gives no roles.
    await member(a, ids.ben).locator('[data-testid=member-remove]').waitFor();
    expect(await member(a, ids.owner).locator('[data-testid=member-remove]').count()).toBe(0);
    expect(await info(a).locator('[data-testid=member-make-admin]').count()).toBe(0);

    // --- removes Ben: his page loses the chat and says why
    await member(o, ids.ben).locator('[data-testid=member-remove]').click();
    await member(o, ids.ben).waitFor({ state: 'detached' });
    await b.locator('[data-testid=chat-missing][data-reason=removed]').filter({ hasText: 'You were removed from this chat.' }).waitFor();
    await item(b, chatId).waitFor({ state: 'detached' });
    await member(a, ids.ben).waitFor({ state: 'detached' });
    expect((await people.ben.get(`/api/chats/${chatId}/messages`)).status).toBe(403);

    // --- Cid leaves (after confirming): back to the list, the chat gone; the others see him go
    await openInfo(c);
    await info(c).locator('[data-testid=chat-leave]').click();
    await c.waitForURL(/\/app\/chats$/);
    await item(c, chatId).waitFor({ state: 'detached' });
    await member(o, ids.cid).waitFor({ state: 'detached' });
    await member(a, ids.cid).waitFor({ state: 'detached' });

    // --- the owner leaves: Ann, the admin, becomes the owner, and her panel shows it
    await info(o).locator('[data-testid=chat-leave]').click();
    await o.waitForURL(/\/app\/chats$/);
    await member(a, ids.owner).waitFor({ state: 'detached' });
    await member(a, ids.ann).locator('[data-testid=chat-member-role]').filter({ hasText: 'Owner' }).waitFor();
    expect((await people.ann.get('/api/chats')).body.chats.find((x: { id: string }) => x.id === chatId).myRole).toBe('owner');

    expect(problems).toEqual([]);
  });

  it('a direct chat shows the other person, with nothing to rename, add or leave', async () => {
    const direct = await people.ann.post('/api/chats', { kind: 'direct', userId: people.ids.ben });
    const a = await open('ann', `/app/chats/${direct.body.chat.id}`);
    const problems = collectProblems({ ann: a });
    await openInfo(a);
    const profile = info(a).locator('[data-testid=chat-info-person]');
    await profile.getByText('Ben').first().waitFor();
    await profile.getByText('ben@example.com').waitFor();
    for (const control of ['chat-rename', 'chat-members', 'chat-add-open', 'chat-leave', 'chat-picture-input']) {
      expect(await info(a).locator(`[data-testid=${control}]`).count(), control).toBe(0);
    }
    await a.keyboard.press('Escape');
    await info(a).waitFor({ state: 'detached' });
    expect(problems).toEqual([]);
  });
});
