import { describe, expect, it } from 'vitest';
import { applyDirectoryEvent, initials, matchesQuery } from '../../web/src/lib/directory';
import { safeNext } from '../../web/src/lib/nav';
import type { PublicUser } from '../../shared/types';

const user = (id: string, name: string, extra: Partial<PublicUser> = {}): PublicUser => ({
  id,
  name,
  email: `${id}@example.com`,
  role: 'employee',
  position: '',
  department: '',
  avatarUrl: null,
  active: true,
  ...extra,
});

describe('directory events', () => {
  const alice = user('a', 'Alice');
  const carol = user('c', 'Carol');

  it('adds a joined user in name order', () => {
    const out = applyDirectoryEvent([alice, carol], { type: 'user_joined', payload: { user: user('b', 'Bob') } });
    expect(out.map((u) => u.name)).toEqual(['Alice', 'Bob', 'Carol']);
  });

  it('replaces an updated user without duplicating them', () => {
    const out = applyDirectoryEvent([alice, carol], { type: 'user_updated', payload: { user: { ...alice, position: 'CEO' } } });
    expect(out).toHaveLength(2);
    expect(out.find((u) => u.id === 'a')?.position).toBe('CEO');
  });

  it('removes deactivated users, by event or by an inactive update', () => {
    expect(applyDirectoryEvent([alice, carol], { type: 'user_deactivated', payload: { userId: 'a' } })).toEqual([carol]);
    expect(applyDirectoryEvent([alice, carol], { type: 'user_updated', payload: { user: { ...carol, active: false } } })).toEqual([alice]);
  });

  it('ignores unknown or malformed events', () => {
    const list = [alice];
    expect(applyDirectoryEvent(list, { type: 'something_new', payload: {} })).toBe(list);
    expect(applyDirectoryEvent(list, { type: 'user_joined', payload: null })).toBe(list);
  });
});

describe('helpers', () => {
  it('initials', () => {
    expect(initials('Jane Doe')).toBe('JD');
    expect(initials('Анна Мария Смирнова')).toBe('АС');
    expect(initials('bob')).toBe('B');
    expect(initials('  ')).toBe('?');
  });

  it('search matches name, e-mail, position and department', () => {
    const u = user('x', 'Jane Doe', { position: 'Sales manager', department: 'Sales' });
    expect(matchesQuery(u, 'jane')).toBe(true);
    expect(matchesQuery(u, 'MANAGER')).toBe(true);
    expect(matchesQuery(u, 'x@example')).toBe(true);
    expect(matchesQuery(u, 'ops')).toBe(false);
    expect(matchesQuery(u, '  ')).toBe(true);
  });

  it('only follows next= paths inside the app', () => {
    expect(safeNext('/app/admin?tab=outbox')).toBe('/app/admin?tab=outbox');
    expect(safeNext('/app')).toBe('/app');
    expect(safeNext('//evil.example/app')).toBe('/app/feed');
    expect(safeNext('https://evil.example/app')).toBe('/app/feed');
    expect(safeNext('/application')).toBe('/app/feed');
    expect(safeNext('/app/\\evil')).toBe('/app/feed');
    expect(safeNext(null)).toBe('/app/feed');
  });
});
