/**
 * Inline pictures and formatting of mail into the feed: nodemailer (a real SMTP client) sends to the hub's
 * inbound SMTP, the result is read back through the HTTP API. A pasted screenshot becomes a file of the
 * post (marked in the text where it stood, downloadable by the post's audience only); the tracking pixel
 * and the signature logo next to it do not. An HTML part with a list or bold the plain part lacks is the
 * body. A reply keeps the pictures of its new part, not those of the quoted history.
 */
import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, ApiClient, idsOf, registerOwner } from '../helpers/client';

const DOMAIN = 'artel.test';

/** A picture of noise (so it does not compress to nothing), like a screenshot's worth of bytes. */
const picture = (width: number, height: number, format: 'png' | 'gif' = 'png') =>
  sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .toFormat(format)
    .toBuffer();

describe('mail into the feed: inline pictures and formatting', () => {
  let hub: TestHub;
  let owner: ApiClient;
  let bob: ApiClient;
  let ann: ApiClient;
  let dan: ApiClient;
  const ids: Record<string, string> = {};
  let screenshot: Buffer;
  let second: Buffer;
  let pixel: Buffer;
  let logo: Buffer;

  beforeAll(async () => {
    hub = await startTestHub({ env: { MAIL_DOMAIN: DOMAIN } });
    owner = await registerOwner(hub.url);
    bob = await addColleague(owner, 'bob@example.com', 'Bob');
    ann = await addColleague(owner, 'ann@example.com', 'Ann');
    dan = await addColleague(owner, 'dan@example.com', 'Dan');
    Object.assign(ids, await idsOf({ owner, bob, ann, dan }));
    screenshot = await picture(480, 300);
    second = await picture(320, 240);
    pixel = await sharp({ create: { width: 1, height: 1, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).gif().toBuffer();
    logo = await picture(160, 48);
  });
  afterAll(async () => {
    await hub?.stop();
  });

  const send = async (mail: nodemailer.SendMailOptions & { from: string; to: string }) => {
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: hub.smtpPort, secure: false, ignoreTLS: true });
    try {
      return await t.sendMail({ envelope: { from: /<(.+)>/.exec(mail.from)?.[1] ?? mail.from, to: [mail.to] }, ...mail });
    } finally {
      t.close();
    }
  };
  const idIn = (response: string, what: 'post' | 'comment') => new RegExp(`${what} ([0-9a-f-]{36})`).exec(response)?.[1];
  /** A file's bytes as the client downloads them (status and body). */
  const download = async (c: ApiClient, url: string) => {
    const res = await fetch(hub.url + url, { headers: { cookie: `artel_session=${c.cookie}`, origin: hub.url } });
    return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
  };

  it('a pasted screenshot becomes the post\'s file, shown in place; the tracking pixel and the logo do not', async () => {
    const info = await send({
      from: 'Bob <bob@example.com>',
      to: `feed@${DOMAIN}`,
      cc: 'Ann <ann@example.com>',
      subject: 'Fwd: the checkout page breaks',
      text: 'Look at this bug:\n[image: screenshot.png]\nThanks,\nBob',
      html:
        '<p>Look at this <b>bug</b>:</p><p><img src="cid:shot@mail.example.com" width="480"></p><p>Thanks,<br>Bob</p>' +
        '<p><img src="cid:logo@mail.example.com" alt="ACME"></p><img src="cid:pixel@tracker.example.com" width="1" height="1">',
      attachments: [
        { filename: 'screenshot.png', content: screenshot, contentType: 'image/png', cid: 'shot@mail.example.com' },
        { filename: 'logo.png', content: logo, contentType: 'image/png', cid: 'logo@mail.example.com' },
        { filename: 'open.gif', content: pixel, contentType: 'image/gif', cid: 'pixel@tracker.example.com' },
      ],
    });
    const post = (await bob.get(`/api/feed/posts/${idIn(info.response, 'post')}`)).body.post;
    // The HTML part is the body (its bold is not in the plain part), the screenshot named where it stood.
    expect(post.body).toBe('Look at this **bug**:\n\n[image: screenshot.png]\n\nThanks,\nBob');
    expect(post.attachments.map((f: any) => [f.name, f.mime, f.width, f.height])).toEqual([['screenshot.png', 'image/png', 480, 300]]);
    const url = post.attachments[0].url as string;
    for (const reader of [bob, ann]) {
      const got = await download(reader, url);
      expect(got.status).toBe(200);
      expect(got.bytes.equals(screenshot)).toBe(true);
    }
    expect((await download(dan, url)).status).toBe(403);
    expect((await fetch(hub.url + url)).status).toBe(401);
  });

  it('an HTML-rich mail keeps its list and bold; an HTML-only one too', async () => {
    const rich = await send({
      from: 'Bob <bob@example.com>',
      to: `feed@${DOMAIN}`,
      subject: 'Release plan',
      text: 'Release plan: freeze on Monday, then QA, then ship.',
      html: '<p>Release plan:</p><ul><li><b>freeze</b> on Monday</li><li>then QA</li><li>then <i>ship</i></li></ul>',
    });
    const a = (await bob.get(`/api/feed/posts/${idIn(rich.response, 'post')}`)).body.post;
    expect(a.body).toBe('Release plan:\n\n- **freeze** on Monday\n- then QA\n- then _ship_');
    const only = await send({
      from: 'Bob <bob@example.com>',
      to: `feed@${DOMAIN}`,
      subject: 'Checklist',
      html: '<div>Before the demo:</div><ol><li>restart <strong>staging</strong></li><li>clear the cache</li></ol><script>alert(1)</script>',
    });
    const b = (await bob.get(`/api/feed/posts/${idIn(only.response, 'post')}`)).body.post;
    expect(b.body).toBe('Before the demo:\n\n1. restart **staging**\n2. clear the cache');
    // A plain part that says as much (its own list lines) stays the body.
    const plain = await send({
      from: 'Bob <bob@example.com>',
      to: `feed@${DOMAIN}`,
      subject: 'Agenda',
      text: 'Agenda:\n\n- budget\n- hiring',
      html: '<p>Agenda:</p><ul><li>budget</li><li>hiring</li></ul><p style="color:#999">sent from my phone</p>',
    });
    expect((await bob.get(`/api/feed/posts/${idIn(plain.response, 'post')}`)).body.post.body).toBe('Agenda:\n\n- budget\n- hiring');
  });

  it('a reply by mail keeps the picture of its new part, not the quoted one, and trims the history', async () => {
    const post = (await bob.post('/api/feed/posts', { clientId: randomUUID(), title: 'Layout', body: 'How does the new layout look?', audience: { userIds: [ids.ann] } })).body.post;
    const address = `post+${post.id.replace(/-/g, '')}@${DOMAIN}`;
    const info = await send({
      from: 'Ann <ann@example.com>',
      to: address,
      subject: 'Re: Layout',
      text: 'Here it is on my screen:\n[image: mine.png]\n\nOn Tue, Bob wrote:\n> How does the new layout look?\n> [image: theirs.png]',
      html:
        '<div>Here it is on my screen:</div><div><img src="cid:mine@example.com"></div><br>' +
        '<div class="gmail_quote"><div>On Tue, Bob wrote:</div><blockquote class="gmail_quote">How does the new layout look?' +
        '<img src="cid:theirs@example.com"></blockquote></div>',
      attachments: [
        { filename: 'mine.png', content: second, contentType: 'image/png', cid: 'mine@example.com' },
        { filename: 'theirs.png', content: screenshot, contentType: 'image/png', cid: 'theirs@example.com' },
      ],
    });
    const commentId = idIn(info.response, 'comment');
    const [c] = (await bob.get(`/api/feed/posts/${post.id}/comments`)).body.comments;
    expect(c.id).toBe(commentId);
    expect(c.body).toBe('Here it is on my screen:\n[image: mine.png]');
    expect(c.attachments.map((f: any) => f.name)).toEqual(['mine.png']);
    expect((await download(ann, c.attachments[0].url)).bytes.equals(second)).toBe(true);
    expect((await download(dan, c.attachments[0].url)).status).toBe(403);
  });
});
