import type { Queryable } from '../../db/pool';
import type { CrmLink, CrmRecord, CrmRecordSummary } from '../../../shared/crm';
import type { Actor } from '../people/policy';
import { canEditRecord, canShareRecord } from './policy';
import * as repo from './repo';

/** The read model: rows into what the API answers and events carry. */

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toSummary(r: repo.SummaryRow): CrmRecordSummary {
  return {
    id: r.id,
    kind: r.kind,
    title: r.title,
    status: r.status,
    amount: r.amount,
    currency: r.currency,
    pipelineId: r.pipeline_id,
    stage: r.stage_id ? { id: r.stage_id, name: r.stage_name!, code: r.stage_code, kind: r.stage_kind! } : null,
    boardRank: r.board_rank,
    outcome: r.stage_kind,
    responsible: { id: r.responsible_id, name: r.responsible_name },
    companyId: r.company_id,
    contactId: r.contact_id,
    closeDate: r.close_date,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

const toLink = (l: repo.LinkJson | null): CrmLink | null => (l ? { id: l.id, kind: l.kind, title: l.title } : null);

/** A record as `actor` sees it: linked titles they may see, and what they may do with it. */
export function toRecord(r: repo.RecordRow, actor: Actor): CrmRecord {
  const facts = { responsibleId: r.responsible_id, createdBy: r.created_by };
  const points = (kind: 'phone' | 'email') => r.points.filter((p) => p.kind === kind).map(({ value, normalized, label }) => ({ value, normalized, label }));
  return {
    ...toSummary(r),
    firstName: r.first_name,
    lastName: r.last_name,
    middleName: r.middle_name,
    companyName: r.company_name,
    position: r.position,
    source: r.source,
    comments: r.comments,
    phones: points('phone'),
    emails: points('email'),
    company: toLink(r.company_link),
    contact: toLink(r.contact_link),
    lead: toLink(r.lead_link),
    closeReason: r.close_reason,
    closedAt: iso(r.closed_at),
    convertedAt: iso(r.converted_at),
    createdBy: { id: r.created_by, name: r.created_by_name },
    updatedBy: { id: r.updated_by, name: r.updated_by_name },
    sharedWith: r.shares,
    head: r.head,
    // Only called for records the actor can see.
    can: { edit: canEditRecord(actor, true, facts) === null, share: canShareRecord(actor, true, { responsibleId: r.responsible_id }) === null },
  };
}

export async function loadRecord(q: Queryable, actor: Actor, id: string): Promise<CrmRecord> {
  const [row] = await repo.recordRows(q, actor.id, [id]);
  return toRecord(row, actor);
}

export async function loadSummary(q: Queryable, id: string): Promise<CrmRecordSummary> {
  const [row] = await repo.summaryRows(q, [id]);
  return toSummary(row);
}
