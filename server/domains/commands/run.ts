import { sql } from '../../db/pool';
import { AppError } from '../../../shared/errors';
import type { Card, CommandReply } from '../../../shared/cards';
import { parseCommand, type Draft, type Problem } from '../../../shared/commands';
import { draftSchema } from '../../../shared/commands/schema';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { canUseChat } from '../chats/policy';
import { findByClientId, findMessage, sendFacts } from '../chats/repo';
import { postCard } from './cards';
import { executorFor, type Origin } from './registry';
import { callCardMessage } from '../calls/actions';
import './executors';

export interface RunInput {
  chatId: string;
  clientId: string;
  text: string;
  timeZone?: string;
  threadRootId?: string;
  sourceId?: string;
  draft?: Record<string, unknown>;
}

const problem = (code: Problem['code'], en: string, ru: string): Problem => ({ code, span: [0, 0], message: { en, ru } });

/** A zone the runtime knows, else UTC (a forged zone must not break date arithmetic). */
function knownZone(zone: string | undefined): string {
  if (!zone) return 'UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    return 'UTC';
  }
}

/** The draft to act on: the confirmed one (checked again), or what the hub's own parse makes of the text. */
async function draftOf(svc: Services, actor: Actor, input: Omit<RunInput, 'chatId'>): Promise<{ draft: Draft } | { reply: CommandReply }> {
  if (input.draft) {
    const checked = draftSchema.safeParse(input.draft);
    if (!checked.success) {
      return { reply: { status: 'invalid', problems: [problem('conflicting', 'The confirmed draft is malformed', 'Черновик повреждён')], suggestions: [] } };
    }
    return { draft: checked.data as Draft };
  }
  const people = await svc.db.query(sql`SELECT id, name, email FROM users WHERE active AND role <> 'guest' ORDER BY name`);
  const [me] = await svc.db.query(sql`SELECT locale FROM users WHERE id = ${actor.id}`);
  const extras: { stages?: string[]; defaultCurrency?: string }[] = await Promise.all(
    (['deal', 'lead'] as const).map((k) => executorFor(k)?.context?.(svc.db) ?? {}),
  );
  const result = parseCommand(input.text, {
    now: new Date(),
    timeZone: knownZone(input.timeZone),
    locale: me?.locale === 'ru' ? 'ru' : 'en',
    people: people.map((p) => ({ id: p.id, name: p.name, email: p.email })),
    stages: extras.flatMap((e) => e.stages ?? []),
    defaultCurrency: extras.find((e) => e.defaultCurrency)?.defaultCurrency ?? 'RUB',
  });
  // A bare `/call` (`/звонок`) starts the chat's call: a call needs no title, unlike the other records.
  if (!result.ok && result.kind === 'invalid' && result.command === 'call' && result.problems.every((p) => p.code === 'empty_title')) {
    return { draft: { kind: 'call', title: '', participantIds: [], phones: [], emails: [] } };
  }
  if (!result.ok) return { reply: { status: 'invalid', problems: result.problems, suggestions: result.suggestions } };
  if (!result.confident) return { reply: { status: 'confirm', command: result.command, draft: result.draft, problems: result.problems } };
  return { draft: result.draft };
}

/**
 * Parse (or take the confirmed draft) and make the record through its domain (its own transaction,
 * checks and idempotency by client id); or the reply that asks for a confirmation or explains a refusal.
 */
export async function makeRecord(svc: Services, actor: Actor, input: Omit<RunInput, 'chatId'>, origin: Origin): Promise<{ card: Card } | { reply: CommandReply }> {
  const wait = svc.limits.send.take(actor.id);
  if (wait) throw new AppError('rate_limited', 'You are sending too fast', { retryAfter: wait });
  const planned = await draftOf(svc, actor, input);
  if ('reply' in planned) return planned;
  const executor = executorFor(planned.draft.kind);
  if (!executor) {
    const p = problem('unsupported', `/${planned.draft.kind} is not available in this workspace yet`, `Команда /${planned.draft.kind} пока недоступна`);
    return { reply: { status: 'invalid', problems: [p], suggestions: [] } };
  }
  return { card: await executor.create(svc, actor, planned.draft, origin) };
}

/**
 * Run a slash command typed in a chat: make the record through its domain (whose permissions apply) and
 * post its card into the chat, linked both ways. Idempotent by client id: a retry answers the card the
 * first attempt posted. Nothing is made when the text is not understood without doubt: the reply asks
 * the client to show a preview and confirm.
 */
export async function runCommand(svc: Services, actor: Actor, input: RunInput): Promise<CommandReply> {
  const facts = await sendFacts(svc.db, input.chatId, actor.id, input.clientId);
  if (!facts.chat) throw new AppError('not_found', 'No such chat');
  enforce(canUseChat(actor, facts.role), 'use this chat');
  if (facts.retried) {
    const first = (await findByClientId(svc.db, actor.id, input.clientId))!;
    if (first.chatId !== input.chatId || !first.card) throw new AppError('conflict', 'This client id was already used for another message');
    return { status: 'created', message: first, card: first.card };
  }
  for (const [id, what] of [[input.threadRootId, 'thread'], [input.sourceId, 'message']] as const) {
    if (!id) continue;
    const m = await findMessage(svc.db, id);
    if (!m || m.chatId !== input.chatId) throw new AppError('not_found', `No such ${what} in this chat`);
  }
  // The record is made first (its domain's own transaction); the card follows. Should the card fail, the
  // record stays, reachable from its list.
  const made = await makeRecord(svc, actor, input, { chatId: input.chatId, clientId: input.clientId, sourceId: input.sourceId ?? null });
  if ('reply' in made) return made.reply;
  const { card } = made;
  if (card.kind === 'call') {
    // The calls domain posted (or, for a live call, had posted) the call's card: answer that one.
    const posted = await callCardMessage(svc, card.id);
    if (!posted) throw new AppError('conflict', 'The call has no card in this chat');
    svc.log.info('command ran', { kind: card.kind, record: card.id, chat: input.chatId });
    return { status: 'created', message: posted, card };
  }
  const message = await svc.write((u) =>
    postCard(u, { actorId: actor.id, chatId: input.chatId, clientId: input.clientId, card, threadRootId: input.threadRootId, sourceId: input.sourceId }),
  );
  svc.log.info('command ran', { kind: card.kind, record: card.id, chat: input.chatId });
  return { status: 'created', message, card };
}
