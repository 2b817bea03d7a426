/**
 * Slash commands typed in a feed comment box: `POST /api/commands/run` with the post as context. The hub
 * makes the record and a comment linking to it (which arrives on the post's stream like any comment).
 * Where the hub is in doubt it makes nothing: the box shows why, in the UI language, and keeps the text.
 */
import type { CommandReply } from '$shared/cards';
import type { Locale } from '$shared/commands';
import type { FeedComment } from '$shared/feed';
import { api } from '../api';
import { browserTimeZone } from '../chats/commands';

/** What the box shows for a reply that made nothing; null when the record was made. */
export function commandOutcome(reply: CommandReply | { status: 'created'; comment: FeedComment }, locale: Locale): string | null {
  if (reply.status === 'created') return null;
  const problems = reply.problems.map((p) => p.message[locale]).filter(Boolean);
  const hint = reply.status === 'invalid' && reply.suggestions.length ? [reply.suggestions.join(' ')] : [];
  return [...problems, ...hint].join(' · ') || null;
}

export async function runInPost(postId: string, text: string, clientId: string): Promise<Exclude<CommandReply, { status: 'created' }> | { status: 'created'; comment: FeedComment }> {
  return api.post('/api/commands/run', { context: { kind: 'post', id: postId }, clientId, text, timeZone: browserTimeZone() });
}
