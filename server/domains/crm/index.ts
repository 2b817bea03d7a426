import type { Queryable } from '../../db/pool';
import { CRM_BOARD_STREAM, type CrmKind } from '../../../shared/crm';
import type { Services } from '../../services';
import type { Actor, Verdict } from '../people/policy';
import { canFollowBoard, canReadRecord, canUseCrm } from './policy';
import { recordAccess } from './repo';
import { readSettings } from './settings';
import { userStream } from '../streams/access';
import { enforce } from '../people/actions';

/**
 * The CRM: leads, contacts, companies, deals; pipelines and stages; timelines; lead conversion;
 * duplicates; import; reports. Routes in server/http/crmRoutes.ts; streams and events in events.ts; the
 * visibility rule in policy.ts (`canSeeRecord`) and repo.ts (`visibleTo`). docs/api.md, "CRM".
 */
export { accessRecord, createRecord, deleteRecord, editRecord, getRecord, insertNew, setShares } from './records';
export { board, listRecords, moveDeal } from './deals';
export { convertLead } from './convert';
export { addActivity, chatsOfRecord, linkChat, linkedRecords, listTimeline } from './timeline';
export { checkDuplicates, findDuplicates } from './duplicates';
export { createPipeline, createStage, deletePipeline, deleteStage, listPipelines, updatePipeline, updateStage } from './pipelines';
export { getSettings, readSettings, updateSettings } from './settings';
export { dealsCsv, dealsReport, funnel, funnelCsv, type Period } from './reports';
export { previewImport, runImport } from './import';
export { onCrmChange, type CrmChange, type CrmListener } from './events';
export { canSeeRecord } from './policy';
export { normalizePhone } from './normalize';

/** May the actor follow `crm:<kind>:<id>`? Whoever can see the record; unknown records are not found. */
export async function recordStreamAccess(db: Queryable, actor: Actor, kind: CrmKind, id: string): Promise<Verdict> {
  if (canUseCrm(actor)) return 'forbidden';
  const access = await recordAccess(db, id, actor.id);
  if (!access || access.kind !== kind) return 'not_found';
  return canReadRecord(actor, access.visible);
}

/** May the actor follow `crm:all`? Those who see every record (see policy.canFollowBoard). */
export async function boardStreamAccess(db: Queryable, actor: Actor): Promise<Verdict> {
  if (canUseCrm(actor)) return 'forbidden';
  return canFollowBoard(actor, (await readSettings(db)).visibility);
}

/** The streams a CRM client should follow for live lists and the kanban. */
export async function crmStreams(svc: Services, actor: Actor): Promise<string[]> {
  enforce(canUseCrm(actor), 'use the CRM');
  const board = canFollowBoard(actor, (await readSettings(svc.db)).visibility) === null;
  return board ? [CRM_BOARD_STREAM, userStream(actor.id)] : [userStream(actor.id)];
}
