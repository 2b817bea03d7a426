import { randomUUID } from 'node:crypto';
import { sql, type Queryable } from '../../../db/pool';
import type { ImportResult } from '../../../../shared/crm';
import { visibleToUser } from '../repo';
import type { ImportRow } from './mapping';

/** Uploads between preview and import, and the bulk writes of an import. */

export async function saveUpload(
  q: Queryable,
  u: { id: string; userId: string; fileName: string; format: 'csv' | 'xlsx'; data: Buffer; ttlMinutes: number },
): Promise<Date> {
  // Uploads nobody imported are dropped once expired; each new upload sweeps them.
  await q.query(sql`DELETE FROM crm_imports WHERE expires_at < now()`);
  const [row] = await q.query(sql`
    INSERT INTO crm_imports (id, user_id, file_name, format, data, expires_at)
    VALUES (${u.id}, ${u.userId}, ${u.fileName}, ${u.format}, ${u.data}, now() + make_interval(mins => ${u.ttlMinutes}))
    RETURNING expires_at`);
  return row.expires_at as Date;
}

export interface Upload {
  data: Buffer;
  fileName: string;
  result: ImportResult | null;
}

/** The caller's unexpired upload, locked for the import (a concurrent retry waits, then finds the result). */
export async function takeUpload(q: Queryable, id: string, userId: string): Promise<Upload | null> {
  const rows = await q.query(sql`
    SELECT data, file_name, result FROM crm_imports WHERE id = ${id} AND user_id = ${userId} AND expires_at > now() FOR UPDATE`);
  return rows.length ? { data: rows[0].data, fileName: rows[0].file_name, result: rows[0].result } : null;
}

/** Keep the result for retries; the bytes are not needed any more. */
export async function finishUpload(q: Queryable, id: string, result: ImportResult): Promise<void> {
  await q.query(sql`UPDATE crm_imports SET data = ${Buffer.alloc(0)}, imported_at = now(), result = ${JSON.stringify(result)}::jsonb WHERE id = ${id}`);
}

/** Which of these normalised e-mails and phones leads, contacts or companies already have ("email:x", "phone:+7…"). */
export async function knownPoints(q: Queryable, emails: string[], phones: string[]): Promise<Set<string>> {
  const rows = await q.query(sql`
    SELECT DISTINCT kind || ':' || normalized AS k FROM crm_contact_points
    WHERE (kind = 'email' AND normalized = ANY(${emails}::text[])) OR (kind = 'phone' AND normalized = ANY(${phones}::text[]))`);
  return new Set(rows.map((r) => r.k as string));
}

/** Companies the importer can see, by lowercased name (the oldest when several share one). */
export async function companiesByName(q: Queryable, names: string[], userId: string): Promise<Map<string, string>> {
  if (!names.length) return new Map();
  const rows = await q.query(sql`
    SELECT DISTINCT ON (lower(r.title)) lower(r.title) AS name, r.id FROM crm_records r
    WHERE r.kind = 'company' AND lower(r.title) = ANY(${names.map((n) => n.toLowerCase())}::text[]) AND ${visibleToUser(userId)}
    ORDER BY lower(r.title), r.created_at, r.id`);
  return new Map(rows.map((r) => [r.name as string, r.id as string]));
}

const CHUNK = 1_000;

async function inChunks<T>(items: T[], write: (chunk: T[]) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += CHUNK) await write(items.slice(i, i + CHUNK));
}

export interface BulkRecord {
  id: string;
  kind: 'lead' | 'contact' | 'company';
  title: string;
  row: Partial<ImportRow>;
  companyId: string | null;
}

/** Insert records in chunks, one statement each (no per-row events: the import announces itself once). */
export async function insertRecords(q: Queryable, records: BulkRecord[], responsibleId: string, createdBy: string): Promise<void> {
  await inChunks(records, async (chunk) => {
    const json = chunk.map((r) => ({
      id: r.id, kind: r.kind, title: r.title, first_name: r.row.firstName ?? '', last_name: r.row.lastName ?? '',
      middle_name: r.row.middleName ?? '', company_name: r.kind === 'lead' ? (r.row.companyName ?? '') : '', position: r.row.position ?? '',
      source: r.row.source ?? '', comments: r.row.comments ?? '', status: r.kind === 'lead' ? 'new' : null, company_id: r.companyId,
    }));
    await q.query(sql`
      INSERT INTO crm_records (id, kind, title, first_name, last_name, middle_name, company_name, position, source, comments, status,
                               company_id, responsible_id, created_by, updated_by)
      SELECT x.id, x.kind, x.title, x.first_name, x.last_name, x.middle_name, x.company_name, x.position, x.source, x.comments, x.status,
             x.company_id, ${responsibleId}, ${createdBy}, ${createdBy}
      FROM jsonb_to_recordset(${JSON.stringify(json)}::jsonb) AS x(id uuid, kind text, title text, first_name text, last_name text,
        middle_name text, company_name text, position text, source text, comments text, status text, company_id uuid)`);
  });
  const points = records.flatMap((r) => [
    ...(r.row.phones ?? []).map((p, i) => ({ record_id: r.id, kind: 'phone', position: i, value: p.value, normalized: p.normalized, label: p.label })),
    ...(r.row.emails ?? []).map((p, i) => ({ record_id: r.id, kind: 'email', position: i, value: p.value, normalized: p.normalized, label: p.label })),
  ]);
  await inChunks(points, async (chunk) => {
    await q.query(sql`
      INSERT INTO crm_contact_points (record_id, kind, position, value, normalized, label)
      SELECT x.record_id, x.kind, x.position, x.value, x.normalized, x.label
      FROM jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb) AS x(record_id uuid, kind text, position smallint, value text, normalized text, label text)`);
  });
}

export const newId = () => randomUUID();
