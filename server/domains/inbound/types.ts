/** The shape of a parsed inbound mail, its limits and its one error type. */

import { AppError } from '../../../shared/errors';

/**
 * A mailbox and its display name (null when none). The domain is lowercased (in Unicode when it came as
 * punycode); the local part too for `from`, but kept as written for to/cc/replyTo, where it may carry a
 * reply token.
 */
export interface MailAddress {
  address: string;
  name: string | null;
}

/** A file that came with the mail. */
export interface InboundAttachment {
  /** No path, no control or bidi-override characters, at most 200 characters; made up when the mail gave none. */
  filename: string;
  /** Lowercase type/subtype without parameters. */
  contentType: string;
  /** Decoded size in bytes. */
  size: number;
  content: Buffer;
  /** The Content-ID without angle brackets (what `cid:` URLs in the HTML refer to), or null. */
  contentId: string | null;
  /**
   * Shown inside the HTML body rather than attached: it has a Content-ID and sits in multipart/related or
   * is referenced by a `cid:` URL (pasted pictures, signature logos). The text never shows these.
   */
  inline: boolean;
}

/** pass, fail (fail/softfail, or a DMARC failure), or none (absent, neutral, temporary or permanent error). */
export type AuthVerdict = 'pass' | 'fail' | 'none';

/** What the receiving relay recorded about the sender; see headers.ts for when to trust it. */
export interface AuthFacts {
  /** The authserv-id of the first Authentication-Results header: who made these claims. */
  authServId: string | null;
  spf: AuthVerdict;
  dkim: AuthVerdict;
  dmarc: AuthVerdict;
}

export interface InboundMail {
  /** Message-ID without angle brackets, domain part lowercased; null when the mail has none. */
  messageId: string | null;
  /** The first id of In-Reply-To, normalised the same way. */
  inReplyTo: string | null;
  /** References, normalised, duplicates removed, original order. */
  references: string[];
  from: MailAddress;
  to: MailAddress[];
  cc: MailAddress[];
  replyTo: MailAddress | null;
  /** The decoded subject ('' when missing). */
  subject: string;
  /** The subject without Re:/Fwd:/AW:/Отв: … prefixes. */
  topic: string;
  /** The Date header; null when missing or unreadable. */
  date: Date | null;
  /** The whole body as plain text with light Markdown, for Artel's renderer (never HTML). */
  text: string;
  /** The new part of a reply: quoted history and signature removed; the whole text when nothing else is left. */
  replyText: string;
  /** Which part `text` and `replyText` come from: the plain part, or the HTML part converted. */
  bodyFrom: 'text' | 'html';
  /**
   * The HTML part as received ('' when none), for callers that convert it again (to show the inline
   * pictures they keep, see htmlBodies); never to be shown as HTML.
   */
  html: string;
  attachments: InboundAttachment[];
  /** Sent by a machine (autoresponder, bounce, list robot, report): must not create posts or comments. */
  autoSubmitted: boolean;
  /** Authentication results the receiving relay wrote into the header (facts for spoofing checks). */
  headersFrom: AuthFacts;
}

export interface InboundLimits {
  /** The largest raw mail accepted, checked before parsing. Default 32 MiB. */
  maxBytes?: number;
  /** The most attachments (inline pictures included). Default 20. */
  maxAttachments?: number;
  /** The largest single attachment, decoded. Default 25 MiB (Artel's default MAX_UPLOAD_MB). */
  maxAttachmentBytes?: number;
  /** How long parsing may take before the mail is given up as malformed. Default 10 s. */
  timeoutMs?: number;
}

export const DEFAULT_LIMITS: Required<InboundLimits> = {
  maxBytes: 32 * 1024 * 1024,
  maxAttachments: 20,
  maxAttachmentBytes: 25 * 1024 * 1024,
  timeoutMs: 10_000,
};

/** Why a mail was refused. */
export type InboundFailure = 'too_large' | 'no_sender' | 'malformed' | 'too_many_attachments';

/**
 * The only error parseInbound rejects with. Size problems map to payload_too_large (the SMTP glue answers
 * 552), the rest to bad_request (550/554); `reason` says which, and travels in `fields.mail` on the wire.
 */
export class InboundMailError extends AppError {
  constructor(
    readonly reason: InboundFailure,
    message: string,
  ) {
    super(reason === 'too_large' || reason === 'too_many_attachments' ? 'payload_too_large' : 'bad_request', message, {
      fields: { mail: reason },
    });
    this.name = 'InboundMailError';
  }
}
