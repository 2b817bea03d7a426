import { sql, type Queryable } from '../../db/pool';
import type { CrmKind, LeadStatus } from '../../../shared/crm';
import type { FeedCursor } from '../feed/repo';
import { SUMMARY_COLUMNS, SUMMARY_FROM, visibleToUser, type SummaryRow } from './repo';

/** Kanban order, lists and board columns. */

/** The rank that puts a card on top of a stage's column. */
export async function topRank(q: Queryable, stageId: string): Promise<number> {
  const [{ rank }] = await q.query(sql`SELECT COALESCE(min(board_rank) - 1, 0)::float8 AS rank FROM crm_records WHERE kind = 'deal' AND stage_id = ${stageId}`);
  return rank as number;
}

/** Remember that a deal reached a stage (the first time counts), for the funnel. */
export async function enterStage(q: Queryable, dealId: string, stageId: string): Promise<void> {
  await q.query(sql`INSERT INTO crm_stage_history (deal_id, stage_id) VALUES (${dealId}, ${stageId}) ON CONFLICT DO NOTHING`);
}

/** A stage's column in order, without the deal being moved, with whether `viewerId` sees each card. */
export async function column(q: Queryable, viewerId: string, stageId: string, excludeId: string): Promise<{ id: string; rank: number; visible: boolean }[]> {
  const rows = await q.query(sql`
    SELECT r.id, r.board_rank, ${visibleToUser(viewerId)} AS visible FROM crm_records r
    WHERE r.kind = 'deal' AND r.stage_id = ${stageId} AND r.id <> ${excludeId}
    ORDER BY r.board_rank, r.id`);
  return rows.map((r) => ({ id: r.id, rank: r.board_rank, visible: r.visible }));
}

/** Spread a column's ranks out again (1024 apart, same order) when midpoints have run out of room. */
export async function renumberColumn(q: Queryable, stageId: string): Promise<void> {
  await q.query(sql`
    UPDATE crm_records r SET board_rank = o.n * 1024
    FROM (SELECT id, row_number() OVER (ORDER BY board_rank, id) AS n FROM crm_records WHERE kind = 'deal' AND stage_id = ${stageId}) o
    WHERE r.id = o.id`);
}

export async function setStage(q: Queryable, dealId: string, v: { pipelineId: string; stageId: string; rank: number; closed: boolean; reason: string }, actorId: string): Promise<void> {
  await q.query(sql`
    UPDATE crm_records SET pipeline_id = ${v.pipelineId}, stage_id = ${v.stageId}, board_rank = ${v.rank},
      closed_at = CASE WHEN ${v.closed} THEN COALESCE(closed_at, now()) END, close_reason = ${v.reason},
      updated_by = ${actorId}, updated_at = now()
    WHERE id = ${dealId}`);
}

export async function setRank(q: Queryable, dealId: string, rank: number): Promise<void> {
  await q.query(sql`UPDATE crm_records SET board_rank = ${rank} WHERE id = ${dealId}`);
}

// ---- Lists --------------------------------------------------------------------------------------------

export interface ListFilter {
  kind: CrmKind;
  search: string | null;
  responsibleId: string | null;
  status: LeadStatus | null;
  pipelineId: string | null;
  stageId: string | null;
}

/** `%…%` for ILIKE, with the user's own % and _ taken literally. */
const like = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function listCondition(viewerId: string, f: ListFilter) {
  const parts = [sql`r.kind = ${f.kind}`, visibleToUser(viewerId)];
  if (f.responsibleId) parts.push(sql`r.responsible_id = ${f.responsibleId}`);
  if (f.status) parts.push(sql`r.status = ${f.status}`);
  if (f.pipelineId) parts.push(sql`r.pipeline_id = ${f.pipelineId}`);
  if (f.stageId) parts.push(sql`r.stage_id = ${f.stageId}`);
  if (f.search) {
    const pattern = like(f.search);
    parts.push(sql`(r.title ILIKE ${pattern} OR r.company_name ILIKE ${pattern} OR EXISTS (
      SELECT 1 FROM crm_contact_points p WHERE p.record_id = r.id AND (p.value ILIKE ${pattern} OR p.normalized ILIKE ${pattern})))`);
  }
  return sql.join(parts, sql` AND `);
}

/** A page of records the viewer can see, newest first; one row more than `limit` means there is more. */
export async function listPage(q: Queryable, viewerId: string, f: ListFilter, cursor: FeedCursor | null, limit: number): Promise<SummaryRow[]> {
  const after = cursor ? sql`(r.created_at, r.id) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)` : sql`true`;
  const rows = await q.query(sql`
    SELECT ${SUMMARY_COLUMNS} FROM ${SUMMARY_FROM}
    WHERE ${listCondition(viewerId, f)} AND ${after}
    ORDER BY r.created_at DESC, r.id DESC LIMIT ${limit + 1}`);
  return rows as SummaryRow[];
}

/** The first `perStage` cards of every column of a pipeline, as the viewer sees them. */
export async function boardCards(q: Queryable, viewerId: string, pipelineId: string, responsibleId: string | null, perStage: number): Promise<SummaryRow[]> {
  const rows = await q.query(sql`
    SELECT * FROM (
      SELECT ${SUMMARY_COLUMNS}, row_number() OVER (PARTITION BY r.stage_id ORDER BY r.board_rank, r.id) AS n
      FROM ${SUMMARY_FROM}
      WHERE r.kind = 'deal' AND r.pipeline_id = ${pipelineId} AND ${visibleToUser(viewerId)}
        AND (${responsibleId}::uuid IS NULL OR r.responsible_id = ${responsibleId}::uuid)) x
    WHERE x.n <= ${perStage} ORDER BY x.board_rank, x.id`);
  return rows as SummaryRow[];
}

/** Count and amounts (by currency) of each column, as the viewer sees it. */
export async function boardTotals(q: Queryable, viewerId: string, pipelineId: string, responsibleId: string | null) {
  const rows = await q.query(sql`
    SELECT r.stage_id, r.currency, count(*)::int AS n, COALESCE(sum(r.amount), 0)::text AS amount
    FROM crm_records r
    WHERE r.kind = 'deal' AND r.pipeline_id = ${pipelineId} AND ${visibleToUser(viewerId)}
      AND (${responsibleId}::uuid IS NULL OR r.responsible_id = ${responsibleId}::uuid)
    GROUP BY r.stage_id, r.currency`);
  return rows as { stage_id: string; currency: string; n: number; amount: string }[];
}
