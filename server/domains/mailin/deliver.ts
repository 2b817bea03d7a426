import { createHash } from 'node:crypto';
import { ZodError } from 'zod';
import { CreateCommentBody, CreatePostBody, FEED_LIMITS, type CreateCommentInput, type CreatePostInput } from '../../../shared/feed';
import { sql } from '../../db/pool';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { createPost } from '../feed/actions';
import { addComment } from '../feed/comments';
import { guestComment } from '../guests/actions';
import { uploadFeedFile } from '../files/feed';
import * as guestRepo from '../guests/repo';
import { InboundMailError, parseInbound, type InboundAttachment, type InboundMail } from '../inbound';
import { checkAuthResults, colleagueSender, guestActor, liveReplyLink, postForColleague, sameAddress } from './checks';
import { commentBody, mailContent, postContent, type MailContent, type Part } from './content';
import { refused, SmtpReply } from './replies';
import { routeAddress, type Mailbox } from './route';

/**
 * A received mail to the feed's mailboxes, through the same domain actions as every other door:
 * parse, check the sender against each mailbox, then create a post (createPost) or comments (addComment,
 * guestComment). Every check runs before the first write, so a refused mail creates nothing; a write
 * that fails for a passing reason answers 451 and the sender's retry is idempotent (client ids come
 * from the mail's Message-ID).
 */

/** The SMTP envelope of one mail. */
export interface Envelope {
  /** MAIL FROM; '' for the null sender of bounces. */
  from: string;
  /** RCPT TO, as accepted. */
  to: string[];
}

/** What became of a delivered mail: the 250 text and the facts for the log. */
export interface Delivered {
  text: string;
  created: { kind: 'post' | 'comment'; postId: string; commentId?: string; by: string }[];
  dropped?: 'automatic';
}

type Task = (
  | { kind: 'post'; actor: Actor; input: CreatePostInput }
  | { kind: 'comment'; actor: Actor; postId: string; input: CreateCommentInput }
  | { kind: 'guest'; link: guestRepo.LinkRow; input: CreateCommentInput }
) & { files: InboundAttachment[] };

export async function deliver(svc: Services, envelope: Envelope, raw: Buffer): Promise<Delivered> {
  const mail = await parse(svc, raw);
  // Machines never post: an autoresponder answering a guest mail, a bounce (the null sender, RFC 5321
  // section 4.5.5, whatever its header says). Accepted, so nothing bounces back to start a loop; logged by
  // the caller, and dropped.
  if (mail.autoSubmitted || !envelope.from) return { text: '2.6.0 Automatic mail accepted and dropped: only people post here', created: [], dropped: 'automatic' };
  checkAuthResults(mail, svc.config.mailDomain);
  const tasks = await plan(svc, envelope, mail, mailKey(mail, raw));
  const created: Delivered['created'] = [];
  for (const task of tasks) created.push(await perform(svc, task));
  if (mail.messageId) {
    // So that answers to this mail (by anyone, to feed@) join the same thread.
    for (const postId of new Set(created.map((c) => c.postId))) await guestRepo.rememberMessageId(svc.db, mail.messageId.toLowerCase(), postId);
  }
  const text = created
    .map((c) => (c.kind === 'post' ? `posted to the feed as post ${c.postId}` : `comment ${c.commentId} on post ${c.postId}`))
    .join('; ');
  return { text: `2.6.0 Thank you: ${text}`, created };
}

async function parse(svc: Services, raw: Buffer): Promise<InboundMail> {
  try {
    return await parseInbound(raw, { maxBytes: svc.config.maxMailBytes });
  } catch (err) {
    if (!(err instanceof InboundMailError)) throw err;
    if (err.code === 'payload_too_large') throw new SmtpReply(552, '5.3.4', err.message);
    throw new SmtpReply(550, '5.6.0', err.message);
  }
}

/**
 * What to do for each of our recipients, every check done and every input built and validated: nothing is
 * written yet, so a refusal leaves no trace.
 */
async function plan(svc: Services, envelope: Envelope, mail: InboundMail, key: string): Promise<Task[]> {
  const boxes = envelope.to.map((a) => routeAddress(a, svc.config.mailDomain)).filter((b): b is Mailbox => b !== null);
  let colleague: Actor | null = null;
  const sender = async () => (colleague ??= await colleagueOf(svc, envelope, mail));
  // The text and files, inline pictures sorted out (async: their sizes are read), once for every mailbox.
  let content: MailContent | null = null;
  const read = async () => (content ??= await mailContent(mail));
  const tasks: Task[] = [];
  const seen = new Set<string>();
  const once = (id: string) => !seen.has(id) && !!seen.add(id);
  for (const box of boxes) {
    if (box.kind === 'reply') {
      const link = await liveReplyLink(svc, box.token);
      if (!sameAddress(mail.from.address, link.email)) {
        throw refused(`This reply address is personal: it takes mail from the invited guest only, not from ${mail.from.address}`);
      }
      if (once(`guest:${link.id}`)) {
        const { comment } = await read();
        tasks.push({ kind: 'guest', link, input: commentInput(link.post_id, comment, key), files: comment.files });
      }
      continue;
    }
    const actor = await sender();
    const postId = box.kind === 'post' ? box.postId : await threadOf(svc, mail);
    if (postId === null) {
      if (once('post')) {
        const { post } = await read();
        tasks.push({ kind: 'post', actor, input: await postInput(svc, actor, mail, post, key), files: post.files });
      }
      continue;
    }
    await postForColleague(svc, actor, postId);
    if (once(`comment:${postId}`)) {
      const { comment } = await read();
      tasks.push({ kind: 'comment', actor, postId, input: commentInput(postId, comment, key), files: comment.files });
    }
  }
  if (!tasks.length) throw new SmtpReply(550, '5.1.1', `No mailbox of ${svc.config.mailDomain} among the recipients`);
  return tasks;
}

