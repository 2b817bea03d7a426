/**
 * Hostile input in a real browser, everywhere user text is shown: the XSS corpus (test/fixtures/xss-corpus.ts)
 * goes in through the real HTTP API as messages, thread replies, posts, comments, poll options, task and
 * CRM fields, timeline entries, call titles, file names and people's names, and each page that shows it is
 * opened in Chromium. On every page: no payload ran or even tried to (the `xssHit` marker stayed unset,
 * the Content Security Policy refused nothing, no page error, no request to the probe path), and the
 * rendered page holds no event-handler attribute, no script-bearing URL and no script, frame, object or
 * embed element that the app did not put there itself. A first test plants an injection by hand to show
 * that these detectors do see one. Documents are not covered: the web client does not show them yet.
 *
 * The payloads are batched (many to a message or post) so that the whole file stays quick.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub';
import { RealtimeClient, type Answer, type ApiClient } from '../helpers/client';
import { team, type Team } from '../helpers/team';
import { browserContext, chromiumNote, collectProblems, haveChromium, launchChromium, online, signedInContext } from '../helpers/browser';
import { XSS_CORPUS, XSS_PROBE_PATH, XSS_SHORT } from '../fixtures/xss-corpus';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/**
 * The corpus as stored text: the server refuses U+0000 and lone surrogates (storage cannot hold them; a
 * test below shows the typed refusal), so those payloads carry U+FFFD, which the renderer shows for U+0000.
 */
const CORPUS = XSS_CORPUS.map((p) => p.replace(/\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));

/** The corpus cut into pieces of at most `max` characters (payloads joined by blank lines), each tagged `tag k`. */
function chunks(tag: string, max: number, perChunk = 40): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  const flush = () => {
    if (cur.length) out.push(`${tag} ${out.length}\n\n${cur.join('\n\n')}`);
    cur = [];
  };
  for (const p of CORPUS) {
    if (cur.length >= perChunk || `${tag} 00\n\n${[...cur, p].join('\n\n')}`.length > max) flush();
    cur.push(p);
  }
  flush();
  return out;
}

/** A call that may meet a rate limit: waits and tries again on 429, then expects `status`. */
async function ok(call: () => Promise<Answer>, status = 201): Promise<any> {
  for (;;) {
    const r = await call();
    if (r.status === 429) {
      await new Promise((done) => setTimeout(done, 300));
      continue;
    }
    if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  }
}

/** What `xssHit` and the policy's refusals recorded on the page (see `arm`). */
function hitsOf(p: Page): Promise<(number | string)[]> {
  return p.evaluate(() => (window as unknown as { __xssHits: (number | string)[] }).__xssHits);
}

/**
 * What must never be on a page that shows hostile text (runs in the page, so it uses nothing from outside).
 * The whole body is scanned: the app renders no event-handler attributes (Svelte attaches listeners), no
 * script URLs and no frames, so anything of that kind came from user text. Its own SvelteKit start script
 * is the one script allowed.
 */
