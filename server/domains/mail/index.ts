import { randomUUID } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import { sql, type ConnectionPool, type Queryable } from '../../db/pool';
import type { Scheduler } from '../../jobs/scheduler';
import type { Logger } from '../../log';
import type { OutboxMail } from '../../../shared/types';
import { classify, MAIL_RETRY_JOB, newMessageId, retryDelay, retryJobKey, type Outcome } from './retry';

export { MAIL_RETRY_JOB, RETRY_DELAYS_SECONDS, classify, retryDelay } from './retry';

/** An outgoing mail. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Threading and replies: our own Message-ID (with angle brackets), where replies go, what it answers. */
  messageId?: string;
  replyTo?: string;
  inReplyTo?: string;
  references?: string[];
}

/**
 * How long the relay may take. Attempts run while holding the outbox row's lock (and, for retries, inside
 * the job's transaction), so a relay that hangs must not hold them for nodemailer's default ten minutes.
 */
const RELAY_TIMEOUTS = { connectionTimeout: 20_000, greetingTimeout: 20_000, socketTimeout: 60_000 };

/**
 * Outgoing mail. Every mail is recorded in the outbox table first (inside the caller's transaction when
 * one is given), its threading headers with it; with a relay configured it is then sent and marked sent,
 * without one it stays in the outbox for the admin page.
 *
 * A failed attempt is retried when the failure is transient (see retry.ts: 1 min, 5, 30, 2 h, then failed
 * with the last error); a permanent refusal (5xx) fails at once. Every attempt locks the outbox row
 * (FOR UPDATE SKIP LOCKED) and checks that the mail is still due, and the retries are persistent jobs, so a
 * mail is sent by one node at a time and never again once sent. The one gap left is a node dying between
 * the relay's 250 and the commit of "sent": that mail goes out a second time, with the same Message-ID.
 */
export class Mailer {
  private readonly transport: Transporter | null;
  private jobs: Scheduler | null = null;

  constructor(
    private readonly db: ConnectionPool,
    relayUrl: string | null,
    private readonly from: string,
    private readonly log: Logger,
  ) {
    this.transport = relayUrl ? nodemailer.createTransport(relayUrl, RELAY_TIMEOUTS) : null;
  }

  /**
   * Retry failed mail through the persistent scheduler (once, at start-up, before it starts). Without it a
   * failed attempt is final.
   */
  useJobs(jobs: Scheduler): void {
    this.jobs = jobs;
    jobs.register(MAIL_RETRY_JOB, (u, payload) => this.attempt(u.tx, String(payload.id)));
  }

  /** Record the mail; returns a task that makes the first attempt, to run after the caller's commit. */
  async enqueue(q: Queryable, mail: Mail): Promise<() => Promise<void>> {
    const id = randomUUID();
    // A Message-ID of our own when the caller has none: nodemailer would make a new one for every attempt.
    const messageId = mail.messageId ?? newMessageId(this.from, id);
    await q.query(sql`
      INSERT INTO mail_outbox (id, to_addr, subject, text_body, html_body, status, message_id, reply_to, in_reply_to, references_ids, next_attempt_at)
      VALUES (${id}, ${mail.to}, ${mail.subject}, ${mail.text}, ${mail.html ?? null}, ${this.transport ? 'sending' : 'outbox'},
              ${messageId}, ${mail.replyTo ?? null}, ${mail.inReplyTo ?? null}, ${mail.references ?? []}::text[],
              ${this.transport ? sql`now()` : null})`);
    // The first retry is scheduled with the mail: should this node stop before its first attempt, another
    // node still sends it. The first attempt moves or cancels this job.
    if (this.transport && this.jobs) await this.scheduleRetry(q, id, 0, new Date(Date.now() + retryDelay(1)! * 1000));
    return () => this.firstAttempt(id, mail);
  }

  private async firstAttempt(id: string, mail: Mail): Promise<void> {
    if (!this.transport) {
      this.log.info('mail kept in the outbox (no SMTP_RELAY_URL)', { id, to: mail.to, subject: mail.subject });
      return;
    }
    try {
      await this.db.tx((tx) => this.attempt(tx, id));
    } catch (err) {
      // The database failed around the attempt: the scheduled retry takes over.
      this.log.warn('mail attempt not recorded', { id, err });
    }
  }

