import { z } from 'zod';
import { Uuid } from '../../shared/api';
import { AppError } from '../../shared/errors';
import {
  ConvertLeadBody, CreatePipelineBody, CreateRecordBody, CreateStageBody, CRM_KINDS, CRM_LIMITS, CRM_PLURAL, CrmSettingsBody, EditRecordBody,
  ImportBody, IsoDate, LEAD_STATUSES, MoveDealBody, SharesBody, TimelineBody, UpdatePipelineBody, UpdateStageBody,
  type CreateRecordInput, type CrmDuplicate, type CrmKind, type EditRecordInput,
} from '../../shared/crm';
import type { Reply } from '../hub/http';
import * as crm from '../domains/crm';
import { dealDocs } from '../domains/docs';
import { actorOf, jsonRoute, param, route, type Route, type RouteContext, query, report } from './router';
import { fileNameHeader } from './chatRoutes';


const id = (ctx: RouteContext<unknown>, what: string) => param(Uuid, ctx.params.id, what);
const optionalUuid = (ctx: RouteContext<unknown>, name: string) => query(ctx, name, Uuid, null as string | null);

const TimeZone = z.string().max(64).refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'unknown time zone');

/** The period of a report, from `from`, `to` (YYYY-MM-DD, inclusive) and `tz`. */
function period(ctx: RouteContext<unknown>): crm.Period {
  const p = { from: query(ctx, 'from', IsoDate, null as string | null), to: query(ctx, 'to', IsoDate, null as string | null), tz: query(ctx, 'tz', TimeZone, 'UTC') };
  if (p.from && p.to && p.from > p.to) throw new AppError('bad_request', 'Invalid to', { fields: { to: 'must not be before from' } });
  return p;
}

/** JSON, or CSV for a spreadsheet (UTF-8 with a BOM; `sep=comma` for ",", ";" by default). */

/** Nothing was created: these records share an e-mail or phone (send again with `force: true`). */
const duplicatesReply = (duplicates: CrmDuplicate[]): Reply => ({
  status: 409,
  json: {
    error: { code: 'conflict', message: 'Records with the same e-mail or phone exist: send again with force to create anyway', fields: { _: 'duplicates' } },
    duplicates,
  },
});

/** The endpoints of one kind of record: /api/crm/<plural>… */
function recordRoutes(kind: CrmKind): Route[] {
  const base = `/api/crm/${CRM_PLURAL[kind]}`;
  return [
    route({
      method: 'GET', path: base, access: 'session',
      handle: async (ctx) => {
        const filter = {
          kind,
          search: query(ctx, 'q', z.string().trim().max(200), '') || null,
          responsibleId: optionalUuid(ctx, 'responsibleId'),
          status: kind === 'lead' ? query(ctx, 'status', z.enum(LEAD_STATUSES), null as null | (typeof LEAD_STATUSES)[number]) : null,
          pipelineId: kind === 'deal' ? optionalUuid(ctx, 'pipelineId') : null,
          stageId: kind === 'deal' ? optionalUuid(ctx, 'stageId') : null,
        };
        const page = { cursor: ctx.req.query.get('cursor') || null, limit: query(ctx, 'limit', z.coerce.number().int().min(1).max(CRM_LIMITS.pageMax), 50) };
        return { json: await crm.listRecords(ctx.svc, actorOf(ctx), filter, page) };
      },
    }),
    jsonRoute({
      method: 'POST', path: base, access: 'session', schema: CreateRecordBody[kind],
      handle: async (ctx) => {
        const out = await crm.createRecord(ctx.svc, actorOf(ctx), kind, ctx.body as CreateRecordInput);
        return out.record ? { status: 201, json: out } : duplicatesReply(out.duplicates);
      },
    }),
    route({
      method: 'GET', path: `${base}/:id`, access: 'session',
      handle: async (ctx) => ({ json: { record: await crm.getRecord(ctx.svc, actorOf(ctx), kind, id(ctx, kind)) } }),
    }),
    jsonRoute({
      method: 'PATCH', path: `${base}/:id`, access: 'session', schema: EditRecordBody[kind],
      handle: async (ctx) => ({ json: { record: await crm.editRecord(ctx.svc, actorOf(ctx), kind, id(ctx, kind), ctx.body as EditRecordInput) } }),
    }),
    route({
      method: 'DELETE', path: `${base}/:id`, access: 'session',
      handle: async (ctx) => {
        await crm.deleteRecord(ctx.svc, actorOf(ctx), kind, id(ctx, kind));
        return { json: { ok: true } };
      },
    }),
    route({
      method: 'GET', path: `${base}/:id/timeline`, access: 'session',
      handle: async (ctx) => {
        const page = {
          before: query(ctx, 'before', z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER), null as number | null),
          limit: query(ctx, 'limit', z.coerce.number().int().min(1).max(CRM_LIMITS.timelinePageMax), 50),
        };
        return { json: await crm.listTimeline(ctx.svc, actorOf(ctx), kind, id(ctx, kind), page) };
      },
    }),
    jsonRoute({
      method: 'POST', path: `${base}/:id/timeline`, access: 'session', schema: TimelineBody,
      handle: async (ctx) => ({ status: 201, json: { entry: await crm.addActivity(ctx.svc, actorOf(ctx), kind, id(ctx, kind), ctx.body) } }),
    }),
    jsonRoute({
      method: 'PUT', path: `${base}/:id/shares`, access: 'session', schema: SharesBody,
      handle: async (ctx) => ({ json: { record: await crm.setShares(ctx.svc, actorOf(ctx), kind, id(ctx, kind), ctx.body.userIds) } }),
    }),
  ];
}

