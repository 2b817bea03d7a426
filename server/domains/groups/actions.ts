import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { AppError } from '../../../shared/errors';
import {
  groupFeedStream, type AddGroupMembersBody, type CreateGroupBody, type GroupMember, type GroupMemberRoleBody, type UpdateGroupBody,
  type WorkGroup,
} from '../../../shared/feed';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { activeColleagues } from '../chats/repo';
import { streamChannel } from '../streams';
import {
  canAddGroupMembers, canArchiveGroup, canJoinGroup, canManageGroup, canRemoveGroupMember, canSeeGroup, canSetGroupMemberRole, canUseGroups,
} from './policy';
import * as events from './events';
import * as repo from './repo';

/** The group, the actor's role in it, and the policy's facts; unknown groups are not found. */
async function load(svc: Services, actor: Actor, groupId: string) {
  enforce(canUseGroups(actor), 'use workgroups');
  const row = await repo.findGroup(svc.db, groupId);
  if (!row) throw new AppError('not_found', 'No such group');
  const role = await repo.memberRole(svc.db, groupId, actor.id);
  return { row, role, facts: repo.factsOf(row) };
}

/** Active employees among `ids`, all of them, or a bad_request naming the field. */
async function colleagues(svc: Services, ids: string[], field: string): Promise<string[]> {
  const wanted = [...new Set(ids)];
  const found = await activeColleagues(svc.db, wanted);
  if (found.length !== wanted.length) {
    throw new AppError('bad_request', 'Some people are not active colleagues', { fields: { [field]: 'unknown or inactive people' } });
  }
  return found;
}

export async function listGroups(svc: Services, actor: Actor): Promise<WorkGroup[]> {
  enforce(canUseGroups(actor), 'use workgroups');
  return repo.listGroups(svc.db, actor.id);
}

export async function getGroup(svc: Services, actor: Actor, groupId: string): Promise<{ group: WorkGroup; members: GroupMember[] }> {
  const { role, facts } = await load(svc, actor, groupId);
  enforce(canSeeGroup(actor, facts, role), 'see this group');
  return { group: await repo.groupFor(svc.db, actor.id, groupId), members: await repo.members(svc.db, groupId) };
}

/** Create a group or project; the creator owns it, the people named join as members. */
export async function createGroup(svc: Services, actor: Actor, input: z.infer<typeof CreateGroupBody>): Promise<WorkGroup> {
  enforce(canUseGroups(actor), 'create workgroups');
  const others = await colleagues(svc, input.memberIds.filter((id) => id !== actor.id), 'memberIds');
  const id = randomUUID();
  await svc.write(async (u) => {
    await repo.insertGroup(u.tx, { id, name: input.name, description: input.description, kind: input.kind, visibility: input.visibility, createdBy: actor.id });
    await repo.addMembers(u.tx, id, [actor.id], 'owner');
    await events.membersAdded(u, id, [actor.id], 'owner', actor.id);
    await events.membersAdded(u, id, await repo.addMembers(u.tx, id, others, 'member'), 'member', actor.id);
  });
  return repo.groupFor(svc.db, actor.id, id);
}

export async function updateGroup(svc: Services, actor: Actor, groupId: string, input: z.infer<typeof UpdateGroupBody>): Promise<WorkGroup> {
  const { role, facts } = await load(svc, actor, groupId);
  enforce(canManageGroup(actor, facts, role), 'change this group');
  await svc.write(async (u) => {
    await repo.updateGroup(u.tx, groupId, input);
    await events.groupChanged(u, groupId, actor.id);
    // Open to closed (or back): who may read its documents and follow its streams changed.
    if (input.visibility !== undefined && input.visibility !== facts.visibility) {
      u.afterCommit(() => svc.control({ type: 'recheck_docs' }));
      if (input.visibility === 'closed') u.afterCommit(() => svc.control({ type: 'recheck_streams' }));
    }
  });
  return repo.groupFor(svc.db, actor.id, groupId);
}

