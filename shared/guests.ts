import { z } from 'zod';
import { LIMITS } from './api';
import { CreateCommentBody, type FeedComment, type FeedPost } from './feed';
import type { FileRef } from './messenger';

/** POST /api/guest/session: open the thread a guest link grants (the token from the link's URL). */
export const OpenGuestLinkBody = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'Not a link token') }).strict();

/** PATCH /api/guest/me: the name the guest's comments show. */
export const GuestNameBody = z.object({ name: z.string().trim().min(1).max(LIMITS.nameMax) }).strict();

/** POST /api/guest/comments: a comment (or a reply to one) on the granted post. */
export const GuestCommentBody = CreateCommentBody;

/** A guest downloads through their own routes (their cookie opens no colleague endpoint). */
export function forGuest<T extends { attachments: FileRef[] }>(item: T): T {
  const url = (u: string | undefined) => u?.replace(/^\/api\/files\//, '/api/guest/files/');
  return { ...item, attachments: item.attachments.map((f) => ({ ...f, url: url(f.url)!, previewUrl: url(f.previewUrl) })) };
}

/** The guest as their page shows them. */
export interface GuestMe {
  id: string;
  name: string;
  email: string;
  postId: string;
  expiresAt: string;
}

/** GET /api/guest/thread: the one post a guest sees, with all its comments and their authors' names. */
export interface GuestThread {
  me: GuestMe;
  workspace: string;
  /** The post as a guest sees it: its audience is not shown (who else it reaches is not theirs to know). */
  post: FeedPost;
  comments: FeedComment[];
  /** Names of the people in the thread (guests cannot read the directory). */
  people: Record<string, { name: string; guest: boolean }>;
}

/** A guest link as the post's author and the workspace's admins see it. */
export interface GuestLinkInfo {
  id: string;
  email: string;
  name: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  lastSeenAt: string | null;
}

/** POST /api/feed/posts/:id/guests: invite one more external address to a post. */
export const InviteGuestBody = z.object({ email: z.string().trim().toLowerCase().max(254).email() }).strict();
