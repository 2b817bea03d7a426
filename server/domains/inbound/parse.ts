/**
 * parseInbound: a raw RFC 5322 message (as the SMTP server received it) to a normalised InboundMail.
 *
 * Pure apart from the parse deadline's timer: no I/O, no database, no configuration. The SMTP glue checks the
 * recipients (parseLocalPart) and the sender's standing; the feed decides what to create from the result.
 * Whatever the input, the promise resolves or rejects with an InboundMailError, and settles within the
 * deadline plus the (linear) time the HTML conversion and quote trimming take.
 */

import { addressList } from './address';
import {
  authFactsOf, cleanHeaderText, dateOf, isAutoSubmitted, messageIdOf, referencesOf, topicOf, type HeaderLine,
} from './headers';
import { htmlToText, MAX_HTML_CHARS } from './html';
import { runMailParser, type RawAttachment, type RawMail } from './mime';
import { trimReply } from './quotes';
import {
  DEFAULT_LIMITS, InboundMailError, type InboundAttachment, type InboundLimits, type InboundMail,
} from './types';

/** Parse a raw mail within the limits; rejects with InboundMailError only. */
export async function parseInbound(raw: Buffer, opts: InboundLimits = {}): Promise<InboundMail> {
  const limits = withDefaults(opts);
  if (!Buffer.isBuffer(raw) || raw.length === 0) throw new InboundMailError('malformed', 'The mail is empty');
  if (raw.length > limits.maxBytes) throw new InboundMailError('too_large', `The mail is larger than ${limits.maxBytes} bytes`);
  try {
    return normalise(await runMailParser(raw, limits));
  } catch (e) {
    if (e instanceof InboundMailError) throw e;
    // A bug of ours or of mailparser on odd input: still the caller's typed error, with the cause kept.
    throw Object.assign(new InboundMailError('malformed', `The mail cannot be parsed: ${(e as Error)?.message ?? e}`), { cause: e });
  }
}

function withDefaults(opts: InboundLimits): Required<InboundLimits> {
  const pick = (v: number | undefined, d: number) => (typeof v === 'number' && v >= 0 && Number.isFinite(v) ? v : d);
  return {
    maxBytes: pick(opts.maxBytes, DEFAULT_LIMITS.maxBytes),
    maxAttachments: pick(opts.maxAttachments, DEFAULT_LIMITS.maxAttachments),
    maxAttachmentBytes: pick(opts.maxAttachmentBytes, DEFAULT_LIMITS.maxAttachmentBytes),
    timeoutMs: pick(opts.timeoutMs, DEFAULT_LIMITS.timeoutMs),
  };
}

function normalise(m: RawMail): InboundMail {
  const lines: readonly HeaderLine[] = m.headerLines;
  if (!hasHeader(lines)) throw new InboundMailError('malformed', 'The mail has no readable header');
  const from = addressList(m.headers.get('from'))[0];
  if (!from) throw new InboundMailError('no_sender', 'The mail has no usable From address');
  const subject = cleanHeaderText(typeof m.headers.get('subject') === 'string' ? (m.headers.get('subject') as string) : '');
  const { text, replyText, bodyFrom } = bodies(m);
  return {
    messageId: messageIdOf(lines, 'message-id'),
    inReplyTo: messageIdOf(lines, 'in-reply-to'),
    references: referencesOf(lines),
    from,
    to: addressList(m.headers.get('to'), 'keep'),
    cc: addressList(m.headers.get('cc'), 'keep'),
    replyTo: addressList(m.headers.get('reply-to'), 'keep')[0] ?? null,
    subject,
    topic: topicOf(subject),
    date: dateOf(lines),
    text,
    replyText,
    bodyFrom,
    html: m.html.length > MAX_HTML_CHARS ? m.html.slice(0, MAX_HTML_CHARS) : m.html,
    attachments: attachments(m),
    autoSubmitted: isAutoSubmitted(lines, contentTypeOf(m)),
    headersFrom: authFactsOf(lines),
  };
}

