import { AppError } from '../../../shared/errors';
import { TASK_LIMITS, type TaskOrigin } from '../../../shared/tasks';
import type { Queryable } from '../../db/pool';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { activeColleagues } from '../chats/repo';
import { canPostToGroup, factsOf, findGroups, memberRoles } from '../groups';
import { originFacts } from './repo';

/**
 * Checks of what a task names (people, a workgroup, the chat message it came from), each failing with
 * a bad_request that names the field, so that a composer can point at the wrong part.
 */

const unknown = (field: string, message: string) => new AppError('bad_request', message, { fields: { [field]: 'unknown' } });

/** People named on a task must be active colleagues (never guests); each field is checked on its own. */
export async function checkPeople(q: Queryable, named: { responsibleId?: string; participantIds?: string[]; observerIds?: string[] }): Promise<void> {
  const all = [...new Set([named.responsibleId ?? [], named.participantIds ?? [], named.observerIds ?? []].flat())];
  const active = new Set(await activeColleagues(q, all));
  if (named.responsibleId && !active.has(named.responsibleId)) {
    throw unknown('responsibleId', 'The responsible person is not an active colleague');
  }
  for (const field of ['participantIds', 'observerIds'] as const) {
    const missing = (named[field] ?? []).filter((id) => !active.has(id));
    if (missing.length) throw unknown(field, `Not active colleagues in ${field}: ${missing.join(', ')}`);
  }
}

/**
 * A task's workgroup must exist and be one the actor may put work into: a member of it (or the
 * workspace's owner or an admin), and not archived. A closed group seen from outside is unknown.
 */
export async function checkGroup(q: Queryable, actor: Actor, groupId: string): Promise<void> {
  const [group] = await findGroups(q, [groupId]);
  if (!group) throw unknown('groupId', 'No such workgroup');
  if (actor.role === 'owner' || actor.role === 'admin') {
    if (group.archived_at) throw new AppError('conflict', `The workgroup ${group.name} is archived`);
    return;
  }
  const verdict = canPostToGroup(actor, factsOf(group), (await memberRoles(q, [groupId], actor.id)).get(groupId) ?? null);
  if (verdict === 'not_found') throw unknown('groupId', 'No such workgroup');
  if (verdict === 'conflict') throw new AppError('conflict', `The workgroup ${group.name} is archived`);
  enforce(verdict, `add tasks to the workgroup ${group.name}`);
}

/** The chat message a task comes from must be in that chat, and the actor a member of it. */
export async function checkOrigin(q: Queryable, actor: Actor, origin: TaskOrigin): Promise<void> {
  const facts = await originFacts(q, origin.chatId, origin.messageId, actor.id);
  // Not being in the chat looks the same as a wrong id: the chat's existence is not the actor's to learn.
  if (!facts.member) throw unknown('origin.chatId', 'No such chat');
  if (!facts.message) throw unknown('origin.messageId', 'No such message in that chat');
}

/** A time for a new deadline or reminder must be ahead, and not absurdly far. */
export function checkFuture(at: Date, field: string, what: string, now = Date.now()): void {
  if (at.getTime() <= now) {
    throw new AppError('bad_request', `The ${what} ${at.toISOString()} is in the past`, { fields: { [field]: 'in the past' } });
  }
  if (at.getTime() > now + TASK_LIMITS.horizonDays * 86_400_000) {
    throw new AppError('bad_request', `The ${what} is too far ahead`, { fields: { [field]: 'too far ahead' } });
  }
}
