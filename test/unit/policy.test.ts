import { describe, expect, it } from 'vitest';
import {
  canAdminister, canChangeRole, canInvite, canListPeople, canSetActive, type Actor, type Verdict,
} from '../../server/domains/people/policy';
import { canReadStream } from '../../server/domains/streams/policy';
import { DIRECTORY_STREAM, ROLES, type Role } from '../../shared/types';

// The expectations below are written out from the rules in the policies' doc comments and docs/api.md,
// never computed with the policy's own logic: every allowed case is listed, everything else must be denied.

type ActorName =
  | 'owner' | 'admin' | 'employee' | 'guest'
  | 'inactive owner' | 'inactive admin' | 'inactive employee' | 'inactive guest';

const ACTORS: Record<ActorName, Actor> = {
  owner: { id: 'u-owner', role: 'owner', active: true },
  admin: { id: 'u-admin', role: 'admin', active: true },
  employee: { id: 'u-employee', role: 'employee', active: true },
  guest: { id: 'u-guest', role: 'guest', active: true },
  'inactive owner': { id: 'u-owner-off', role: 'owner', active: false },
  'inactive admin': { id: 'u-admin-off', role: 'admin', active: false },
  'inactive employee': { id: 'u-employee-off', role: 'employee', active: false },
  'inactive guest': { id: 'u-guest-off', role: 'guest', active: false },
};
const ACTOR_NAMES = Object.keys(ACTORS) as ActorName[];

/** Targets of people actions: another owner / admin / employee, or the actor themself. */
type TargetName = 'self' | 'the owner' | 'an admin' | 'an employee' | 'an inactive employee' | 'an inactive admin';
const TARGET_NAMES: TargetName[] = ['self', 'the owner', 'an admin', 'an employee', 'an inactive employee', 'an inactive admin'];

function target(name: TargetName, actor: Actor): Actor {
  switch (name) {
    case 'self':
      return { ...actor };
    case 'the owner':
      return { id: 't-owner', role: 'owner', active: true };
    case 'an admin':
      return { id: 't-admin', role: 'admin', active: true };
    case 'an employee':
      return { id: 't-employee', role: 'employee', active: true };
    case 'an inactive employee':
      return { id: 't-employee-off', role: 'employee', active: false };
    case 'an inactive admin':
      return { id: 't-admin-off', role: 'admin', active: false };
  }
}

describe('people policy: canListPeople (the directory, avatars, presence)', () => {
  const allowed: ActorName[] = ['owner', 'admin', 'employee'];
  for (const name of ACTOR_NAMES) {
    const expected: Verdict = allowed.includes(name) ? null : 'forbidden';
    it(`${name} -> ${expected ?? 'allowed'}`, () => {
      expect(canListPeople(ACTORS[name])).toBe(expected);
    });
  }
});

describe('people policy: canAdminister (people, invitations, outbox)', () => {
  const allowed: ActorName[] = ['owner', 'admin'];
  for (const name of ACTOR_NAMES) {
    const expected: Verdict = allowed.includes(name) ? null : 'forbidden';
    it(`${name} -> ${expected ?? 'allowed'}`, () => {
      expect(canAdminister(ACTORS[name])).toBe(expected);
    });
  }
});

describe('people policy: canInvite (actor x invited role)', () => {
  const allowed = new Set(['owner invites admin', 'owner invites employee', 'admin invites employee']);
  for (const name of ACTOR_NAMES) {
    for (const role of ROLES) {
      const key = `${name} invites ${role}`;
      const expected: Verdict = allowed.has(key) ? null : 'forbidden';
      it(`${key} -> ${expected ?? 'allowed'}`, () => {
        expect(canInvite(ACTORS[name], role)).toBe(expected);
      });
    }
  }
});

describe('people policy: canChangeRole (actor x target x new role)', () => {
  // Never the owner's role, never one's own, never to owner or guest; only the owner grants or takes admin.
  const allowed = new Set([
    'owner: an admin -> admin',
    'owner: an admin -> employee',
    'owner: an employee -> admin',
    'owner: an employee -> employee',
    'owner: an inactive admin -> admin',
    'owner: an inactive admin -> employee',
    'owner: an inactive employee -> admin',
    'owner: an inactive employee -> employee',
    'admin: an employee -> employee',
    'admin: an inactive employee -> employee',
  ]);
  for (const name of ACTOR_NAMES) {
    for (const t of TARGET_NAMES) {
      for (const role of ROLES) {
        const key = `${name}: ${t} -> ${role}`;
        const expected: Verdict = allowed.has(key) ? null : 'forbidden';
        it(`${key}: ${expected ?? 'allowed'}`, () => {
          const actor = ACTORS[name];
          expect(canChangeRole(actor, target(t, actor), role)).toBe(expected);
        });
      }
    }
  }
});

