import type { SQLQuery } from '@databases/pg';
import { sql, type Queryable } from '../../db/pool';
import type { CrmKind, CrmPoint, LeadStatus, StageKind } from '../../../shared/crm';

/**
 * THE visibility rule in SQL: true when the user whose id is the SQL expression `viewer` may see the
 * record aliased `alias`. Every CRM query (get, list, board, timeline, subscribe, duplicates, reports,
 * linked titles) filters with it, so they all agree; `canSeeRecord` in policy.ts is its pure twin.
 *
 * Active employees only (never guests or deactivated people); the owner and admins see everything;
 * everyone when the workspace's visibility is `all_employees`; otherwise the record's responsible, its
 * creator, and the people it is shared with.
 */
export function visibleTo(viewer: SQLQuery, alias = 'r'): SQLQuery {
  const r = sql.ident(alias);
  return sql`EXISTS (
    SELECT 1 FROM users v WHERE v.id = ${viewer} AND v.active AND v.role <> 'guest' AND (
      v.role IN ('owner', 'admin')
      OR ${r}.responsible_id = v.id
      OR ${r}.created_by = v.id
      OR EXISTS (SELECT 1 FROM crm_settings cs WHERE cs.id = 1 AND cs.visibility = 'all_employees')
      OR EXISTS (SELECT 1 FROM crm_shares sh WHERE sh.record_id = ${r}.id AND sh.user_id = v.id)))`;
}

/** The rule for one user, by id. */
export const visibleToUser = (userId: string, alias = 'r') => visibleTo(sql`${userId}::uuid`, alias);

/** Whether a record exists, whether the user can see it, and the facts permissions need. */
export interface RecordAccess {
  id: string;
  kind: CrmKind;
  responsibleId: string;
  createdBy: string;
  status: LeadStatus | null;
  stageId: string | null;
  visible: boolean;
}

/** `lock` takes the row's lock (inside a transaction), so that concurrent conversions or moves serialise. */
export async function recordAccess(q: Queryable, id: string, userId: string, lock = false): Promise<RecordAccess | null> {
  const rows = await q.query(sql`
    SELECT r.id, r.kind, r.responsible_id, r.created_by, r.status, r.stage_id, ${visibleToUser(userId)} AS visible
    FROM crm_records r WHERE r.id = ${id} ${lock ? sql`FOR UPDATE OF r` : sql``}`);
  if (!rows.length) return null;
  const r = rows[0];
  return { id: r.id, kind: r.kind, responsibleId: r.responsible_id, createdBy: r.created_by, status: r.status, stageId: r.stage_id, visible: r.visible };
}

// ---- Rows -------------------------------------------------------------------------------------------

export const SUMMARY_FROM = sql`crm_records r JOIN users ru ON ru.id = r.responsible_id LEFT JOIN crm_stages st ON st.id = r.stage_id`;

export const SUMMARY_COLUMNS = sql`
  r.id, r.kind, r.title, r.status, r.amount::text AS amount, r.currency, r.pipeline_id, r.stage_id, r.board_rank,
  st.name AS stage_name, st.code AS stage_code, st.kind AS stage_kind, r.responsible_id, ru.name AS responsible_name,
  r.company_id, r.contact_id, r.close_date::text AS close_date, r.created_at, r.created_at::text AS at_text, r.updated_at`;

export interface SummaryRow {
  id: string;
  kind: CrmKind;
  title: string;
  status: LeadStatus | null;
  amount: string | null;
  currency: string | null;
  pipeline_id: string | null;
  stage_id: string | null;
  board_rank: number | null;
  stage_name: string | null;
  stage_code: string | null;
  stage_kind: StageKind | null;
  responsible_id: string;
  responsible_name: string;
  company_id: string | null;
  contact_id: string | null;
  close_date: string | null;
  created_at: Date;
  at_text: string;
  updated_at: Date;
}

export interface LinkJson {
  id: string;
  kind: CrmKind;
  title: string | null;
}

export interface RecordRow extends SummaryRow {
  first_name: string;
  last_name: string;
  middle_name: string;
  company_name: string;
  position: string;
  source: string;
  comments: string;
  close_reason: string;
  closed_at: Date | null;
  converted_at: Date | null;
  lead_id: string | null;
  created_by: string;
  created_by_name: string;
  updated_by: string;
  updated_by_name: string;
  points: (CrmPoint & { kind: 'phone' | 'email' })[];
  shares: { id: string; name: string }[];
  head: number;
  company_link: LinkJson | null;
  contact_link: LinkJson | null;
  lead_link: LinkJson | null;
}

