import { sql, type Queryable } from '../../db/pool';
import type { Locale, Me, PublicUser, Role } from '../../../shared/types';

/** A users row without the avatar bytes. */
export interface UserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  role: Role;
  position: string;
  department: string;
  locale: Locale;
  avatar_version: number;
  has_avatar: boolean;
  active: boolean;
}

const COLUMNS = sql`id, email, name, password_hash, role, position, department, locale, avatar_version,
  avatar IS NOT NULL AS has_avatar, active`;

/** How colleagues see a user. */
export function toPublicUser(u: UserRow): PublicUser {
  return {
    id: u.id,
    name: u.name,
    email: u.email,
    role: u.role,
    position: u.position,
    department: u.department,
    avatarUrl: u.has_avatar ? `/api/users/${u.id}/avatar?v=${u.avatar_version}` : null,
    active: u.active,
  };
}

/** How a user sees themselves. */
export function toMe(u: UserRow): Me {
  return { ...toPublicUser(u), locale: u.locale };
}

export async function findUserById(q: Queryable, id: string): Promise<UserRow | null> {
  const rows = await q.query(sql`SELECT ${COLUMNS} FROM users WHERE id = ${id}`);
  return (rows[0] as UserRow) ?? null;
}

export async function findUserByEmail(q: Queryable, email: string): Promise<UserRow | null> {
  const rows = await q.query(sql`SELECT ${COLUMNS} FROM users WHERE lower(email) = lower(${email})`);
  return (rows[0] as UserRow) ?? null;
}

export async function countUsers(q: Queryable): Promise<number> {
  const [{ n }] = await q.query(sql`SELECT count(*)::int AS n FROM users`);
  return n as number;
}

export async function insertUser(
  q: Queryable,
  u: { id: string; email: string; name: string; passwordHash: string; role: Role; locale: Locale },
): Promise<UserRow> {
  const [row] = await q.query(sql`
    INSERT INTO users (id, email, name, password_hash, role, locale)
    VALUES (${u.id}, ${u.email}, ${u.name}, ${u.passwordHash}, ${u.role}, ${u.locale})
    RETURNING ${COLUMNS}`);
  return row as UserRow;
}

/** An external guest who accepted an invitation becomes a colleague: the same person, now with an account. */
export async function promoteGuest(
  q: Queryable,
  id: string,
  u: { name: string; passwordHash: string; role: Role; locale: Locale },
): Promise<UserRow> {
  const [row] = await q.query(sql`
    UPDATE users SET name = ${u.name}, password_hash = ${u.passwordHash}, role = ${u.role}, locale = ${u.locale},
      active = true, updated_at = now()
    WHERE id = ${id} AND role = 'guest'
    RETURNING ${COLUMNS}`);
  return row as UserRow;
}

/** Active users first by name; deactivated ones only when asked. */
export async function listUsers(q: Queryable, includeInactive: boolean): Promise<UserRow[]> {
  const rows = await q.query(sql`
    SELECT ${COLUMNS} FROM users
    WHERE role <> 'guest' AND (${includeInactive} OR active)
    ORDER BY active DESC, lower(name), id`);
  return rows as UserRow[];
}

export async function updateProfile(
  q: Queryable,
  id: string,
  p: { name?: string; position?: string; department?: string; locale?: Locale },
): Promise<UserRow> {
  const [row] = await q.query(sql`
    UPDATE users SET
      name = COALESCE(${p.name ?? null}, name),
      position = COALESCE(${p.position ?? null}, position),
      department = COALESCE(${p.department ?? null}, department),
      locale = COALESCE(${p.locale ?? null}, locale),
      updated_at = now()
    WHERE id = ${id} RETURNING ${COLUMNS}`);
  return row as UserRow;
}

export async function setAvatar(q: Queryable, id: string, image: Buffer | null, type: string | null): Promise<UserRow> {
  const [row] = await q.query(sql`
    UPDATE users SET avatar = ${image}, avatar_type = ${type}, avatar_version = avatar_version + 1, updated_at = now()
    WHERE id = ${id} RETURNING ${COLUMNS}`);
  return row as UserRow;
}

export async function getAvatar(q: Queryable, id: string): Promise<{ image: Buffer; type: string } | null> {
  const rows = await q.query(sql`SELECT avatar, avatar_type FROM users WHERE id = ${id} AND avatar IS NOT NULL`);
  return rows.length ? { image: rows[0].avatar as Buffer, type: rows[0].avatar_type as string } : null;
}

export async function setRole(q: Queryable, id: string, role: Role): Promise<UserRow> {
  const [row] = await q.query(sql`UPDATE users SET role = ${role}, updated_at = now() WHERE id = ${id} RETURNING ${COLUMNS}`);
  return row as UserRow;
}

export async function setActive(q: Queryable, id: string, active: boolean): Promise<UserRow> {
  const [row] = await q.query(sql`UPDATE users SET active = ${active}, updated_at = now() WHERE id = ${id} RETURNING ${COLUMNS}`);
  return row as UserRow;
}

export async function setPassword(q: Queryable, id: string, passwordHash: string): Promise<void> {
  await q.query(sql`UPDATE users SET password_hash = ${passwordHash}, updated_at = now() WHERE id = ${id}`);
}

/** Ends every session of a user (inside the caller's transaction). */
export function deleteSessionsSql(userId: string) {
  return sql`DELETE FROM sessions WHERE user_id = ${userId}`;
}
