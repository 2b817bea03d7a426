import type { z } from 'zod';
import { AppError } from '../../../shared/errors';
import type { ChangeRoleBody, UpdateProfileBody } from '../../../shared/api';
import { DIRECTORY_STREAM, type Me, type PublicUser } from '../../../shared/types';
import type { Services } from '../../services';
import type { Unit } from '../../db/unit';
import { CloseCode } from '../../../shared/protocol';
import { canAdminister, canChangeRole, canListPeople, canSetActive, type Actor, type Verdict } from './policy';
import * as repo from './repo';

/** Throw the AppError a policy verdict names. */
export function enforce(verdict: Verdict, what: string): void {
  if (verdict === 'forbidden') throw new AppError('forbidden', `You may not ${what}`);
  if (verdict === 'not_found') throw new AppError('not_found', 'Not found');
  if (verdict === 'conflict') throw new AppError('conflict', `Cannot ${what}`);
}

async function announce(u: Unit, row: repo.UserRow, actorId: string): Promise<void> {
  await u.emit(DIRECTORY_STREAM, 'user_updated', { user: repo.toPublicUser(row) }, actorId);
}

export async function updateProfile(svc: Services, actor: Actor, input: z.infer<typeof UpdateProfileBody>): Promise<Me> {
  const row = await svc.write(async (u) => {
    const row = await repo.updateProfile(u.tx, actor.id, input);
    const visible = input.name !== undefined || input.position !== undefined || input.department !== undefined;
    if (visible) await announce(u, row, actor.id);
    return row;
  });
  return repo.toMe(row);
}

const IMAGE_SIGNATURES: [string, (b: Buffer) => boolean][] = [
  ['image/png', (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))],
  ['image/jpeg', (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['image/gif', (b) => b.subarray(0, 6).toString('latin1') === 'GIF87a' || b.subarray(0, 6).toString('latin1') === 'GIF89a'],
  ['image/webp', (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP'],
];

/** The image type by its first bytes; the declared content type is never trusted. */
export function sniffImage(data: Buffer): string | null {
  for (const [type, test] of IMAGE_SIGNATURES) if (data.length >= 12 && test(data)) return type;
  return null;
}

export async function setAvatar(svc: Services, actor: Actor, data: Buffer | null): Promise<Me> {
  let type: string | null = null;
  if (data) {
    type = sniffImage(data);
    if (!type) throw new AppError('bad_request', 'The avatar must be a PNG, JPEG, GIF or WebP image');
  }
  const row = await svc.write(async (u) => {
    const row = await repo.setAvatar(u.tx, actor.id, data, type);
    await announce(u, row, actor.id);
    return row;
  });
  return repo.toMe(row);
}

export async function getAvatar(svc: Services, actor: Actor, userId: string) {
  if (actor.id !== userId) enforce(canListPeople(actor), 'see colleagues');
  const avatar = await repo.getAvatar(svc.db, userId);
  if (!avatar) throw new AppError('not_found', 'No avatar');
  return avatar;
}

export async function listDirectory(svc: Services, actor: Actor): Promise<PublicUser[]> {
  enforce(canListPeople(actor), 'see the directory');
  return (await repo.listUsers(svc.db, false)).map(repo.toPublicUser);
}

export async function listAllUsers(svc: Services, actor: Actor): Promise<PublicUser[]> {
  enforce(canAdminister(actor), 'administer users');
  return (await repo.listUsers(svc.db, true)).map(repo.toPublicUser);
}

async function loadTarget(svc: Services, id: string): Promise<repo.UserRow> {
  const target = await repo.findUserById(svc.db, id);
  if (!target || target.role === 'guest') throw new AppError('not_found', 'No such user');
  return target;
}

export async function changeRole(svc: Services, actor: Actor, userId: string, input: z.infer<typeof ChangeRoleBody>): Promise<PublicUser> {
  enforce(canAdminister(actor), 'administer users');
  const target = await loadTarget(svc, userId);
  enforce(canChangeRole(actor, target, input.role), "change this user's role");
  const row = await svc.write(async (u) => {
    const row = await repo.setRole(u.tx, userId, input.role);
    await announce(u, row, actor.id);
    return row;
  });
  svc.log.info('role changed', { by: actor.id, userId, role: input.role });
  return repo.toPublicUser(row);
}

/** Deactivate a user: their sessions end and their live sockets close at once, on every node. */
export async function deactivate(svc: Services, actor: Actor, userId: string): Promise<PublicUser> {
  enforce(canAdminister(actor), 'administer users');
  const target = await loadTarget(svc, userId);
  enforce(canSetActive(actor, target), 'deactivate this user');
  const row = await svc.write(async (u) => {
    const row = await repo.setActive(u.tx, userId, false);
    await u.tx.query(repo.deleteSessionsSql(userId));
    await u.emit(DIRECTORY_STREAM, 'user_deactivated', { userId }, actor.id);
    await announce(u, row, actor.id);
    u.afterCommit(() => svc.control({ type: 'close_user', userId, code: CloseCode.forbidden, reason: 'account deactivated' }));
    return row;
  });
  svc.log.info('user deactivated', { by: actor.id, userId });
  return repo.toPublicUser(row);
}

export async function reactivate(svc: Services, actor: Actor, userId: string): Promise<PublicUser> {
  enforce(canAdminister(actor), 'administer users');
  const target = await loadTarget(svc, userId);
  enforce(canSetActive(actor, target), 'reactivate this user');
  const row = await svc.write(async (u) => {
    const row = await repo.setActive(u.tx, userId, true);
    await announce(u, row, actor.id);
    return row;
  });
  return repo.toPublicUser(row);
}
