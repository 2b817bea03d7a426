/**
 * Running mailparser under Artel's limits: attachments are counted and measured while they stream (a mail
 * over the limits is refused as soon as that is known, not after buffering it all), the whole parse has a
 * deadline after which the parser is destroyed, and every failure becomes an InboundMailError.
 */

import { MailParser, type AttachmentStream, type Headers, type MessageText } from 'mailparser';
import type { HeaderLine } from './headers';
import { InboundMailError } from './types';

/** An attachment as collected: mailparser's facts and the buffered content. */
export interface RawAttachment {
  filename: string | undefined;
  contentType: string;
  contentDisposition: string | undefined;
  cid: string | undefined;
  related: boolean;
  content: Buffer;
}

/** What mailparser found, before normalisation. */
export interface RawMail {
  headers: Headers;
  headerLines: HeaderLine[];
  text: string;
  html: string;
  attachments: RawAttachment[];
}

export interface MimeLimits {
  maxAttachments: number;
  maxAttachmentBytes: number;
  timeoutMs: number;
}

const PARSER_OPTIONS = {
  // Artel converts HTML itself (html.ts) and never wants mailparser's HTML renderings of text.
  skipHtmlToText: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  skipImageLinks: true,
  // A bounce's delivery report is data, not body text.
  keepDeliveryStatus: true,
  checksumAlgo: false as const,
  // The header of a part is small in real mail; a huge one is an attack on memory.
  maxHeadSize: 256 * 1024,
  maxChildNodes: 500,
};

/** Parse a raw mail with mailparser, within the limits. */
export function runMailParser(raw: Buffer, limits: MimeLimits): Promise<RawMail> {
  return new Promise<RawMail>((resolve, reject) => {
    const parser = new MailParser(PARSER_OPTIONS);
    const mail: RawMail = { headers: new Map(), headerLines: [], text: '', html: '', attachments: [] };
    let settled = false;

    const finish = (err: InboundMailError | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        parser.removeAllListeners('readable');
        parser.destroy();
        reject(err);
      } else resolve(mail);
    };
    const timer = setTimeout(() => finish(new InboundMailError('malformed', 'The mail took too long to parse')), limits.timeoutMs);

    // Errors after settling (from a destroyed parser) are expected and must not become unhandled events.
    parser.on('error', (e: Error) => finish(new InboundMailError('malformed', `The mail cannot be parsed: ${e.message}`)));
    parser.on('headers', (h: Headers) => {
      mail.headers = h;
    });
    parser.on('headerLines', (lines: HeaderLine[]) => {
      mail.headerLines = lines;
    });
    parser.on('readable', () => {
      let part: AttachmentStream | MessageText | null;
      while (!settled && (part = parser.read() as AttachmentStream | MessageText | null) !== null) {
        if (part.type === 'text') {
          mail.text = part.text ?? '';
          mail.html = part.html ?? '';
        } else {
          collectAttachment(part, mail, limits, finish);
        }
      }
    });
    parser.on('end', () => finish(null));

    try {
      parser.end(raw);
    } catch (e) {
      finish(new InboundMailError('malformed', `The mail cannot be parsed: ${(e as Error).message}`));
    }
  });
}

/** Buffer one attachment, refusing the mail when it is one too many or too large. */
function collectAttachment(part: AttachmentStream, mail: RawMail, limits: MimeLimits, finish: (e: InboundMailError | null) => void): void {
  if (mail.attachments.length >= limits.maxAttachments) {
    part.content.on('error', () => {}); // the parser is being destroyed; nothing more to hear from this part
    finish(new InboundMailError('too_many_attachments', `The mail has more than ${limits.maxAttachments} attachments`));
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let refused = false;
  part.content.on('data', (chunk: Buffer) => {
    if (refused) return;
    size += chunk.length;
    if (size > limits.maxAttachmentBytes) {
      refused = true;
      finish(new InboundMailError('too_large', `An attachment is larger than ${limits.maxAttachmentBytes} bytes`));
      return;
    }
    chunks.push(chunk);
  });
  part.content.on('end', () => {
    if (refused) return;
    mail.attachments.push({
      filename: part.filename,
      contentType: part.contentType,
      contentDisposition: part.contentDisposition,
      cid: part.cid,
      related: part.related === true,
      content: Buffer.concat(chunks, size),
    });
    part.release?.();
  });
  part.content.on('error', (e: Error) => finish(new InboundMailError('malformed', `An attachment cannot be decoded: ${e.message}`)));
}
