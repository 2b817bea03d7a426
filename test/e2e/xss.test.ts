/**
 * Hostile input in a real browser, everywhere user text is shown: the XSS corpus (test/fixtures/xss-corpus.ts)
 * goes in through the real HTTP API as messages, thread replies, posts, comments, poll options, task and
 * CRM fields, timeline entries, call titles, file names and people's names, and each page that shows it is
 * opened in Chromium. On every page: no payload ran or even tried to (the `xssHit` marker stayed unset,
 * the Content Security Policy refused nothing, no page error, no request to the probe path), and the
 * rendered page holds no event-handler attribute, no script-bearing URL and no script, frame, object or
 * embed element that the app did not put there itself. A first test plants an injection by hand to show
 * that these detectors do see one. Documents too: hostile page and space titles, comments, version names,
 * and page content written by a co-editor's real y-websocket client straight into the editor's Yjs
 * fragment, with structures the editor itself never makes (script URLs in links and images, unknown nodes
 * and marks, event-handler and style attributes, a hostile cursor colour), seen by a colleague, in a
 * version's preview and by a guest of the page.
 *
 * The payloads are batched (many to a message or post) so that the whole file stays quick.
 */
import { randomUUID } from 'node:crypto';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub';
import { RealtimeClient, type Answer, type ApiClient } from '../helpers/client';
import { team, type Team } from '../helpers/team';
import { browserContext, chromiumNote, collectProblems, haveChromium, launchChromium, online, signedInContext } from '../helpers/browser';
import { XSS_CORPUS, XSS_PROBE_PATH, XSS_SHORT } from '../fixtures/xss-corpus';
import { editor } from '../helpers/docs';
import { openDoc, until, type DocClient } from '../helpers/yjs';

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

type Attrs = Record<string, unknown>;

/** A node as y-prosemirror stores it in the editor's Yjs fragment: its name, its attributes (any JSON), its children. */
function yEl(name: string, attrs: Attrs = {}, children: (Y.XmlElement | Y.XmlText)[] = []): Y.XmlElement {
  const el = new Y.XmlElement(name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v as string);
  if (children.length) el.insert(0, children);
  return el;
}

/** Text runs as y-prosemirror stores them: each mark is an attribute named after it, holding the mark's attributes. */
function yText(...runs: [string, Attrs?][]): Y.XmlText {
  const text = new Y.XmlText();
  text.applyDelta(runs.map(([insert, attributes]) => (attributes ? { insert, attributes } : { insert })));
  return text;
}

const yPara = (...runs: [string, Attrs?][]) => yEl('paragraph', {}, [yText(...runs)]);

/** Link targets a page must never carry into an href (each runs script, or renders a document, when followed). */
const BAD_HREFS: unknown[] = [
  'javascript:xssHit(301)',
  'JaVaScRiPt:xssHit(302)',
  ' javascript:xssHit(303)',
  'java\tscript:xssHit(304)',
  '\u0001javascript:xssHit(305)',
  'javascript:/**/xssHit(306)',
  'vbscript:xssHit(307)',
  'data:text/html,<script>top.xssHit(308)</script>',
  'data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIG9ubG9hZD0idG9wLnhzc0hpdCgzMDkpIi8+',
  ['javascript:xssHit(310)'],
];

/**
 * Image sources a page must never load: script and document URLs, another site (the policy would refuse it,
 * and say so), and a same-origin path outside the stored files (the probe would see it).
 */
const BAD_IMAGE_SRCS: unknown[] = [
  'javascript:xssHit(320)',
  'data:text/html,<script>top.xssHit(321)</script>',
  'data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIG9ubG9hZD0idG9wLnhzc0hpdCgzMjIpIi8+',
  'https://evil.example/pixel.png',
  '//evil.example/pixel.png',
  `${XSS_PROBE_PATH}image.png`,
  `/api/files/00000000-0000-0000-0000-000000000000/../../..${XSS_PROBE_PATH}up.png`,
  'x',
  [`${XSS_PROBE_PATH}array.png`],
];

/** A style that fetches the probe if it ever reaches a style attribute. */
const PROBE_STYLE = `background-image:url(${XSS_PROBE_PATH}style.png)`;

/**
 * What a hostile co-editor writes after the page's readable text: structures the editor never makes itself.
 * Each has a `zebra…` word where it holds text, so a test can see how far the page rendered.
 */