describe('people policy: canSetActive (deactivate / reactivate: actor x target)', () => {
  // Not the owner, not oneself; an admin only by the owner.
  const allowed = new Set([
    'owner: an admin',
    'owner: an employee',
    'owner: an inactive employee',
    'owner: an inactive admin',
    'admin: an employee',
    'admin: an inactive employee',
  ]);
  for (const name of ACTOR_NAMES) {
    for (const t of TARGET_NAMES) {
      const key = `${name}: ${t}`;
      const expected: Verdict = allowed.has(key) ? null : 'forbidden';
      it(`${key} -> ${expected ?? 'allowed'}`, () => {
        const actor = ACTORS[name];
        expect(canSetActive(actor, target(t, actor))).toBe(expected);
      });
    }
  }
});

describe('people policy: properties over every combination', () => {
  const everyone = Object.values(ACTORS);
  const roles: Role[] = [...ROLES];

  it('an inactive actor may do nothing at all, whatever their role', () => {
    for (const a of everyone.filter((x) => !x.active)) {
      expect(canListPeople(a)).toBe('forbidden');
      expect(canAdminister(a)).toBe('forbidden');
      for (const r of roles) expect(canInvite(a, r)).toBe('forbidden');
      for (const t of TARGET_NAMES) {
        expect(canSetActive(a, target(t, a))).toBe('forbidden');
        for (const r of roles) expect(canChangeRole(a, target(t, a), r)).toBe('forbidden');
      }
    }
  });

  it('a guest may do nothing, not even see colleagues', () => {
    const g = ACTORS.guest;
    expect(canListPeople(g)).toBe('forbidden');
    expect(canAdminister(g)).toBe('forbidden');
    for (const r of roles) expect(canInvite(g, r)).toBe('forbidden');
    for (const t of TARGET_NAMES) {
      expect(canSetActive(g, target(t, g))).toBe('forbidden');
      for (const r of roles) expect(canChangeRole(g, target(t, g), r)).toBe('forbidden');
    }
  });

  it('nobody can make anyone an owner or a guest, nor touch the owner', () => {
    for (const a of everyone) {
      for (const t of TARGET_NAMES) {
        expect(canChangeRole(a, target(t, a), 'owner')).toBe('forbidden');
        expect(canChangeRole(a, target(t, a), 'guest')).toBe('forbidden');
      }
      for (const r of roles) expect(canChangeRole(a, target('the owner', a), r)).toBe('forbidden');
      expect(canSetActive(a, target('the owner', a))).toBe('forbidden');
    }
  });

  it('nobody changes their own role or deactivates themself', () => {
    for (const a of everyone) {
      expect(canSetActive(a, { ...a })).toBe('forbidden');
      for (const r of roles) expect(canChangeRole(a, { ...a }, r)).toBe('forbidden');
    }
  });

  it('the same id counts as self even when the target row says otherwise (role, active)', () => {
    const owner = ACTORS.owner;
    expect(canSetActive(owner, { id: owner.id, role: 'employee', active: true })).toBe('forbidden');
    expect(canChangeRole(owner, { id: owner.id, role: 'employee', active: true }, 'admin')).toBe('forbidden');
  });
});

describe('streams policy: canReadStream (actor x stream)', () => {
  const cases: [ActorName, string, ReturnType<typeof canReadStream>][] = [
    ['owner', DIRECTORY_STREAM, null],
    ['admin', DIRECTORY_STREAM, null],
    ['employee', DIRECTORY_STREAM, null],
    ['guest', DIRECTORY_STREAM, 'forbidden'],
    ['inactive owner', DIRECTORY_STREAM, 'forbidden'],
    ['inactive admin', DIRECTORY_STREAM, 'forbidden'],
    ['inactive employee', DIRECTORY_STREAM, 'forbidden'],
    ['inactive guest', DIRECTORY_STREAM, 'forbidden'],
    // Streams no domain defines yet do not exist for anyone active...
    ['owner', 'chat:general', 'not_found'],
    ['admin', 'chat:general', 'not_found'],
    ['employee', 'chat:general', 'not_found'],
    ['guest', 'chat:general', 'not_found'],
    ['employee', 'directoryx', 'not_found'],
    ['employee', 'directory:sub', 'not_found'],
    ['employee', '', 'not_found'],
    // ...and an inactive actor learns nothing about which streams exist.
    ['inactive owner', 'chat:general', 'forbidden'],
    ['inactive employee', 'chat:general', 'forbidden'],
    ['inactive guest', 'nothing', 'forbidden'],
  ];
  for (const [name, stream, expected] of cases) {
    it(`${name} reads ${JSON.stringify(stream)} -> ${expected ?? 'allowed'}`, () => {
      expect(canReadStream(ACTORS[name], stream)).toBe(expected);
    });
  }
});
