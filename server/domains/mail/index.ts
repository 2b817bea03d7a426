import { randomUUID } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import { sql, type ConnectionPool, type Queryable } from '../../db/pool';
import type { Logger } from '../../log';
import type { OutboxMail } from '../../../shared/types';

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
 * Outgoing mail. Every mail is recorded in the outbox table first (inside the caller's transaction when
 * one is given); with a relay configured it is then sent and marked sent or failed, without one it stays
 * in the outbox for the admin page.
 */
export class Mailer {
  private readonly transport: Transporter | null;

  constructor(
    private readonly db: ConnectionPool,
    relayUrl: string | null,
    private readonly from: string,
    private readonly log: Logger,
  ) {
    this.transport = relayUrl ? nodemailer.createTransport(relayUrl) : null;
  }

  /** Record the mail; returns a task that delivers it, to run after the caller's commit. */
  async enqueue(q: Queryable, mail: Mail): Promise<() => Promise<void>> {
    const id = randomUUID();
    await q.query(sql`
      INSERT INTO mail_outbox (id, to_addr, subject, text_body, html_body, status)
      VALUES (${id}, ${mail.to}, ${mail.subject}, ${mail.text}, ${mail.html ?? null}, ${this.transport ? 'sending' : 'outbox'})`);
    return () => this.deliver(id, mail);
  }

  private async deliver(id: string, mail: Mail): Promise<void> {
    if (!this.transport) {
      this.log.info('mail kept in the outbox (no SMTP_RELAY_URL)', { id, to: mail.to, subject: mail.subject });
      return;
    }
    try {
      await this.transport.sendMail({
        from: this.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: mail.messageId,
        replyTo: mail.replyTo,
        inReplyTo: mail.inReplyTo,
        references: mail.references,
      });
      await this.db.query(sql`UPDATE mail_outbox SET status = 'sent', sent_at = now() WHERE id = ${id}`);
      this.log.info('mail sent', { id, to: mail.to });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await this.db.query(sql`UPDATE mail_outbox SET status = 'failed', error = ${message} WHERE id = ${id}`);
      this.log.warn('mail relay failed', { id, to: mail.to, err: message });
    }
  }

  /** The newest mails first, for the admin page. */
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