function hostileNodes(): Y.XmlElement[] {
  const handlers = (n: number): Attrs => ({ onclick: `xssHit(${n})`, onmouseover: `xssHit(${n})`, style: PROBE_STYLE, srcdoc: `<script>top.xssHit(${n})</script>` });
  return [
    // Links: script URLs, and attributes no link of ours has.
    yPara(...BAD_HREFS.map((href, i): [string, Attrs] => [`zebralink${i} `, { link: { href, target: '_self', rel: 'opener', class: 'x', ...handlers(311) } }])),
    // Images: bad sources with handlers, srcset and style beside them.
    ...BAD_IMAGE_SRCS.map((src, i) =>
      yEl('image', { src, alt: XSS_SHORT[i], title: XSS_SHORT[i], onerror: `xssHit(${330 + i})`, onload: `xssHit(${330 + i})`, srcset: `${XSS_PROBE_PATH}srcset.png 1x`, style: PROBE_STYLE }),
    ),
    // Unknown nodes, named like HTML elements, alone and inside a known one.
    yEl('script', {}, [yText(['xssHit(340) zebraunknown'])]),
    yEl('iframe', { src: 'javascript:xssHit(341)', srcdoc: '<script>top.xssHit(342)</script>' }),
    yEl('img', { src: 'x', onerror: 'xssHit(343)' }),
    yEl('svg', { onload: 'xssHit(344)' }, [yEl('script', {}, [yText(['xssHit(345)'])])]),
    yEl('style', {}, [yText([`*{${PROBE_STYLE}}`])]),
    yEl('a', { href: 'javascript:xssHit(346)' }, [yText(['zebraanchor'])]),
    yEl('paragraph', {}, [yText(['zebranested ']), yEl('script', {}, [yText(['xssHit(347)'])])]),
    // Unknown marks (the editor drops text that carries one), and known marks with attributes they do not have.
    yPara(['zebramark0 ', { script: {} }]),
    yPara(['zebramark1 ', { onclick: 'xssHit(350)' }]),
    yPara(['zebramarks ', { bold: handlers(351) }], ['zebramark3', { italic: true, code: { class: '"><img src=x onerror=xssHit(352)>' } }]),
    // Known nodes with attributes they do not have, or values of the wrong kind.
    yEl('paragraph', { ...handlers(360), id: 'app', class: 'x' }, [yText(['zebraattrs'])]),
    yEl('heading', { level: '1 onclick=xssHit(361)' }, [yText(['zebraheading0'])]),
    yEl('heading', { level: 9, ...handlers(362) }, [yText(['zebraheading1'])]),
    yEl('codeBlock', { language: '"><img src=x onerror=xssHit(363)>' }, [yText(['zebracode <script>xssHit(364)</script>'])]),
    yEl('blockquote', { cite: 'javascript:xssHit(365)' }, [yPara(['zebraquote'])]),
    yEl('orderedList', { start: '1" onclick="xssHit(366)', type: 'javascript:xssHit(367)' }, [yEl('listItem', handlers(368), [yPara(['zebraitem'])])]),
    yEl('taskList', {}, [yEl('taskItem', { checked: '" onclick="xssHit(369)', ...handlers(370) }, [yPara(['zebratodo'])])]),
    yEl('table', handlers(371), [
      yEl('tableRow', handlers(372), [
        yEl('tableCell', { colspan: 1, rowspan: 1, colwidth: [`1px;${PROBE_STYLE};x:`], ...handlers(373) }, [yPara(['zebracell'])]),
        yEl('tableHeader', { colspan: 1, rowspan: 1, colwidth: [`2);${PROBE_STYLE};x:(`], ...handlers(374) }, [yPara(['zebraheader'])]),
      ]),
    ]),
    yEl('paragraph', {}, [
      yText(['zebramention ']),
      yEl('mention', { id: '"><img src=x onerror=xssHit(380)>', label: '<img src=x onerror=xssHit(381)>', ...handlers(382) }),
      yEl('hardBreak', handlers(383)),
    ]),
    yEl('horizontalRule', handlers(384)),
  ];
}

