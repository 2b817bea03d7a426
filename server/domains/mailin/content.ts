import { FEED_LIMITS } from '../../../shared/feed';
import { htmlBodies, parseInbound, type InboundAttachment, type InboundMail } from '../inbound';
import { keepInline } from './images';
import { SmtpReply } from './replies';

/**
 * What a mail says in the feed: the text of a post or of a comment, and the files that go with it.
 *
 * Files are the mail's attachments proper and the inline pictures worth keeping (images.ts: a pasted
 * screenshot, not a tracking pixel or a signature logo), at most FEED_LIMITS.attachmentsMax in mail order;
 * the rest are named at the end of the text. Where the HTML shows a kept picture, the text says
 * "[image: name]" in its place (the picture itself is the attached file; nothing is fetched from anywhere).
 * A comment keeps only the pictures of the new part of the reply: those in the quoted history were the
 * earlier mail's.
 */

/** How many forwarded messages (message/rfc822 parts) a post quotes in full. */
const MAX_FORWARDS = 3;

/** The text and files of one post or comment. */
export interface Part {
  text: string;
  files: InboundAttachment[];
  /** Files beyond what a post can carry, named (their content is not kept). */
  dropped: string[];
}

/** The body of a post and of a comment, each with its pictures (only one of them is used per mailbox). */
export interface MailContent {
  post: Part;
  comment: Part;
}

// Where a kept picture stands, while the text is trimmed: characters of the private use area that the
// walk never writes itself (strays from the mail are removed when the marks are replaced).
const MARK_OPEN = '\ue000';
const MARK_CLOSE = '\ue001';
const MARKS = /\ue000(\d{1,4})\ue001/g;

/** The text and files of a mail, for a post and for a comment. */
export async function mailContent(mail: InboundMail): Promise<MailContent> {
  const attached = mail.attachments.filter((a) => !a.inline && a.contentType !== 'message/rfc822' && a.content.length > 0);
  const pictures: InboundAttachment[] = [];
  for (const a of mail.attachments) if (a.inline && (await keepInline(a))) pictures.push(a);
  if (!pictures.length || !mail.html) {
    return {
      post: part(mail.text, attached, pictures, mail.attachments),
      comment: part(mail.replyText, attached, pictures, mail.attachments),
    };
  }
  const marks = new Map<string, string>();
  pictures.forEach((p, n) => marks.set(p.contentId!.toLowerCase(), `${MARK_OPEN}${n}${MARK_CLOSE}`));
  const shown = htmlBodies(mail.html, marks);
  // The HTML is used when it is the body anyway, or when it shows a picture the plain part can only name;
  // not when it lost much of the text (the same guard as the choice of the body).
  const use = (html: string, plain: string) =>
    mail.bodyFrom === 'html' || (html.includes(MARK_OPEN) && html.replace(MARKS, '').length * 2 >= plain.length);
  const postText = use(shown.text, mail.text) ? placePictures(shown.text, pictures) : mail.text;
  // A reply's pictures are those of its new part, as the HTML shows it.
  const replied = new Set([...shown.replyText.matchAll(MARKS)].map((m) => Number(m[1])));
  const replyPictures = pictures.filter((_, n) => replied.has(n));
  const replyText = use(shown.replyText, mail.replyText) ? placePictures(shown.replyText, pictures) : mail.replyText;
  return {
    post: part(postText, attached, pictures, mail.attachments),
    comment: part(replyText, attached, replyPictures, mail.attachments),
  };
}

/** Replace the marks by "[image: name]"; marks of no kept picture, and stray mark characters, go. */
function placePictures(text: string, pictures: InboundAttachment[]): string {
  return text
    .replace(MARKS, (_, n: string) => {
      const p = pictures[Number(n)];
      return p ? `[image: ${p.filename.replace(/\[/g, '(').replace(/]/g, ')')}]` : '';
    })
    .replace(/[\ue000\ue001]/g, '');
}

/** The files of a post or comment: attachments and kept pictures in mail order, as many as fit. */
function part(text: string, attached: InboundAttachment[], pictures: InboundAttachment[], all: InboundAttachment[]): Part {
  const wanted = new Set([...attached, ...pictures]);
  const files = all.filter((a) => wanted.has(a));
  return { text, files: files.slice(0, FEED_LIMITS.attachmentsMax), dropped: files.slice(FEED_LIMITS.attachmentsMax).map((a) => a.filename) };
}

/** Files beyond what a post can carry, named at the end of the text. */
function attachmentNote(dropped: string[]): string {
  return dropped.length ? `Attachments not kept (more than ${FEED_LIMITS.attachmentsMax}): ${dropped.join(', ')}` : '';
}

/** `text`, cut to leave room for `tail` within `max` characters, then the tail. */
function fit(text: string, tail: string, max: number): string {
  const room = max - (tail ? tail.length + 2 : 0);
  let body = text.trim();
  if (body.length > room) {
    const note = '\n\n[…the rest of the mail was cut: it is too long for the feed]';
    body = body.slice(0, Math.max(0, room - note.length)).trimEnd() + note;
  }
  return [body, tail].filter(Boolean).join('\n\n').slice(0, max).trim();
}

/** A forwarded message attached as message/rfc822, as quotable text; null when it cannot be read. */
async function forwardedText(a: InboundAttachment): Promise<string | null> {
  try {
    const m = await parseInbound(a.content, { maxBytes: a.content.length, timeoutMs: 5_000 });
    const from = m.from.name ? `${m.from.name} <${m.from.address}>` : m.from.address;
    const head = [`---------- Forwarded message ----------`, `From: ${from}`, ...(m.date ? [`Date: ${m.date.toUTCString()}`] : []), `Subject: ${m.subject}`];
    return `${head.join('\n')}\n\n${m.text}`.trim();
  } catch {
    return null;
  }
}

/**
 * A new post's title (the subject's topic) and body (the whole text, forwarded messages included), through
 * `defuse` (mentions in mail stay text).
 */
export async function postContent(mail: InboundMail, content: Part, defuse: (s: string) => string): Promise<{ title?: string; body: string }> {
  const forwarded: string[] = [];
  for (const a of mail.attachments) {
    const text = a.contentType === 'message/rfc822' && !a.inline && forwarded.length < MAX_FORWARDS ? await forwardedText(a) : null;
    if (text) forwarded.push(text);
  }
  const title = defuse(mail.topic).slice(0, FEED_LIMITS.titleMax).trim();
  const text = defuse([content.text, ...forwarded].filter(Boolean).join('\n\n'));
  const body = fit(text, defuse(attachmentNote(content.dropped)), FEED_LIMITS.bodyMax);
  if (body) return title ? { title, body } : { body };
  // A subject alone is the post.
  if (title) return { body: title };
  throw new SmtpReply(550, '5.6.0', 'The mail is empty: write something in the subject or the text');
}

/** A comment's body: the new part of the reply (quoted history and signature trimmed). */
export function commentBody(content: Part, defuse: (s: string) => string): string {
  const body = fit(defuse(content.text), defuse(attachmentNote(content.dropped)), FEED_LIMITS.commentMax);
  if (!body) throw new SmtpReply(550, '5.6.0', 'The reply is empty: write your answer above the quoted mail');
  return body;
}