/** A linked record with its title only when `viewerId` may see it (null viewer: never). */
const link = (column: string, viewerId: string | null) => sql`
  (SELECT json_build_object('id', l.id, 'kind', l.kind, 'title',
     CASE WHEN ${viewerId ? visibleToUser(viewerId, 'l') : sql`false`} THEN l.title END)
   FROM crm_records l WHERE l.id = r.${sql.ident(column)})`;

const recordColumns = (viewerId: string | null) => sql`${SUMMARY_COLUMNS},
  r.first_name, r.last_name, r.middle_name, r.company_name, r.position, r.source, r.comments, r.close_reason,
  r.closed_at, r.converted_at, r.lead_id, r.created_by, cu.name AS created_by_name, r.updated_by, uu.name AS updated_by_name,
  COALESCE((SELECT json_agg(json_build_object('kind', p.kind, 'value', p.value, 'normalized', p.normalized, 'label', p.label)
                            ORDER BY p.kind, p.position)
            FROM crm_contact_points p WHERE p.record_id = r.id), '[]') AS points,
  COALESCE((SELECT json_agg(json_build_object('id', su.id, 'name', su.name) ORDER BY lower(su.name), su.id)
            FROM crm_shares sh JOIN users su ON su.id = sh.user_id WHERE sh.record_id = r.id), '[]') AS shares,
  COALESCE((SELECT s.head FROM streams s WHERE s.id = 'crm:' || r.kind || ':' || r.id::text), 0) AS head,
  ${link('company_id', viewerId)} AS company_link, ${link('contact_id', viewerId)} AS contact_link, ${link('lead_id', viewerId)} AS lead_link`;

/** Records by id, complete (no visibility filter: callers have checked it); linked titles as `viewerId` may see them. */
export async function recordRows(q: Queryable, viewerId: string | null, ids: string[]): Promise<RecordRow[]> {
  if (!ids.length) return [];
  const rows = await q.query(sql`
    SELECT ${recordColumns(viewerId)}
    FROM ${SUMMARY_FROM} JOIN users cu ON cu.id = r.created_by JOIN users uu ON uu.id = r.updated_by
    WHERE r.id = ANY(${ids}::uuid[])`);
  return rows as RecordRow[];
}

export async function summaryRows(q: Queryable, ids: string[]): Promise<SummaryRow[]> {
  if (!ids.length) return [];
  return (await q.query(sql`SELECT ${SUMMARY_COLUMNS} FROM ${SUMMARY_FROM} WHERE r.id = ANY(${ids}::uuid[])`)) as SummaryRow[];
}

// ---- Writes -----------------------------------------------------------------------------------------

/** The columns a create or an edit may set, by field name. */
export const COLUMNS = {
  title: 'title', firstName: 'first_name', lastName: 'last_name', middleName: 'middle_name', companyName: 'company_name',
  position: 'position', source: 'source', comments: 'comments', status: 'status', companyId: 'company_id',
  contactId: 'contact_id', leadId: 'lead_id', amount: 'amount', currency: 'currency', pipelineId: 'pipeline_id',
  stageId: 'stage_id', boardRank: 'board_rank', closeDate: 'close_date', closeReason: 'close_reason',
  responsibleId: 'responsible_id',
} as const;
export type RecordValues = Partial<Record<keyof typeof COLUMNS, string | number | null>>;

export async function insertRecord(
  q: Queryable,
  r: { id: string; kind: CrmKind; clientId: string | null; createdBy: string; closed: boolean; values: RecordValues },
): Promise<void> {
  const entries = Object.entries(r.values).filter(([k]) => k in COLUMNS) as [keyof typeof COLUMNS, unknown][];
  const cols = entries.map(([k]) => sql.ident(COLUMNS[k]));
  const vals = entries.map(([, v]) => sql`${v}`);
  await q.query(sql`
    INSERT INTO crm_records (id, kind, client_id, created_by, updated_by, closed_at, ${sql.join(cols, sql`, `)})
    VALUES (${r.id}, ${r.kind}, ${r.clientId}, ${r.createdBy}, ${r.createdBy}, ${r.closed ? sql`now()` : sql`NULL`}, ${sql.join(vals, sql`, `)})`);
}

/** Set the given fields; `closed` (when given) stamps or clears closed_at. */
export async function updateRecord(q: Queryable, id: string, values: RecordValues, actorId: string, closed?: boolean): Promise<void> {
  const sets = (Object.entries(values) as [keyof typeof COLUMNS, unknown][])
    .filter(([k]) => k in COLUMNS)
    .map(([k, v]) => sql`${sql.ident(COLUMNS[k])} = ${v}`);
  if (closed !== undefined) sets.push(closed ? sql`closed_at = COALESCE(closed_at, now())` : sql`closed_at = NULL`);
  sets.push(sql`updated_by = ${actorId}`, sql`updated_at = now()`);
  await q.query(sql`UPDATE crm_records SET ${sql.join(sets, sql`, `)} WHERE id = ${id}`);
}

