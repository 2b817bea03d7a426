import { groupFeedStream, type GroupRole } from '../../../shared/feed';
import type { Unit } from '../../db/unit';
import { userStream } from '../streams/access';
import * as repo from './repo';

/**
 * Events of workgroups. The group's own changes go to its feed stream `feed:group:<id>` (what its
 * viewers follow); a person's joining or leaving also goes to their own stream `user:<id>`, so every
 * device of theirs starts or stops following the group's feed.
 */

export async function groupChanged(u: Unit, groupId: string, actorId: string): Promise<void> {
  // Viewer-neutral: myRole is the actor's here, so it is dropped; clients keep their own.
  const group = { ...(await repo.groupFor(u.tx, actorId, groupId)), myRole: null };
  await u.emit(groupFeedStream(groupId), 'group_updated', { group }, actorId);
}

export async function membersAdded(u: Unit, groupId: string, userIds: string[], role: GroupRole, actorId: string): Promise<void> {
  if (!userIds.length) return;
  await u.emit(groupFeedStream(groupId), 'group_members_added', { groupId, userIds, role }, actorId);
  for (const userId of userIds) {
    await u.emit(userStream(userId), 'group_added', { group: await repo.groupFor(u.tx, userId, groupId) }, actorId);
  }
}

export async function memberRemoved(u: Unit, groupId: string, userId: string, actorId: string): Promise<void> {
  await u.emit(groupFeedStream(groupId), 'group_member_removed', { groupId, userId }, actorId);
  await u.emit(userStream(userId), 'group_removed', { groupId }, actorId);
}

export async function memberRoleChanged(u: Unit, groupId: string, userId: string, role: GroupRole, actorId: string): Promise<void> {
  await u.emit(groupFeedStream(groupId), 'group_member_role_changed', { groupId, userId, role }, actorId);
}
