import { randomUUID } from 'node:crypto';
import { AppError } from '../../../shared/errors';
import type { ConvertLeadInput, CrmDuplicate, CrmKind, CrmRecord, EditRecordInput } from '../../../shared/crm';
import type { Unit } from '../../db/unit';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { activeColleagues } from '../chats/repo';
import { canEditRecord } from './policy';
import { badField, draftOf } from './draft';
import { findDuplicates } from './duplicates';
import * as events from './events';
import * as repo from './repo';
import { resolveStage } from './pipelinesRepo';
import { accessRecord, insertNew } from './records';
import { readSettings } from './settings';
import { loadRecord } from './view';

export interface Conversion {
  lead: CrmRecord | null;
  contact: CrmRecord | null;
  company: CrmRecord | null;
  deal: CrmRecord | null;
  /** Set (and nothing converted) when a new contact or company would duplicate existing records. */
  duplicates: CrmDuplicate[];
}

type Part = boolean | { id: string } | undefined;
const creates = (p: Part) => p === true || (typeof p === 'object' && !('id' in p));

/** What the lead becomes, by default: a contact when it names a person, a company when it names one, a deal. */
function partsOf(lead: repo.RecordRow, input: ConvertLeadInput) {
  const contact: Part = input.contact ?? Boolean(lead.first_name || lead.last_name);
  const company: Part = input.company ?? Boolean(lead.company_name);
  const deal = input.deal ?? true;
  if (!contact && !company && !deal) throw badField('_', 'nothing to convert the lead into');
  return { contact, company, deal };
}

const points = (lead: repo.RecordRow, kind: 'phone' | 'email') =>
  lead.points.filter((p) => p.kind === kind).map((p) => ({ value: p.value, label: p.label }));

/**
 * Convert a lead into a contact, a company and a deal, in ONE transaction: each part is created (or an
 * existing record linked with `{id}`), linked to the others and back to the lead, inherits the lead's
 * responsible and shares, and the lead becomes `converted`. Any failure — a bad stage, a missing name —
 * rolls everything back: nothing is half-created. Responsible, creator, owner and admins may convert.
 */
export async function convertLead(svc: Services, actor: Actor, leadId: string, input: ConvertLeadInput): Promise<Conversion> {
  const access = await accessRecord(svc, actor, 'lead', leadId);
  enforce(canEditRecord(actor, access.visible, access), 'convert this lead');
  if (access.status === 'converted') throw new AppError('conflict', 'The lead is already converted');
  const [lead] = await repo.recordRows(svc.db, null, [leadId]);
  const parts = partsOf(lead, input);
  if ((creates(parts.contact) || creates(parts.company)) && !input.force) {
    const found = await findDuplicates(svc.db, actor.id, {
      emails: lead.points.filter((p) => p.kind === 'email').map((p) => p.normalized),
      phones: lead.points.filter((p) => p.kind === 'phone').map((p) => p.normalized),
    }, [leadId]);
    if (found.length) return { lead: null, contact: null, company: null, deal: null, duplicates: found };
  }
  const settings = await readSettings(svc.db);
  const responsibleId = (await activeColleagues(svc.db, [lead.responsible_id])).length ? lead.responsible_id : actor.id;
  const ids = await svc.write(async (u) => {
    const locked = await repo.recordAccess(u.tx, leadId, actor.id, true);
    if (locked?.status === 'converted') throw new AppError('conflict', 'The lead is already converted');
    const create = async (kind: CrmKind, fields: EditRecordInput & { pipelineId?: string; stageId?: string }) => {
      const draft = await draftOf({ q: u.tx, settings, actor, kind, prefix: `${kind}.`, before: null }, { ...fields, responsibleId });
      // Resolved after the parts before it were written: a bad stage here must roll them back.
      const stage = kind === 'deal' ? await resolveStage(u.tx, fields, 'deal.') : null;
      const id = randomUUID();
      await insertNew(svc, u, actor, kind, draft, { id, clientId: null, stage, leadId, shareFrom: leadId, entryData: { leadId } });
      return id;
    };
    const existing = async (kind: CrmKind, part: Part) => {
      const id = (part as { id: string }).id;
      if (!(await repo.linkable(u.tx, id, kind, actor.id))) throw badField(`${kind}.id`, `no such ${kind}`);
      return id;
    };
    const pick = (kind: 'contact' | 'company', part: Part, make: () => Promise<string>) =>
      !part ? null : creates(part) ? make() : existing(kind, part);

    const companyId = await pick('company', parts.company, () => {
      if (!lead.company_name) throw badField('company', 'the lead has no company name');
      const contactTakesPoints = creates(parts.contact);
      return create('company', {
        title: lead.company_name, source: lead.source,
        phones: contactTakesPoints ? undefined : points(lead, 'phone'), emails: contactTakesPoints ? undefined : points(lead, 'email'),
      });
    });
    const contactId = await pick('contact', parts.contact, () =>
      create('contact', {
        firstName: lead.first_name, lastName: lead.last_name, middleName: lead.middle_name, position: lead.position,
        phones: points(lead, 'phone'), emails: points(lead, 'email'), companyId, source: lead.source, comments: lead.comments,
      }),
    );
    const dealId = await dealPart(parts.deal, (fields) => create('deal', { ...fields, companyId, contactId, source: lead.source }), lead);
    await markConverted(svc, u, actor, leadId, { contactId, companyId, dealId });
    return { contactId, companyId, dealId };
  });
  const load = (id: string | null) => (id ? loadRecord(svc.db, actor, id) : Promise.resolve(null));
  return {
    lead: await loadRecord(svc.db, actor, leadId),
    contact: await load(ids.contactId),
    company: await load(ids.companyId),
    deal: await load(ids.dealId),
    duplicates: [],
  };
}

/** The deal part: the lead's title and amount unless the body says otherwise. */
async function dealPart(
  part: ConvertLeadInput['deal'],
  create: (fields: EditRecordInput & { pipelineId?: string; stageId?: string }) => Promise<string>,
  lead: repo.RecordRow,
): Promise<string | null> {
  if (!part) return null;
  const o = part === true ? {} : part;
  return create({
    title: o.title ?? lead.title,
    amount: o.amount !== undefined ? o.amount : lead.amount,
    currency: o.currency ?? lead.currency ?? undefined,
    pipelineId: o.pipelineId,
    stageId: o.stageId,
  });
}

async function markConverted(svc: Services, u: Unit, actor: Actor, leadId: string, data: Record<string, string | null>): Promise<void> {
  const involved = await repo.involvedIds(u.tx, leadId);
  await repo.markConverted(u.tx, leadId, actor.id);
  await events.changed(svc, u, { kind: 'lead', id: leadId }, 'record_updated', { type: 'converted', data }, involved, actor.id, 'converted');
}
