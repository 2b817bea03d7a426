import { addColleague, idsOf, registerOwner, type ApiClient } from './client';

/** The colleagues tests invite, by the local part of their address: name and role. */
const CAST = {
  admin: { name: 'Adam Admin', role: 'admin' },
  ann: { name: 'Ann', role: 'employee' },
  ben: { name: 'Ben', role: 'employee' },
  cid: { name: 'Cid', role: 'employee' },
  dan: { name: 'Dan', role: 'employee' },
} as const;

export type Colleague = keyof typeof CAST;

export type Team<N extends Colleague> = Record<'owner' | N, ApiClient> & { ids: Record<'owner' | N, string> };

/**
 * A workspace on the hub at `base`: its owner (Olga, owner@example.com) and the named colleagues
 * (`ann` is ann@example.com, "Ann"; `admin` is "Adam Admin", an admin), invited in that order and
 * signed in, with everyone's user id.
 */
export async function team<N extends Colleague>(base: string, names: readonly N[]): Promise<Team<N>> {
  const owner = await registerOwner(base);
  const clients = { owner } as Record<'owner' | N, ApiClient>;
  for (const n of names) clients[n] = await addColleague(owner, `${n}@example.com`, CAST[n].name, CAST[n].role);
  return { ...clients, ids: (await idsOf(clients)) as Record<'owner' | N, string> };
}
