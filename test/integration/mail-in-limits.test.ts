import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import { sql } from '../../server/db/pool';
import { MAILIN_LIMITS } from '../../server/domains/mailin';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, ApiClient, registerOwner } from '../helpers/client';

/**
 * The inbound SMTP server's limits: mail size (MAX_MAIL_MB), recipients per mail, and the per-address flood
 * limits (connections, mails per window). The window is shortened here through MAILIN_LIMITS, which each
 * server reads when it starts.
 */

const DOMAIN = 'artel.test';

interface Refusal {
  responseCode: number;
  response: string;
}

const mail = (from: string, subject: string, body: string) =>
  [`From: ${from}`, `To: feed@${DOMAIN}`, `Subject: ${subject}`, `Message-ID: <${randomUUID()}@example.com>`, 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n');

async function send(port: number, from: string, to: string[], raw: string) {
  const t = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    return await t.sendMail({ envelope: { from, to }, raw });
  } finally {
    t.close();
  }
}

async function refused(port: number, from: string, to: string[], raw: string): Promise<Refusal> {
  try {
    const info = await send(port, from, to, raw);
    throw new Error(`accepted: ${info.response}`);
  } catch (err) {
    const e = err as Refusal & Error;
    if (!e.responseCode) throw err;
    return { responseCode: e.responseCode, response: e.response };
  }
}

/** Open a raw connection and read the server's first line. */
function greeting(port: number): Promise<{ line: string; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('data', (d) => resolve({ line: d.toString().trim(), socket }));
    socket.once('error', reject);
  });
}

describe('inbound SMTP: size', () => {
  let hub: TestHub;
  let ann: ApiClient;

  beforeAll(async () => {
    hub = await startTestHub({ env: { MAIL_DOMAIN: DOMAIN, MAX_MAIL_MB: '1' } });
    const owner = await registerOwner(hub.url);
    ann = await addColleague(owner, 'ann@example.com', 'Ann');
  });
  afterAll(() => hub?.stop());

  it('a mail over MAX_MAIL_MB is refused with 552 and creates nothing; one under it passes', async () => {
    const big = mail('ann@example.com', 'Huge', ('y'.repeat(76) + '\r\n').repeat(15_000));
    expect(big.length).toBeGreaterThan(1024 * 1024);
    const r = await refused(hub.smtpPort, 'ann@example.com', [`feed@${DOMAIN}`], big);
    expect(r.responseCode).toBe(552);
    expect(r.response).toBe('552 5.3.4 The mail is larger than 1 MB, the most accepted here');
    const [{ n }] = await hub.artel.svc.db.query(sql`SELECT count(*)::int AS n FROM feed_posts`);
    expect(n).toBe(0);
    // The server is still there for the next, reasonable mail.
    const ok = await send(hub.smtpPort, 'ann@example.com', [`feed@${DOMAIN}`], mail('ann@example.com', 'Small', 'Fits'));
    expect(ok.response).toMatch(/^250 .*posted to the feed/);
    expect((await ann.get('/api/feed')).body.posts.map((p: any) => p.title)).toEqual(['Small']);
  });

  it('SIZE is advertised: a client that declares a larger mail is refused before sending it', async () => {
    const { socket } = await greeting(hub.smtpPort);
    const lines: string[] = [];
    socket.on('data', (d) => lines.push(...d.toString().split('\r\n').filter(Boolean)));
    socket.write('EHLO client.example\r\n');
    await new Promise((r) => setTimeout(r, 200));
    expect(lines.join('\n')).toContain(`SIZE ${1024 * 1024}`);
    expect(lines.join('\n')).not.toMatch(/STARTTLS|AUTH/);
    socket.write(`MAIL FROM:<ann@example.com> SIZE=${2 * 1024 * 1024}\r\n`);
    await new Promise((r) => setTimeout(r, 200));
    expect(lines[lines.length - 1]).toMatch(/^552 /);
    socket.end('QUIT\r\n');
  });
});

describe('inbound SMTP: clients that misbehave', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub({ env: { MAIL_DOMAIN: DOMAIN } });
    const owner = await registerOwner(hub.url);
    await addColleague(owner, 'ann@example.com', 'Ann');
  });
  afterAll(() => hub?.stop());

  /** Talk raw SMTP: send each line, collect what comes back. */
  const talk = async (lines: string[], end: 'quit' | 'drop') => {
    const { line, socket } = await greeting(hub.smtpPort);
    const got = [line];
    socket.on('data', (d) => got.push(...d.toString().split('\r\n').filter(Boolean)));
    socket.on('error', () => undefined);
    for (const l of lines) {
      socket.write(l + '\r\n');
      await new Promise((r) => setTimeout(r, 60));
    }
    if (end === 'drop') socket.destroy();
    else socket.end('QUIT\r\n');
    await new Promise((r) => setTimeout(r, 100));
    return got;
  };

  it('a client that hangs up in the middle of a mail, or talks nonsense, leaves the server working and nothing created', async () => {
    await talk(['EHLO x', 'MAIL FROM:<ann@example.com>', `RCPT TO:<feed@${DOMAIN}>`, 'DATA', 'From: ann@example.com', 'Subject: half', '', 'half a mail'], 'drop');
    const nonsense = await talk(['HELLO?', 'EHLO x', 'MAIL FROM:<>', 'RCPT TO:<feed@other.example>', 'DATA', `RCPT TO:<${'a'.repeat(300)}@${DOMAIN}>`], 'quit');
    expect(nonsense.some((l) => l.startsWith('550 5.1.1 No such mailbox here'))).toBe(true);
    expect(nonsense.some((l) => l.startsWith('503 '))).toBe(true);
    const [{ n }] = await hub.artel.svc.db.query(sql`SELECT count(*)::int AS n FROM feed_posts`);
    expect(n).toBe(0);
    const ok = await send(hub.smtpPort, 'ann@example.com', [`feed@${DOMAIN}`], mail('ann@example.com', 'Still here', 'Yes'));
    expect(ok.response).toMatch(/^250 /);
  });
});

