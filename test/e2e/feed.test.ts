/**
 * The live feed and workgroups in a real browser against a real hub: Olga posts and Bob sees it appear
 * without a reload; comments, replies, reactions, polls and read marks travel live both ways; an
 * @mention gives Bob a counter on the Feed item; an important post stays pinned until read and its
 * author sees "read by"; a department's post stays hidden from Carl, who works elsewhere; a workgroup's
 * post reaches a member added a moment before; hostile markup stays inert; Carl's UI is in Russian.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, registerOwner, type ApiClient } from '../helpers/client';
import { collectProblems, chromiumNote, haveChromium, launchChromium, notesOf, online, recordNotifications, setHidden, signedInContext, watchProblems } from '../helpers/browser';

/** Room for the feed's cards. */
const tall = { viewport: { width: 1280, height: 900 } };
/** Script errors and dialogs other than our own confirmations (accepted) mean injected markup ran. */
const confirmsOk = { acceptConfirms: true };

/** The card of the post whose body contains `text` (pinned or not). */
const card = (p: Page, text: string, testid = 'post'): Locator =>
  p.locator(`[data-testid=${testid}]`).filter({ has: p.locator('[data-testid=post-body]', { hasText: text }) });

interface Draft {
  title?: string;
  body: string;
  important?: boolean;
  poll?: { question: string; options: string[] };
  /** Replace the default audience with these picker searches (the first option each offers). */
  audience?: { search: string; kind: string }[];
}

/** Write a post with the composer and wait for it to be sent. */
async function writePost(p: Page, d: Draft, scope = 'body') {
  const composer = p.locator(`${scope} [data-testid=post-composer]`);
  await composer.locator('[data-testid=post-composer-open]').click();
  await composer.locator('[data-testid=post-body-input]:focus').waitFor();
  if (d.title) await composer.locator('[data-testid=post-title-input]').fill(d.title);
  await composer.locator('[data-testid=post-body-input]').fill(d.body);
  if (d.audience) {
    const input = composer.locator('[data-testid=audience-input]');
    await input.click();
    await input.press('Backspace'); // drop the default chip
    for (const a of d.audience) {
      await input.fill(a.search);
      await composer.locator(`[data-testid=audience-option][data-kind=${a.kind}]`).first().click();
    }
  }
  if (d.important) await composer.locator('[data-testid=post-important]').check();
  if (d.poll) {
    await composer.locator('[data-testid=poll-add]').click();
    await composer.locator('[data-testid=poll-question]').fill(d.poll.question);
    const options = composer.locator('[data-testid=poll-option-input]');
    for (let i = 0; i < d.poll.options.length; i++) {
      if (i >= 2) await composer.locator('[data-testid=poll-add-option]').click();
      await options.nth(i).fill(d.poll.options[i]);
    }
  }
  await composer.locator('[data-testid=post-body-input]').press('Control+Enter');
  await composer.locator('[data-testid=post-composer-open]').waitFor();
}

