/**
 * Running slash commands from a chat's composer (or a message's menu): `command_run` straight over the
 * realtime connection (never through the send queue: a command is answered, not queued). The state a
 * command's panel shows is the shared CommandRunner's; this is only how a chat carries the command.
 */
import type { CommandReply } from '$shared/cards';
import { CommandOffline, CommandRunner, type CommandSender } from '../commands/run.svelte';
import { connection, realtime } from '../realtime/live.svelte';
import { chats } from './chats.svelte';
import { browserTimeZone } from './commands';

export { liveContext } from '../commands/context.svelte';

/** Where in a chat a command runs: the chat, a thread, the message it is made from. */
export interface ChatPlace {
  chatId: string;
  threadRootId?: string | null;
  sourceId?: string;
}

/**
 * Sends commands typed in a chat over the realtime connection (refused at once while it is down: a
 * command is never queued). A made record's card message is shown at once; the stream brings it to
 * everyone else.
 */
export function chatSender(where: () => ChatPlace): CommandSender {
  return async ({ text, clientId, draft }) => {
    const client = realtime();
    if (!client || connection.status !== 'online') throw new CommandOffline();
    const { chatId, threadRootId, sourceId } = where();
    const reply: CommandReply = await client.request({
      type: 'command_run',
      chatId,
      clientId,
      text,
      timeZone: browserTimeZone(),
      ...(threadRootId ? { threadRootId } : {}),
      ...(sourceId ? { sourceId } : {}),
      ...(draft ? { draft: draft as unknown as Record<string, unknown> } : {}),
    });
    if (reply.status === 'created' && chats.conversation?.chatId === reply.message.chatId) chats.conversation.put(reply.message);
    return reply;
  };
}

/** A command runner for a place in a chat (a message's menu). */
export class CommandRun extends CommandRunner {
  constructor(where: () => ChatPlace) {
    super(chatSender(where));
  }
}
