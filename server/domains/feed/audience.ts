import { AppError } from '../../../shared/errors';
import type { AudienceInput } from '../../../shared/feed';
import { parseMentions } from '../../../shared/mentions';
import type { Queryable } from '../../db/pool';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { activeColleagues } from '../chats/repo';
import { canPostToGroup, factsOf, findGroups, memberRoles } from '../groups';
import * as repo from './repo';

const unknown = (field: string, message: string) =>
  new AppError('bad_request', message, { fields: { [`audience.${field}`]: 'unknown' } });

/**
 * Check a post's audience and return it deduplicated: the people must be active colleagues, the
 * departments must have someone in them (a typo would otherwise send the post to nobody), the groups
 * must exist and the author must be a member of each (and it not archived).
 */
export async function resolveAudience(svc: Services, actor: Actor, a: AudienceInput): Promise<AudienceInput> {
  const userIds = [...new Set(a.userIds)].filter((id) => id !== actor.id);
  if ((await activeColleagues(svc.db, userIds)).length !== userIds.length) throw unknown('userIds', 'Some people are not active colleagues');

  const groupIds = [...new Set(a.groupIds)];
  const groups = await findGroups(svc.db, groupIds);
  if (groups.length !== groupIds.length) throw unknown('groupIds', 'No such group');
  const roles = await memberRoles(svc.db, groupIds, actor.id);
  for (const g of groups) {
    const verdict = canPostToGroup(actor, factsOf(g), roles.get(g.id) ?? null);
    if (verdict === 'not_found') throw unknown('groupIds', 'No such group');
    enforce(verdict, `post to the group ${g.name}`);
  }

  const keys = await repo.departmentKeys(svc.db, a.departments);
  const staffed = await repo.staffedDepartments(svc.db, a.departments);
  const departments: string[] = [];
  const seen = new Set<string>();
  for (const [i, name] of a.departments.entries()) {
    if (!staffed.has(keys[i])) throw unknown('departments', `Nobody works in the department "${name}"`);
    if (!seen.has(keys[i])) departments.push(name);
    seen.add(keys[i]);
  }

  return { everyone: a.everyone, departments, groupIds, userIds, emails: [...new Set(a.emails)] };
}

/** The active colleagues a text @mentions (`<@uuid>`), the writer left out; unknown ids are plain text. */
export async function mentionedColleagues(q: Queryable, text: string, writerId: string): Promise<string[]> {
  const ids = parseMentions(text).userIds.filter((id) => id !== writerId);
  const active = new Set(await activeColleagues(q, ids));
  return ids.filter((id) => active.has(id));
}
