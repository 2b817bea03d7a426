import { AppError } from '../../../shared/errors';
import { CRM_LIMITS, crmStream, type CrmKind, type CrmRecordSummary, type CrmTimelineEntry, type TimelineInput } from '../../../shared/crm';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { streamHead } from '../streams';
import { findChat, memberRole } from '../chats/repo';
import { canUseChat } from '../chats/policy';
import { canReadRecord, canUseCrm } from './policy';
import { badField } from './draft';
import * as events from './events';
import * as repo from './repo';
import * as tl from './timelineRepo';
import { accessRecord } from './records';
import { toSummary } from './view';

/** A page of a record's timeline, newest first; `before` is an entry's seq (older pages). */
export async function listTimeline(
  svc: Services,
  actor: Actor,
  kind: CrmKind,
  id: string,
  page: { before: number | null; limit: number },
): Promise<{ entries: CrmTimelineEntry[]; head: number; nextBefore: number | null }> {
  const access = await accessRecord(svc, actor, kind, id);
  enforce(canReadRecord(actor, access.visible), `see this ${kind}`);
  const limit = Math.min(Math.max(page.limit, 1), CRM_LIMITS.timelinePageMax);
  const entries = await tl.entries(svc.db, id, page.before, limit + 1);
  const shown = entries.slice(0, limit);
  const head = await streamHead(svc.db, crmStream(kind, id));
  return { entries: shown, head, nextBefore: entries.length > limit ? shown[shown.length - 1].seq : null };
}

/**
 * Add a comment, call, meeting or e-mail to a record's timeline: whoever can see the record. Idempotent
 * by client id (a retry returns the first entry; the same id on another record is a conflict).
 */
export async function addActivity(svc: Services, actor: Actor, kind: CrmKind, id: string, input: TimelineInput): Promise<CrmTimelineEntry> {
  const access = await accessRecord(svc, actor, kind, id);
  enforce(canReadRecord(actor, access.visible), `add to this ${kind}'s timeline`);
  const retried = async () => {
    const first = await tl.entryByClientId(svc.db, actor.id, input.clientId);
    if (first && first.recordId !== id) throw new AppError('conflict', 'This client id was used on another record');
    return first;
  };
  const first = await retried();
  if (first) return first;
  const data: Record<string, unknown> = {};
  for (const k of ['subject', 'direction', 'durationMinutes', 'at'] as const) if (input[k] !== undefined) data[k] = input[k];
  try {
    return await svc.write(async (u) => {
      const involved = await repo.involvedIds(u.tx, id);
      const entry = { type: input.type, body: input.body, data, clientId: input.clientId };
      return (await events.changed(svc, u, { kind, id }, 'timeline_added', entry, involved, actor.id, 'activity')).entry;
    });
  } catch (err) {
    if ((err as { code?: string }).code !== '23505') throw err;
    const raced = await retried();
    if (!raced) throw err;
    return raced;
  }
}

/**
 * Link a chat (and one of its messages, if given) to a record: a `chat_linked` entry on the record's
 * timeline, and the link that `linkedRecords` finds from the chat's side. The actor must see the record
 * and be a member of the chat. Linking the same again returns the first entry. For the chat integrator
 * (`/deal …` in a chat, "make a lead of this message").
 */
export async function linkChat(
  svc: Services,
  actor: Actor,
  record: { kind: CrmKind; id: string },
  link: { chatId: string; messageId?: string | null },
): Promise<CrmTimelineEntry> {
  const access = await accessRecord(svc, actor, record.kind, record.id);
  enforce(canReadRecord(actor, access.visible), `link this ${record.kind}`);
  if (!(await findChat(svc.db, link.chatId))) throw badField('chatId', 'no such chat');
  enforce(canUseChat(actor, await memberRole(svc.db, link.chatId, actor.id)), 'link this chat');
  const messageId = link.messageId ?? null;
  if (messageId && (await tl.messageChat(svc.db, messageId)) !== link.chatId) throw badField('messageId', 'no such message in this chat');
  return svc.write(async (u) => {
    await repo.recordAccess(u.tx, record.id, actor.id, true);
    const existing = await tl.chatLinkEntry(u.tx, record.id, link.chatId, messageId);
    if (existing) return (await tl.entryById(u.tx, existing))!;
    const involved = await repo.involvedIds(u.tx, record.id);
    const data = { chatId: link.chatId, messageId };
    const { entry } = await events.changed(svc, u, record, 'timeline_added', { type: 'chat_linked', data }, involved, actor.id, 'chat_linked');
    await tl.insertChatLink(u.tx, { recordId: record.id, chatId: link.chatId, messageId, linkedBy: actor.id, entryId: entry.id });
    return entry;
  });
}

/** The records linked to a chat that the actor (a member of it) may see, with the messages they came from. */
export async function linkedRecords(svc: Services, actor: Actor, chatId: string): Promise<{ record: CrmRecordSummary; messageId: string | null }[]> {
  enforce(canUseCrm(actor), 'use the CRM');
  enforce(canUseChat(actor, await memberRole(svc.db, chatId, actor.id)), 'see this chat');
  const links = await tl.linksOfChat(svc.db, chatId);
  const out: { record: CrmRecordSummary; messageId: string | null }[] = [];
  for (const l of links) {
    const access = await repo.recordAccess(svc.db, l.recordId, actor.id);
    if (!access?.visible) continue;
    const [row] = await repo.summaryRows(svc.db, [l.recordId]);
    out.push({ record: toSummary(row), messageId: l.messageId });
  }
  return out;
}

/** Where a record's changes should be posted back: the chats and messages it is linked to. */
export const chatsOfRecord = (svc: Services, recordId: string) => tl.chatsOfRecord(svc.db, recordId);