/** A Yjs relative position (base64) at `index` of `text`, as a comment's anchor carries it. */
const anchorAt = (text: Y.XmlText, index: number) => Buffer.from(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(text, index))).toString('base64');

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
    // An image without a source fetches nothing (the editor leaves out sources it does not show).
    if (tag === 'img' && el.hasAttribute('src')) {
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
  let callId: string;
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
    // Documents unload a second after their last reader leaves: that compacts them and indexes their text for search.
    [hub, browser] = await Promise.all([startTestHub({ env: { GUEST_DIGEST_MINUTES: '60', DOC_UNLOAD_SECONDS: '1' } }), launchChromium()]);
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
    callId = (await ok(() => t.owner.post(`/api/chats/${group}/calls`, { title: s2, at: new Date(Date.now() + 3_600_000).toISOString() }))).call.id;
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

  it('calls: the hostile title in the calls list', async () => {
    await page.goto(`${hub.url}/app/calls`);
    await shows(page, '[data-testid=calls-scheduled] [data-testid=calls-row]', XSS_SHORT[2]);
    await expectInert(page, 'calls list');
  });

  describe('documents', () => {
    /** The page a hostile co-editor writes, its ancestors, and what hangs off it. */
    let spaceId: string;
    let pageId: string;
    let imageId: string;
    let docGuestLink: string;
    /** Ann and Ben's real y-websocket clients on the page (Ann writes; both show hostile cursors and colours). */
    let ann: DocClient;
    let ben: DocClient;
    /** How many nodes of the fragment are readable text (the hostile structures follow them). */
    let kept = 0;
    const titles = XSS_SHORT.slice(0, 10);

    /** (Re)write the hostile structures after the readable part: an editor drops what its schema lacks. */
    async function plant(): Promise<void> {
      // Nobody's editor may be open meanwhile (it would drop the unknown nodes again at once).
      await page.goto('about:blank');
      const frag = ann.doc.getXmlFragment('default');
      ann.doc.transact(() => {
        if (frag.length > kept) frag.delete(kept, frag.length - kept);
        frag.insert(kept, hostileNodes());
      });
      // The hub has it once a fresh reader gets all of Ann's changes.
      const check = openDoc(hub.url, pageId, t.owner);
      const mine = ann.doc.clientID;
      try {
        await check.synced;
        await until(() => Y.getState(check.doc.store, mine) >= Y.getState(ann.doc.store, mine), "Ann's changes on the hub");
      } finally {
        check.destroy();
      }
    }

    beforeAll(async () => {
      // The company's space, named with a payload; pages titled with the short payloads, three of them nested.
      spaceId = (await ok(() => t.owner.post('/api/docs/spaces', { name: XSS_SHORT[5] }))).space.id;
      const made = async (title: string, parentId?: string) => (await ok(() => t.owner.post(`/api/docs/spaces/${spaceId}/pages`, { title, parentId }))).page.id as string;
      const top = await made(titles[0]);
      pageId = await made(titles[2], await made(titles[1], top));
      for (const title of titles.slice(3)) await made(title);
      // The call's meeting notes: a page whose title carries the call's hostile title.
      await ok(() => t.owner.post(`/api/calls/${callId}/notes`, {}));
      imageId = (await ok(() => t.owner.call('POST', `/api/docs/pages/${pageId}/images`, PNG, { 'content-type': 'image/png', 'x-file-name': encodeURIComponent(`${names[1]}.png`) }))).file.id;

      // Ann writes the page through the real y-websocket client: the corpus as paragraphs, a stored image,
      // then the hostile structures.
      [ann, ben] = [openDoc(hub.url, pageId, t.ann), openDoc(hub.url, pageId, t.ben)];
      await Promise.all([ann.synced, ben.synced]);
      const frag = ann.doc.getXmlFragment('default');
      const intro = yText([`zebradoc intro ${XSS_SHORT[0]}`]);
      // The co-editors' carets sit in a line of their own (their name labels are drawn inside the text).
      const caretLine = yText(['zebracaret line']);
      ann.doc.transact(() => {
        frag.insert(0, [
          yEl('paragraph', {}, [intro]),
          yEl('paragraph', {}, [caretLine]),
          ...CORPUS.map((payload) => yPara([payload])),
          yEl('image', { src: `/api/files/${imageId}`, alt: names[1], title: names[1] }),
        ]);
      });
      kept = frag.length;
      await plant();

      // Co-editors' awareness: hostile names, a caret and selection whose colour would break out of its style
      // (Ann), and a colour that is a URL (Ben).
      const at = (i: number) => Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(caretLine, i));
      ann.provider.awareness.setLocalState({ user: { name: XSS_SHORT[8], color: `#d9480f;${PROBE_STYLE}` }, cursor: { anchor: at(0), head: at(8) } });
      ben.provider.awareness.setLocalState({ user: { name: XSS_SHORT[3], color: `url(${XSS_PROBE_PATH}colour.png)` }, cursor: { anchor: at(9), head: at(9) } });

      // Comments on the intro's first word, by Ann (a hostile name): a thread of the corpus with replies, and a short one.
      const anchor = { start: anchorAt(intro, 0), end: anchorAt(intro, 8) };
      const [first, ...rest] = chunks('zebrathought', 3900, 40);
      const root = (await ok(() => t.ann.post(`/api/docs/pages/${pageId}/comments`, { body: first, anchor, quote: XSS_SHORT[1] }))).comment.id;
      for (const body of rest) await ok(() => t.ann.post(`/api/docs/pages/${pageId}/comments`, { body, parentId: root }));
      await ok(() => t.ben.post(`/api/docs/pages/${pageId}/comments`, { body: `zebrashort ${XSS_SHORT[7]}`, anchor, quote: XSS_SHORT[4] }));

      // Named versions, named with the payloads (they keep the hostile structures).
      for (const name of XSS_SHORT) await ok(() => t.owner.post(`/api/docs/pages/${pageId}/versions`, { name }));

      // The page attached to the group chat (its card) and the task; a read link for a guest, named with a payload.
      await ok(() => t.owner.post(`/api/docs/pages/${pageId}/attachments`, { kind: 'chat', targetId: group }));
      await ok(() => t.owner.post(`/api/docs/pages/${pageId}/attachments`, { kind: 'task', targetId: taskId }));
      docGuestLink = (await ok(() => t.owner.post(`/api/docs/pages/${pageId}/guest-links`, { access: 'read', name: XSS_SHORT[6] }))).link.url;
    }, 120_000);

    /** Ann and Ben leave the page (once). */
    let left = false;
    function leave(): void {
      if (left) return;
      left = true;
      ann?.destroy();
      ben?.destroy();
    }

    afterAll(leave);

    /** The page's content shows as text: the corpus, the readable parts of the hostile structures, the stored image. */
    async function showsContent(p: Page, images: string): Promise<void> {
      const body = '[data-testid=doc-editor]';
      await shows(p, `${body} p`, `zebradoc intro ${XSS_SHORT[0]}`);
      for (const payload of ['<script>xssHit(1)</script>', '<iframe srcdoc="<script>top.xssHit(147)</script>"></iframe>', '[x](javascript:xssHit(16))', '${xssHit(158)}']) await shows(p, `${body} p`, payload);
      for (const word of ['zebralink0', 'zebralink9', 'zebraattrs', 'zebratodo', 'zebracell', 'zebraheader', 'zebramarks zebramark3']) await shows(p, body, word);
      await shows(p, `${body} pre`, '<script>xssHit(364)</script>');
      await shows(p, `${body} [data-type=mention]`, '@<img src=x onerror=xssHit(381)>');
      // The stored image loads (it is lazy: brought into view first).
      const stored = p.locator(`${body} img[src="${images}${imageId}"]`);
      await stored.evaluate((img) => img.scrollIntoView());
      await expect.poll(() => stored.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(1);
    }

    it('a page written by a hostile co-editor: its content, cursors and names, titles in the tree, trail and header', async () => {
      await page.goto(`${hub.url}/app/docs/${pageId}`);
      await page.locator('[data-testid=doc-page][data-access=edit]').waitFor();
      await showsContent(page, '/api/files/');
      // Images only from stored files: the hostile sources render without one.
      expect(await editor(page).locator('img[src]').count()).toBe(1);
      // The links are there, without a script URL.
      await expect.poll(() => editor(page).locator('a').count()).toBe(BAD_HREFS.length);
      // Co-editors: names as text, in the presence list and on the carets.
      await shows(page, '[data-testid=doc-presence-name]', XSS_SHORT[8]);
      await shows(page, '[data-testid=doc-presence-name]', XSS_SHORT[3]);
      await shows(page, '.collaboration-cursor__label', XSS_SHORT[8]);
      // Titles: the tree (the page, its ancestors, the others, the call's notes), the trail, the header.
      for (const title of titles) await shows(page, '[data-testid=tree-page]', title);
      await shows(page, '[data-testid=tree-page]', `Meeting notes — ${XSS_SHORT[2]}`);
      await shows(page, '.trail', XSS_SHORT[5]);
      await shows(page, '.trail a', titles[0]);
      await shows(page, '.trail a', titles[1]);
      expect(await page.locator('[data-testid=doc-title]').inputValue()).toBe(titles[2]);
      await expectInert(page, 'page as a colleague');

      // The space list names the hostile space.
      await page.goto(`${hub.url}/app/docs`);
      await shows(page, '[data-testid=space-item]', XSS_SHORT[5]);
      await expectInert(page, 'spaces');
    });

    it('comment threads and replies on the page', async () => {
      await plant();
      await page.goto(`${hub.url}/app/docs/${pageId}`);
      await page.locator('[data-testid=doc-page][data-access=edit]').waitFor();
      const thread = '[data-testid=doc-thread]';
      await shows(page, `${thread} [data-testid=doc-thread-quote]`, XSS_SHORT[1]);
      await shows(page, `${thread} [data-testid=doc-thread-quote]`, XSS_SHORT[4]);
      await shows(page, `${thread} [data-testid=doc-comment-body]`, 'zebrathought 0');
      await shows(page, `${thread} [data-testid=doc-comment-body]`, 'zebrathought 3');
      await shows(page, `${thread} [data-testid=doc-comment-body]`, 'zebrashort');
      await shows(page, `${thread} [data-testid=doc-comment-body]`, '<script>xssHit(1)</script>');
      await shows(page, thread, XSS_SHORT[0]); // Ann, the author
      await editor(page).locator('.doc-comment').first().waitFor();
      await expectInert(page, 'comments');
    });

    it('version names in the history panel, and a version previewed', async () => {
      await page.goto(`${hub.url}/app/docs/${pageId}`);
      await page.locator('[data-testid=doc-page][data-access=edit]').waitFor();
      await page.click('[data-testid=doc-history]');
      const panel = page.locator('[data-testid=history-panel]');
      for (const name of XSS_SHORT) await shows(page, '[data-testid=history-panel] [data-testid=version]', name);
      await panel.locator('[data-testid=version]').filter({ hasText: XSS_SHORT[4] }).click();
      const preview = '[data-testid=version-preview-body]';
      await shows(page, preview, 'zebralink9');
      await shows(page, `${preview} p`, '<script>xssHit(1)</script>');
      await shows(page, `${preview} [data-type=mention]`, '@<img src=x onerror=xssHit(381)>');
      expect(await page.locator(`${preview} img[src]`).count()).toBe(1);
      await expectInert(page, 'history');
      await page.keyboard.press('Escape');
    });

    it('the page seen by a guest of a read link', async () => {
      await plant();
      const guestCtx = await browserContext(browser);
      await arm(guestCtx);
      const g = await guestCtx.newPage();
      collectProblems({ 'document guest': g }, {}, problems);
      try {
        await g.goto(docGuestLink);
        await g.locator('[data-testid=doc-guest-name]').fill(XSS_SHORT[0]);
        await g.click('[data-testid=doc-guest-open]');
        await g.locator('[data-testid=doc-page][data-access=read]').waitFor();
        await shows(g, '[data-testid=doc-guest-title]', titles[2]);
        await showsContent(g, '/api/doc-guest/files/');
        expect(await editor(g).locator('img[src]').count()).toBe(1);
        await shows(g, '[data-testid=doc-presence-name]', XSS_SHORT[8]);
        await shows(g, '.collaboration-cursor__label', XSS_SHORT[8]);
        await expectInert(g, 'document guest page');
      } finally {
        await guestCtx.close();
      }
    });

    it("the page's title on its chat card and in the task's documents, and in search results with a snippet of its text", async () => {
      await page.goto(`${hub.url}/app/chats/${group}`);
      await online(page);
      await shows(page, '[data-testid=card][data-kind=doc] [data-testid=card-title]', titles[2]);
      await expectInert(page, 'document card in the chat');
      await page.goto(`${hub.url}/app/tasks/${taskId}`);
      await shows(page, '[data-testid=attached-doc]', titles[2]);
      await expectInert(page, "task's documents");

      // Nobody on the page any more: the hub unloads it, which indexes its text.
      leave();
      await page.goto(`${hub.url}/app/docs`);
      const search = page.locator('[data-testid=doc-search]');
      const hit = page.locator(`[data-testid=doc-search-hit][data-id="${pageId}"]`);
      await expect
        .poll(
          async () => {
            await search.fill('');
            await search.fill('zebradoc');
            await page.locator('[data-testid=doc-search-results], [data-testid=doc-search-empty]').first().waitFor();
            return hit.count();
          },
          { timeout: 20_000, interval: 500 },
        )
        .toBe(1);
      await shows(page, '[data-testid=doc-search-hit]', titles[2]);
      await shows(page, '[data-testid=doc-search-snippet]', 'zebradoc');
      await expectInert(page, 'document search');
      // Titles are found too, payload and all.
      await search.fill('');
      await search.fill('onerror');
      await shows(page, '[data-testid=doc-search-hit]', titles[0]);
      await expectInert(page, 'document search by title');
    });
  });
});