// A header field name: printable ASCII except the colon (RFC 5322 section 2.2).
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]{1,200}$/;

/** Whether the mail starts with a header at all: binary garbage or a bare body yields "lines" without field names. */
function hasHeader(lines: readonly HeaderLine[]): boolean {
  const valid = lines.filter((h) => FIELD_NAME.test(h.key)).length;
  return valid > 0 && valid * 2 >= lines.length;
}

function contentTypeOf(m: RawMail): string {
  const ct = m.headers.get('content-type');
  return ct && typeof ct === 'object' && 'value' in ct && typeof ct.value === 'string' ? ct.value : '';
}

// ---------------------------------------------------------------------------------------------------------
// The body: the text/plain part, unless the HTML says more (formatting the plain part lacks, or a plain part
// that is empty or a stub); then the HTML converted.

/** The kinds of formatting a body can carry. */
export type Formatting = 'emphasis' | 'list' | 'link' | 'quote' | 'code';

/**
 * Whether the HTML should be used although there is a plain part:
 * - the plain part is empty, or a short stub ("view this mail in a browser") next to an HTML part with
 *   several times more to say;
 * - or the new part of the HTML (its quoted history cut, as for a comment) carries formatting that the
 *   plain part has no trace of: a list, emphasis, a link, a quote or code, where the plain text has no list
 *   lines, no *stars*, no address, no "> " lines, no backticks (mail programs write "- item", "*bold*" and
 *   bare URLs into the plain part, and then it says as much). Formatting in the quoted history alone (the
 *   bold "From:" of an Outlook header block) does not count. An HTML part with less than half the plain
 *   part's text is never preferred for its formatting: something is missing from it.
 */
function preferHtml(plain: string, html: { text: string; replyText: string }): boolean {
  if (!html.text) return false;
  if (!plain || (plain.length < 200 && html.text.length > 4 * plain.length)) return true;
  if (html.text.length * 2 < plain.length) return false;
  const has = plainFormatting(plain);
  for (const kind of markdownFormatting(html.replyText)) if (!has.has(kind)) return true;
  return false;
}

