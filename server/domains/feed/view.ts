import type { Queryable } from '../../db/pool';
import { FEED_LIMITS, type AudienceSummary, type FeedComment, type FeedPost, type PollState } from '../../../shared/feed';
import * as repo from './repo';
import { lastComments } from './commentsRepo';
import { pollStates } from './pollsRepo';
import { refsOf } from '../files/feed';

/**
 * The read model: posts as one viewer sees them (their reactions, their read mark, their poll choices),
 * or viewer-neutral (viewerId null) for stream events that all followers share.
 */

export function summarizeAudience(rows: repo.AudienceRow[], showEmails: boolean): AudienceSummary {
  const summary: AudienceSummary = { everyone: false, departments: [], groups: [], users: [], emails: [], externalCount: 0 };
  for (const a of rows) {
    if (a.kind === 'everyone') summary.everyone = true;
    else if (a.kind === 'department') summary.departments.push(a.label ?? a.ref);
    else if (a.kind === 'group') summary.groups.push({ id: a.group_id!, name: a.group_name ?? '' });
    else if (a.kind === 'user') summary.users.push({ id: a.user_id!, name: a.user_name ?? '', mentioned: a.mentioned });
    else {
      summary.externalCount++;
      if (showEmails) summary.emails.push(a.ref);
    }
  }
  return summary;
}

function groupBy<T extends { post_id: string }>(rows: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) out.set(r.post_id, [...(out.get(r.post_id) ?? []), r]);
  return out;
}

function toPost(
  r: repo.PostRow,
  viewerId: string | null,
  extra: { audience: repo.AudienceRow[]; comments: FeedComment[]; poll: PollState | null; reads: { readCount: number; audienceCount: number } | null },
): FeedPost {
  const deleted = r.deleted_at !== null;
  return {
    id: r.id,
    author: {
      id: r.author_id,
      name: r.author_name,
      position: r.author_position,
      avatarUrl: r.author_has_avatar ? `/api/users/${r.author_id}/avatar?v=${r.author_avatar_version}` : null,
    },
    clientId: r.client_id,
    title: deleted ? null : r.title,
    body: deleted ? '' : r.body,
    audience: summarizeAudience(extra.audience, viewerId === r.author_id),
    mentions: deleted ? [] : r.mentions,
    important: r.important,
    createdAt: r.created_at.toISOString(),
    editedAt: r.edited_at ? r.edited_at.toISOString() : null,
    deletedAt: deleted ? r.deleted_at!.toISOString() : null,
    head: r.head,
    commentCount: r.comment_count,
    lastComments: deleted ? [] : extra.comments,
    reactions: deleted ? [] : r.reactions,
    myReactions: viewerId ? r.reactions.filter((x) => x.userIds.includes(viewerId)).map((x) => x.emoji) : [],
    attachments: deleted ? [] : refsOf(r.attachments),
    poll: deleted ? null : extra.poll,
    read: r.read,
    readCount: extra.reads?.readCount ?? null,
    audienceCount: extra.reads?.audienceCount ?? null,
  };
}

/** Turn post rows into feed items, with their audience, latest comments, poll and read counts. */
export async function assemblePosts(q: Queryable, viewerId: string | null, rows: repo.PostRow[]): Promise<FeedPost[]> {
  const ids = rows.map((r) => r.id);
  const importantIds = rows.filter((r) => r.important && r.deleted_at === null).map((r) => r.id);
  const [audience, comments, polls, reads] = await Promise.all([
    repo.audienceRows(q, ids).then(groupBy),
    lastComments(q, ids, FEED_LIMITS.lastComments),
    pollStates(q, ids, viewerId),
    repo.readCounts(q, importantIds),
  ]);
  return rows.map((r) =>
    toPost(r, viewerId, {
      audience: audience.get(r.id) ?? [],
      comments: comments.get(r.id) ?? [],
      poll: polls.get(r.id) ?? null,
      reads: reads.get(r.id) ?? null,
    }),
  );
}

/** Posts by id as `viewerId` sees them (null: viewer-neutral), newest first. */
export async function loadPosts(q: Queryable, viewerId: string | null, ids: string[]): Promise<FeedPost[]> {
  return assemblePosts(q, viewerId, await repo.postRows(q, viewerId, ids));
}

export async function loadPost(q: Queryable, viewerId: string | null, id: string): Promise<FeedPost> {
  const [post] = await loadPosts(q, viewerId, [id]);
  return post;
}
