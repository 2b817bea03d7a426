import { parseLocalPart } from '../inbound';
import { SmtpReply } from './replies';

/**
 * Artel's mailboxes at MAIL_DOMAIN (case-insensitive):
 * - `feed@`: a new post, or a comment when the mail answers a thread Artel knows (In-Reply-To/References);
 * - `post+<post id, 32 hex digits without dashes>@`: a comment on that post;
 * - `reply+<token>@`: a guest's personal reply address (the Reply-To of every mail a guest gets).
 */
export type Mailbox = { kind: 'feed' } | { kind: 'post'; postId: string } | { kind: 'reply'; token: string };

const HEX32 = /^[0-9a-f]{32}$/;
// Reply tokens are hex (guests/actions.ts), because mail systems may change the case of a local part.
const REPLY_TOKEN = /^[0-9a-f]{16,128}$/;

/** The mailbox an envelope recipient names, or null when it is none of ours. Pure. */
export function routeAddress(address: string, domain: string): Mailbox | null {
  const local = parseLocalPart(address, domain);
  if (!local) return null;
  const tag = local.tag?.toLowerCase() ?? null;
  if (local.box === 'feed' && tag === null) return { kind: 'feed' };
  if (local.box === 'post' && tag && HEX32.test(tag)) {
    return { kind: 'post', postId: `${tag.slice(0, 8)}-${tag.slice(8, 12)}-${tag.slice(12, 16)}-${tag.slice(16, 20)}-${tag.slice(20)}` };
  }
  if (local.box === 'reply' && tag && REPLY_TOKEN.test(tag)) return { kind: 'reply', token: tag };
  return null;
}

/** The address of a post's mailbox: comments by mail. */
export const postAddress = (postId: string, domain: string) => `post+${postId.replace(/-/g, '').toLowerCase()}@${domain}`;

/** 550 5.1.1 for an address that is none of ours. */
export const noSuchMailbox = (domain: string) =>
  new SmtpReply(550, '5.1.1', `No such mailbox here: mail feed@${domain} to post in the feed`);
