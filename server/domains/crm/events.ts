import { randomUUID } from 'node:crypto';
import type { Unit } from '../../db/unit';
import type { Services } from '../../services';
import { CRM_BOARD_STREAM, crmStream, type CrmKind, type CrmRecordSummary, type CrmTimelineEntry, type TimelineType } from '../../../shared/crm';
import { userStream } from '../streams/access';
import * as repo from './repo';
import { insertEntry } from './timelineRepo';
import { loadSummary } from './view';

/**
 * Streams and events of the CRM:
 * - `crm:<kind>:<id>`, the record's own stream (whoever can see the record): `record_created`,
 *   `record_updated` (fields changed, lead converted), `stage_changed`, `timeline_added` (comments, calls,
 *   meetings, e-mails, linked chats), each `{record: CrmRecordSummary, entry: CrmTimelineEntry}` — every
 *   timeline entry is one event, and keeps its seq; `shares_changed {recordId, userIds}`,
 *   `record_deleted {recordId}`.
 * - `crm:all` (those who see every record: staff, and everyone under `all_employees`): `record_upserted
 *   {record}`, `record_removed {id, kind}`, `records_imported {kind, count}`, `crm_settings_changed`.
 * - `user:<id>` of each person a record concerns (responsible, creator, shared with): `crm_record
 *   {record}`; `crm_record_left {id, kind}` when it stops concerning them; `crm_imported {kind, count}`.
 *   That is how an employee under `own_and_shared` keeps a live kanban of exactly what they may see,
 *   without a per-viewer filter on a shared stream.
 */

/** What an integrator hears about (posting stage changes back into linked chats, say). */
export interface CrmChange {
  type: 'created' | 'updated' | 'stage_changed' | 'converted' | 'activity' | 'chat_linked';
  record: CrmRecordSummary;
  entry: CrmTimelineEntry;
  actorId: string;
}
/** Runs inside the writing transaction: what it writes and emits commits (or rolls back) with the change. */
export type CrmListener = (u: Unit, change: CrmChange) => Promise<void>;

const listeners = new WeakMap<Services, CrmListener[]>();

/** Be told of every CRM change of this hub's services (register once, at start). */
export function onCrmChange(svc: Services, listener: CrmListener): () => void {
  const list = listeners.get(svc) ?? [];
  listeners.set(svc, [...list, listener]);
  return () => listeners.set(svc, (listeners.get(svc) ?? []).filter((l) => l !== listener));
}

export interface NewEntry {
  type: TimelineType;
  body?: string;
  data?: Record<string, unknown>;
  clientId?: string | null;
}

/** Append an entry to a record's timeline as one event of its stream; the entry keeps the event's seq. */
export async function recordEvent(
  u: Unit,
  rec: { kind: CrmKind; id: string },
  eventType: string,
  entry: NewEntry,
  actorId: string,
): Promise<{ record: CrmRecordSummary; entry: CrmTimelineEntry }> {
  let out!: { record: CrmRecordSummary; entry: CrmTimelineEntry };
  await u.emit(crmStream(rec.kind, rec.id), eventType, async (seq: number) => {
    const stored = await insertEntry(u.tx, {
      id: randomUUID(), recordId: rec.id, seq, type: entry.type, authorId: actorId, clientId: entry.clientId ?? null,
      body: entry.body ?? '', data: entry.data ?? {},
    });
    out = { record: await loadSummary(u.tx, rec.id), entry: stored };
    return out;
  }, actorId);
  return out;
}

/** Tell list and board followers: `crm:all`, and the own streams of the people the record concerns now and before. */
export async function announce(u: Unit, record: CrmRecordSummary, before: string[], actorId: string): Promise<void> {
  const after = await repo.involvedIds(u.tx, record.id);
  await u.emit(CRM_BOARD_STREAM, 'record_upserted', { record }, actorId);
  for (const id of after) await u.emit(userStream(id), 'crm_record', { record }, actorId);
  for (const id of before) if (!after.includes(id)) await u.emit(userStream(id), 'crm_record_left', { id: record.id, kind: record.kind }, actorId);
}

/**
 * One change, whole: the timeline entry on the record's stream, the announcements, and the listeners.
 * `before`: the people the record concerned before the change (empty for a new record).
 */
export async function changed(
  svc: Services,
  u: Unit,
  rec: { kind: CrmKind; id: string },
  eventType: 'record_created' | 'record_updated' | 'stage_changed' | 'timeline_added',
  entry: NewEntry,
  before: string[],
  actorId: string,
  change: CrmChange['type'],
): Promise<{ record: CrmRecordSummary; entry: CrmTimelineEntry }> {
  const out = await recordEvent(u, rec, eventType, entry, actorId);
  await announce(u, out.record, before, actorId);
  for (const listener of listeners.get(svc) ?? []) await listener(u, { type: change, ...out, actorId });
  return out;
}

/** A record was deleted: its stream says so last, and list followers drop it. */
export async function removed(u: Unit, rec: { kind: CrmKind; id: string }, before: string[], actorId: string): Promise<void> {
  await u.emit(crmStream(rec.kind, rec.id), 'record_deleted', { recordId: rec.id }, actorId);
  await u.emit(CRM_BOARD_STREAM, 'record_removed', { id: rec.id, kind: rec.kind }, actorId);
  for (const id of before) await u.emit(userStream(id), 'crm_record_left', { id: rec.id, kind: rec.kind }, actorId);
}

/** An import created records: one announcement rather than one per row. */
export async function imported(u: Unit, kind: CrmKind, count: number, userIds: string[], actorId: string): Promise<void> {
  await u.emit(CRM_BOARD_STREAM, 'records_imported', { kind, count }, actorId);
  for (const id of new Set(userIds)) await u.emit(userStream(id), 'crm_imported', { kind, count }, actorId);
}