const PLAIN_FORMATTING: [Formatting, RegExp][] = [
  ['list', /^[ \t]*(?:[-*+•–]|\d{1,3}[.)])[ \t]+\S/m],
  ['emphasis', /(?:^|[\s(])([*_~])[^\s*_~](?:[^*_~\n]*[^\s*_~])?\1(?=$|[\s.,;:!?)])/m],
  ['link', /(?:https?:\/\/|mailto:|www\.)\S/i],
  ['quote', /^[ \t]*>/m],
  ['code', /`/],
];

/** The formatting a plain text part shows in the ways mail programs write it. */
export function plainFormatting(plain: string): Set<Formatting> {
  return new Set(PLAIN_FORMATTING.filter(([, re]) => re.test(plain)).map(([kind]) => kind));
}

/** The formatting of text written by htmlToText (its own Markdown: **x**, _x_, ~~x~~, lists, [x](url), > , `). */
const MARKDOWN_FORMATTING: [Formatting, RegExp][] = [
  ['list', /^[ \t]*(?:- |\d{1,9}\. )\S/m],
  ['emphasis', /\*\*\S|~~\S|(?:^|[\s(])_\S/m],
  ['link', /\]\((?:https?:|mailto:)|https?:\/\//i],
  ['quote', /^> /m],
  ['code', /`/],
];

function markdownFormatting(text: string): Formatting[] {
  return MARKDOWN_FORMATTING.filter(([, re]) => re.test(text)).map(([kind]) => kind);
}

/**
 * An HTML body as text: the whole (`text`) and the new part of a reply (`replyText`). History containers
 * (gmail_quote, divRplyFwdMsg) are cut in the HTML itself, before the text-level trimming. `images` shows
 * inline pictures where they stand (see htmlToText).
 */
export function htmlBodies(html: string, images?: ReadonlyMap<string, string>): { text: string; replyText: string } {
  if (!html) return { text: '', replyText: '' };
  const text = htmlToText(html, { images });
  const replyText = trimReply(htmlToText(html, { dropHistory: true, images })) || text;
  return { text, replyText };
}

function bodies(m: RawMail): { text: string; replyText: string; bodyFrom: 'text' | 'html' } {
  const plain = cleanPlainText(m.text);
  const html = htmlBodies(m.html);
  if (!preferHtml(plain, html)) return { text: plain, replyText: trimReply(plain), bodyFrom: 'text' };
  return { ...html, bodyFrom: 'html' };
}

// eslint-disable-next-line no-control-regex
const PLAIN_NOISE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b\u2060\ufeff]/g;

/** Plain text as Artel stores it: \n line ends, no control characters, no trailing spaces, at most one blank line in a row. */
function cleanPlainText(s: string): string {
  return s
    .replace(/\r\n?/g, '\n')
    .replace(PLAIN_NOISE, '')
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

// ---------------------------------------------------------------------------------------------------------
// Attachments.

const EXTENSIONS: Record<string, string> = {
  'message/rfc822': '.eml', 'text/plain': '.txt', 'text/html': '.html', 'text/calendar': '.ics', 'text/csv': '.csv',
  'image/png': '.png', 'image/jpeg': '.jpg', 'image/gif': '.gif', 'image/webp': '.webp', 'application/pdf': '.pdf',
  'message/delivery-status': '.txt', 'text/rfc822-headers': '.txt',
};

function attachments(m: RawMail): InboundAttachment[] {
  const referenced = cidReferences(m.html);
  return m.attachments.map((a, i) => {
    const contentType = (a.contentType || '').split(';')[0].trim().toLowerCase() || 'application/octet-stream';
    const contentId = cleanHeaderText(a.cid).replace(/^<|>$/g, '') || null;
    return {
      filename: cleanFilename(a.filename) ?? fallbackName(i + 1, contentType),
      contentType,
      size: a.content.length,
      content: a.content,
      contentId,
      inline: contentId !== null && (a.related || referenced.has(contentId.toLowerCase())),
    };
  });
}

/** The Content-IDs the HTML shows through cid: URLs, lowercased. */
function cidReferences(html: string): Set<string> {
  const out = new Set<string>();
  for (const m of html.matchAll(/\bcid:([^\s"'<>()]{1,256})/gi)) {
    try {
      out.add(decodeURIComponent(m[1]).toLowerCase());
    } catch {
      out.add(m[1].toLowerCase());
    }
  }
  return out;
}

// eslint-disable-next-line no-control-regex
const UNSAFE_NAME_CHARS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
const MAX_NAME = 200;

/**
 * A file name people can see and files can be stored under: the last path segment, no control characters,
 * no bidi overrides (which make "gpj.exe" read as "exe.jpg"), at most 200 characters with the extension
 * kept. Null when nothing usable is left.
 */
export function cleanFilename(raw: RawAttachment['filename']): string | null {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/\s+/g, ' ').replace(UNSAFE_NAME_CHARS, '').trim();
  if (!clean || clean === '.' || clean === '..') return null;
  if (clean.length <= MAX_NAME) return clean;
  const dot = clean.lastIndexOf('.');
  const ext = dot > 0 && clean.length - dot <= 16 ? clean.slice(dot) : '';
  return truncate(clean.slice(0, clean.length - ext.length), MAX_NAME - ext.length).trimEnd() + ext;
}

/** At most `max` UTF-16 units, never splitting a surrogate pair. */
function truncate(s: string, max: number): string {
  let out = '';
  for (const ch of s) {
    if (out.length + ch.length > max) break;
    out += ch;
  }
  return out;
}

function fallbackName(n: number, contentType: string): string {
  const stem = contentType === 'message/rfc822' ? 'message' : 'attachment';
  return `${stem}-${n}${EXTENSIONS[contentType] ?? ''}`;
}
