/**
 * Inbound mail parsing: raw RFC 5322 messages from the SMTP server to normalised, safe InboundMail values.
 *
 * The parts: parse.ts (the entry and the normalisation), mime.ts (mailparser under limits and a deadline),
 * headers.ts (ids, dates, topics, machine-sent mail, authentication results), address.ts (addresses and
 * Artel's mailboxes), html.ts with html-tree.ts, text-writer.ts and entities.ts (HTML to Markdown-ish text)
 * and quotes.ts (the new part of a reply).
 */

export { parseInbound, cleanFilename, htmlBodies, plainFormatting, type Formatting } from './parse';
export { parseLocalPart } from './address';
export { htmlToText, cidOf, type HtmlToTextOptions } from './html';
export { trimReply } from './quotes';
export { topicOf, normalizeMessageId } from './headers';
export {
  InboundMailError,
  DEFAULT_LIMITS,
  type InboundMail,
  type InboundAttachment,
  type InboundLimits,
  type InboundFailure,
  type MailAddress,
  type AuthFacts,
  type AuthVerdict,
} from './types';
