import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { sql } from '../../server/db/pool';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, ApiClient, idsOf, registerOwner, RealtimeClient } from '../helpers/client';

/**
 * Mail into the feed, end to end: nodemailer (a real SMTP client) against the hub's inbound SMTP, and the
 * result read back through the HTTP API as the people concerned. Outgoing mail (guest invitations) goes
 * through a real relay: a small SMTP sink in this file, so the headers (Reply-To, Message-ID) can be read.
 */

const DOMAIN = 'artel.test';
const fixture = (name: string) => fs.readFileSync(path.join(__dirname, '../fixtures/mail', name));

/** An SMTP refusal as nodemailer reports it. */
interface Refusal {
  responseCode: number;
  response: string;
}

describe('mail into the feed (inbound SMTP)', () => {
  let hub: TestHub;
  let sink: SMTPServer;
  const relayed: ParsedMail[] = [];
  let owner: ApiClient;
  let ann: ApiClient;
  let bob: ApiClient;
  let carol: ApiClient;
  let dan: ApiClient;
  let pyotr: ApiClient;
  let olga: ApiClient;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    // The relay every outgoing mail goes to: keeps them parsed, headers and all.
    sink = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      disableReverseLookup: true,
      logger: false,
      onData(stream, _session, done) {
        simpleParser(stream).then(
          (m) => {
            relayed.push(m);
            done();
          },
          (err) => done(err),
        );
      },
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const sinkPort = (sink.server.address() as { port: number }).port;
    hub = await startTestHub({ env: { MAIL_DOMAIN: DOMAIN, SMTP_RELAY_URL: `smtp://127.0.0.1:${sinkPort}` } });
    owner = await registerOwner(hub.url);
    ann = await addColleague(owner, 'ann.smith@example.com', 'Ann Smith');
    bob = await addColleague(owner, 'bob@example.com', 'Bob');
    carol = await addColleague(owner, 'carol.white@corp.example.com', 'Carol White');
    dan = await addColleague(owner, 'dan@example.com', 'Dan');
    pyotr = await addColleague(owner, 'p.vasiliev@example.ru', 'Пётр Васильев');
    olga = await addColleague(owner, 'o.morozova@buh.example.ru', 'Ольга Морозова');
    Object.assign(ids, await idsOf({ owner, ann, bob, carol, dan, pyotr, olga }));
  });
  afterAll(async () => {
    await hub?.stop();
    await new Promise<void>((resolve) => (sink ? sink.close(() => resolve()) : resolve()));
  });

  const transport = () => nodemailer.createTransport({ host: '127.0.0.1', port: hub.smtpPort, secure: false, ignoreTLS: true });

  /** Deliver a raw mail as an MX would: the envelope says who from and which of our mailboxes. */
  const deliverRaw = async (from: string, to: string | string[], raw: Buffer | string) => {
    const t = transport();
    try {
      return await t.sendMail({ envelope: { from, to: ([] as string[]).concat(to) }, raw });
    } finally {
      t.close();
    }
  };
  /** The same, expecting a refusal. */
  const refusedRaw = async (from: string, to: string | string[], raw: Buffer | string): Promise<Refusal> => {
    try {
      const info = await deliverRaw(from, to, raw);
      throw new Error(`accepted: ${info.response}`);
    } catch (err) {
      const e = err as Refusal & Error;
      if (!e.responseCode) throw err;
      return { responseCode: e.responseCode, response: e.response };
    }
  };
  /** A plain mail as a mail program would write it. */
  const compose = (h: { from: string; to?: string; cc?: string; subject: string; messageId?: string; inReplyTo?: string; extra?: string[] }, body: string) =>
    [
      `From: ${h.from}`,
      `To: ${h.to ?? `feed@${DOMAIN}`}`,
      ...(h.cc ? [`Cc: ${h.cc}`] : []),
      `Subject: ${h.subject}`,
      'Date: Tue, 18 Mar 2025 10:00:00 +0300',
      `Message-ID: <${h.messageId ?? `${randomUUID()}@example.com`}>`,
      ...(h.inReplyTo ? [`In-Reply-To: <${h.inReplyTo}>`, `References: <${h.inReplyTo}>`] : []),
      ...(h.extra ?? []),
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      body,
      '',
    ].join('\r\n');

  const feedOf = async (c: ApiClient) => (await c.get('/api/feed?limit=50')).body.posts as any[];
  const postCount = async () => Number((await hub.artel.svc.db.query(sql`SELECT count(*)::int AS n FROM feed_posts`))[0].n);
  const commentCount = async () => Number((await hub.artel.svc.db.query(sql`SELECT count(*)::int AS n FROM feed_comments`))[0].n);
  const idIn = (response: string, what: 'post' | 'comment') => new RegExp(`${what} ([0-9a-f-]{36})`).exec(response)?.[1];

  let planning: any;

  it('a colleague mails feed@: a post titled by the subject, for them and the colleagues in To/Cc only', async () => {
    const info = await deliverRaw('ann.smith@example.com', `feed@${DOMAIN}`, fixture('alternative.eml'));
    expect(info.response).toMatch(/^250 2\.6\.0 .*posted to the feed as post [0-9a-f-]{36}/);
    const postId = idIn(info.response, 'post');
    planning = (await feedOf(ann)).find((p) => p.id === postId);
    expect(planning).toMatchObject({
      title: 'Quarterly planning: agenda for Thursday',
      author: { id: ids.ann, name: 'Ann Smith' },
      important: false,
      mentions: [],
    });
    expect(planning.body).toContain("Here is the agenda for Thursday's planning session:");
    expect(planning.body).toContain('- Hiring plan');
    // Bob was in Cc (a colleague); carol@example.com is nobody here, and gets no guest invitation either.
    expect(planning.audience.users.map((u: any) => u.id)).toEqual([ids.bob]);
    expect(planning.audience.emails).toEqual([]);
    expect((await feedOf(bob)).map((p) => p.id)).toContain(postId);
    for (const other of [dan, owner, carol]) expect((await feedOf(other)).map((p) => p.id)).not.toContain(postId);
    expect((await dan.get(`/api/feed/posts/${postId}`)).status).toBe(403);
  });

  it('the same mail delivered twice makes one post', async () => {
    const before = await postCount();
    const again = await deliverRaw('ann.smith@example.com', `FEED@${DOMAIN.toUpperCase()}`, fixture('alternative.eml'));
    expect(idIn(again.response, 'post')).toBe(planning.id);
    expect(await postCount()).toBe(before);
    expect((await feedOf(ann)).filter((p) => p.title === 'Quarterly planning: agenda for Thursday')).toHaveLength(1);
  });

  it('a reply to feed@ joins the thread by In-Reply-To: a comment without the quoted history', async () => {
    const rt = await RealtimeClient.open(hub.url, ann.cookie);
    await rt.request({ type: 'subscribe', streams: [{ stream: `post:${planning.id}`, after: planning.head }] });
    // Gmail's reply, sent by Bob (a colleague in the post's audience).
    const raw = fixture('gmail-reply.eml').toString('utf8').replace('From: Bob Jones <bob.jones@example.org>', 'From: Bob <Bob@Example.com>');
    const info = await deliverRaw('bob@example.com', `feed@${DOMAIN}`, raw);
    expect(info.response).toMatch(new RegExp(`comment [0-9a-f-]{36} on post ${planning.id}`));
    const { comments } = (await ann.get(`/api/feed/posts/${planning.id}/comments`)).body;
    expect(comments).toHaveLength(1);
    expect(comments[0]).toMatchObject({ authorId: ids.bob, guestName: null, mentions: [] });
    // The HTML part's bold is not in the plain part: the HTML is the body, its quote cut there.
    expect(comments[0].body).toContain("Sounds good, I'll bring the **hiring** numbers.");
    expect(comments[0].body).not.toContain('Hi all');
    expect(comments[0].body).not.toContain('> ');
    // Live, like any other comment.
    const ev = await rt.waitFor(() => rt.events(`post:${planning.id}`).find((e) => e.event.type === 'comment_created'));
    expect(ev.event.payload.comment.id).toBe(comments[0].id);
    rt.close();
    // Delivered again: still one comment.
    await deliverRaw('bob@example.com', `feed@${DOMAIN}`, raw);
    expect((await ann.get(`/api/feed/posts/${planning.id}/comments`)).body.comments).toHaveLength(1);
  });

  it('a reply joins the thread through any mail of it: answering the reply works too', async () => {
    const bobsReplyId = 'CAB9r7k+9vZq4=Mt_x2yQ@mail.gmail.com';
    const info = await deliverRaw(
      'ann.smith@example.com',
      `feed@${DOMAIN}`,
      compose({ from: 'Ann Smith <ann.smith@example.com>', subject: 'Re: Quarterly planning: agenda for Thursday', inReplyTo: bobsReplyId }, 'Great, thanks Bob!\r\n\r\nOn Mon, Bob wrote:\r\n> Sounds good'),
    );
    expect(info.response).toContain(`on post ${planning.id}`);
    const { comments } = (await bob.get(`/api/feed/posts/${planning.id}/comments`)).body;
    expect(comments.map((c: any) => c.body)).toEqual([expect.stringContaining('Sounds good'), 'Great, thanks Bob!']);
  });

  it('a reply from a colleague who cannot see the post is refused, nothing created', async () => {
    const before = await commentCount();
    const r = await refusedRaw('dan@example.com', `feed@${DOMAIN}`, compose({ from: 'dan@example.com', subject: 'Re: planning', inReplyTo: 'CAF7x2=Q1w@mail.example.com' }, 'Me too'));
    expect(r.responseCode).toBe(550);
    expect(r.response).toMatch(/^550 5\.7\.1 You cannot see this post/);
    expect(await commentCount()).toBe(before);
  });

  it('mail to post+<id>@ comments on that post (Outlook reply, history trimmed)', async () => {
    const post = (await ann.post('/api/feed/posts', { clientId: randomUUID(), title: 'Supplier contract renewal', body: 'Please review clause 7', audience: { userIds: [ids.carol] } })).body.post;
    const address = `post+${post.id.replace(/-/g, '').toUpperCase()}@${DOMAIN}`;
    const info = await deliverRaw('carol.white@corp.example.com', address, fixture('outlook-reply-en.eml'));
    expect(info.response).toContain(`on post ${post.id}`);
    const [c] = (await ann.get(`/api/feed/posts/${post.id}/comments`)).body.comments;
    expect(c.authorId).toBe(ids.carol);
    expect(c.body).toContain('Agreed. Legal has reviewed clause 7 and is fine with the new payment terms.');
    expect(c.body).not.toContain('Original Message');
    expect(c.body).not.toContain('Dmitry posted');
    // Someone outside the audience is refused at RCPT already; an unknown post is no mailbox.
    const r = await refusedRaw('dan@example.com', address, compose({ from: 'dan@example.com', to: address, subject: 'Re' }, 'Hi'));
    expect(r.response).toMatch(/^550 5\.7\.1 You cannot see this post/);
    const unknown = await refusedRaw('carol.white@corp.example.com', `post+${randomUUID().replace(/-/g, '')}@${DOMAIN}`, compose({ from: 'carol.white@corp.example.com', subject: 'x' }, 'x'));
    expect(unknown.response).toMatch(/^550 5\.1\.1 No such post/);
  });

  it('a forwarded mail keeps the forwarded message; mentions in mail text stay text', async () => {
    const info = await deliverRaw('ann.smith@example.com', `feed@${DOMAIN}`, fixture('forward-rfc822.eml'));
    const postId = idIn(info.response, 'post')!;
    const post = (await ann.get(`/api/feed/posts/${postId}`)).body.post;
    expect(post.title).toBe('Conference invitation: DevDays Moscow 2025');
    expect(post.body).toContain('Who wants to go? The company pays for two tickets.');
    expect(post.body).toContain('From: DevDays Team <team@devdays.example.net>');
    expect(post.body).toContain('We are happy to invite you to DevDays Moscow, 20-21 May 2025.');
    expect(post.body).not.toContain('not stored');

    const sneaky = compose(
      { from: 'ann.smith@example.com', subject: `Hello <@${ids.dan}> @all`, extra: [] },
      `Ping <@${ids.dan}> and @all and @все.\r\n<script>alert(1)</script>`,
    );
    const mentioned = await deliverRaw('ann.smith@example.com', `feed@${DOMAIN}`, sneaky);
    const p = (await ann.get(`/api/feed/posts/${idIn(mentioned.response, 'post')}`)).body.post;
    expect(p.mentions).toEqual([]);
    expect(p.audience.users).toEqual([]);
    expect(p.body).not.toContain(`<@${ids.dan}>`);
    expect(p.body.replace(/\u2060/g, '')).toContain(`Ping <@${ids.dan}> and @all and @все.`);
    expect(p.body).toContain('<script>alert(1)</script>'); // text: the renderer escapes it
    expect((await dan.get(`/api/feed/posts/${p.id}`)).status).toBe(403);
    const danMentions = (await dan.get('/api/feed?filter=mentions')).body.posts;
    expect(danMentions).toEqual([]);
  });

  it('attachments become the post\'s files, readable by its audience only', async () => {
    const t = transport();
    const info = await t.sendMail({
      envelope: { from: 'bob@example.com', to: [`feed@${DOMAIN}`] },
      from: 'Bob <bob@example.com>',
      to: `feed@${DOMAIN}`,
      subject: 'Fwd: the figures',
      text: 'See the attached figures.',
      attachments: [
        { filename: 'figures.pdf', content: Buffer.from('%PDF-1.4 fake'), contentType: 'application/pdf' },
        { filename: 'chart.png', content: Buffer.from('png'), contentType: 'image/png' },
      ],
    });
    t.close();
    const post = (await bob.get(`/api/feed/posts/${idIn(info.response, 'post')}`)).body.post;
    expect(post.title).toBe('the figures');
    expect(post.body).toBe('See the attached figures.');
    expect(post.attachments.map((f: any) => [f.name, f.mime])).toEqual([
      ['figures.pdf', 'application/pdf'],
      // Not a decodable PNG: kept as plain bytes.
      ['chart.png', 'application/octet-stream'],
    ]);
    expect((await bob.get(post.attachments[0].url)).body).toBe('%PDF-1.4 fake');
    expect((await dan.get(post.attachments[0].url)).status).toBe(403);
  });

  it('Russian mail in KOI8-R and windows-1251 reads correctly', async () => {
    const koi = await deliverRaw('p.vasiliev@example.ru', `feed@${DOMAIN}`, fixture('koi8r.eml'));
    const p1 = (await pyotr.get(`/api/feed/posts/${idIn(koi.response, 'post')}`)).body.post;
    expect(p1.title).toBe('Отчёты за февраль: срок до 14 марта');
    expect(p1.body).toContain('Напоминаю: отчёты за февраль нужно сдать до пятницы, 14 марта.');
    expect(p1.body).toContain('Шаблон лежит в общей папке "Отчёты/2025".');

    const cp = await deliverRaw('o.morozova@buh.example.ru', `feed@${DOMAIN}`, fixture('cp1251-qp.eml'));
    const p2 = (await olga.get(`/api/feed/posts/${idIn(cp.response, 'post')}`)).body.post;
    expect(p2.title).toBe('Оплата по счёту №1547');
    expect(p2.body).toContain('Здравствуйте, Анна!');
    expect(p2.body).toContain('Счёт №1547 от 11.03.2025 оплачен');
  });

  it('a stranger mailing feed@ is refused with an explanation, at RCPT, and nothing is created', async () => {
    const before = await postCount();
    const r = await refusedRaw('stranger@example.net', `feed@${DOMAIN}`, compose({ from: 'stranger@example.net', subject: 'Hi' }, 'Buy now'));
    expect(r.responseCode).toBe(550);
    expect(r.response).toBe('550 5.7.1 Only colleagues of Acme can post by e-mail; stranger@example.net is not one of them');
    // A colleague's address in the envelope but someone else's in From: refused after reading.
    const spoof = await refusedRaw('bob@example.com', `feed@${DOMAIN}`, compose({ from: 'Ann Smith <ann.smith@example.com>', subject: 'Hi' }, 'As Ann'));
    expect(spoof.response).toMatch(/^550 5\.7\.1 The From address ann\.smith@example\.com is not the envelope sender bob@example\.com/);
    // Our own relay's verdict counts; anyone else's Authentication-Results do not.
    const failed = (servId: string) =>
      compose({ from: 'bob@example.com', subject: 'Checked', extra: [`Authentication-Results: ${servId}; spf=fail smtp.mailfrom=example.com; dkim=none; dmarc=fail header.from=example.com`] }, 'Body');
    const byUs = await refusedRaw('bob@example.com', `feed@${DOMAIN}`, failed(DOMAIN));
    expect(byUs.response).toMatch(/^550 5\.7\.1 The mail failed the sender checks of artel\.test/);
    const bySomeone = await deliverRaw('bob@example.com', `feed@${DOMAIN}`, failed('mx.elsewhere.example'));
    expect(bySomeone.response).toMatch(/^250 /);
    expect(await postCount()).toBe(before + 1);
    // Deactivated colleagues are strangers.
    const owner2 = owner;
    expect((await owner2.post(`/api/admin/users/${ids.dan}/deactivate`)).status).toBe(200);
    const gone = await refusedRaw('dan@example.com', `feed@${DOMAIN}`, compose({ from: 'dan@example.com', subject: 'x' }, 'x'));
    expect(gone.response).toMatch(/^550 5\.7\.1 Only colleagues of Acme/);
    expect((await owner2.post(`/api/admin/users/${ids.dan}/reactivate`)).status).toBe(200);
  });

  it('unknown mailboxes and other domains: 550 5.1.1 naming feed@', async () => {
    for (const to of [`hello@${DOMAIN}`, `post+123@${DOMAIN}`, `reply@${DOMAIN}`, 'feed@example.com', `feed+x@${DOMAIN}`]) {
      const r = await refusedRaw('ann.smith@example.com', to, compose({ from: 'ann.smith@example.com', to, subject: 'x' }, 'x'));
      expect(r.response, to).toBe(`550 5.1.1 No such mailbox here: mail feed@${DOMAIN} to post in the feed`);
    }
    // One good recipient among bad ones: the mail goes to the good one.
    const info = await deliverRaw('ann.smith@example.com', [`nobody@${DOMAIN}`, `feed@${DOMAIN}`], compose({ from: 'ann.smith@example.com', subject: 'Mixed' }, 'Mixed recipients'));
    expect(info.rejected).toEqual([`nobody@${DOMAIN}`]);
    expect(info.response).toMatch(/posted to the feed/);
  });

  it('malformed mail is refused with the reason; nothing created', async () => {
    const before = await postCount();
    for (const name of ['malformed-no-headers.eml', 'malformed-binary.eml']) {
      const r = await refusedRaw('ann.smith@example.com', `feed@${DOMAIN}`, fixture(name));
      expect(r.response, name).toBe('550 5.6.0 The mail has no readable header');
    }
    const empty = await refusedRaw('ann.smith@example.com', `feed@${DOMAIN}`, compose({ from: 'ann.smith@example.com', subject: '' }, ''));
    expect(empty.response).toMatch(/^550 5\.6\.0 The mail is empty/);
    expect(await postCount()).toBe(before);
  });

  it('autoresponders and bounces are accepted and dropped', async () => {
    const before = [await postCount(), await commentCount()];
    const ooo = compose(
      { from: 'Ann Smith <ann.smith@example.com>', subject: 'Automatic reply: Quarterly planning', inReplyTo: 'CAF7x2=Q1w@mail.example.com', extra: ['Auto-Submitted: auto-replied'] },
      'I am out of the office until 10 March.',
    );
    const info = await deliverRaw('ann.smith@example.com', `feed@${DOMAIN}`, ooo);
    expect(info.response).toBe('250 2.6.0 Automatic mail accepted and dropped: only people post here');
    // A bounce comes from the null sender.
    const bounce = await deliverRaw('', `feed@${DOMAIN}`, fixture('bounce.eml'));
    expect(bounce.response).toMatch(/^250 2\.6\.0 Automatic mail accepted and dropped/);
    expect([await postCount(), await commentCount()]).toEqual(before);
    // The null sender is a machine's, whatever the header claims.
    const nul = await deliverRaw('', `feed@${DOMAIN}`, compose({ from: 'ann.smith@example.com', subject: 'Not a robot, honest' }, 'x'));
    expect(nul.response).toMatch(/dropped/);
    expect([await postCount(), await commentCount()]).toEqual(before);
  });

  describe('guests answer by mail through their personal reply address', () => {
    let post: any;
    let invitation: ParsedMail;
    let replyTo: string;

    const waitForRelay = async (to: string) => {
      for (let i = 0; i < 100; i++) {
        const m = relayed.find((r) => r.to && !Array.isArray(r.to) && r.to.value[0]?.address === to);
        if (m) return m;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no mail relayed to ${to}`);
    };

    beforeAll(async () => {
      post = (await ann.post('/api/feed/posts', { clientId: randomUUID(), title: 'Launch date', body: 'We launch on **June 2**. Any objections?', audience: { userIds: [ids.bob], emails: ['partner@client.example'] } })).body.post;
      invitation = await waitForRelay('partner@client.example');
      replyTo = (invitation.replyTo?.value[0]?.address ?? '') as string;
    });

    it("the invitation is in the outbox and carries the guest's reply+ address", async () => {
      const mails = await hub.outbox();
      expect(mails.find((m) => m.to === 'partner@client.example')).toMatchObject({ subject: 'Launch date' });
      expect(replyTo).toMatch(new RegExp(`^reply\\+[0-9a-f]{40}@${DOMAIN.replace('.', '\\.')}$`));
      expect(invitation.messageId).toMatch(/^<post\./);
    });

    it('answering it makes a comment by the guest that colleagues see with the guest name', async () => {
      const answer = [
        'From: Paula Partner <Partner@Client.example>',
        `To: ${replyTo}`,
        'Subject: Re: Launch date',
        `In-Reply-To: ${invitation.messageId}`,
        `References: ${invitation.messageId}`,
        `Message-ID: <${randomUUID()}@client.example>`,
        'Content-Type: text/plain; charset=utf-8',
        '',
        'June 2 works for us.',
        '',
        'On Tue, Artel wrote:',
        '> We launch on June 2. Any objections?',
        '',
      ].join('\r\n');
      const info = await deliverRaw('partner@client.example', replyTo, answer);
      expect(info.response).toContain(`on post ${post.id}`);
      const { comments } = (await bob.get(`/api/feed/posts/${post.id}/comments`)).body;
      expect(comments).toHaveLength(1);
      expect(comments[0]).toMatchObject({ body: 'June 2 works for us.', guestName: expect.any(String), mentions: [] });
      expect(comments[0].guestName).toBeTruthy();
      // The guest's own autoresponder is dropped.
      const ooo = await deliverRaw('partner@client.example', replyTo, answer.replace('Subject: Re: Launch date', 'Subject: Out of office\r\nAuto-Submitted: auto-replied'));
      expect(ooo.response).toMatch(/dropped/);
      expect((await bob.get(`/api/feed/posts/${post.id}/comments`)).body.comments).toHaveLength(1);
    });

    it('answering from another address is refused', async () => {
      const r = await refusedRaw('intruder@evil.example', replyTo, compose({ from: 'intruder@evil.example', to: replyTo, subject: 'Re: Launch date' }, 'Let me in'));
      expect(r.responseCode).toBe(550);
      expect(r.response).toMatch(/^550 5\.7\.1 This reply address is personal/);
      expect((await bob.get(`/api/feed/posts/${post.id}/comments`)).body.comments).toHaveLength(1);
    });

    it('after the link is revoked the reply address refuses, saying why', async () => {
      const links = (await ann.get(`/api/feed/posts/${post.id}/guests`)).body.guests;
      expect((await ann.del(`/api/feed/posts/${post.id}/guests/${links[0].id}`)).status).toBe(200);
      const r = await refusedRaw('partner@client.example', replyTo, compose({ from: 'partner@client.example', to: replyTo, subject: 'Re: Launch date' }, 'Still there?'));
      expect(r.responseCode).toBe(550);
      expect(r.response).toMatch(/^550 5\.7\.1 This reply address no longer works: the sender revoked/);
      const unknown = await refusedRaw('partner@client.example', `reply+${'ab'.repeat(20)}@${DOMAIN}`, compose({ from: 'partner@client.example', subject: 'x' }, 'x'));
      expect(unknown.response).toMatch(/^550 5\.1\.1 No such reply address/);
    });
  });

  it('the greeting names Artel and the SMTP service stays up after all this', async () => {
    const t = transport();
    await expect(t.verify()).resolves.toBe(true);
    t.close();
    const net = await import('node:net');
    const greeting = await new Promise<string>((resolve, reject) => {
      const s = net.connect(hub.smtpPort, '127.0.0.1');
      s.once('data', (d) => {
        resolve(d.toString());
        s.end('QUIT\r\n');
      });
      s.once('error', reject);
    });
    expect(greeting).toMatch(new RegExp(`^220 ${DOMAIN.replace('.', '\\.')} ESMTP Artel`));
  });
});