/** The colleague who sent a mail to feed@ or post+…@: the envelope sender, matching the From header. */
async function colleagueOf(svc: Services, envelope: Envelope, mail: InboundMail): Promise<Actor> {
  const actor = await colleagueSender(svc, envelope.from);
  if (!sameAddress(mail.from.address, envelope.from)) {
    throw refused(`The From address ${mail.from.address} is not the envelope sender ${envelope.from}: send from your own mailbox`);
  }
  return actor;
}

/** The post a mail answers: the nearest of In-Reply-To, then References from the newest, that Artel knows. */
async function threadOf(svc: Services, mail: InboundMail): Promise<string | null> {
  const ids = [...new Set([mail.inReplyTo, ...[...mail.references].reverse()].filter((id): id is string => !!id).map((id) => id.toLowerCase()))];
  return guestRepo.postOfMessageIds(svc.db, ids.slice(0, 100));
}

async function perform(svc: Services, task: Task): Promise<Delivered['created'][number]> {
  const uploader = task.kind === 'guest' ? task.link.guest_id : task.actor.id;
  const fileIds = await storeFiles(svc, uploader, task.files);
  if (task.kind === 'post') {
    const post = await createPost(svc, task.actor, { ...task.input, fileIds });
    return { kind: 'post', postId: post.id, by: task.actor.id };
  }
  if (task.kind === 'comment') {
    const comment = await addComment(svc, task.actor, task.postId, { ...task.input, fileIds });
    return { kind: 'comment', postId: task.postId, commentId: comment.id, by: task.actor.id };
  }
  const comment = await guestComment(svc, guestActor(task.link), { ...task.input, fileIds });
  return { kind: 'comment', postId: task.link.post_id, commentId: comment.id, by: task.link.guest_id };
}

/** Validate an input with the same schema as the HTTP door; a mail that cannot fit is refused. */
function valid<T>(schema: { parse(v: unknown): T }, value: unknown): T {
  try {
    return schema.parse(value);
  } catch (err) {
    if (err instanceof ZodError) throw new SmtpReply(550, '5.6.0', `The mail cannot be posted: ${err.issues[0]?.message ?? 'invalid'}`);
    throw err;
  }
}

async function postInput(svc: Services, actor: Actor, mail: InboundMail, post: Part, key: string): Promise<CreatePostInput> {
  const content = await postContent(mail, post, defuseMentions);
  return valid(CreatePostBody, { clientId: clientIdOf('post', key), ...content, audience: await audienceOf(svc, actor, mail), important: false });
}

const commentInput = (postId: string, comment: Part, key: string): CreateCommentInput =>
  valid(CreateCommentBody, { clientId: clientIdOf(`comment:${postId}`, key), body: commentBody(comment, defuseMentions) });

/**
 * Who sees a mailed post: the sender, and the colleagues the mail was addressed to (To and Cc), as named
 * people. Other addresses get nothing: mailing a customer a copy must not invite them as a guest.
 */
async function audienceOf(svc: Services, actor: Actor, mail: InboundMail) {
  const addresses = [...new Set([...mail.to, ...mail.cc].map((a) => a.address.toLowerCase()))].slice(0, FEED_LIMITS.audienceUsersMax);
  const rows = addresses.length
    ? await svc.db.query(sql`
        SELECT id FROM users WHERE lower(email) = ANY(${addresses}::text[]) AND active AND role <> 'guest' AND id <> ${actor.id}`)
    : [];
  // The author alone is a valid audience (only they see the post): resolveAudience drops them from userIds.
  return { userIds: [actor.id, ...rows.map((r) => r.id as string)] };
}

// ---- Text ---------------------------------------------------------------------------------------------

/**
 * Mail text stays text: `<@uuid>` mentions and `@all` would notify people, which only someone typing in
 * Artel may do. A word joiner (U+2060, invisible) after the @ keeps them from being read as mentions by
 * shared/mentions.ts and the renderer alike.
 */
export function defuseMentions(text: string): string {
  return text
    .replace(/<@(?=[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}>)/gi, '<@\u2060')
    .replace(/(?<![\p{L}\p{N}_.%+-])@(?=(?:all|все)(?![\p{L}\p{N}_]))/giu, '@\u2060');
}

/** Store the files (content-addressed, previews for images) as the uploader's, ready to attach. */
async function storeFiles(svc: Services, uploaderId: string, files: InboundAttachment[]): Promise<string[]> {
  const ids: string[] = [];
  for (const f of files) ids.push((await uploadFeedFile(svc, uploaderId, f.filename, f.contentType, f.content)).id);
  return ids;
}

// ---- Idempotency ----------------------------------------------------------------------------------------

/** What identifies a mail across deliveries: its Message-ID, else the SHA-256 of the whole raw mail. */
function mailKey(mail: InboundMail, raw: Buffer): string {
  return mail.messageId ? `message-id:${mail.messageId.toLowerCase()}` : `raw:${createHash('sha256').update(raw).digest('hex')}`;
}

/**
 * The client id of what a mail creates, derived from the mail so that a mail delivered twice (a relay's
 * retry, a duplicate) creates one post or comment: SHA-256 formatted as a version-5-style UUID.
 */
export function clientIdOf(what: string, key: string): string {
  const h = createHash('sha256').update(`artel-mail\n${what}\n${key}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
