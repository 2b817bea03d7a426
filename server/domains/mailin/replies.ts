import { AppError, type ErrorCode } from '../../../shared/errors';

/** The longest reply text we send (SMTP allows 512 octets per reply line, code included). */
const MAX_TEXT = 400;

/**
 * An SMTP answer other than success, thrown by the checks and turned into the reply by smtp-server
 * (`responseCode` is the reply code; the message starts with the enhanced status code, RFC 3463).
 */
export class SmtpReply extends Error {
  readonly responseCode: number;

  constructor(
    code: number,
    readonly enhanced: string,
    readonly text: string,
  ) {
    super(`${enhanced} ${clip(text)}`);
    this.name = 'SmtpReply';
    this.responseCode = code;
  }

  get permanent(): boolean {
    return this.responseCode >= 500;
  }
}

function clip(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length <= MAX_TEXT ? one : `${one.slice(0, MAX_TEXT - 1)}…`;
}

/** 550 5.7.1: the sender may not do this. */
export const refused = (text: string) => new SmtpReply(550, '5.7.1', text);

/** A temporary failure of ours: the sending server keeps the mail and tries again later. */
export const tryLater = (text = 'Temporary problem on our side, please try again later') => new SmtpReply(451, '4.3.0', text);

/** How each domain error answers: permanent refusals for what a retry cannot fix, 451 for the rest. */
const BY_CODE: Partial<Record<ErrorCode, [number, string]>> = {
  forbidden: [550, '5.7.1'],
  link_revoked: [550, '5.7.1'],
  conflict: [550, '5.7.1'],
  not_found: [550, '5.1.1'],
  link_invalid: [550, '5.1.1'],
  bad_request: [550, '5.6.0'],
  payload_too_large: [552, '5.3.4'],
  rate_limited: [451, '4.7.1'],
  locked_out: [451, '4.7.1'],
  unavailable: [451, '4.3.0'],
  internal: [451, '4.3.0'],
};

/**
 * The SMTP answer for anything a check or a domain action threw. Unexpected errors (a database that went
 * away, a bug) are temporary: the sender retries, and the retry is idempotent.
 */
export function replyFor(err: unknown): SmtpReply {
  if (err instanceof SmtpReply) return err;
  if (err instanceof AppError) {
    const [code, enhanced] = BY_CODE[err.code] ?? [451, '4.3.0'];
    const wait = err.extra.retryAfter ? ` (try again in ${err.extra.retryAfter} s)` : '';
    return new SmtpReply(code, enhanced, `${err.message}${wait}`);
  }
  return tryLater();
}
