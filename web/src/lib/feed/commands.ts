/**
 * Slash commands typed in a feed (or task) comment box: `POST /api/commands/run` with the post as context. The hub
 * makes the record and a comment linking to it (which arrives on the post's stream like any comment).
 * Where the hub is in doubt it makes nothing: the box shows why, in the UI language, and keeps the text.
 */
import type { CommandReply } from '$shared/cards';
import type { Locale } from '$shared/commands';
import type { FeedComment } from '$shared/feed';
import { api } from '../api';
import { browserTimeZone } from '../chats/commands';

/** What the box shows for a reply that made nothing; null when the record was made. */
export function commandOutcome(reply: CommentCommandReply<unknown>, locale: Locale): string | null {
  if (reply.status === 'created') return null;
  const problems = reply.problems.map((p) => p.message[locale]).filter(Boolean);
  const hint = reply.status === 'invalid' && reply.suggestions.length ? [reply.suggestions.join(' ')] : [];
  return [...problems, ...hint].join(' · ') || null;
}

/** What a command typed in a comment box answers: the comment linking to the record, or why nothing was made. */
export type CommentCommandReply<C> = Exclude<CommandReply, { status: 'created' }> | { status: 'created'; comment: C };

/** Run a command typed in a feed post's or a task's comment box. */
export async function runIn<C>(kind: 'post' | 'task', id: string, text: string, clientId: string): Promise<CommentCommandReply<C>> {
  return api.post('/api/commands/run', { context: { kind, id }, clientId, text, timeZone: browserTimeZone() });
}

export const runInPost = (postId: string, text: string, clientId: string) => runIn<FeedComment>('post', postId, text, clientId);
