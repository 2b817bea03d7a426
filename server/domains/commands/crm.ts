import { AppError } from '../../../shared/errors';
import type { Card } from '../../../shared/cards';
import { CreateRecordBody, type CrmKind, type CrmRecordSummary } from '../../../shared/crm';
import type { Draft } from '../../../shared/commands';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { createRecord, linkChat, onCrmChange } from '../crm';
import { listPipelines } from '../crm/pipelinesRepo';
import { readSettings } from '../crm/settings';
import { recordChanged } from './cards';
import { registerExecutor, type Origin } from './registry';

/** CRM records made from a chat: a lead, a contact, a company or a deal, through the CRM's own action. */

const PLURAL: Record<CrmKind, string> = { lead: 'leads', contact: 'contacts', company: 'companies', deal: 'deals' };

/** A CRM record's card. */
export function crmCard(r: CrmRecordSummary): Card {
  return {
    kind: r.kind,
    id: r.id,
    title: r.title,
    status: r.stage?.name ?? r.status ?? null,
    stageCode: r.stage?.code ?? null,
    amount: r.amount && r.currency ? { value: r.amount, currency: r.currency } : null,
    responsibleId: r.responsible.id,
    due: r.closeDate,
    closed: r.outcome === 'won' || r.outcome === 'lost',
    url: `/app/crm/${PLURAL[r.kind]}/${r.id}`,
  };
}

/** Russian names of the built-in stages (their stored names are English): `#переговоры` finds Negotiation. */
const STAGE_ALIASES: Record<string, string[]> = {
  new: ['новая', 'новый', 'новые'],
  negotiation: ['переговоры'],
  proposal: ['предложение', 'кп'],
  won: ['успех', 'успешно', 'выиграна', 'выиграно'],
  lost: ['проиграна', 'проиграно', 'провал'],
};

/** The default pipeline's stages, with every name a command may call them by. */
async function stageNames(svc: Services | { db: Services['db'] }) {
  const pipeline = (await listPipelines(svc.db)).find((p) => p.isDefault);
  return (pipeline?.stages ?? []).map((s) => ({ id: s.id, names: [s.name, ...(s.code ? STAGE_ALIASES[s.code] ?? [] : [])] }));
}

/** A contact's name as typed: the last word is the last name ("Иван Петров"). */
function splitName(name: string): { firstName: string; lastName?: string } {
  const words = name.trim().split(/\s+/);
  return words.length > 1 ? { firstName: words.slice(0, -1).join(' '), lastName: words[words.length - 1] } : { firstName: words[0] };
}

/** The CRM's create input for a draft: the same schema as POST /api/crm/<kind>s. */
async function inputOf(svc: Services, draft: Draft, clientId: string): Promise<{ kind: CrmKind; raw: Record<string, unknown> }> {
  const base = { clientId, responsibleId: 'responsibleId' in draft ? draft.responsibleId : undefined, source: 'chat' };
  const points = (d: { phones?: string[]; emails?: string[] }) => ({ phones: d.phones ?? [], emails: d.emails ?? [] });
  switch (draft.kind) {
    case 'deal': {
      let stageId: string | undefined;
      if (draft.stage) {
        const wanted = draft.stage.toLowerCase();
        stageId = (await stageNames(svc)).find((s) => s.names.some((n) => n.toLowerCase() === wanted))?.id;
        if (!stageId) throw new AppError('bad_request', `No stage "${draft.stage}" in the default pipeline`, { fields: { stage: 'unknown' } });
      }
      const money = draft.amount ? { amount: draft.amount.value, currency: draft.amount.currency } : {};
      return { kind: 'deal', raw: { ...base, title: draft.title, ...money, stageId, closeDate: draft.due?.date } };
    }
    case 'lead': {
      const money = draft.amount ? { amount: draft.amount.value, currency: draft.amount.currency } : {};
      return { kind: 'lead', raw: { ...base, title: draft.title, ...money, ...points(draft) } };
    }
    case 'contact':
      return { kind: 'contact', raw: { ...base, ...splitName(draft.title), ...points(draft) } };
    case 'company':
      return { kind: 'company', raw: { ...base, title: draft.title, ...points(draft) } };
    default:
      throw new AppError('bad_request', `/${draft.kind} does not make a CRM record`);
  }
}

async function createFromDraft(svc: Services, actor: Actor, draft: Draft, origin: Origin): Promise<Card> {
  const { kind, raw } = await inputOf(svc, draft, origin.clientId);
  const parsed = CreateRecordBody[kind].safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('bad_request', `${issue.path.join('.') || kind}: ${issue.message}`, { fields: { [issue.path.join('.') || '_']: issue.message } });
  }
  const { record, duplicates } = await createRecord(svc, actor, kind, parsed.data as never);
  if (!record) {
    const names = duplicates.map((d) => d.title ?? '…').join(', ');
    throw new AppError('conflict', `Possible duplicates already exist (${names}): create it from the CRM to confirm`);
  }
  // The record's timeline lists the chat it was made in.
  if (origin.chatId) await linkChat(svc, actor, { kind, id: record.id }, { chatId: origin.chatId, messageId: origin.sourceId });
  return crmCard(record);
}

for (const kind of ['deal', 'lead', 'contact', 'company'] as const) {
  registerExecutor(kind, {
    create: createFromDraft,
    async context(q) {
      const [stages, settings] = await Promise.all([stageNames({ db: q as Services['db'] }), readSettings(q)]);
      return { stages: stages.flatMap((s) => s.names), defaultCurrency: settings.defaultCurrency };
    },
  });
}

/** Russian labels of the built-in stages for the thread notes (custom stages are shown as named). */
const STAGE_RU: Record<string, string> = { new: 'Новая', negotiation: 'Переговоры', proposal: 'Предложение', won: 'Успешно', lost: 'Проиграна' };
const stageNote = (stage: { name: string; code: string | null }) => `Stage: ${stage.name} · Стадия: ${(stage.code && STAGE_RU[stage.code]) || stage.name}`;

/** Deals' stage moves and other CRM changes keep chat cards current; stage moves are told in the threads. */
export function registerCrmCardListener(svc: Services): void {
  onCrmChange(svc, async (u, change) => {
    if (change.type === 'created' || change.type === 'chat_linked' || change.type === 'activity') return;
    const note = change.type === 'stage_changed' && change.record.stage ? stageNote(change.record.stage) : null;
    await recordChanged(u, crmCard(change.record), change.actorId, note);
  });
}
