import type { Card, CardKind } from '../../../shared/cards';
import type { Draft } from '../../../shared/commands/types';
import type { Queryable } from '../../db/pool';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';

/** Where a record made from a chat comes from. */
export interface Origin {
  /** The chat it was typed in; null when typed in a feed or task comment. */
  chatId: string | null;
  /** The command's client id: the record's own idempotency key (a retried command makes one record). */
  clientId: string;
  /** The message it was made from (its menu), if any. */
  sourceId: string | null;
}

/**
 * What a domain offers slash commands: making its record from a confirmed draft (through the domain's
 * own action and permission checks) and the card that shows it. Registered by the domains at start-up.
 */
export interface CommandExecutor {
  create(svc: Services, actor: Actor, draft: Draft, origin: Origin): Promise<Card>;
  /** Facts the parser needs from this domain (deal stages, the default currency). */
  context?(q: Queryable): Promise<{ stages?: string[]; defaultCurrency?: string }>;
}

const executors = new Map<CardKind, CommandExecutor>();

export function registerExecutor(kind: CardKind, executor: CommandExecutor): void {
  executors.set(kind, executor);
}

export const executorFor = (kind: CardKind) => executors.get(kind) ?? null;
export const registeredKinds = () => [...executors.keys()];