/** Archive (read-only from then on) or restore a group. */
export async function setArchived(svc: Services, actor: Actor, groupId: string, archived: boolean): Promise<WorkGroup> {
  const { role, facts } = await load(svc, actor, groupId);
  enforce(canArchiveGroup(actor, facts, role), archived ? 'archive this group' : 'restore this group');
  if (facts.archived === archived) throw new AppError('conflict', archived ? 'The group is already archived' : 'The group is not archived');
  await svc.write(async (u) => {
    await repo.setArchived(u.tx, groupId, archived);
    await events.groupChanged(u, groupId, actor.id);
    // The group's documents become read-only (or editable again) for whoever has them open.
    u.afterCommit(() => svc.control({ type: 'recheck_docs' }));
  });
  return repo.groupFor(svc.db, actor.id, groupId);
}

export async function joinGroup(svc: Services, actor: Actor, groupId: string): Promise<WorkGroup> {
  const { role, facts } = await load(svc, actor, groupId);
  enforce(canJoinGroup(actor, facts, role), 'join this group');
  await svc.write(async (u) => {
    await events.membersAdded(u, groupId, await repo.addMembers(u.tx, groupId, [actor.id], 'member'), 'member', actor.id);
  });
  return repo.groupFor(svc.db, actor.id, groupId);
}

export async function addMembers(svc: Services, actor: Actor, groupId: string, input: z.infer<typeof AddGroupMembersBody>): Promise<WorkGroup> {
  const { role, facts } = await load(svc, actor, groupId);
  enforce(canAddGroupMembers(actor, facts, role, input.role), 'add people to this group');
  const people = await colleagues(svc, input.userIds, 'userIds');
  await svc.write(async (u) => {
    await events.membersAdded(u, groupId, await repo.addMembers(u.tx, groupId, people, input.role), input.role, actor.id);
  });
  return repo.groupFor(svc.db, actor.id, groupId);
}

/**
 * Remove a member, or leave. A departing owner hands the group to its longest-standing moderator or
 * member. Someone who leaves a closed group stops following its feed at once, on every node.
 */
export async function removeMember(svc: Services, actor: Actor, groupId: string, userId: string): Promise<void> {
  const { role, facts } = await load(svc, actor, groupId);
  const targetRole = await repo.memberRole(svc.db, groupId, userId);
  enforce(canRemoveGroupMember(actor, facts, role, { id: userId, role: targetRole }), 'remove this member');
  await svc.write(async (u) => {
    await repo.removeMember(u.tx, groupId, userId);
    await events.memberRemoved(u, groupId, userId, actor.id);
    if (targetRole === 'owner') {
      const heir = await repo.successor(u.tx, groupId);
      if (heir) {
        await repo.setMemberRole(u.tx, groupId, heir, 'owner');
        await events.memberRoleChanged(u, groupId, heir, 'owner', actor.id);
      }
    }
    if (facts.visibility === 'closed') {
      u.afterCommit(() => svc.control({ type: 'revoke_stream', userId, channel: streamChannel(groupFeedStream(groupId)) }));
    }
    // Their open documents of the group's space: read-only now (an open group) or out of reach (a closed one).
    u.afterCommit(() => svc.control({ type: 'recheck_docs', userId }));
    // Their streams of the group's space (its page tree, its pages' comments) are asked again too.
    u.afterCommit(() => svc.control({ type: 'recheck_streams', userId }));
  });
}

export async function setMemberRole(svc: Services, actor: Actor, groupId: string, userId: string, input: z.infer<typeof GroupMemberRoleBody>): Promise<void> {
  const { role, facts } = await load(svc, actor, groupId);
  const targetRole = await repo.memberRole(svc.db, groupId, userId);
  enforce(canSetGroupMemberRole(actor, facts, role, { id: userId, role: targetRole }), "change this member's role");
  await svc.write(async (u) => {
    await repo.setMemberRole(u.tx, groupId, userId, input.role);
    await events.memberRoleChanged(u, groupId, userId, input.role, actor.id);
  });
}