export async function markConverted(q: Queryable, leadId: string, actorId: string): Promise<void> {
  await q.query(sql`UPDATE crm_records SET status = 'converted', converted_at = now(), updated_by = ${actorId}, updated_at = now() WHERE id = ${leadId}`);
}

export async function deleteRecord(q: Queryable, id: string): Promise<void> {
  await q.query(sql`DELETE FROM crm_records WHERE id = ${id}`);
}

/**
 * Blank a deleted record from every stored event that carried it — its own stream, and the
 * announcements on `crm:all` and people's own streams — so that no resume brings its data back.
 */
export async function scrubEvents(q: Queryable, kind: CrmKind, id: string): Promise<void> {
  await q.query(sql`
    UPDATE events SET payload = jsonb_build_object('recordId', ${id}::text, 'scrubbed', true)
    WHERE stream_id = ${`crm:${kind}:${id}`}`);
  await q.query(sql`
    UPDATE events SET payload = jsonb_build_object('id', ${id}::text, 'kind', ${kind}::text, 'scrubbed', true)
    WHERE type IN ('crm_record', 'record_upserted') AND payload->'record'->>'id' = ${id}::text`);
}

/** Replace a record's phones or e-mails. */
export async function replacePoints(q: Queryable, recordId: string, kind: 'phone' | 'email', points: CrmPoint[]): Promise<void> {
  await q.query(sql`DELETE FROM crm_contact_points WHERE record_id = ${recordId} AND kind = ${kind}`);
  if (!points.length) return;
  await q.query(sql`
    INSERT INTO crm_contact_points (record_id, kind, position, value, normalized, label)
    SELECT ${recordId}, ${kind}, n - 1, v, nv, l
    FROM unnest(${points.map((p) => p.value)}::text[], ${points.map((p) => p.normalized)}::text[], ${points.map((p) => p.label)}::text[])
      WITH ORDINALITY AS t(v, nv, l, n)`);
}

export async function findByClientId(q: Queryable, userId: string, clientId: string): Promise<{ id: string; kind: CrmKind } | null> {
  const rows = await q.query(sql`SELECT id, kind FROM crm_records WHERE created_by = ${userId} AND client_id = ${clientId}`);
  return rows.length ? { id: rows[0].id, kind: rows[0].kind } : null;
}

// ---- Shares and the people a record concerns ----------------------------------------------------------

export async function replaceShares(q: Queryable, recordId: string, userIds: string[], actorId: string): Promise<void> {
  await q.query(sql`DELETE FROM crm_shares WHERE record_id = ${recordId} AND NOT (user_id = ANY(${userIds}::uuid[]))`);
  await q.query(sql`
    INSERT INTO crm_shares (record_id, user_id, created_by) SELECT ${recordId}, u, ${actorId} FROM unnest(${userIds}::uuid[]) AS u
    ON CONFLICT DO NOTHING`);
}

export async function copyShares(q: Queryable, fromId: string, toId: string, actorId: string): Promise<void> {
  await q.query(sql`
    INSERT INTO crm_shares (record_id, user_id, created_by) SELECT ${toId}, user_id, ${actorId} FROM crm_shares WHERE record_id = ${fromId}
    ON CONFLICT DO NOTHING`);
}

/** Its responsible, its creator and the people it is shared with: whose own streams hear about it. */
export async function involvedIds(q: Queryable, recordId: string): Promise<string[]> {
  const rows = await q.query(sql`
    SELECT responsible_id AS id FROM crm_records WHERE id = ${recordId}
    UNION SELECT created_by FROM crm_records WHERE id = ${recordId}
    UNION SELECT user_id FROM crm_shares WHERE record_id = ${recordId}`);
  return rows.map((r) => r.id as string);
}

/** Those of `userIds` who can no longer see the record (after a change of responsible or shares). */
export async function blindTo(q: Queryable, recordId: string, userIds: string[]): Promise<string[]> {
  if (!userIds.length) return [];
  const rows = await q.query(sql`
    SELECT u.id FROM unnest(${userIds}::uuid[]) AS u(id), crm_records r
    WHERE r.id = ${recordId} AND NOT ${visibleTo(sql`u.id`)}`);
  return rows.map((r) => r.id as string);
}

/** A linked record as the actor may use it: exists, of that kind, visible to them. */
export async function linkable(q: Queryable, id: string, kind: CrmKind, userId: string): Promise<boolean> {
  const rows = await q.query(sql`SELECT 1 FROM crm_records r WHERE r.id = ${id} AND r.kind = ${kind} AND ${visibleToUser(userId)}`);
  return rows.length > 0;
}
