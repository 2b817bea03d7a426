/**
 * Slash commands typed in a feed (or task) comment box: `POST /api/commands/run` with the post (or task)
 * as context. The hub makes the record and a comment linking to it (which also arrives on the post's
 * stream like any comment). Where the hub is in doubt it makes nothing and asks to confirm: the box shows
 * the same confirmation card as a chat's composer (CommandPanel), and the confirmed draft comes back here.
 */
import type { CommandReply } from '$shared/cards';
import type { Draft } from '$shared/commands';
import type { FeedComment } from '$shared/feed';
import { api } from '../api';
import { browserTimeZone } from '../chats/commands';
import type { CommandSender } from '../commands/run.svelte';

/** What a command typed in a comment box answers: the comment linking to the record, or why nothing was made. */
export type CommentCommandReply<C> = Exclude<CommandReply, { status: 'created' }> | { status: 'created'; comment: C };

/** Run a command typed in a feed post's or a task's comment box; with `draft`, the one confirmed on the card. */
export async function runIn<C>(kind: 'post' | 'task', id: string, text: string, clientId: string, draft?: Draft): Promise<CommentCommandReply<C>> {
  return api.post('/api/commands/run', { context: { kind, id }, clientId, text, timeZone: browserTimeZone(), ...(draft ? { draft } : {}) });
}

/** Sends commands typed in a post's comment box; the linking comment is shown at once (`oncomment`). */
export function postSender(postId: () => string, oncomment: (postId: string, comment: FeedComment) => void): CommandSender {
  return async ({ text, clientId, draft }) => {
    const id = postId();
    const reply = await runIn<FeedComment>('post', id, text, clientId, draft);
    if (reply.status === 'created') oncomment(id, reply.comment);
    return reply;
  };
}
