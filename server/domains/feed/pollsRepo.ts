import { randomUUID } from 'node:crypto';
import { sql, type Queryable } from '../../db/pool';
import type { PollState } from '../../../shared/feed';

export async function insertPoll(q: Queryable, postId: string, poll: { question: string; options: string[]; multiple: boolean }): Promise<void> {
  await q.query(sql`INSERT INTO feed_polls (post_id, question, multiple) VALUES (${postId}, ${poll.question}, ${poll.multiple})`);
  for (const [position, text] of poll.options.entries()) {
    await q.query(sql`INSERT INTO feed_poll_options (id, post_id, position, text) VALUES (${randomUUID()}, ${postId}, ${position}, ${text})`);
  }
}

/** The polls of posts with their results; `myChoices` are the viewer's (empty when null). */
export async function pollStates(q: Queryable, postIds: string[], viewerId: string | null): Promise<Map<string, PollState>> {
  const out = new Map<string, PollState>();
  if (!postIds.length) return out;
  const polls = await q.query(sql`
    SELECT fp.post_id, fp.question, fp.multiple,
      (SELECT count(DISTINCT v.user_id)::int FROM feed_poll_votes v WHERE v.post_id = fp.post_id) AS total_voters
    FROM feed_polls fp WHERE fp.post_id = ANY(${postIds}::uuid[])`);
  for (const p of polls) {
    out.set(p.post_id, { question: p.question, multiple: p.multiple, options: [], totalVoters: p.total_voters, myChoices: [] });
  }
  const options = await q.query(sql`
    SELECT o.id, o.post_id, o.text, (SELECT count(*)::int FROM feed_poll_votes v WHERE v.option_id = o.id) AS votes,
      EXISTS (SELECT 1 FROM feed_poll_votes v WHERE v.option_id = o.id AND v.user_id = ${viewerId}::uuid) AS mine
    FROM feed_poll_options o WHERE o.post_id = ANY(${postIds}::uuid[]) ORDER BY o.post_id, o.position`);
  for (const o of options) {
    const poll = out.get(o.post_id)!;
    poll.options.push({ id: o.id, text: o.text, votes: o.votes });
    if (o.mine) poll.myChoices.push(o.id);
  }
  return out;
}

/** The option ids of a post's poll, and whether it takes several choices; null when it has no poll. */
export async function pollShape(q: Queryable, postId: string): Promise<{ multiple: boolean; optionIds: string[] } | null> {
  const polls = await q.query(sql`SELECT multiple FROM feed_polls WHERE post_id = ${postId}`);
  if (!polls.length) return null;
  const options = await q.query(sql`SELECT id FROM feed_poll_options WHERE post_id = ${postId} ORDER BY position`);
  return { multiple: polls[0].multiple as boolean, optionIds: options.map((o) => o.id as string) };
}

/** Replace the voter's choice in a poll with `optionIds` (empty: retract). */
export async function replaceVote(q: Queryable, postId: string, userId: string, optionIds: string[]): Promise<void> {
  await q.query(sql`DELETE FROM feed_poll_votes WHERE post_id = ${postId} AND user_id = ${userId}`);
  if (!optionIds.length) return;
  await q.query(sql`
    INSERT INTO feed_poll_votes (option_id, post_id, user_id)
    SELECT id, ${postId}, ${userId} FROM unnest(${optionIds}::uuid[]) AS id`);
}