function scanPage(): string[] {
  const bad: string[] = [];
  const banned = new Set(['script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'meta', 'link', 'style', 'foreignobject', 'animate', 'set', 'noscript', 'xmp', 'listing', 'math']);
  const urlAttrs = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'background', 'poster', 'srcset', 'to', 'from', 'values', 'content']);
  const hostileUrl = /^(?:javascript|vbscript|livescript|data:text\/html|data:image\/svg|data:application)/;
  const origin = location.origin;
  for (const el of [document.body, ...Array.from(document.body.querySelectorAll('*'))]) {
    const tag = el.tagName.toLowerCase();
    const where = `${tag}${el.id ? '#' + el.id : ''}`;
    if (tag === 'script') {
      const src = el.getAttribute('src');
      const own = src ? new URL(src, origin).origin === origin && new URL(src, origin).pathname.startsWith('/_app/') : (el.textContent ?? '').includes('__sveltekit');
      if (!own || (el.textContent ?? '').includes('xssHit')) bad.push(`<script> ${src ?? (el.textContent ?? '').slice(0, 60)}`);
    } else if (banned.has(tag)) {
      bad.push(`<${tag}>`);
    }
    if (tag === 'img') {
      const src = el.getAttribute('src') ?? '';
      const url = new URL(src, origin);
      if (!(url.origin === origin && url.pathname.startsWith('/api/')) && !/^(?:blob:|data:image\/(?:png|jpeg|gif|webp);)/.test(src)) bad.push(`<img src="${src}">`);
    }
    for (const a of Array.from(el.attributes)) {
      const name = a.name.toLowerCase();
      // Browsers ignore whitespace and control characters inside a scheme, so the scan does too.
      const value = a.value.replace(/[\u0000-\u0020\u00a0\u00ad\u200b-\u200f\u2028\u2029\ufeff]/g, '').toLowerCase();
      if (name.startsWith('on')) bad.push(`${where}[${name}="${a.value.slice(0, 60)}"]`);
      if (name === 'srcdoc') bad.push(`${where}[srcdoc]`);
      if (urlAttrs.has(name) && hostileUrl.test(value)) bad.push(`${where}[${name}="${a.value.slice(0, 60)}"]`);
      if (name === 'style' && /xsshit|xss-probe|expression|javascript|url\(/.test(value)) bad.push(`${where}[style="${a.value.slice(0, 60)}"]`);
    }
  }
  return bad;
}

describe.skipIf(!haveChromium)(`hostile input stays inert wherever it is shown (browser)${chromiumNote}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let t: Team<'ann' | 'ben' | 'cid'>;
  let ctx: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  /** Requests to the probe path, from any page of any context. */
  const probes: string[] = [];
  // What the seeding made.
  let group: string;
  let direct: string;
  let rootId: string;
  let replySeq: number;
  let postId: string;
  let guestLink: string;
  let taskId: string;
  let leadId: string;
  let dealId: string;
  /** Hostile file names (no slashes: a name is a name). */
  const names = XSS_SHORT.filter((s) => !s.includes('/'));

  /**
   * A context whose frames define `xssHit` and report the Content Security Policy's refusals (both recorded
   * on the top page), and whose probe requests are recorded. The hub's policy already refuses inline
   * script, so an injected handler shows up as a refusal rather than as a call; `xssHit` catches whatever
   * the policy would let through.
   */
  async function arm(c: BrowserContext): Promise<void> {
    await c.addInitScript(() => {
      const w = window as unknown as { __xssHits: (number | string)[]; xssHit: (n: number | string) => void };
      w.__xssHits = [];
      w.xssHit = (n: number | string) => {
        try {
          (window.top as unknown as typeof w).__xssHits.push(n);
        } catch {
          w.__xssHits.push(n);
        }
      };
      document.addEventListener('securitypolicyviolation', (e) => w.xssHit(`refused by ${e.effectiveDirective}`));
    });
    await c.route(`**${XSS_PROBE_PATH}**`, (route) => {
      probes.push(route.request().url());
      return route.fulfill({ status: 204 });
    });
  }

  /** Give handlers a moment (images with a broken src fail at once), then check the page as it is now. */
  async function expectInert(p: Page, what: string): Promise<void> {
    await p.waitForTimeout(250);
    const found = await p.evaluate(scanPage);
    const hits = await hitsOf(p);
    expect({ what, found, hits, probes, problems }).toEqual({ what, found: [], hits: [], probes: [], problems: [] });
  }

  /** The page shows `text` literally (as text: the payload arrived and was not swallowed). */
  async function shows(p: Page, scope: string, text: string): Promise<void> {
    await p.locator(scope).filter({ hasText: text }).first().waitFor();
  }

  beforeAll(async () => {
    [hub, browser] = await Promise.all([startTestHub({ env: { GUEST_DIGEST_MINUTES: '60' } }), launchChromium()]);
    t = await team(hub.url, ['ann', 'ben', 'cid']);
    const [s0, s1, s2, s3, s4, s5, , s7, s8, s9] = XSS_SHORT;
    // People whose name, position and department are hostile.
    await ok(() => t.ann.patch('/api/me', { name: s0, position: s1, department: s2 }), 200);
    await ok(() => t.ben.patch('/api/me', { name: s3, position: s4, department: s5 }), 200);
    await ok(() => t.cid.patch('/api/me', { name: s8, position: s7, department: s9 }), 200);

    // Chats: a group with a hostile title, and a direct chat with Ann.
    group = (await ok(() => t.owner.post('/api/chats', { kind: 'group', title: s1, memberIds: [t.ids.ann, t.ids.ben, t.ids.cid] }))).chat.id;
    direct = (await ok(() => t.owner.post('/api/chats', { kind: 'direct', userId: t.ids.ann }), 201)).chat.id;
    const say = (c: ApiClient, chatId: string, body: string, extra: Record<string, unknown> = {}) =>
      ok(() => c.post(`/api/chats/${chatId}/messages`, { clientId: randomUUID(), body, ...extra }));
    // Attachments with hostile names, one of them an image.
    const upload = async (name: string, data: Buffer, type: string) =>
      (await ok(() => t.owner.call('POST', `/api/chats/${group}/files`, data, { 'content-type': type, 'x-file-name': encodeURIComponent(name) }))).file.id;
    const fileIds = [await upload(`${names[0]}.png`, PNG, 'image/png')];
    for (const n of names.slice(1, 5)) fileIds.push(await upload(`${n}.txt`, Buffer.from('x'), 'text/plain'));
    await say(t.owner, group, 'files zebrafile', { fileIds });
    // Thread: a root and replies carrying the corpus, written by Ann (a hostile author name).
    const root = await say(t.ann, group, 'thread root zebraroot');
    rootId = root.message.id;
    for (const c of chunks('zebrathread', 9000, 60)) replySeq = (await say(t.ann, group, c, { threadRootId: rootId })).message.seq;
    // The main list: the corpus in batches, mentions of the hostile names, and a call with a hostile title.
    for (const c of chunks('zebrafish', 9000)) await say(t.owner, group, c);
    await say(t.owner, group, `mentions zebramention <@${t.ids.ann}> <@${t.ids.ben}> <@${t.ids.cid}> @all`);
    await ok(() => t.owner.post(`/api/chats/${group}/calls`, { title: s2, at: new Date(Date.now() + 3_600_000).toISOString() }));
    await say(t.ann, direct, CORPUS.slice(0, 30).join('\n\n'));

    // Feed: two posts (hostile titles, the corpus as bodies), a hostile poll, comments; a guest on the first.
    const posts = chunks('zebrapost', 19_000, 100);
    const first = await ok(() =>
      t.owner.post('/api/feed/posts', {
        clientId: randomUUID(),
        title: s0,
        body: posts[0],
        audience: { everyone: true, emails: ['guest@partner.example'] },
        poll: { question: s3, options: XSS_SHORT.slice(0, 6) },
      }),
    );
    postId = first.post.id;
    for (const p of posts.slice(1)) await ok(() => t.owner.post('/api/feed/posts', { clientId: randomUUID(), title: s4, body: p, audience: { everyone: true } }));
    for (const c of chunks('zebracomment', 4900, 60)) await ok(() => t.ann.post(`/api/feed/posts/${postId}/comments`, { clientId: randomUUID(), body: c }));
    const mail = (await hub.outbox()).find((m) => m.to === 'guest@partner.example')!;
    guestLink = /https?:\/\/\S+\/g\/[A-Za-z0-9_-]{43}/.exec(mail.text)![0];

    // A task: hostile title, the corpus as description, hostile checklist items, comments.
    const task = await ok(() =>
      t.owner.post('/api/tasks', {
        clientId: randomUUID(),
        title: s5,
        description: chunks('zebradesc', 19_000, 200)[0],
        responsibleId: t.ids.ann,
        checklist: [...XSS_SHORT],
      }),
    );
    taskId = task.task.id;
    for (const c of chunks('zebratask', 9000, 90)) await ok(() => t.ann.post(`/api/tasks/${taskId}/comments`, { clientId: randomUUID(), body: c }));

    // CRM: a lead and a deal with hostile names and fields, the corpus in their timelines.
    leadId = (await ok(() => t.owner.post('/api/crm/leads', { title: s0, firstName: s1, companyName: s3, source: s4, comments: s7 }))).record.id;
    dealId = (await ok(() => t.owner.post('/api/crm/deals', { title: s8, comments: s9 }))).record.id;
    for (const [plural, id] of [['leads', leadId], ['deals', dealId]]) {
      for (const c of chunks('zebraline', 9000, 90)) await ok(() => t.owner.post(`/api/crm/${plural}/${id}/timeline`, { clientId: randomUUID(), type: 'comment', body: c }));
    }

    ctx = await signedInContext(browser, hub, t.owner);
    await arm(ctx);
    page = await ctx.newPage();
    collectProblems({ owner: page }, {}, problems);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('refuses text holding U+0000 or a lone surrogate with a typed error instead of failing in the database', async () => {
    const r = await t.owner.post(`/api/chats/${group}/messages`, { clientId: randomUUID(), body: '<scr\u0000ipt>' });
    expect(r.status).toBe(400);
    expect(r.body.error.fields).toEqual({ body: 'Text must not contain the NUL character (U+0000)' });
    const task = await t.owner.patch(`/api/tasks/${taskId}`, { description: 'a\u0000b' });
    expect(task.status).toBe(400);
    expect(task.body.error.fields).toEqual({ description: 'Text must not contain the NUL character (U+0000)' });
    const post = await t.owner.post('/api/feed/posts', { clientId: randomUUID(), body: '\ud800<script>\udfff', audience: { everyone: true } });
    expect(post.status).toBe(400);
    expect(post.body.error.fields).toEqual({ body: 'Text must be valid Unicode (a lone surrogate)' });
    // The same over the realtime socket.
    const rt = await RealtimeClient.open(hub.url, t.owner.cookie);
    const sent = await rt.sendMessage(group, 'x\u0000y');
    rt.close();
    expect(sent).toMatchObject({ ok: false, error: { code: 'bad_frame', fields: { body: 'Text must not contain the NUL character (U+0000)' } } });
  });

  it('the detectors see an injection (so that silence below means something)', async () => {
    await page.goto(`${hub.url}/app/people`);
    await online(page);
    try {
      await page.evaluate(() => {
        const box = document.createElement('div');
        box.innerHTML = '<img src=x onerror=xssHit(7)><a href=" java\tscript:x">x</a><iframe srcdoc="x"></iframe><img src=/xss-probe/self.png>';
        document.body.append(box);
      });
      // The hub's policy refuses the handler (and says so); the marker itself works where script does run.
      await expect.poll(() => hitsOf(page)).toEqual(['refused by script-src-attr']);
      await page.evaluate(() => (window as unknown as { xssHit: (n: number) => void }).xssHit(8));
      expect(await hitsOf(page)).toEqual(['refused by script-src-attr', 8]);
      await expect.poll(() => probes.length).toBe(1);
      expect(await page.evaluate(scanPage)).toEqual([
        '<img src="x">',
        'img[onerror="xssHit(7)"]',
        'a[href=" java\tscript:x"]',
        '<iframe>',
        'iframe[srcdoc]',
        '<img src="/xss-probe/self.png">',
      ]);
    } finally {
      // Back to a clean slate for the real checks.
      await page.reload();
      probes.length = 0;
    }
    await online(page);
    expect(await page.evaluate(scanPage)).toEqual([]);
  });

  it('chat: messages, mentions, attachments, a call card, chat and people names in the list and header, the composer mention list', async () => {
    await page.goto(`${hub.url}/app/chats/${group}`);
    await online(page);
    const list = '[data-testid=message-list] [data-testid=message]';
    for (const tag of ['zebrafish 0', 'zebrafish 3', 'zebramention', 'zebrafile']) await shows(page, list, tag);
    // The payloads arrive as text.
    await shows(page, list, '<script>xssHit(1)</script>');
    await shows(page, list, '<iframe srcdoc="<script>top.xssHit(');
    await shows(page, '[data-testid=chat-header-title]', XSS_SHORT[1]);
    await shows(page, '[data-testid=chat-item] [data-testid=chat-title]', XSS_SHORT[0]); // the direct chat is Ann's name
    for (const n of names.slice(1, 5)) await shows(page, '[data-testid=attachment-file]', n);
    await page.locator('[data-testid=attachment-image] img').first().waitFor();
    await shows(page, '[data-testid=card-title]', XSS_SHORT[2]);
    await shows(page, '[data-testid=message-author]', XSS_SHORT[0]);
    await expectInert(page, 'group chat');

    // The mention list offers the hostile names.
    const input = page.locator('[data-testid=composer] [data-testid=composer-input]');
    await input.fill('@');
    await shows(page, '[data-testid=mention-list] [data-testid=mention-option]', XSS_SHORT[3]);
    await expectInert(page, 'mention list');
    await input.fill('');

    // The direct chat: Ann's name in the header, the start of the corpus from her.
    await page.goto(`${hub.url}/app/chats/${direct}`);
    await shows(page, '[data-testid=chat-header-title]', XSS_SHORT[0]);
    await shows(page, list, '[x](java&#10;script:xssHit(29))');
    await expectInert(page, 'direct chat');
  });

  it('chat: the thread panel and search snippets', async () => {
    await page.goto(`${hub.url}/app/chats/${group}?at=${replySeq}&thread=${rootId}`);
    const thread = '[data-testid=thread-panel] [data-testid=message]';
    await shows(page, thread, 'zebrathread 0');
    await shows(page, thread, 'zebrathread 2');
    await expectInert(page, 'thread panel');

    await page.locator('[data-testid=chat-search]').fill('zebrafish');
    await page.locator('[data-testid=search-hit] mark').first().waitFor();
    await expect.poll(() => page.locator('[data-testid=search-hit]').count()).toBeGreaterThanOrEqual(3);
    await expectInert(page, 'chat search');
    await page.locator('[data-testid=chat-search]').fill('zebrathread');
    await page.locator('[data-testid=search-hit]').filter({ hasText: 'thread' }).first().waitFor();
    await expectInert(page, 'chat search in threads');
  });

  it('people: names, positions and departments', async () => {
    await page.goto(`${hub.url}/app/people`);
    for (const s of [XSS_SHORT[0], XSS_SHORT[3], XSS_SHORT[8]]) await shows(page, '[data-testid=person-name]', s);
    for (const s of [XSS_SHORT[1], XSS_SHORT[2], XSS_SHORT[9]]) await shows(page, '[data-testid=person-meta]', s);
    await expectInert(page, 'people');
  });

  it('feed: post titles and bodies, comments, the poll; the same post seen by a guest', async () => {
    await page.goto(`${hub.url}/app/feed`);
    await shows(page, '[data-testid=post-body]', 'zebrapost 0');
    await shows(page, '[data-testid=post-title]', XSS_SHORT[0]);
    await shows(page, '[data-testid=poll-option]', XSS_SHORT[5]);
    await shows(page, '[data-testid=comment-body]', 'zebracomment');
    await expectInert(page, 'feed');
    await page.goto(`${hub.url}/app/feed/${postId}`);
    await shows(page, '[data-testid=comment-body]', 'zebracomment 1');
    await shows(page, '[data-testid=comment-body]', 'xssHit(');
    await expectInert(page, 'single post');

    const guestCtx = await browserContext(browser);
    await arm(guestCtx);
    const g = await guestCtx.newPage();
    collectProblems({ guest: g }, {}, problems);
    await g.goto(guestLink);
    await g.waitForURL(/\/g$/);
    await shows(g, '[data-testid=guest-post]', 'zebrapost 0');
    await shows(g, '[data-testid=guest-post]', XSS_SHORT[0]);
    await shows(g, '[data-testid=guest-comment]', 'zebracomment 1');
    await expectInert(g, 'guest page');
    await guestCtx.close();
  });

  it('tasks: title, description, checklist, comments, and the list', async () => {
    await page.goto(`${hub.url}/app/tasks/${taskId}`);
    await shows(page, '[data-testid=task-title]', XSS_SHORT[5]);
    await shows(page, '[data-testid=task-description]', 'zebradesc 0');
    await shows(page, '[data-testid=checklist-text]', XSS_SHORT[9]);
    await shows(page, '[data-testid=task-comment-body]', 'zebratask 1');
    await shows(page, '[data-testid=task-comment-author]', XSS_SHORT[0]);
    await expectInert(page, 'task');
    await page.goto(`${hub.url}/app/tasks`);
    await shows(page, '[data-testid=task-link]', XSS_SHORT[5]);
    await expectInert(page, 'task list');
  });

  it('CRM: lead and deal names, fields and timelines, the lists and the board', async () => {
    await page.goto(`${hub.url}/app/crm/leads/${leadId}`);
    await shows(page, '[data-testid=record-title]', XSS_SHORT[0]);
    await shows(page, '[data-testid=record-field-comments]', XSS_SHORT[7]);
    await shows(page, '[data-testid=timeline-body-text]', 'zebraline 1');
    await expectInert(page, 'lead');
    await page.goto(`${hub.url}/app/crm/deals/${dealId}`);
    await shows(page, '[data-testid=record-title]', XSS_SHORT[8]);
    await shows(page, '[data-testid=timeline-body-text]', 'zebraline 0');
    await expectInert(page, 'deal');
    await page.goto(`${hub.url}/app/crm/leads`);
    await shows(page, '[data-testid=crm-row-title]', XSS_SHORT[0]);
    await expectInert(page, 'lead list');
    await page.goto(`${hub.url}/app/crm/deals`);
    await shows(page, '[data-testid=deal-title]', XSS_SHORT[8]);
    await expectInert(page, 'deal board');
  });
});