  /**
   * One attempt at the mail `id`, in the transaction `tx`: nothing when it is not due, already sent or
   * failed, or being sent by someone else right now; otherwise send it and record the outcome (and the
   * next retry) in the same transaction.
   */
  private async attempt(tx: Queryable, id: string): Promise<void> {
    const [row] = await tx.query(sql`
      SELECT id, to_addr, subject, text_body, html_body, message_id, reply_to, in_reply_to, references_ids, attempts
      FROM mail_outbox WHERE id = ${id} AND status = 'sending' AND next_attempt_at <= now()
      FOR UPDATE SKIP LOCKED`);
    if (!row || !this.transport) return;
    const attempts = (row.attempts as number) + 1;
    const outcome = await this.send(row);
    // This attempt's job is spent whoever made the attempt (the first one on the enqueuing node, or a job).
    await this.jobs?.cancel(tx, retryJobKey(id, attempts - 1));
    if (outcome.kind === 'sent') {
      await tx.query(sql`
        UPDATE mail_outbox SET status = 'sent', sent_at = now(), attempts = ${attempts}, last_attempt_at = now(), next_attempt_at = NULL
        WHERE id = ${id}`);
      this.log.info('mail sent', { id, to: row.to_addr, attempts });
      return;
    }
    const delay = outcome.kind === 'temporary' && this.jobs ? retryDelay(attempts) : null;
    if (delay === null) {
      await tx.query(sql`
        UPDATE mail_outbox SET status = 'failed', error = ${outcome.error}, attempts = ${attempts}, last_attempt_at = now(), next_attempt_at = NULL
        WHERE id = ${id}`);
      this.log.warn('mail failed', { id, to: row.to_addr, attempts, permanent: outcome.kind === 'permanent', err: outcome.error });
      return;
    }
    const next = new Date(Date.now() + delay * 1000);
    await tx.query(sql`
      UPDATE mail_outbox SET error = ${outcome.error}, attempts = ${attempts}, last_attempt_at = now(), next_attempt_at = ${next}
      WHERE id = ${id}`);
    await this.scheduleRetry(tx, id, attempts, next);
    this.log.warn('mail relay failed, will retry', { id, to: row.to_addr, attempts, retryAt: next.toISOString(), err: outcome.error });
  }

  /**
   * The job making the attempt after `attempts` ones. Keyed per step, `mail:<id>:<attempts>`: the job
   * making attempt n + 1 deletes its own key and schedules the next one (rescheduling its own key would be
   * undone when the scheduler marks it done).
   */
  private async scheduleRetry(q: Queryable, id: string, attempts: number, runAt: Date): Promise<void> {
    await this.jobs!.schedule(q, { kind: MAIL_RETRY_JOB, key: retryJobKey(id, attempts), runAt, payload: { id } });
  }

  private async send(row: Record<string, any>): Promise<Outcome> {
    try {
      await this.transport!.sendMail({
        from: this.from,
        to: row.to_addr,
        subject: row.subject,
        text: row.text_body,
        html: row.html_body ?? undefined,
        messageId: row.message_id ?? undefined,
        replyTo: row.reply_to ?? undefined,
        inReplyTo: row.in_reply_to ?? undefined,
        references: (row.references_ids as string[]).length ? row.references_ids : undefined,
      });
      return { kind: 'sent' };
    } catch (err) {
      return classify(err);
    }
  }

  /** The newest mails first, for the admin page (a mail waiting for a retry shows its last error). */
  async list(limit = 200): Promise<OutboxMail[]> {
    const rows = await this.db.query(sql`
      SELECT id, to_addr, subject, text_body, status, error, created_at FROM mail_outbox
      ORDER BY created_at DESC LIMIT ${limit}`);
    return rows.map((r) => ({
      id: r.id,
      to: r.to_addr,
      subject: r.subject,
      text: r.text_body,
      status: r.status === 'sending' ? 'outbox' : r.status,
      error: r.error,
      createdAt: r.created_at.toISOString(),
    }));
  }

  close(): void {
    this.transport?.close();
  }
}
