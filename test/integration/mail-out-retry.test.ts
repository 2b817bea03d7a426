/**
 * Outgoing mail that fails is retried: two hub nodes sharing one PostgreSQL send through a real SMTP relay
 * (smtp-server, in this file) that refuses on command. A transient refusal (451) is retried with the same
 * Message-ID and threading headers and delivered once; a permanent one (550) fails at once and is never
 * tried again; a relay that keeps refusing is given up after the last retry, with its last error; with two
 * nodes polling, every mail reaches the relay exactly once.
 */
import nodemailer from 'nodemailer';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../server/db/pool';
import { classify, RETRY_DELAYS_SECONDS, type Mail } from '../../server/domains/mail';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { freePort, startTestHub, type TestHub } from '../helpers/hub';

/** One DATA the relay received, and what it answered. */
interface Received {
  subject: string;
  messageId: string;
  inReplyTo: string | null;
  references: string[];
  replyTo: string | null;
  from: string;
  answer: number;
}

describe('outgoing mail retry', () => {
  let db: TestDatabase;
  let a: TestHub;
  let b: TestHub;
  let relay: SMTPServer;
  const received: Received[] = [];
  /** How many more times the relay refuses mail with this subject, and with which code (-1: always). */
  const refusals = new Map<string, { code: number; times: number }>();
  /** How long the relay takes to accept (so that two nodes would overlap if they both tried). */
  let acceptDelayMs = 0;

  beforeAll(async () => {
    relay = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      disableReverseLookup: true,
      logger: false,
      onData(stream, _session, done) {
        simpleParser(stream).then(async (m) => {
          const subject = m.subject ?? '';
          const refusal = refusals.get(subject);
          const code = refusal && refusal.times !== 0 ? refusal.code : 250;
          if (refusal && refusal.times > 0) refusal.times--;
          const refs = m.references ? ([] as string[]).concat(m.references) : [];
          received.push({
            subject,
            messageId: m.messageId ?? '',
            inReplyTo: m.inReplyTo ?? null,
            references: refs,
            replyTo: m.replyTo?.text ?? null,
            from: m.from?.text ?? '',
            answer: code,
          });
          if (code === 250) {
            await new Promise((ok) => setTimeout(ok, acceptDelayMs));
            return done();
          }
          done(Object.assign(new Error(code === 451 ? 'Try again later: greylisted' : 'Mailbox unavailable'), { responseCode: code }));
        }, done);
      },
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const relayUrl = `smtp://127.0.0.1:${(relay.server.address() as { port: number }).port}`;
    db = await createTestDatabase();
    a = await startTestHub({ db, nodeId: 'node-a', env: { SMTP_RELAY_URL: relayUrl, MAIL_FROM: 'Artel A <artel@a.artel.test>' } });
    b = await startTestHub({ db, nodeId: 'node-b', env: { SMTP_RELAY_URL: relayUrl, MAIL_FROM: 'Artel B <artel@b.artel.test>' } });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await db?.drop();
    await new Promise<void>((resolve) => (relay ? relay.close(() => resolve()) : resolve()));
  });

  const until = async (check: () => Promise<boolean>, ms = 20_000) => {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((ok) => setTimeout(ok, 100));
    }
  };
  const row = async (id: string) =>
    (await a.artel.svc.db.query(sql`SELECT status, attempts, error, next_attempt_at, message_id FROM mail_outbox WHERE id = ${id}`))[0];
  const pendingJobs = async (id: string) =>
    Number((await a.artel.svc.db.query(sql`SELECT count(*)::int AS n FROM jobs WHERE key LIKE ${`mail:${id}:%`} AND done_at IS NULL`))[0].n);
  /** Record a mail on node A as any domain action does, and make its first attempt after the "commit". */
  const send = async (mail: Mail): Promise<string> => {
    const first = await a.artel.svc.db.tx((tx) => a.artel.svc.mailer.enqueue(tx, mail));
    const id = (await a.artel.svc.db.query(sql`SELECT id FROM mail_outbox WHERE subject = ${mail.subject}`))[0].id as string;
    await first();
    return id;
  };
  /** Skip the wait: the pending retry of this mail is due now (the nodes' pollers then make it). */
  const dueNow = async (id: string) => {
    await a.artel.svc.db.tx(async (tx) => {
      await tx.query(sql`UPDATE mail_outbox SET next_attempt_at = now() WHERE id = ${id} AND status = 'sending'`);
      await tx.query(sql`UPDATE jobs SET run_at = now() WHERE key LIKE ${`mail:${id}:%`} AND done_at IS NULL`);
    });
  };
  const of = (subject: string) => received.filter((r) => r.subject === subject);

  it('a temporary refusal (451) is retried a minute later and the mail delivered once, same Message-ID and threading', async () => {
    const subject = 'Retry: greylisted once';
    refusals.set(subject, { code: 451, times: 1 });
    const id = await send({
      to: 'partner@example.org',
      subject,
      text: 'A new comment on the thread.',
      messageId: '<thread-1.digest-7@a.artel.test>',
      replyTo: 'reply+secret-token@a.artel.test',
      inReplyTo: '<thread-1@a.artel.test>',
      references: ['<thread-1@a.artel.test>', '<thread-1.digest-6@a.artel.test>'],
    });
    // The first attempt was refused: the mail waits for its retry, a minute later, with the error recorded.
    const waiting = await row(id);
    expect(waiting.status).toBe('sending');
    expect(waiting.attempts).toBe(1);
    expect(waiting.error).toContain('451');
    const wait = (waiting.next_attempt_at.getTime() - Date.now()) / 1000;
    expect(wait).toBeGreaterThan(RETRY_DELAYS_SECONDS[0] - 10);
    expect(wait).toBeLessThanOrEqual(RETRY_DELAYS_SECONDS[0]);
    expect(await pendingJobs(id)).toBe(1);
    // The outbox page shows it as waiting, not failed.
    expect((await a.artel.svc.mailer.list()).find((m) => m.subject === subject)!.status).toBe('outbox');

    await dueNow(id);
    await until(async () => (await row(id)).status === 'sent');
    await new Promise((ok) => setTimeout(ok, 1_500)); // both nodes poll again: nothing more goes out
    const tries = of(subject);
    expect(tries.map((t) => t.answer)).toEqual([451, 250]);
    expect(new Set(tries.map((t) => t.messageId))).toEqual(new Set(['<thread-1.digest-7@a.artel.test>']));
    for (const t of tries) {
      expect(t.inReplyTo).toBe('<thread-1@a.artel.test>');
      expect(t.references).toEqual(['<thread-1@a.artel.test>', '<thread-1.digest-6@a.artel.test>']);
      expect(t.replyTo).toBe('reply+secret-token@a.artel.test');
    }
    expect((await row(id)).attempts).toBe(2);
    expect(await pendingJobs(id)).toBe(0);
  });

  it('a mail without a Message-ID of its own keeps the one it was first sent with', async () => {
    const subject = 'Retry: no id given';
    refusals.set(subject, { code: 451, times: 1 });
    const id = await send({ to: 'someone@example.org', subject, text: 'Hello' });
    await dueNow(id);
    await until(async () => (await row(id)).status === 'sent');
    const tries = of(subject);
    expect(tries).toHaveLength(2);
    expect(tries[0].messageId).toMatch(/^<[0-9a-f-]{36}@a\.artel\.test>$/);
    expect(tries[1].messageId).toBe(tries[0].messageId);
    expect((await row(id)).message_id).toBe(tries[0].messageId);
  });

  it('a permanent refusal (550) fails at once with the error and is never tried again', async () => {
    const subject = 'Retry: no such mailbox';
    refusals.set(subject, { code: 550, times: -1 });
    const id = await send({ to: 'nobody@example.org', subject, text: 'Hello' });
    const failed = await row(id);
    expect(failed.status).toBe('failed');
    expect(failed.attempts).toBe(1);
    expect(failed.error).toContain('550');
    expect(await pendingJobs(id)).toBe(0);
    await new Promise((ok) => setTimeout(ok, 2_500));
    expect(of(subject)).toHaveLength(1);
    const listed = (await b.artel.svc.mailer.list()).find((m) => m.subject === subject)!;
    expect(listed.status).toBe('failed');
    expect(listed.error).toContain('Mailbox unavailable');
  });

  it('a relay that keeps refusing is given up after the last retry, with the last error', async () => {
    const subject = 'Retry: always busy';
    refusals.set(subject, { code: 451, times: -1 });
    const id = await send({ to: 'busy@example.org', subject, text: 'Hello' });
    const attempts = 1 + RETRY_DELAYS_SECONDS.length;
    for (let n = 2; n <= attempts; n++) {
      await dueNow(id);
      await until(async () => (await row(id)).attempts === n);
    }
    const gaveUp = await row(id);
    expect(gaveUp.status).toBe('failed');
    expect(gaveUp.error).toContain('451');
    expect(await pendingJobs(id)).toBe(0);
    expect(of(subject)).toHaveLength(attempts);
  });

  it('with two nodes polling, each retried mail reaches the relay exactly once', async () => {
    acceptDelayMs = 300;
    const subjects = Array.from({ length: 8 }, (_, i) => `Retry: cluster ${i}`);
    for (const s of subjects) refusals.set(s, { code: 451, times: 1 });
    const ids: string[] = [];
    for (const s of subjects) ids.push(await send({ to: 'team@example.org', subject: s, text: s }));
    for (const id of ids) await dueNow(id);
    // Both schedulers at once, on top of their own polling.
    await Promise.all([a.artel.svc.jobs.runDue(), b.artel.svc.jobs.runDue(), a.artel.svc.jobs.runDue(), b.artel.svc.jobs.runDue()]);
    await until(async () => (await Promise.all(ids.map(row))).every((r) => r.status === 'sent'), 30_000);
    await new Promise((ok) => setTimeout(ok, 1_500));
    acceptDelayMs = 0;
    for (const s of subjects) expect(of(s).map((t) => t.answer)).toEqual([451, 250]);
    // Whichever node made a retry, it sent it with its own configured sender (each node has its own here).
    for (const s of subjects) expect(of(s)[1].from).toMatch(/artel@[ab]\.artel\.test/);
  });

  it('connection failures are temporary; 5xx replies and invalid messages permanent', async () => {
    const closed = await freePort();
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: closed, connectionTimeout: 2_000 });
    const err = await t.sendMail({ from: 'a@a.artel.test', to: 'b@example.org', subject: 'x', text: 'x' }).catch((e) => e);
    t.close();
    expect(classify(err).kind).toBe('temporary');
    expect(classify(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 })).kind).toBe('permanent');
    expect(classify(Object.assign(new Error('Try later'), { responseCode: 421 })).kind).toBe('temporary');
    expect(classify(Object.assign(new Error('No recipients defined'), { code: 'EENVELOPE', command: 'API' })).kind).toBe('permanent');
  });
});
