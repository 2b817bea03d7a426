/**
 * Running a slash command from any box that takes one (a chat's composer, a message's menu, a feed post's
 * or a task's comment box), whatever carries it: the box hands a sender (the realtime connection for chats,
 * `POST /api/commands/run` for comments) and gets the state its panel shows — the confirmation card the hub
 * asked for, a refusal, an error, busy. One clientId per command until it has made its record, so a retry
 * after a lost reply cannot make a second one.
 */
import type { CommandReply } from '$shared/cards';
import type { CommandName, Draft, Problem } from '$shared/commands';
import { ApiError } from '../api';
import { commandErrorKey, MAX_COMMAND_CHARS } from '../chats/commands';
import { t } from '../i18n/index.svelte';
import { RealtimeError } from '../realtime/socket';

/** What the hub answers a command: the record was made (what else comes with it is the sender's business), or why not. */
export type CommandAnswer = { status: 'created' } | Exclude<CommandReply, { status: 'created' }>;

/** One attempt: the text, its clientId, and the draft the user confirmed on the card (if any). */
export interface CommandAttempt {
  text: string;
  clientId: string;
  draft?: Draft;
}

/**
 * Sends one attempt and answers the hub's reply; on `created` it has already put what was made where it
 * shows (the card message in the chat, the linking comment under the post or task). Throws on failure.
 */
export type CommandSender = (attempt: CommandAttempt) => Promise<CommandAnswer>;

/** Thrown by a sender that knows it cannot reach the hub now (the realtime connection is down). */
export class CommandOffline extends Error {
  constructor() {
    super('offline');
    this.name = 'CommandOffline';
  }
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

/** A failed attempt as the user should read it (socket and HTTP errors carry the same codes). */
export function commandFailure(e: unknown): string {
  // A fetch that never reached the hub is status 0: the same advice as a socket that is down.
  if (e instanceof CommandOffline || (e instanceof ApiError && e.status === 0)) return t('commands.offline');
  if (e instanceof RealtimeError || e instanceof ApiError) return t(commandErrorKey(e.code, e.fields), { message: e.message });
  return t('commands.error.generic', { message: e instanceof Error ? e.message : String(e) });
}

export class CommandRunner {
  confirming = $state<Confirming | null>(null);
  refused = $state<Refusal | null>(null);
  error = $state('');
  busy = $state(false);
  private clientId = crypto.randomUUID();

  constructor(private readonly send: CommandSender) {}

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

  /** Run `text`; with `draft`, the confirmed draft of the card. Resolves true once the record is made. */
  async run(text: string, draft?: Draft): Promise<boolean> {
    if (this.busy) return false;
    this.error = '';
    if (text.length > MAX_COMMAND_CHARS) {
      this.error = t('commands.error.tooLong', { max: MAX_COMMAND_CHARS });
      return false;
    }
    this.busy = true;
    try {
      return this.apply(await this.send({ text, clientId: this.clientId, ...(draft ? { draft } : {}) }), text);
    } catch (e) {
      this.error = commandFailure(e);
      return false;
    } finally {
      this.busy = false;
    }
  }

  private apply(reply: CommandAnswer, text: string): boolean {
    switch (reply.status) {
      case 'created':
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
