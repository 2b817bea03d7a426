import type { CrmVisibility } from '../../../shared/crm';
import type { Actor, Verdict } from '../people/policy';

/**
 * Permissions of the CRM, pure. Who can see a record is decided by ONE rule: `canSeeRecord` below, and
 * its SQL twin `visibleTo` in repo.ts that every query uses (the tests check that they agree). Every
 * other permission starts from "can the actor see this record".
 */

const staff = (a: { role: Actor['role'] }) => a.role === 'owner' || a.role === 'admin';

/** The CRM is for employees: guests and deactivated people get nothing, whatever they ask. */
export function canUseCrm(actor: Actor): Verdict {
  return actor.active && actor.role !== 'guest' ? null : 'forbidden';
}

/** Who a record concerns, as the visibility rule needs it. */
export interface RecordFacts {
  responsibleId: string;
  createdBy: string;
  sharedWith: string[];
}

/**
 * THE visibility rule. Active employees only (never guests or deactivated people). The owner and admins
 * see everything; under `all_employees` every employee does; under `own_and_shared` (the default) an
 * employee sees the records they are responsible for, created, or that are shared with them.
 */
export function canSeeRecord(viewer: Pick<Actor, 'id' | 'role' | 'active'>, visibility: CrmVisibility, r: RecordFacts): boolean {
  if (!viewer.active || viewer.role === 'guest') return false;
  if (staff(viewer) || visibility === 'all_employees') return true;
  return r.responsibleId === viewer.id || r.createdBy === viewer.id || r.sharedWith.includes(viewer.id);
}

/** Reading a record, its timeline, its stream, and adding calls, meetings, e-mails and comments to it. */
export function canReadRecord(actor: Actor, visible: boolean): Verdict {
  if (canUseCrm(actor)) return 'forbidden';
  return visible ? null : 'forbidden';
}

/** Editing, moving a deal, converting a lead, deleting: its responsible, its creator, the owner and admins. */
export function canEditRecord(actor: Actor, visible: boolean, r: { responsibleId: string; createdBy: string }): Verdict {
  const read = canReadRecord(actor, visible);
  if (read) return read;
  return staff(actor) || r.responsibleId === actor.id || r.createdBy === actor.id ? null : 'forbidden';
}

/** Sharing a record with colleagues: its responsible, the owner and admins. */
export function canShareRecord(actor: Actor, visible: boolean, r: { responsibleId: string }): Verdict {
  const read = canReadRecord(actor, visible);
  if (read) return read;
  return staff(actor) || r.responsibleId === actor.id ? null : 'forbidden';
}

/** Pipelines, stages and the CRM settings: the owner and admins. */
export function canConfigureCrm(actor: Actor): Verdict {
  if (canUseCrm(actor)) return 'forbidden';
  return staff(actor) ? null : 'forbidden';
}

/**
 * Following `crm:all` (every record change): the owner and admins, and every employee while the
 * visibility is `all_employees` — exactly those who can see every record.
 */
export function canFollowBoard(actor: Actor, visibility: CrmVisibility): Verdict {
  if (canUseCrm(actor)) return 'forbidden';
  return staff(actor) || visibility === 'all_employees' ? null : 'forbidden';
}
