import { randomBytes } from 'node:crypto';
import { markdownToText } from '../../../shared/markdown';
import type { Mail } from '../mail';

/**
 * Mail to external people on a feed thread, in English and Russian (their language is unknown). Every
 * mail carries a Message-ID of the post's thread and a personal Reply-To address, so answering it in any
 * mail program comes back as a comment on the same post.
 */

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A fresh Message-ID of a post's mail thread (without angle brackets, as stored). */
export function threadMessageId(postId: string, domain: string): string {
  return `post.${postId}.${randomBytes(8).toString('hex')}@${domain}`;
}

/** The personal address whose mail becomes the guest's comment. */
export const replyAddress = (replyToken: string, domain: string) => `reply+${replyToken}@${domain}`;

const quote = (text: string) =>
  text
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');

/** The invitation to a post: the post itself, the personal link, and how to answer. */
export function guestInvitationMail(p: {
  to: string;
  author: string;
  workspace: string;
  title: string | null;
  body: string;
  link: string;
  replyTo: string;
  messageId: string;
  expiresAt: Date;
}): Mail {
  const date = p.expiresAt.toISOString().slice(0, 10);
  const text = markdownToText(p.body);
  const subject = p.title ? p.title : `${p.author} · ${p.workspace}`;
  const plain = [
    `${p.author} (${p.workspace}) shared a post with you · поделился(-ась) с вами записью:`,
    '',
    ...(p.title ? [p.title, ''] : []),
    quote(text),
    '',
    `Open the discussion (no account needed) · Открыть обсуждение (без регистрации): ${p.link}`,
    'Or simply reply to this e-mail · Или просто ответьте на это письмо.',
    `The link is personal and works until ${date} · Ссылка личная и действует до ${date}.`,
  ].join('\n');
  const html = `<p>${escape(p.author)} (${escape(p.workspace)}) shared a post with you · поделился(-ась) с вами записью:</p>
${p.title ? `<h3>${escape(p.title)}</h3>` : ''}<blockquote style="white-space:pre-wrap">${escape(text)}</blockquote>
<p><a href="${escape(p.link)}">Open the discussion · Открыть обсуждение</a> — or reply to this e-mail · или ответьте на это письмо.</p>
<p style="color:#666">The link is personal and works until ${date} · Ссылка личная и действует до ${date}.</p>`;
  return { to: p.to, subject, text: plain, html, messageId: `<${p.messageId}>`, replyTo: p.replyTo };
}

/** New comments on the thread since the last mail, in one mail. */
export function guestDigestMail(p: {
  to: string;
  title: string | null;
  workspace: string;
  comments: { author: string; body: string }[];
  link: string;
  replyTo: string;
  messageId: string;
  threadIds: string[];
}): Mail {
  const items = p.comments.map((c) => ({ author: c.author, text: markdownToText(c.body) }));
  const about = p.title ?? p.workspace;
  const plain = [
    `New comments · Новые комментарии (${items.length}): ${about}`,
    '',
    ...items.flatMap((c) => [`${c.author}:`, quote(c.text), '']),
    `Open the discussion · Открыть обсуждение: ${p.link}`,
    'Reply to this e-mail to comment · Ответьте на письмо, чтобы прокомментировать.',
  ].join('\n');
  const html = `<p>New comments · Новые комментарии: <b>${escape(about)}</b></p>
${items.map((c) => `<p><b>${escape(c.author)}</b></p><blockquote style="white-space:pre-wrap">${escape(c.text)}</blockquote>`).join('\n')}
<p><a href="${escape(p.link)}">Open the discussion · Открыть обсуждение</a></p>`;
  const refs = p.threadIds.map((id) => `<${id}>`);
  return {
    to: p.to,
    subject: `Re: ${about}`,
    text: plain,
    html,
    messageId: `<${p.messageId}>`,
    replyTo: p.replyTo,
    inReplyTo: refs[0],
    references: refs,
  };
}