describe('inbound SMTP: recipients and floods from one address', () => {
  let hub: TestHub;
  let ann: ApiClient;
  const saved = { ...MAILIN_LIMITS };

  beforeAll(async () => {
    Object.assign(MAILIN_LIMITS, { messagesPerWindow: 3, windowMs: 6_000, connectionsPerIp: 2, maxRecipients: 2 });
    hub = await startTestHub({ env: { MAIL_DOMAIN: DOMAIN } });
    Object.assign(MAILIN_LIMITS, saved);
    const owner = await registerOwner(hub.url);
    ann = await addColleague(owner, 'ann@example.com', 'Ann');
  });
  afterAll(() => hub?.stop());

  it('too many mails from one address: 451 (try later), and accepted again when it said', async () => {
    for (let i = 1; i <= 3; i++) {
      const ok = await send(hub.smtpPort, 'ann@example.com', [`feed@${DOMAIN}`], mail('ann@example.com', `Flood ${i}`, `Mail ${i}`));
      expect(ok.response).toMatch(/^250 /);
    }
    const r = await refused(hub.smtpPort, 'ann@example.com', [`feed@${DOMAIN}`], mail('ann@example.com', 'Flood 4', 'Mail 4'));
    expect(r.responseCode).toBe(451);
    const wait = /^451 4\.7\.1 Too many mails from 127\.0\.0\.1: try again in (\d+) s/.exec(r.response)?.[1];
    expect(Number(wait)).toBeGreaterThan(0);
    expect(Number(wait)).toBeLessThanOrEqual(2);
    await new Promise((r) => setTimeout(r, Number(wait) * 1000 + 100));
    const later = await send(hub.smtpPort, 'ann@example.com', [`feed@${DOMAIN}`], mail('ann@example.com', 'Flood 5', 'Mail 5'));
    expect(later.response).toMatch(/^250 /);
    const titles = (await ann.get('/api/feed')).body.posts.map((p: any) => p.title);
    expect(titles).toEqual(['Flood 5', 'Flood 3', 'Flood 2', 'Flood 1']);
  });

  it('too many connections from one address: 421, and the next one is welcome once one closes', async () => {
    const a = await greeting(hub.smtpPort);
    const b = await greeting(hub.smtpPort);
    expect(a.line).toMatch(/^220 /);
    expect(b.line).toMatch(/^220 /);
    const c = await greeting(hub.smtpPort);
    expect(c.line).toMatch(/^421 4\.7\.0 Too many connections from 127\.0\.0\.1/);
    c.socket.destroy();
    await new Promise<void>((resolve) => {
      a.socket.once('close', () => resolve());
      a.socket.end('QUIT\r\n');
    });
    await new Promise((r) => setTimeout(r, 100));
    const d = await greeting(hub.smtpPort);
    expect(d.line).toMatch(/^220 /);
    for (const s of [b.socket, d.socket]) s.end('QUIT\r\n');
    await new Promise((r) => setTimeout(r, 100));
  });

  it('recipients past the limit wait for another transaction (452)', async () => {
    await new Promise((r) => setTimeout(r, 2_100));
    const posts = [];
    for (const title of ['One', 'Two', 'Three']) {
      posts.push((await ann.post('/api/feed/posts', { clientId: randomUUID(), title, body: title, audience: { everyone: true } })).body.post);
    }
    const to = posts.map((p) => `post+${p.id.replace(/-/g, '')}@${DOMAIN}`);
    const info = await send(hub.smtpPort, 'ann@example.com', to, mail('ann@example.com', 'Re: all three', 'Noted'));
    expect(info.accepted).toEqual(to.slice(0, 2));
    expect(info.rejected).toEqual(to.slice(2));
    expect(((info as { rejectedErrors?: Refusal[] }).rejectedErrors ?? [])[0]?.responseCode).toBe(452);
    const counts = await Promise.all(posts.map(async (p) => (await ann.get(`/api/feed/posts/${p.id}/comments`)).body.comments.length));
    expect(counts).toEqual([1, 1, 0]);
  });
});
