import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { AppError } from '../../../shared/errors';
import {
  CRM_BOARD_STREAM, CRM_LIMITS, type CreatePipelineBody, type CreateStageBody, type CrmPipeline, type UpdatePipelineBody, type UpdateStageBody,
} from '../../../shared/crm';
import type { Unit } from '../../db/unit';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { canConfigureCrm, canUseCrm } from './policy';
import * as repo from './pipelinesRepo';

/** Pipelines and their stages: every employee reads them; the owner and admins change them. */

export async function listPipelines(svc: Services, actor: Actor): Promise<CrmPipeline[]> {
  enforce(canUseCrm(actor), 'use the CRM');
  return repo.listPipelines(svc.db);
}

const notFound = (what: string) => new AppError('not_found', `No such ${what}`);
const conflict = (message: string) => new AppError('conflict', message);

/** Run a configuration change serialised with the others; followers of `crm:all` get the new list. */
async function configure<T>(svc: Services, actor: Actor, work: (u: Unit) => Promise<T>): Promise<T> {
  enforce(canConfigureCrm(actor), 'configure pipelines');
  return svc.write(async (u) => {
    await repo.lockPipelines(u.tx);
    const result = await work(u);
    await u.emit(CRM_BOARD_STREAM, 'pipelines_changed', { pipelines: await repo.listPipelines(u.tx) }, actor.id);
    return result;
  });
}

const DEFAULT_STAGES = [
  { name: 'New', kind: 'open', code: 'new' },
  { name: 'Won', kind: 'won', code: 'won' },
  { name: 'Lost', kind: 'lost', code: 'lost' },
] as const;

export async function createPipeline(svc: Services, actor: Actor, input: z.infer<typeof CreatePipelineBody>): Promise<CrmPipeline> {
  const stages = input.stages?.map((s) => ({ ...s, code: null })) ?? DEFAULT_STAGES;
  const missing = repo.missingKind(stages.map((s) => s.kind));
  if (missing) throw new AppError('bad_request', `A pipeline needs a ${missing} stage`, { fields: { stages: `needs a ${missing} stage` } });
  const id = randomUUID();
  await configure(svc, actor, async (u) => {
    if ((await repo.listPipelines(u.tx)).length >= CRM_LIMITS.pipelinesMax) throw conflict(`At most ${CRM_LIMITS.pipelinesMax} pipelines`);
    await repo.insertPipeline(u.tx, { id, name: input.name, isDefault: false });
    for (const [position, s] of stages.entries()) await repo.insertStage(u.tx, { id: randomUUID(), pipelineId: id, name: s.name, code: s.code, kind: s.kind, position });
  });
  return (await repo.findPipeline(svc.db, id))!;
}

export async function updatePipeline(svc: Services, actor: Actor, id: string, input: z.infer<typeof UpdatePipelineBody>): Promise<CrmPipeline> {
  await configure(svc, actor, async (u) => {
    const all = await repo.listPipelines(u.tx);
    if (!all.some((p) => p.id === id)) throw notFound('pipeline');
    await repo.updatePipeline(u.tx, id, input);
    if (input.position !== undefined) await repo.setPositions(u.tx, 'crm_pipelines', repo.moved(all.map((p) => p.id), id, input.position));
  });
  return (await repo.findPipeline(svc.db, id))!;
}

/** Delete a pipeline: never the default one, never one that still holds deals. */
export async function deletePipeline(svc: Services, actor: Actor, id: string): Promise<void> {
  await configure(svc, actor, async (u) => {
    const pipeline = await repo.findPipeline(u.tx, id);
    if (!pipeline) throw notFound('pipeline');
    if (pipeline.isDefault) throw conflict('The default pipeline cannot be deleted: make another one the default first');
    const deals = await repo.dealCount(u.tx, { pipelineId: id });
    if (deals) throw conflict(`The pipeline still has ${deals} deals: move or delete them first`);
    await repo.deletePipeline(u.tx, id);
  });
}

export async function createStage(svc: Services, actor: Actor, pipelineId: string, input: z.infer<typeof CreateStageBody>): Promise<CrmPipeline> {
  await configure(svc, actor, async (u) => {
    const pipeline = await repo.findPipeline(u.tx, pipelineId);
    if (!pipeline) throw notFound('pipeline');
    if (pipeline.stages.length >= CRM_LIMITS.stagesMax) throw conflict(`At most ${CRM_LIMITS.stagesMax} stages per pipeline`);
    const id = randomUUID();
    await repo.insertStage(u.tx, { id, pipelineId, name: input.name, code: null, kind: input.kind, position: pipeline.stages.length });
    const ids = pipeline.stages.map((s) => s.id).concat(id);
    await repo.setPositions(u.tx, 'crm_stages', repo.moved(ids, id, input.position ?? ids.length));
  });
  return (await repo.findPipeline(svc.db, pipelineId))!;
}

/**
 * Rename, reorder or change the kind of a stage. A stage holding deals keeps its kind (their outcome
 * would change under them), and a pipeline keeps an open, a won and a lost stage.
 */
export async function updateStage(svc: Services, actor: Actor, stageId: string, input: z.infer<typeof UpdateStageBody>): Promise<CrmPipeline> {
  const pipelineId = await configure(svc, actor, async (u) => {
    const stage = await repo.findStage(u.tx, stageId);
    if (!stage) throw notFound('stage');
    const pipeline = (await repo.findPipeline(u.tx, stage.pipelineId))!;
    if (input.kind && input.kind !== stage.kind) {
      if (await repo.dealCount(u.tx, { stageId })) throw conflict('The stage holds deals: its kind cannot change');
      const missing = repo.missingKind(pipeline.stages.map((s) => (s.id === stageId ? input.kind! : s.kind)));
      if (missing) throw conflict(`The pipeline would have no ${missing} stage`);
    }
    await repo.updateStage(u.tx, stageId, input);
    if (input.position !== undefined) await repo.setPositions(u.tx, 'crm_stages', repo.moved(pipeline.stages.map((s) => s.id), stageId, input.position));
    return stage.pipelineId;
  });
  return (await repo.findPipeline(svc.db, pipelineId))!;
}

/** Delete a stage without deals, as long as the pipeline keeps one stage of each kind. */
export async function deleteStage(svc: Services, actor: Actor, stageId: string): Promise<CrmPipeline> {
  const pipelineId = await configure(svc, actor, async (u) => {
    const stage = await repo.findStage(u.tx, stageId);
    if (!stage) throw notFound('stage');
    const deals = await repo.dealCount(u.tx, { stageId });
    if (deals) throw conflict(`The stage still holds ${deals} deals: move them first`);
    const pipeline = (await repo.findPipeline(u.tx, stage.pipelineId))!;
    const rest = pipeline.stages.filter((s) => s.id !== stageId);
    const missing = repo.missingKind(rest.map((s) => s.kind));
    if (missing) throw conflict(`The pipeline would have no ${missing} stage`);
    await repo.deleteStage(u.tx, stageId);
    await repo.setPositions(u.tx, 'crm_stages', rest.map((s) => s.id));
    return stage.pipelineId;
  });
  return (await repo.findPipeline(svc.db, pipelineId))!;
}
