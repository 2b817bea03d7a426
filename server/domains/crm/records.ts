import { randomUUID } from 'node:crypto';
import { AppError } from '../../../shared/errors';
import { crmStream, type CreateRecordInput, type CrmDuplicate, type CrmKind, type CrmRecord, type CrmStage, type EditRecordInput } from '../../../shared/crm';
import type { Unit } from '../../db/unit';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { streamChannel } from '../streams';
import { activeColleagues } from '../chats/repo';
import { canEditRecord, canReadRecord, canShareRecord, canUseCrm } from './policy';
import { badField, changesOf, draftOf, type Draft } from './draft';
import { findDuplicates } from './duplicates';
import * as events from './events';
import * as deals from './dealsRepo';
import { resolveStage } from './pipelinesRepo';
import * as repo from './repo';
import { readSettings } from './settings';
import { loadRecord, loadSummary } from './view';

/**
 * The record, whether the actor can see it (by the one SQL rule) and the facts permissions need. Unknown
 * records — and records of another kind than the URL says — are not found; the policy turns "not
 * visible" into forbidden.
 */
export async function accessRecord(svc: Services, actor: Actor, kind: CrmKind, id: string, q = svc.db, lock = false): Promise<repo.RecordAccess> {
  enforce(canUseCrm(actor), 'use the CRM');
  const access = await repo.recordAccess(q, id, actor.id, lock);
  if (!access || access.kind !== kind) throw new AppError('not_found', `No such ${kind}`);
  return access;
}

/**
 * Write a new record with its phones and e-mails, its first timeline entry and announcements. Used by
 * create, lead conversion and (for one-offs) integrators; the caller has checked permissions.
 */
export async function insertNew(
  svc: Services,
  u: Unit,
  actor: Actor,
  kind: CrmKind,
  draft: Draft,
  opts: { id: string; clientId: string | null; stage: CrmStage | null; leadId?: string; shareFrom?: string; entryData?: Record<string, unknown> },
) {
  const values = { ...draft.values };
  if (opts.stage) Object.assign(values, { pipelineId: opts.stage.pipelineId, stageId: opts.stage.id, boardRank: await deals.topRank(u.tx, opts.stage.id) });
  if (opts.leadId) values.leadId = opts.leadId;
  await repo.insertRecord(u.tx, { id: opts.id, kind, clientId: opts.clientId, createdBy: actor.id, closed: !!opts.stage && opts.stage.kind !== 'open', values });
  if (draft.phones) await repo.replacePoints(u.tx, opts.id, 'phone', draft.phones);
  if (draft.emails) await repo.replacePoints(u.tx, opts.id, 'email', draft.emails);
  if (opts.stage) await deals.enterStage(u.tx, opts.id, opts.stage.id);
  // Shares first, so that the people it is shared with hear of it with the others.
  if (opts.shareFrom) await repo.copyShares(u.tx, opts.shareFrom, opts.id, actor.id);
  return events.changed(svc, u, { kind, id: opts.id }, 'record_created', { type: 'created', data: opts.entryData ?? {} }, [], actor.id, 'created');
}

/** The normalised e-mails and phones of a draft: what duplicates are looked up by. */
export const pointsOf = (d: Draft) => ({ emails: (d.emails ?? []).map((p) => p.normalized), phones: (d.phones ?? []).map((p) => p.normalized) });

/**
 * Create a record. When leads, contacts or companies with the same e-mail or phone exist, nothing is
 * created and they are returned (the client warns), unless `force`. Idempotent by client id: a retry
 * returns the record the first attempt created, even when the two race.
 */
export async function createRecord(
  svc: Services,
  actor: Actor,
  kind: CrmKind,
  input: CreateRecordInput,
): Promise<{ record: CrmRecord | null; duplicates: CrmDuplicate[] }> {
  enforce(canUseCrm(actor), 'use the CRM');
  const retried = async () => {
    const first = input.clientId ? await repo.findByClientId(svc.db, actor.id, input.clientId) : null;
    if (first && first.kind !== kind) throw new AppError('conflict', 'This client id was used for another record');
    return first ? { record: await loadRecord(svc.db, actor, first.id), duplicates: [] } : null;
  };
  const again = await retried();
  if (again) return again;
  const settings = await readSettings(svc.db);
  const draft = await draftOf({ q: svc.db, settings, actor, kind, before: null }, input);
  const duplicates = kind === 'deal' ? [] : await findDuplicates(svc.db, actor.id, pointsOf(draft));
  if (duplicates.length && !input.force) return { record: null, duplicates };
  if (kind === 'deal') draft.values.closeReason = input.closeReason ?? '';
  const stage = kind === 'deal' ? await resolveStage(svc.db, input) : null;
  const id = randomUUID();
  try {
    await svc.write((u) => insertNew(svc, u, actor, kind, draft, { id, clientId: input.clientId ?? null, stage }));
  } catch (err) {
    if ((err as { code?: string }).code !== '23505') throw err;
    const first = await retried();
    if (!first) throw err;
    return first;
  }
  return { record: await loadRecord(svc.db, actor, id), duplicates };
}