const SETTINGS_ROUTES: Route[] = [
  route({ method: 'GET', path: '/api/crm/settings', access: 'session', handle: async (ctx) => ({ json: { settings: await crm.getSettings(ctx.svc, actorOf(ctx)) } }) }),
  jsonRoute({
    method: 'PATCH', path: '/api/crm/settings', access: 'session', schema: CrmSettingsBody,
    handle: async (ctx) => ({ json: { settings: await crm.updateSettings(ctx.svc, actorOf(ctx), ctx.body) } }),
  }),
  route({ method: 'GET', path: '/api/crm/streams', access: 'session', handle: async (ctx) => ({ json: { streams: await crm.crmStreams(ctx.svc, actorOf(ctx)) } }) }),
  route({
    method: 'GET', path: '/api/crm/duplicates', access: 'session',
    handle: async (ctx) => {
      const q = { email: ctx.req.query.get('email') || null, phone: ctx.req.query.get('phone') || null };
      return { json: { duplicates: await crm.checkDuplicates(ctx.svc, actorOf(ctx), q) } };
    },
  }),
];

const PIPELINE_ROUTES: Route[] = [
  route({ method: 'GET', path: '/api/crm/pipelines', access: 'session', handle: async (ctx) => ({ json: { pipelines: await crm.listPipelines(ctx.svc, actorOf(ctx)) } }) }),
  jsonRoute({
    method: 'POST', path: '/api/crm/pipelines', access: 'session', schema: CreatePipelineBody,
    handle: async (ctx) => ({ status: 201, json: { pipeline: await crm.createPipeline(ctx.svc, actorOf(ctx), ctx.body) } }),
  }),
  jsonRoute({
    method: 'PATCH', path: '/api/crm/pipelines/:id', access: 'session', schema: UpdatePipelineBody,
    handle: async (ctx) => ({ json: { pipeline: await crm.updatePipeline(ctx.svc, actorOf(ctx), id(ctx, 'pipeline'), ctx.body) } }),
  }),
  route({
    method: 'DELETE', path: '/api/crm/pipelines/:id', access: 'session',
    handle: async (ctx) => {
      await crm.deletePipeline(ctx.svc, actorOf(ctx), id(ctx, 'pipeline'));
      return { json: { ok: true } };
    },
  }),
  route({
    method: 'GET', path: '/api/crm/pipelines/:id/board', access: 'session',
    handle: async (ctx) => {
      const q = { responsibleId: optionalUuid(ctx, 'responsibleId'), perStage: query(ctx, 'perStage', z.coerce.number().int().min(1).max(CRM_LIMITS.boardPerStageMax), 50) };
      return { json: await crm.board(ctx.svc, actorOf(ctx), id(ctx, 'pipeline'), q) };
    },
  }),
  jsonRoute({
    method: 'POST', path: '/api/crm/pipelines/:id/stages', access: 'session', schema: CreateStageBody,
    handle: async (ctx) => ({ status: 201, json: { pipeline: await crm.createStage(ctx.svc, actorOf(ctx), id(ctx, 'pipeline'), ctx.body) } }),
  }),
  jsonRoute({
    method: 'PATCH', path: '/api/crm/stages/:id', access: 'session', schema: UpdateStageBody,
    handle: async (ctx) => ({ json: { pipeline: await crm.updateStage(ctx.svc, actorOf(ctx), id(ctx, 'stage'), ctx.body) } }),
  }),
  route({
    method: 'DELETE', path: '/api/crm/stages/:id', access: 'session',
    handle: async (ctx) => ({ json: { pipeline: await crm.deleteStage(ctx.svc, actorOf(ctx), id(ctx, 'stage')) } }),
  }),
];

