import { sql, type Queryable } from '../../db/pool';
import { AppError } from '../../../shared/errors';
import type { CrmPipeline, CrmStage, StageKind } from '../../../shared/crm';

interface StageRow {
  id: string;
  pipeline_id: string;
  name: string;
  code: string | null;
  kind: StageKind;
  position: number;
}

const toStage = (s: StageRow): CrmStage => ({ id: s.id, pipelineId: s.pipeline_id, name: s.name, code: s.code, kind: s.kind, position: s.position });

export async function listPipelines(q: Queryable): Promise<CrmPipeline[]> {
  const pipelines = await q.query(sql`SELECT id, name, position, is_default FROM crm_pipelines ORDER BY position, created_at, id`);
  const stages = (await q.query(sql`SELECT id, pipeline_id, name, code, kind, position FROM crm_stages ORDER BY position, created_at, id`)) as StageRow[];
  return pipelines.map((p) => ({
    id: p.id,
    name: p.name,
    position: p.position,
    isDefault: p.is_default,
    stages: stages.filter((s) => s.pipeline_id === p.id).map(toStage),
  }));
}

export async function findPipeline(q: Queryable, id: string): Promise<CrmPipeline | null> {
  return (await listPipelines(q)).find((p) => p.id === id) ?? null;
}

export async function findStage(q: Queryable, id: string): Promise<CrmStage | null> {
  const rows = (await q.query(sql`SELECT id, pipeline_id, name, code, kind, position FROM crm_stages WHERE id = ${id}`)) as StageRow[];
  return rows.length ? toStage(rows[0]) : null;
}

const bad = (field: string, message: string) => new AppError('bad_request', message, { fields: { [field]: message } });

/**
 * The stage a deal goes to: the one named (in the pipeline named, if both are), else the first open
 * stage of the pipeline named, else of the default pipeline. `prefix` names fields of nested bodies.
 */
export async function resolveStage(q: Queryable, want: { pipelineId?: string; stageId?: string }, prefix = ''): Promise<CrmStage> {
  if (want.stageId) {
    const stage = await findStage(q, want.stageId);
    if (!stage) throw bad(`${prefix}stageId`, 'no such stage');
    if (want.pipelineId && stage.pipelineId !== want.pipelineId) throw bad(`${prefix}stageId`, 'the stage is not in that pipeline');
    return stage;
  }
  const rows = (await q.query(sql`
    SELECT s.id, s.pipeline_id, s.name, s.code, s.kind, s.position FROM crm_stages s JOIN crm_pipelines p ON p.id = s.pipeline_id
    WHERE ${want.pipelineId ? sql`p.id = ${want.pipelineId}` : sql`p.is_default`} AND s.kind = 'open'
    ORDER BY s.position LIMIT 1`)) as StageRow[];
  if (!rows.length) throw bad(`${prefix}pipelineId`, want.pipelineId ? 'no such pipeline' : 'there is no default pipeline');
  return toStage(rows[0]);
}

export async function insertPipeline(q: Queryable, p: { id: string; name: string; isDefault: boolean }): Promise<void> {
  await q.query(sql`
    INSERT INTO crm_pipelines (id, name, position, is_default)
    VALUES (${p.id}, ${p.name}, (SELECT COALESCE(max(position) + 1, 0) FROM crm_pipelines), ${p.isDefault})`);
}

export async function insertStage(q: Queryable, s: { id: string; pipelineId: string; name: string; code: string | null; kind: StageKind; position: number }): Promise<void> {
  await q.query(sql`
    INSERT INTO crm_stages (id, pipeline_id, name, code, kind, position)
    VALUES (${s.id}, ${s.pipelineId}, ${s.name}, ${s.code}, ${s.kind}, ${s.position})`);
}

/** Give rows of `table` the positions of their place in `ids`. */
export async function setPositions(q: Queryable, table: 'crm_pipelines' | 'crm_stages', ids: string[]): Promise<void> {
  await q.query(sql`
    UPDATE ${sql.ident(table)} AS t SET position = o.n - 1
    FROM unnest(${ids}::uuid[]) WITH ORDINALITY AS o(id, n) WHERE t.id = o.id`);
}

/** `ids` with `id` moved to `position` (clamped to the end). Pure. */
export function moved(ids: string[], id: string, position: number): string[] {
  const rest = ids.filter((x) => x !== id);
  rest.splice(Math.min(position, rest.length), 0, id);
  return rest;
}

export async function updatePipeline(q: Queryable, id: string, p: { name?: string; isDefault?: true }): Promise<void> {
  if (p.isDefault) await q.query(sql`UPDATE crm_pipelines SET is_default = false WHERE is_default AND id <> ${id}`);
  await q.query(sql`
    UPDATE crm_pipelines SET name = COALESCE(${p.name ?? null}, name), is_default = is_default OR ${p.isDefault === true}
    WHERE id = ${id}`);
}

export async function updateStage(q: Queryable, id: string, s: { name?: string; kind?: StageKind }): Promise<void> {
  await q.query(sql`UPDATE crm_stages SET name = COALESCE(${s.name ?? null}, name), kind = COALESCE(${s.kind ?? null}, kind) WHERE id = ${id}`);
}

export async function dealCount(q: Queryable, where: { pipelineId?: string; stageId?: string }): Promise<number> {
  const [{ n }] = await q.query(sql`
    SELECT count(*)::int AS n FROM crm_records
    WHERE kind = 'deal' AND ${where.stageId ? sql`stage_id = ${where.stageId}` : sql`pipeline_id = ${where.pipelineId!}`}`);
  return n as number;
}

export async function deletePipeline(q: Queryable, id: string): Promise<void> {
  await q.query(sql`DELETE FROM crm_pipelines WHERE id = ${id}`);
}

export async function deleteStage(q: Queryable, id: string): Promise<void> {
  await q.query(sql`DELETE FROM crm_stages WHERE id = ${id}`);
}

/** A pipeline must keep an open, a won and a lost stage, so that every deal can move on and close. */
export function missingKind(kinds: StageKind[]): StageKind | null {
  for (const k of ['open', 'won', 'lost'] as const) if (!kinds.includes(k)) return k;
  return null;
}

/** Serialise pipeline and stage edits (their positions and the "one of each kind" rule). */
export async function lockPipelines(q: Queryable): Promise<void> {
  await q.query(sql`SELECT pg_advisory_xact_lock(720541015)`);
}
