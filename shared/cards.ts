import { z } from 'zod';
import type { Message } from './messenger';
import type { CommandName, Draft, Problem } from './commands/types';

/**
 * Cards: what a chat shows for a record made from it (a task, a deal, a lead…). A card is the record's
 * summary as of its last change; the hub updates it in place when the record changes, and posts the
 * change into the card's thread.
 */

/** 'doc': a knowledge-base page attached to the chat (it opens the page, where the space's rules apply). */
export const CARD_KINDS = ['task', 'deal', 'lead', 'contact', 'company', 'call', 'doc'] as const;
export type CardKind = (typeof CARD_KINDS)[number];

export const CardSchema = z.object({
  kind: z.enum(CARD_KINDS),
  id: z.string().uuid(),
  title: z.string().max(500),
  /** A task's status, a deal's stage name, a lead's status. */
  status: z.string().max(100).nullable().optional(),
  /** A built-in deal stage's stable code (new, negotiation, proposal, won, lost), for a translated label. */
  stageCode: z.string().max(40).nullable().optional(),
  /** Exact decimal string in major units, with its ISO 4217 currency. */
  amount: z.object({ value: z.string().max(40), currency: z.string().length(3) }).nullable().optional(),
  responsibleId: z.string().uuid().nullable().optional(),
  /** A deadline or a planned time, ISO 8601. */
  due: z.string().max(40).nullable().optional(),
  /** Closed: a task done, a deal won or lost. */
  closed: z.boolean().optional(),
  /**
   * A call's card: `status` is scheduled, live or ended, `due` the planned time, `closed` once ended;
   * here when it ran and how many joined ("Call ended · 23 min · 4 participants").
   */
  call: z
    .object({
      startedAt: z.string().max(40).nullable(),
      endedAt: z.string().max(40).nullable(),
      participantCount: z.number().int().min(0),
    })
    .optional(),
  /** Where the record opens in the app. */
  url: z.string().startsWith('/app/').max(200),
});
export type Card = z.infer<typeof CardSchema>;

/** A change of a record, as its card's thread tells it. */
export interface CardChange {
  field: 'status' | 'stage' | 'due' | 'responsible' | 'amount' | 'closed' | 'title';
  from: string | null;
  to: string | null;
}

/**
 * Run a slash command in a chat (`/task …`, `/сделка …`): the hub parses `text` itself (the browser's
 * preview is only a preview). A confident parse creates the record and posts its card; otherwise the reply
 * carries the draft and its problems, and the client sends the request again with the confirmed `draft`.
 * `sourceId` names a message the record is made from (its menu), `threadRootId` a thread to post into.
 */
export const commandRequest = (requestId: z.ZodString) =>
  z
    .object({
      type: z.literal('command_run'),
      id: requestId,
      chatId: z.string().uuid(),
      clientId: z.string().uuid(),
      text: z.string().max(2_000),
      /** IANA zone of the user ("завтра 15:00" is their wall clock). */
      timeZone: z.string().max(64).regex(/^[A-Za-z_+-]+(\/[A-Za-z0-9_+-]+)*$/).optional(),
      threadRootId: z.string().uuid().optional(),
      sourceId: z.string().uuid().optional(),
      /** The draft the user confirmed on the preview card (checked again by the hub). */
      draft: z.record(z.unknown()).optional(),
    })
    .strict();

/** What `command_run` answers. */
export type CommandReply =
  | { status: 'created'; message: Message; card: Card }
  | { status: 'confirm'; command: CommandName; draft: Draft; problems: Problem[] }
  | { status: 'invalid'; problems: Problem[]; suggestions: string[] };

/**
 * POST /api/commands/run: a slash command typed in a feed comment or a task comment. The record is made
 * as from a chat, and a comment linking to it is added where it was typed. Answers a `CommandReply`
 * (`created` carries the comment instead of a chat message).
 */
export const CommandInBody = z
  .object({
    context: z.object({ kind: z.enum(['post', 'task']), id: z.string().uuid() }).strict(),
    clientId: z.string().uuid(),
    text: z.string().max(2_000),
    timeZone: z.string().max(64).regex(/^[A-Za-z_+-]+(\/[A-Za-z0-9_+-]+)*$/).optional(),
    draft: z.record(z.unknown()).optional(),
  })
  .strict();
export type CommandInInput = z.infer<typeof CommandInBody>;