const DEAL_AND_LEAD_ROUTES: Route[] = [
  // The knowledge-base pages attached to the deal that the viewer may read (server/domains/docs/links.ts).
  route({
    method: 'GET', path: '/api/crm/deals/:id/docs', access: 'session',
    handle: async (ctx) => ({ json: { docs: await dealDocs(ctx.svc, actorOf(ctx), id(ctx, 'deal')) } }),
  }),
  jsonRoute({
    method: 'POST', path: '/api/crm/deals/:id/stage', access: 'session', schema: MoveDealBody,
    handle: async (ctx) => ({ json: { record: await crm.moveDeal(ctx.svc, actorOf(ctx), id(ctx, 'deal'), ctx.body) } }),
  }),
  jsonRoute({
    method: 'POST', path: '/api/crm/leads/:id/convert', access: 'session', schema: ConvertLeadBody,
    handle: async (ctx) => {
      const out = await crm.convertLead(ctx.svc, actorOf(ctx), id(ctx, 'lead'), ctx.body);
      return out.duplicates.length ? duplicatesReply(out.duplicates) : { json: out };
    },
  }),
];

const IMPORT_AND_REPORT_ROUTES: Route[] = [
  route({
    method: 'POST', path: '/api/crm/import/preview', access: 'session', body: 'raw', maxBytes: CRM_LIMITS.importBytes,
    handle: async (ctx) => {
      const kind = query(ctx, 'kind', z.enum(['contact', 'lead']), 'contact');
      const file = { name: fileNameHeader(ctx.req.headers['x-file-name']), data: ctx.body as Buffer };
      return { status: 201, json: await crm.previewImport(ctx.svc, actorOf(ctx), file, kind) };
    },
  }),
  jsonRoute({
    method: 'POST', path: '/api/crm/import', access: 'session', schema: ImportBody,
    handle: async (ctx) => ({ json: await crm.runImport(ctx.svc, actorOf(ctx), ctx.body) }),
  }),
  route({
    method: 'GET', path: '/api/crm/reports/funnel', access: 'session',
    handle: async (ctx) => {
      const data = await crm.funnel(ctx.svc, actorOf(ctx), optionalUuid(ctx, 'pipelineId'), period(ctx));
      return report(ctx, 'funnel', data, crm.funnelCsv);
    },
  }),
  route({
    method: 'GET', path: '/api/crm/reports/deals', access: 'session',
    handle: async (ctx) => {
      const groupBy = query(ctx, 'groupBy', z.enum(['manager', 'month']), 'manager');
      const data = await crm.dealsReport(ctx.svc, actorOf(ctx), groupBy, period(ctx), optionalUuid(ctx, 'pipelineId'));
      return report(ctx, `deals-by-${groupBy}`, data, crm.dealsCsv);
    },
  }),
];

/** The CRM's endpoints (docs/api.md, "CRM"). */
export const CRM_ROUTES: Route[] = [
  ...SETTINGS_ROUTES,
  ...PIPELINE_ROUTES,
  ...DEAL_AND_LEAD_ROUTES,
  ...IMPORT_AND_REPORT_ROUTES,
  ...CRM_KINDS.flatMap(recordRoutes),
];
