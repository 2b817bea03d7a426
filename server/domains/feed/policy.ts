import type { Actor, Verdict } from '../people/policy';

/**
 * Permissions of the live feed, pure. Who can see a post is decided by ONE rule: `canSeePost` below,
 * and its SQL twin `visibleTo` in repo.ts that every query uses (the tests check that they agree).
 * Every other permission starts from "can the actor see this post".
 */

/** The feed is for employees: guests see nothing here (they get a link to one thread instead). */
export function canUseFeed(actor: Actor): Verdict {
  return actor.active && actor.role !== 'guest' ? null : 'forbidden';
}

/** A post's audience, as the visibility rule needs it. */
export interface PostAudienceFacts {
  authorId: string;
  everyone: boolean;
  /** Lowercased, trimmed department names. */
  departments: string[];
  groups: { id: string; open: boolean }[];
  /** Selected and @mentioned people. */
  userIds: string[];
}

/** A would-be reader, as the visibility rule needs them. */
export interface ViewerFacts {
  id: string;
  role: Actor['role'];
  active: boolean;
  /** Lowercased, trimmed department of their profile ('' when none). */
  department: string;
  groupIds: string[];
}

/** The department key of a profile or an audience entry: case-insensitive, trimmed. */
export const departmentKey = (department: string) => department.trim().toLowerCase();

/**
 * THE visibility rule. An active employee (never a guest) sees a post when they wrote it, or it is for
 * everyone, or for their department, or for a workgroup they belong to or that is open, or for them by
 * name or @mention. Being an admin grants nothing here: admins read what is addressed to them.
 */
export function canSeePost(viewer: ViewerFacts, post: PostAudienceFacts): boolean {
  if (!viewer.active || viewer.role === 'guest') return false;
  if (post.authorId === viewer.id || post.everyone) return true;
  if (viewer.department && post.departments.includes(viewer.department)) return true;
  if (post.groups.some((g) => g.open || viewer.groupIds.includes(g.id))) return true;
  return post.userIds.includes(viewer.id);
}

/** Reading a post: whoever can see it (`visible` comes from the SQL rule). Unseen posts are forbidden. */
export function canReadPost(actor: Actor, visible: boolean): Verdict {
  if (canUseFeed(actor)) return 'forbidden';
  return visible ? null : 'forbidden';
}

/** Commenting, reacting, voting, marking read: whoever can see it, while it is not deleted. */
export function canInteract(actor: Actor, visible: boolean, post: { deleted: boolean }): Verdict {
  const read = canReadPost(actor, visible);
  if (read) return read;
  return post.deleted ? 'conflict' : null;
}

const staff = (actor: Actor) => actor.role === 'owner' || actor.role === 'admin';

/** Editing a post: its author, while it is not deleted. */
export function canEditPost(actor: Actor, visible: boolean, post: { authorId: string; deleted: boolean }): Verdict {
  const ok = canInteract(actor, visible, post);
  if (ok) return ok;
  return post.authorId === actor.id ? null : 'forbidden';
}

/** Deleting a post: its author, or the workspace's owner and admins among those who can see it. */
export function canDeletePost(actor: Actor, visible: boolean, post: { authorId: string; deleted: boolean }): Verdict {
  const ok = canInteract(actor, visible, post);
  if (ok) return ok;
  return post.authorId === actor.id || staff(actor) ? null : 'forbidden';
}

/** Who has read an important post: its author, and the owner and admins who can see it. */
export function canSeeReaders(actor: Actor, visible: boolean, post: { authorId: string }): Verdict {
  const read = canReadPost(actor, visible);
  if (read) return read;
  return post.authorId === actor.id || staff(actor) ? null : 'forbidden';
}

/** Editing a comment: its author, while neither it nor its post is deleted. */
export function canEditComment(actor: Actor, visible: boolean, post: { deleted: boolean }, comment: { authorId: string; deleted: boolean }): Verdict {
  const ok = canInteract(actor, visible, post);
  if (ok) return ok;
  if (comment.deleted) return 'conflict';
  return comment.authorId === actor.id ? null : 'forbidden';
}

/** Deleting a comment: its author, the post's author (their thread), and the owner and admins. */
export function canDeleteComment(
  actor: Actor,
  visible: boolean,
  post: { authorId: string; deleted: boolean },
  comment: { authorId: string; deleted: boolean },
): Verdict {
  const ok = canInteract(actor, visible, post);
  if (ok) return ok;
  if (comment.deleted) return 'conflict';
  return comment.authorId === actor.id || post.authorId === actor.id || staff(actor) ? null : 'forbidden';
}