describe.skipIf(!haveChromium)(`feed (browser)${chromiumNote}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let ctxA: BrowserContext;
  let ctxB: BrowserContext;
  let ctxC: BrowserContext;
  let bobId: string;
  let olga: ApiClient;
  let bob: ApiClient;
  let carl: ApiClient;

  beforeAll(async () => {
    [hub, browser] = await Promise.all([startTestHub(), launchChromium()]);
    olga = await registerOwner(hub.url);
    bob = await addColleague(olga, 'bob@example.com', 'Bob Builder');
    carl = await addColleague(olga, 'carl@example.com', 'Carl Designer');
    bobId = (await bob.get('/api/me')).body.user.id;
    expect((await bob.patch('/api/me', { department: 'Sales' })).status).toBe(200);
    expect((await carl.patch('/api/me', { department: 'Design', locale: 'ru' })).status).toBe(200);
    ctxA = await signedInContext(browser, hub, olga, 'en-US', tall);
    ctxB = await signedInContext(browser, hub, bob, 'en-US', tall);
    ctxC = await signedInContext(browser, hub, carl, 'ru-RU', tall);
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('posts, comments, replies, reactions, mentions, important posts, polls and audiences, live', async () => {
    const a = await ctxA.newPage();
    const b = await ctxB.newPage();
    const c = await ctxC.newPage();
    const problems = collectProblems({ A: a, B: b, C: c }, confirmsOk);
    await Promise.all([a.goto(`${hub.url}/app/feed`), b.goto(`${hub.url}/app/feed`), c.goto(`${hub.url}/app/feed`)]);
    for (const p of [a, b, c]) {
      await online(p);
      await p.locator('[data-testid=feed-empty]').waitFor();
    }

    // --- Carl's browser and account speak Russian
    await c.locator('[data-testid=feed-tab-all]').filter({ hasText: 'Все' }).waitFor();
    await c.locator('[data-testid=feed-tab-mentions]').filter({ hasText: 'Упоминания' }).waitFor();
    await c.locator('[data-testid=nav-groups]').filter({ hasText: 'Группы' }).waitFor();

    // --- Olga posts to everyone: Bob sees it appear without a reload
    await writePost(a, { title: 'Welcome aboard', body: 'Hello **everyone** from Olga' });
    await card(a, 'Hello everyone from Olga').waitFor();
    const hello = card(b, 'Hello everyone from Olga');
    await hello.locator('[data-testid=post-title]').filter({ hasText: 'Welcome aboard' }).waitFor();
    expect(await hello.locator('[data-testid=post-body] strong').textContent()).toBe('everyone');
    await hello.locator('[data-testid=post-author]').filter({ hasText: 'Olga Owner' }).waitFor();
    await card(c, 'Hello everyone from Olga').waitFor();

    // --- Bob comments and replies; Olga sees both live, the reply under the comment
    await hello.locator('[data-testid=comment-input]').fill('Glad to be here');
    await hello.locator('[data-testid=comment-input]').press('Enter');
    const helloAtA = card(a, 'Hello everyone from Olga');
    const commentAtA = helloAtA.locator('[data-testid=comment][data-depth="0"]').filter({ hasText: 'Glad to be here' });
    await commentAtA.waitFor();
    await hello.locator('[data-testid=comment]').filter({ hasText: 'Glad to be here' }).locator('[data-testid=comment-reply]').click();
    await hello.locator('[data-testid=replying-to]').filter({ hasText: 'Bob Builder' }).waitFor();
    await hello.locator('[data-testid=comment-input]').fill('And a reply to myself');
    await hello.locator('[data-testid=comment-input]').press('Enter');
    await helloAtA.locator('[data-testid=comment][data-depth="1"]').filter({ hasText: 'And a reply to myself' }).waitFor();

    // --- Reactions: Bob likes the post, Olga reacts to Bob's comment; each sees the other's, with names
    await hello.locator('[data-testid=post-like]').click();
    const like = helloAtA.locator('.tools [data-testid=reaction][data-emoji="👍"]');
    await like.filter({ hasText: '1' }).waitFor();
    expect(await like.getAttribute('title')).toContain('Bob Builder');
    await commentAtA.locator('[data-testid=react-open]').click();
    await commentAtA.locator('[data-testid=emoji-picker] [data-emoji="🎉"]').click();
    await hello.locator('[data-testid=comment]').filter({ hasText: 'Glad to be here' }).locator('[data-testid=reaction][data-emoji="🎉"]').waitFor();

    // --- An @mention through the autocomplete: Bob, in the chats, gets a counter on the Feed item
    await b.click('[data-testid=nav-chats]');
    await b.waitForURL('**/app/chats');
    const composer = a.locator('[data-testid=post-composer]');
    await composer.locator('[data-testid=post-composer-open]').click();
    const body = composer.locator('[data-testid=post-body-input]');
    await body.pressSequentially('Please check this @Bo');
    await composer.locator('[data-testid=mention-option]').filter({ hasText: 'Bob Builder' }).waitFor();
    await body.press('Enter');
    expect(await body.inputValue()).toBe(`Please check this <@${bobId}> `);
    await body.press('Control+Enter');
    await card(a, 'Please check this @Bob Builder').locator('.mention').filter({ hasText: '@Bob Builder' }).waitFor();
    await b.locator('[data-testid=nav-feed] [data-testid=feed-mentions]').filter({ hasText: '1' }).waitFor();
    await b.click('[data-testid=nav-feed]');
    await card(b, 'Please check this @Bob Builder').waitFor();
    await b.locator('[data-testid=feed-mentions]').waitFor({ state: 'detached' });
    await b.click('[data-testid=feed-tab-mentions]');
    await card(b, 'Please check this @Bob Builder').waitFor();
    expect(await card(b, 'Hello everyone from Olga').count()).toBe(0);
    await b.click('[data-testid=feed-tab-all]');

    // --- An important post: pinned for Bob until he marks it read; Olga sees "read by 1 of 2"
    await writePost(a, { title: 'Office closed', body: 'The office is closed on Friday', important: true });
    const pinned = card(b, 'The office is closed on Friday', 'pinned-post');
    await pinned.waitFor();
    expect(await card(b, 'The office is closed on Friday').count()).toBe(0); // shown once, pinned
    const importantAtA = card(a, 'The office is closed on Friday');
    await importantAtA.locator('[data-testid=read-count]').filter({ hasText: 'Read by 0 of 2' }).waitFor();
    await pinned.locator('[data-testid=mark-read]').click();
    await pinned.waitFor({ state: 'detached' });
    await card(b, 'The office is closed on Friday').locator('[data-testid=marked-read]').waitFor();
    await importantAtA.locator('[data-testid=read-count]').filter({ hasText: 'Read by 1 of 2' }).waitFor();
    await importantAtA.locator('[data-testid=readers-open]').click();
    await a.locator('[data-testid=readers-dialog] [data-testid=reader]').filter({ hasText: 'Bob Builder' }).waitFor();
    await a.keyboard.press('Escape');
    await a.locator('[data-testid=readers-dialog]').waitFor({ state: 'detached' });
    // Carl has not read it: still pinned for him, after a reload too
    await c.reload();
    await card(c, 'The office is closed on Friday', 'pinned-post').waitFor();

    // --- A poll: Bob votes, Olga's results follow live
    await writePost(a, { body: 'Team lunch on Thursday', poll: { question: 'Where shall we go?', options: ['Pizza', 'Sushi', 'Salad bar'] } });
    const pollAtB = card(b, 'Team lunch on Thursday').locator('[data-testid=poll]');
    await pollAtB.locator('[data-testid=poll-option]').filter({ hasText: 'Sushi' }).click();
    await pollAtB.locator('[data-testid=poll-option][data-mine=true]').filter({ hasText: 'Sushi' }).waitFor();
    const pollAtA = card(a, 'Team lunch on Thursday').locator('[data-testid=poll]');
    await pollAtA.locator('[data-testid=poll-option]').filter({ hasText: 'Sushi' }).locator('[data-testid=poll-count]').filter({ hasText: '1 · 100%' }).waitFor();
    await pollAtA.locator('[data-testid=poll-total]').filter({ hasText: '1 person voted' }).waitFor();
    // Bob changes his mind
    await pollAtB.locator('[data-testid=poll-option]').filter({ hasText: 'Pizza' }).click();
    await pollAtA.locator('[data-testid=poll-option]').filter({ hasText: 'Pizza' }).locator('[data-testid=poll-count]').filter({ hasText: '1 · 100%' }).waitFor();
    await pollAtA.locator('[data-testid=poll-option]').filter({ hasText: 'Sushi' }).locator('[data-testid=poll-count]').filter({ hasText: '0 · 0%' }).waitFor();

    // --- A department's post: Bob (Sales) sees it, Carl (Design) never does
    await writePost(a, { body: 'Sales numbers for the quarter', audience: [{ search: 'Sal', kind: 'department' }] });
    await card(b, 'Sales numbers for the quarter').waitFor();
    await writePost(a, { body: 'Coffee machine is fixed' });
    await card(c, 'Coffee machine is fixed').waitFor();
    expect(await card(c, 'Sales numbers for the quarter').count()).toBe(0);
    await c.reload();
    await card(c, 'Coffee machine is fixed').waitFor();
    expect(await card(c, 'Sales numbers for the quarter').count()).toBe(0);

    // --- Hostile markup in a title and a body renders as inert text
    const hostile = '<img src=x onerror=alert(1)> [click](javascript:alert(2)) <script>alert(3)</script> marker-xss';
    await writePost(a, { title: '<img src=x onerror=alert(4)>', body: hostile });
    const evil = card(b, 'marker-xss');
    await evil.waitFor();
    expect(await evil.locator('[data-testid=post-title]').textContent()).toBe('<img src=x onerror=alert(4)>');
    expect(await evil.locator('[data-testid=post-title] *, [data-testid=post-body] img, [data-testid=post-body] script').count()).toBe(0);
    for (const href of await evil.locator('[data-testid=post-body] a').evaluateAll((els) => els.map((e) => e.getAttribute('href')))) {
      expect(href ?? '').not.toMatch(/^\s*javascript:/i);
    }
    expect(await evil.locator('[data-testid=post-body]').textContent()).toContain('<script>alert(3)</script>');

    expect(problems).toEqual([]);
  });

  it('a workgroup: created, a member added, its post reaches the member live', async () => {
    const a = await ctxA.newPage();
    const b = await ctxB.newPage();
    const problems = collectProblems({ A: a, B: b }, confirmsOk);
    await Promise.all([a.goto(`${hub.url}/app/groups`), b.goto(`${hub.url}/app/feed`)]);
    await online(a);
    await online(b);
    await b.locator('[data-testid=feed] [data-testid=post]').first().waitFor();

    await a.click('[data-testid=group-create]');
    await a.fill('[data-testid=group-dialog] [data-testid=group-name]', 'Launch team');
    await a.fill('[data-testid=group-dialog] [data-testid=group-description]', 'Everything about the spring launch');
    await a.check('[data-testid=group-dialog] [data-testid=group-kind-project]');
    await a.check('[data-testid=group-dialog] [data-testid=group-closed]');
    await a.click('[data-testid=group-dialog] [data-testid=group-submit]');
    await a.waitForURL(/\/app\/groups\/[0-9a-f-]{36}$/);
    const groupId = a.url().split('/').pop()!;
    await a.locator('[data-testid=group-title]').filter({ hasText: 'Launch team' }).waitFor();
    await a.locator('[data-testid=group-my-role]').filter({ hasText: 'Owner' }).waitFor();

    // Add Bob; the members list follows
    await a.click('[data-testid=group-add-members]');
    await a.locator('[data-testid=add-member-option][data-name="Bob Builder"]').check();
    await a.click('[data-testid=add-members-submit]');
    await a.locator(`[data-testid=group-member][data-user-id="${bobId}"][data-role=member]`).waitFor();

    // The group's composer is addressed to the group; Bob, on the main feed, sees the post arrive
    await writePost(a, { body: 'Kickoff on Monday at ten' });
    await card(a, 'Kickoff on Monday at ten').locator('[data-testid=post-audience]').filter({ hasText: 'Launch team' }).waitFor();
    await card(b, 'Kickoff on Monday at ten').waitFor();

    // Bob opens the group: the post is there and he can leave again
    await b.goto(`${hub.url}/app/groups`);
    await b.locator('[data-testid=my-groups] [data-testid=group-link]').filter({ hasText: 'Launch team' }).click();
    await b.waitForURL(`**/app/groups/${groupId}`);
    await card(b, 'Kickoff on Monday at ten').waitFor();
    await b.locator('[data-testid=group-my-role]').filter({ hasText: 'Member' }).waitFor();
    expect(await b.locator('[data-testid=group-add-members]').count()).toBe(0);

    // Olga makes Bob a moderator: his page shows it live
    await a.locator(`[data-testid=group-member][data-user-id="${bobId}"] [data-testid=member-role]`).selectOption('moderator');
    await b.locator('[data-testid=group-my-role]').filter({ hasText: 'Moderator' }).waitFor();
    await b.locator('[data-testid=group-add-members]').waitFor();
    expect(problems).toEqual([]);
  });

  it('scrolls endlessly through older pages by cursor, each post once, live posts on top', async () => {
    // Sixty more posts from three new colleagues (posting is rate limited per person).
    const writers = await Promise.all(['dave', 'erin', 'finn'].map((n) => addColleague(olga, `${n}@example.com`, `${n[0].toUpperCase()}${n.slice(1)} Writer`)));
    for (let i = 0; i < 20; i++) {
      await Promise.all(
        writers.map(async (w, k) => {
          const r = await w.post('/api/feed/posts', { clientId: randomUUID(), body: `Filler ${k}-${i}`, audience: { everyone: true } });
          expect(r.status).toBe(201);
        }),
      );
    }
    // What Bob may see, page by page over the API.
    const all: string[] = [];
    for (let cursor: string | null = null; ; ) {
      const r: { body: { posts: { id: string }[]; nextCursor: string | null } } = await bob.get(`/api/feed?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      all.push(...r.body.posts.map((p) => p.id));
      cursor = r.body.nextCursor;
      if (!cursor) break;
    }
    expect(all.length).toBeGreaterThan(60);

    const b = await ctxB.newPage();
    const problems = watchProblems(b, 'B', confirmsOk);
    await b.goto(`${hub.url}/app/feed`);
    await online(b);
    const posts = b.locator('[data-testid=feed] [data-testid=post], [data-testid=feed] [data-testid=pinned-post]');
    await posts.first().waitFor();
    expect(await posts.count()).toBeLessThanOrEqual(21); // the first page (and a pinned post)
    while (!(await b.locator('[data-testid=feed-end]').isVisible())) {
      await b.mouse.wheel(0, 20_000);
      await b.waitForTimeout(150);
    }
    const shown = await posts.evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
    expect(new Set(shown).size).toBe(shown.length);
    expect([...shown].sort()).toEqual([...all].sort());

    // A new post arrives on top while Bob is deep in the list
    expect((await carl.post('/api/feed/posts', { clientId: randomUUID(), body: 'Fresh one on top', audience: { everyone: true } })).status).toBe(201);
    await card(b, 'Fresh one on top').waitFor();
    expect(await b.locator('[data-testid=feed] [data-testid=post]').first().getAttribute('data-id')).toBe(await card(b, 'Fresh one on top').getAttribute('data-id'));
    expect(problems).toEqual([]);
  });

  it('a mention raises a browser notification while the tab is hidden, and counts on the Feed item', async () => {
    const ctx = await signedInContext(browser, hub, bob, 'en-US', tall);
    await recordNotifications(ctx);
    const p = await ctx.newPage();
    const problems = watchProblems(p, 'B2', confirmsOk);
    await p.goto(`${hub.url}/app/feed`);
    await online(p);
    await p.locator('[data-testid=feed] [data-testid=post]').first().waitFor();
    const notes = () => notesOf(p);
    const postId = (await olga.get('/api/feed?filter=mine&limit=1')).body.posts[0].id;

    await setHidden(p, true);
    const r = await olga.post(`/api/feed/posts/${postId}/comments`, { clientId: randomUUID(), body: `**Look** <@${bobId}>, this one` });
    expect(r.status).toBe(201);
    await expect.poll(notes).toEqual([{ title: 'Olga Owner mentioned you in the feed', body: 'Look @Bob Builder, this one' }]);
    // Counted while hidden; seen once the tab showing the feed is back
    await p.locator('[data-testid=feed-mentions]').filter({ hasText: '1' }).waitFor();
    await setHidden(p, false);
    await p.locator('[data-testid=feed-mentions]').waitFor({ state: 'detached' });
    expect(problems).toEqual([]);
    await ctx.close();
  });
});
