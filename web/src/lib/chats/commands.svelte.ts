/**
 * Running slash commands from a composer (or a message's menu): `command_run` straight over the realtime
 * connection (never through the send queue: a command is answered, not queued), one clientId per command
 * until it has made its record, so a retry after a lost reply cannot make a second one.
 */
import type { CommandReply } from '$shared/cards';
import type { CommandContext, CommandName, Draft, Problem } from '$shared/commands';
import { directory } from '../directory.svelte';
import { i18n, t } from '../i18n/index.svelte';
import { connection, realtime } from '../realtime/live.svelte';
import { RealtimeError } from '../realtime/socket';
import { session } from '../session.svelte';
import { chats } from './chats.svelte';
import type { PublicUser } from '$shared/types';
import { browserTimeZone, commandContext, commandErrorKey, commandPeople, MAX_COMMAND_CHARS, personToken } from './commands';

/** Everyone in the directory, me included. */
function everyone(): PublicUser[] {
  const me = session.me;
  return me && !directory.users.some((u) => u.id === me.id) ? [...directory.users, me] : directory.users;
}

/** The parser's context now: the UI language, the browser's zone, active colleagues (me included). */
export function liveContext(now = new Date()): CommandContext {
  return commandContext({ now, timeZone: browserTimeZone(), locale: i18n.locale, users: everyone() });
}

/** Whom the `@`/`+` list of a command offers: active colleagues whose name or e-mail starts with the query. */
export function commandCandidates(query: string): PublicUser[] {
  const q = query.toLowerCase();
  const ok = new Set(commandPeople(everyone()).map((p) => p.id));
  return everyone()
    .filter((u) => ok.has(u.id) && (u.name.toLowerCase().split(/\s+/).some((w) => w.startsWith(q)) || u.email.toLowerCase().startsWith(q)))
    .slice(0, 6);
}

/** How a picked person goes into a command's text (see personToken). */
export function commandPersonToken(sigil: '@' | '+', user: PublicUser): string {
  return personToken(sigil, user, commandPeople(everyone()));
}

/** What the hub asked to confirm (or what a message's menu proposes), for the confirmation card. */
export interface Confirming {
  command: CommandName;
  draft: Draft;
  problems: Problem[];
  /** The command's text: problem spans point into it, and it goes with the confirmed draft. */
  text: string;
}

/** Why nothing can be made from the text: problems, and commands it may have meant. */
export interface Refusal {
  problems: Problem[];
  suggestions: string[];
}

/** A failed request as the user should read it. */
function failure(e: unknown): string {
  if (e instanceof RealtimeError) {
    const key = commandErrorKey(e.code, e.fields);
    return t(key, { message: e.message });
  }
  return t('commands.error.generic', { message: e instanceof Error ? e.message : String(e) });
}

export class CommandRun {
  confirming = $state<Confirming | null>(null);
  refused = $state<Refusal | null>(null);
  error = $state('');
  busy = $state(false);
  private clientId = crypto.randomUUID();

  constructor(private readonly where: () => { chatId: string; threadRootId?: string | null; sourceId?: string }) {}

  /** Show the confirmation card for a draft made here (a message's menu). */
  propose(c: Confirming): void {
    this.confirming = c;
    this.refused = null;
    this.error = '';
  }

  /** Show why the text cannot run, without asking the hub (an unknown command, no title). */
  refuse(r: Refusal): void {
    this.refused = r;
    this.error = '';
  }

  /** The text changed (or the user backed out): back to editing. */
  edited(): void {
    this.confirming = null;
    this.refused = null;
    this.error = '';
  }

  /**
   * Run `text`; with `draft`, the confirmed draft of the card. Resolves true once the record is made (its
   * card message is then shown at once; the stream brings it to everyone else).
   */
  async run(text: string, draft?: Draft): Promise<boolean> {
    if (this.busy) return false;
    this.error = '';
    if (text.length > MAX_COMMAND_CHARS) {
      this.error = t('commands.error.tooLong', { max: MAX_COMMAND_CHARS });
      return false;
    }
    const client = realtime();
    if (!client || connection.status !== 'online') {
      this.error = t('commands.offline');
      return false;
    }
    const { chatId, threadRootId, sourceId } = this.where();
    this.busy = true;
    try {
      const reply: CommandReply = await client.request({
        type: 'command_run',
        chatId,
        clientId: this.clientId,
        text,
        timeZone: browserTimeZone(),
        ...(threadRootId ? { threadRootId } : {}),
        ...(sourceId ? { sourceId } : {}),
        ...(draft ? { draft: draft as unknown as Record<string, unknown> } : {}),
      });
      return this.apply(reply, text);
    } catch (e) {
      this.error = failure(e);
      return false;
    } finally {
      this.busy = false;
    }
  }

  private apply(reply: CommandReply, text: string): boolean {
    switch (reply.status) {
      case 'created':
        if (chats.conversation?.chatId === reply.message.chatId) chats.conversation.put(reply.message);
        this.confirming = null;
        this.refused = null;
        this.clientId = crypto.randomUUID();
        return true;
      case 'confirm':
        this.confirming = { command: reply.command, draft: reply.draft, problems: reply.problems, text };
        this.refused = null;
        return false;
      case 'invalid':
        // On a confirmation card the refusal shows on the card; the draft stays to be changed.
        this.refused = { problems: reply.problems, suggestions: reply.suggestions };
        return false;
    }
  }
}
