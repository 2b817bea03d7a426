/**
 * Pure rules of a post's external guests as its author and the workspace's admins see them: who may
 * open the list, each link's state, and the post's audience after one more address was invited.
 *
 * Imports from shared/ are relative (not `$shared`) so this module also loads in plain vitest/tsc.
 */
import type { AudienceSummary, FeedPost } from '../../../../shared/feed';
import type { GuestLinkInfo } from '../../../../shared/guests';
import type { Role } from '../../../../shared/types';

/**
 * Whether the post offers its guest list to me: the post reaches external addresses, and I wrote it or
 * run the workspace (the server's `canManageGuests`). The author sees the addresses, admins their count.
 */
export function showsGuests(post: Pick<FeedPost, 'author' | 'audience' | 'deletedAt'>, me: { id: string; role: Role } | null | undefined): boolean {
  if (!me || post.deletedAt) return false;
  if (post.author.id !== me.id && me.role !== 'owner' && me.role !== 'admin') return false;
  return post.audience.emails.length > 0 || post.audience.externalCount > 0;
}

export type GuestStatus = 'active' | 'revoked' | 'expired';

/** A link is revoked (for good), expired (a new invitation mails a fresh one), or works. */
export function guestStatus(link: Pick<GuestLinkInfo, 'revokedAt' | 'expiresAt'>, now: number = Date.now()): GuestStatus {
  if (link.revokedAt) return 'revoked';
  return Date.parse(link.expiresAt) <= now ? 'expired' : 'active';
}

/** Normalise an address the way the server stores it. */
export function normalEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * The post's audience once `email` was invited: one more external recipient unless it already was one
 * (`before`, the guest list as it was), and the address listed when I may see addresses (the author).
 */
export function withInvited(audience: AudienceSummary, email: string, before: readonly Pick<GuestLinkInfo, 'email'>[], showEmails: boolean): AudienceSummary {
  const address = normalEmail(email);
  const known = before.some((g) => normalEmail(g.email) === address) || audience.emails.includes(address);
  if (known) return audience;
  return {
    ...audience,
    emails: showEmails ? [...audience.emails, address] : audience.emails,
    externalCount: audience.externalCount + 1,
  };
}
