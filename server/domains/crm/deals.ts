import { AppError } from '../../../shared/errors';
import { addAmount, CRM_BOARD_STREAM, CRM_LIMITS, type Amounts, type CrmBoard, type CrmRecord, type CrmRecordSummary, type CrmStage } from '../../../shared/crm';
import type { Unit } from '../../db/unit';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { decodeCursor, encodeCursor } from '../feed/cursor';
import { canEditRecord, canUseCrm } from './policy';
import { badField } from './draft';
import * as events from './events';
import * as repo from './repo';
import * as dealsRepo from './dealsRepo';
import { findPipeline, findStage } from './pipelinesRepo';
import { accessRecord } from './records';
import { loadRecord, toSummary } from './view';

/** A column as ranks, with what the mover can see. */
export interface ColumnCard {
  id: string;
  rank: number;
  visible: boolean;
}

/**
 * The rank for a card dropped at `position` (0-based among the cards the mover sees), or at the top
 * when no position is given. Cards the mover cannot see keep their places: the card goes right before
 * the visible card it was dropped on, or right after the last visible one. Null when the gap is too
 * narrow for a midpoint (renumber, then ask again). Pure.
 */
export function rankFor(column: ColumnCard[], position: number | undefined): number | null {
  if (!column.length) return 0;
  if (position === undefined) return column[0].rank - 1024;
  const seen = column.filter((c) => c.visible);
  let lo: number;
  let hi: number;
  if (position < seen.length) {
    const i = column.indexOf(seen[position]);
    hi = column[i].rank;
    lo = i > 0 ? column[i - 1].rank : hi - 2048;
  } else if (seen.length) {
    const i = column.indexOf(seen[seen.length - 1]);
    lo = column[i].rank;
    hi = i + 1 < column.length ? column[i + 1].rank : lo + 2048;
  } else {
    hi = column[0].rank;
    lo = hi - 2048;
  }
  return hi - lo > 1e-6 ? (lo + hi) / 2 : null;
}

/** The rank at `position`, renumbering the column first when its midpoints have run out. */
async function placeIn(u: Unit, actor: Actor, stageId: string, dealId: string, position: number | undefined): Promise<number> {
  const rank = rankFor(await dealsRepo.column(u.tx, actor.id, stageId, dealId), position);
  if (rank !== null) return rank;
  await dealsRepo.renumberColumn(u.tx, stageId);
  await u.emit(CRM_BOARD_STREAM, 'column_renumbered', { stageId }, actor.id);
  return rankFor(await dealsRepo.column(u.tx, actor.id, stageId, dealId), position)!;
}

const stageRef = (s: Pick<CrmStage, 'id' | 'name' | 'code' | 'kind'>) => ({ id: s.id, name: s.name, code: s.code, kind: s.kind });

/**
 * Move a deal to a stage (any pipeline's) and place it in the column: the kanban's drop. A stage change
 * goes on the timeline (`stage_changed`, with the reason for a won or lost deal) and live to every
 * follower; a move within the column only reorders. Won and lost stages close the deal, open ones
 * reopen it.
 */
export async function moveDeal(
  svc: Services,
  actor: Actor,
  id: string,
  input: { stageId: string; position?: number; reason?: string },
): Promise<CrmRecord> {
  const access = await accessRecord(svc, actor, 'deal', id);
  enforce(canEditRecord(actor, access.visible, access), 'move this deal');
  const stage = await findStage(svc.db, input.stageId);
  if (!stage) throw badField('stageId', 'no such stage');
  await svc.write(async (u) => {
    await repo.recordAccess(u.tx, id, actor.id, true);
    const [before] = await repo.summaryRows(u.tx, [id]);
    const rank = await placeIn(u, actor, stage.id, id, input.position);
    const involved = await repo.involvedIds(u.tx, id);
    if (before.stage_id === stage.id) {
      await dealsRepo.setRank(u.tx, id, rank);
      const [after] = await repo.summaryRows(u.tx, [id]);
      await events.announce(u, toSummary(after), involved, actor.id);
      return;
    }
    const reason = stage.kind === 'open' ? '' : (input.reason ?? '');
    await dealsRepo.setStage(u.tx, id, { pipelineId: stage.pipelineId, stageId: stage.id, rank, closed: stage.kind !== 'open', reason }, actor.id);
    await dealsRepo.enterStage(u.tx, id, stage.id);
    const from = { id: before.stage_id!, name: before.stage_name!, code: before.stage_code, kind: before.stage_kind! };
    const data = { from, to: stageRef(stage), reason: reason || null };
    await events.changed(svc, u, { kind: 'deal', id }, 'stage_changed', { type: 'stage_changed', body: reason, data }, involved, actor.id, 'stage_changed');
  });
  return loadRecord(svc.db, actor, id);
}

/** A pipeline's kanban as the viewer sees it: each column's first cards, count and amounts. */
export async function board(svc: Services, actor: Actor, pipelineId: string, q: { responsibleId: string | null; perStage: number }): Promise<CrmBoard> {
  enforce(canUseCrm(actor), 'use the CRM');
  const pipeline = await findPipeline(svc.db, pipelineId);
  if (!pipeline) throw new AppError('not_found', 'No such pipeline');
  const perStage = Math.min(Math.max(q.perStage, 1), CRM_LIMITS.boardPerStageMax);
  const [cards, totals] = await Promise.all([
    dealsRepo.boardCards(svc.db, actor.id, pipelineId, q.responsibleId, perStage),
    dealsRepo.boardTotals(svc.db, actor.id, pipelineId, q.responsibleId),
  ]);
  return {
    pipeline,
    columns: pipeline.stages.map((stage) => {
      const amounts: Amounts = {};
      let count = 0;
      for (const t of totals.filter((t) => t.stage_id === stage.id)) {
        count += t.n;
        addAmount(amounts, t.currency, t.amount);
      }
      return { stage, count, amounts, deals: cards.filter((c) => c.stage_id === stage.id).map(toSummary) };
    }),
  };
}

/** A page of records of one kind the viewer can see, newest first, with optional filters. */
export async function listRecords(
  svc: Services,
  actor: Actor,
  filter: dealsRepo.ListFilter,
  page: { cursor: string | null; limit: number },
): Promise<{ records: CrmRecordSummary[]; nextCursor: string | null }> {
  enforce(canUseCrm(actor), 'use the CRM');
  const cursor = page.cursor ? decodeCursor(page.cursor) : null;
  const limit = Math.min(Math.max(page.limit, 1), CRM_LIMITS.pageMax);
  const rows = await dealsRepo.listPage(svc.db, actor.id, filter, cursor, limit);
  const shown = rows.slice(0, limit);
  const last = shown[shown.length - 1];
  return { records: shown.map(toSummary), nextCursor: rows.length > limit ? encodeCursor({ at: last.at_text, id: last.id }) : null };
}
