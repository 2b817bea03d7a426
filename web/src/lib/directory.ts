/**
 * Pure logic of the people directory: applying `directory` stream events to a list of users.
 */
import type { EventBody, PresenceStatus, PublicUser } from '../../../shared/types';

/** The dictionary key naming a presence status ("Online", "Away", "Offline"). */
export const PRESENCE_LABEL: Record<PresenceStatus, 'people.online' | 'people.away' | 'people.offline'> = {
  online: 'people.online',
  away: 'people.away',
  offline: 'people.offline',
};

/** Sort people by name, in the given locale's collation. */
export function sortPeople(users: PublicUser[], locale = 'en'): PublicUser[] {
  return [...users].sort((a, b) => a.name.localeCompare(b.name, locale, { sensitivity: 'base' }) || a.id.localeCompare(b.id));
}

/** Insert or replace a user; an inactive user leaves the directory. */
function upsert(users: PublicUser[], user: PublicUser): PublicUser[] {
  const rest = users.filter((u) => u.id !== user.id);
  return user.active === false ? rest : [...rest, user];
}

/**
 * Apply one directory event; returns a new list (or the same one when the event does not change it).
 * Unknown event types are ignored so that an older client survives a newer server.
 */
export function applyDirectoryEvent(users: PublicUser[], event: Pick<EventBody, 'type' | 'payload'>, locale = 'en'): PublicUser[] {
  const payload = (event.payload ?? {}) as { user?: PublicUser; userId?: string };
  switch (event.type) {
    case 'user_joined':
    case 'user_updated':
      return payload.user && typeof payload.user.id === 'string' ? sortPeople(upsert(users, payload.user), locale) : users;
    case 'user_deactivated':
      return typeof payload.userId === 'string' ? users.filter((u) => u.id !== payload.userId) : users;
    default:
      return users;
  }
}

/** Initials for an avatar placeholder: "Jane Doe" -> "JD", "Анна" -> "А". */
export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0], parts[parts.length - 1]] : parts;
  return letters.map((p) => [...p][0] ?? '').join('').toUpperCase() || '?';
}

/** Does a person match a search query (name, e-mail, position, department)? */
export function matchesQuery(user: PublicUser, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  return [user.name, user.email, user.position, user.department].some((f) => (f ?? '').toLowerCase().includes(q));
}
