/**
 * When an outgoing mail that failed is tried again, and which failures are worth another try.
 *
 * SMTP says it itself (RFC 5321 section 4.2.1): a 4xx reply is a transient failure ("try again later"), a
 * 5xx reply a permanent one. A relay that cannot be reached (refused connection, timeout, DNS, a dropped
 * socket) is transient too. Everything nodemailer refuses before talking to the relay (no recipient, an
 * invalid address, an empty message) would fail the same way every time, so it is permanent.
 */

/** The job kind that makes a retry; its payload is `{ id }`, the outbox row. */
export const MAIL_RETRY_JOB = 'mail.retry';

/**
 * The wait before each retry, after the 1st, 2nd… failed attempt: 1 minute, 5, 30, then 2 hours. After the
 * last retry fails the mail is given up as failed, with the last error.
 */
export const RETRY_DELAYS_SECONDS: readonly number[] = [60, 5 * 60, 30 * 60, 2 * 60 * 60];

/** The key of the job that makes the attempt following `attempts` failed ones (one job per step). */
export const retryJobKey = (id: string, attempts: number) => `mail:${id}:${attempts}`;

/** What became of one attempt. */
export type Outcome = { kind: 'sent' } | { kind: 'temporary' | 'permanent'; error: string };

/** The seconds to wait after `attempts` failed attempts, or null when the mail is to be given up. */
export function retryDelay(attempts: number): number | null {
  return attempts >= 1 && attempts <= RETRY_DELAYS_SECONDS.length ? RETRY_DELAYS_SECONDS[attempts - 1] : null;
}

/** Classify a nodemailer error: 5xx replies and refusals before the relay was reached are permanent. */
export function classify(err: unknown): Outcome {
  const e = (err ?? {}) as { message?: unknown; responseCode?: unknown; code?: unknown; command?: unknown };
  const error = (typeof e.message === 'string' ? e.message : String(err)).slice(0, 1000);
  const code = typeof e.responseCode === 'number' ? e.responseCode : 0;
  if (code >= 500 && code < 600) return { kind: 'permanent', error };
  if (code >= 400 && code < 500) return { kind: 'temporary', error };
  // nodemailer's own checks of the message and the envelope ("API"): the same mail fails the same way again.
  if (e.command === 'API' && (e.code === 'EENVELOPE' || e.code === 'EMESSAGE')) return { kind: 'permanent', error };
  return { kind: 'temporary', error };
}

/** A fresh Message-ID for a mail from `from` (an address, possibly with a display name), angle brackets included. */
export function newMessageId(from: string, unique: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from.trim())?.[1] ?? 'artel.invalid';
  return `<${unique}@${domain.toLowerCase()}>`;
}