export async function getRecord(svc: Services, actor: Actor, kind: CrmKind, id: string): Promise<CrmRecord> {
  const access = await accessRecord(svc, actor, kind, id);
  enforce(canReadRecord(actor, access.visible), `see this ${kind}`);
  return loadRecord(svc.db, actor, id);
}

/** Tell every node to stop sending the record's stream to those who may no longer see it. */
function revokeBlind(svc: Services, u: Unit, kind: CrmKind, id: string, blind: string[]): void {
  if (!blind.length) return;
  const channel = streamChannel(crmStream(kind, id));
  u.afterCommit(async () => {
    for (const userId of blind) await svc.control({ type: 'revoke_stream', userId, channel });
  });
}

/**
 * Edit fields (responsible, creator, owner and admins). What changed is recorded on the timeline as one
 * `fields_changed` entry; a lead's status cannot become `converted` here (convert it instead).
 */
export async function editRecord(svc: Services, actor: Actor, kind: CrmKind, id: string, input: EditRecordInput): Promise<CrmRecord> {
  const access = await accessRecord(svc, actor, kind, id);
  enforce(canEditRecord(actor, access.visible, access), `edit this ${kind}`);
  if (access.status === 'converted' && input.status !== undefined) throw badField('status', 'a converted lead keeps its status');
  const settings = await readSettings(svc.db);
  await svc.write(async (u) => {
    const [before] = await repo.recordRows(u.tx, null, [id]);
    const draft = await draftOf({ q: u.tx, settings, actor, kind, before }, input);
    const changes = changesOf(before, draft);
    if (!changes.length) return;
    const involved = await repo.involvedIds(u.tx, id);
    await repo.updateRecord(u.tx, id, draft.values, actor.id);
    if (draft.phones) await repo.replacePoints(u.tx, id, 'phone', draft.phones);
    if (draft.emails) await repo.replacePoints(u.tx, id, 'email', draft.emails);
    await events.changed(svc, u, { kind, id }, 'record_updated', { type: 'fields_changed', data: { changes } }, involved, actor.id, 'updated');
    revokeBlind(svc, u, kind, id, await repo.blindTo(u.tx, id, involved));
  });
  return loadRecord(svc.db, actor, id);
}

/** Delete a record and its timeline (responsible, creator, owner and admins). Links to it are cleared. */
export async function deleteRecord(svc: Services, actor: Actor, kind: CrmKind, id: string): Promise<void> {
  const access = await accessRecord(svc, actor, kind, id);
  enforce(canEditRecord(actor, access.visible, access), `delete this ${kind}`);
  await svc.write(async (u) => {
    const involved = await repo.involvedIds(u.tx, id);
    await repo.deleteRecord(u.tx, id);
    await repo.scrubEvents(u.tx, kind, id);
    await events.removed(u, { kind, id }, involved, actor.id);
  });
}

/** Share a record with exactly these colleagues (its responsible, owner and admins). */
export async function setShares(svc: Services, actor: Actor, kind: CrmKind, id: string, userIds: string[]): Promise<CrmRecord> {
  const access = await accessRecord(svc, actor, kind, id);
  enforce(canShareRecord(actor, access.visible, access), `share this ${kind}`);
  const wanted = [...new Set(userIds)];
  if ((await activeColleagues(svc.db, wanted)).length !== wanted.length) {
    throw new AppError('bad_request', 'userIds: not all are active colleagues', { fields: { userIds: 'unknown or inactive user' } });
  }
  await svc.write(async (u) => {
    const involved = await repo.involvedIds(u.tx, id);
    await repo.replaceShares(u.tx, id, wanted, actor.id);
    await u.emit(crmStream(kind, id), 'shares_changed', { recordId: id, userIds: wanted }, actor.id);
    await events.announce(u, await loadSummary(u.tx, id), involved, actor.id);
    revokeBlind(svc, u, kind, id, await repo.blindTo(u.tx, id, involved));
  });
  return loadRecord(svc.db, actor, id);
}
