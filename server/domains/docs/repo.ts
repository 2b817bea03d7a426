import { sql, type Queryable } from '../../db/pool';
import type { DocPage } from '../../../shared/docs';

/** A space as stored. */
export interface SpaceRow {
  id: string;
  name: string;
  group_id: string | null;
  created_by: string;
  created_at: Date;
}

/** A page as stored. */
export interface PageRow {
  id: string;
  space_id: string;
  parent_id: string | null;
  position: number;
  title: string;
  created_by: string;
  created_at: Date;
  updated_by: string;
  updated_at: Date;
  deleted_at: Date | null;
}

export function toPage(r: PageRow): DocPage {
  return {
    id: r.id,
    spaceId: r.space_id,
    parentId: r.parent_id,
    position: r.position,
    title: r.title,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    updatedBy: r.updated_by,
    updatedAt: r.updated_at.toISOString(),
    deletedAt: r.deleted_at ? r.deleted_at.toISOString() : null,
  };
}

export async function findSpace(q: Queryable, id: string): Promise<SpaceRow | null> {
  const rows = await q.query(sql`SELECT * FROM doc_spaces WHERE id = ${id}`);
  return (rows[0] as SpaceRow) ?? null;
}

/** Every space, the company's first (the caller keeps those the viewer may read). */
export async function listSpaces(q: Queryable): Promise<SpaceRow[]> {
  const rows = await q.query(sql`SELECT * FROM doc_spaces ORDER BY group_id IS NOT NULL, lower(name), id`);
  return rows as SpaceRow[];
}

export async function insertSpace(q: Queryable, s: { id: string; name: string; groupId: string | null; createdBy: string }): Promise<void> {
  await q.query(sql`INSERT INTO doc_spaces (id, name, group_id, created_by) VALUES (${s.id}, ${s.name}, ${s.groupId}, ${s.createdBy})`);
}

export async function renameSpace(q: Queryable, id: string, name: string): Promise<void> {
  await q.query(sql`UPDATE doc_spaces SET name = ${name} WHERE id = ${id}`);
}

export async function findPage(q: Queryable, id: string): Promise<PageRow | null> {
  const rows = await q.query(sql`SELECT * FROM doc_pages WHERE id = ${id}`);
  return (rows[0] as PageRow) ?? null;
}

/** Lock a space's tree for a structural change (create, move, delete), so sibling order stays consistent. */
export async function lockSpace(q: Queryable, spaceId: string): Promise<void> {
  await q.query(sql`SELECT 1 FROM doc_spaces WHERE id = ${spaceId} FOR UPDATE`);
}

/** Live pages of a space in tree order (parent, position); or its deleted pages whose parent is live. */
export async function listPages(q: Queryable, spaceId: string, deleted: boolean): Promise<PageRow[]> {
  const rows = deleted
    ? await q.query(sql`
        SELECT p.* FROM doc_pages p LEFT JOIN doc_pages parent ON parent.id = p.parent_id
        WHERE p.space_id = ${spaceId} AND p.deleted_at IS NOT NULL AND (parent.id IS NULL OR parent.deleted_at IS NULL)
        ORDER BY p.deleted_at DESC, p.id`)
    : await q.query(sql`
        SELECT * FROM doc_pages WHERE space_id = ${spaceId} AND deleted_at IS NULL ORDER BY parent_id NULLS FIRST, position, id`);
  return rows as PageRow[];
}

export async function countPages(q: Queryable, spaceId: string): Promise<number> {
  const [r] = await q.query(sql`SELECT count(*)::int AS n FROM doc_pages WHERE space_id = ${spaceId}`);
  return r.n as number;
}

/** Live children of a parent (null: the top level), in order. */
export async function siblings(q: Queryable, spaceId: string, parentId: string | null): Promise<{ id: string; position: number }[]> {
  const rows = await q.query(sql`
    SELECT id, position FROM doc_pages
    WHERE space_id = ${spaceId} AND parent_id IS NOT DISTINCT FROM ${parentId}::uuid AND deleted_at IS NULL
    ORDER BY position, id`);
  return rows as { id: string; position: number }[];
}

/** Give `ids` the positions 0, 1, 2… in that order. */
export async function renumber(q: Queryable, ids: string[]): Promise<void> {
  if (!ids.length) return;
  await q.query(sql`
    UPDATE doc_pages p SET position = o.ord - 1
    FROM unnest(${ids}::uuid[]) WITH ORDINALITY AS o(id, ord) WHERE p.id = o.id`);
}

/** The page and every page below it, deleted or not. */
export async function subtree(q: Queryable, pageId: string): Promise<PageRow[]> {
  const rows = await q.query(sql`
    WITH RECURSIVE t AS (
      SELECT * FROM doc_pages WHERE id = ${pageId}
      UNION ALL SELECT p.* FROM doc_pages p JOIN t ON p.parent_id = t.id
    ) SELECT * FROM t`);
  return rows as PageRow[];
}

/** Insert a page and its document's storage head. */
export async function insertPage(
  q: Queryable,
  p: { id: string; spaceId: string; parentId: string | null; position: number; title: string; by: string },
): Promise<void> {
  await q.query(sql`INSERT INTO docs (id) VALUES (${p.id})`);
  await q.query(sql`
    INSERT INTO doc_pages (id, space_id, parent_id, position, title, created_by, updated_by)
    VALUES (${p.id}, ${p.spaceId}, ${p.parentId}, ${p.position}, ${p.title}, ${p.by}, ${p.by})`);
}

export async function renamePage(q: Queryable, id: string, title: string, by: string): Promise<void> {
  await q.query(sql`UPDATE doc_pages SET title = ${title}, updated_by = ${by}, updated_at = now() WHERE id = ${id}`);
}

export async function reparent(q: Queryable, id: string, parentId: string | null, by: string): Promise<void> {
  await q.query(sql`UPDATE doc_pages SET parent_id = ${parentId}, updated_by = ${by}, updated_at = now() WHERE id = ${id}`);
}

/**
 * Mark live pages deleted with one timestamp; restoring brings back exactly the pages deleted together
 * (a child deleted earlier on its own stays in the bin).
 */
export async function markDeleted(q: Queryable, ids: string[], by: string): Promise<void> {
  await q.query(sql`
    UPDATE doc_pages SET deleted_at = now(), deleted_by = ${by} WHERE id = ANY(${ids}::uuid[]) AND deleted_at IS NULL`);
}

/** Restore `ids` that were deleted together with `rootId` (compared in SQL: JS dates lose the microseconds). */
export async function restore(q: Queryable, ids: string[], rootId: string): Promise<void> {
  await q.query(sql`
    UPDATE doc_pages SET deleted_at = NULL, deleted_by = NULL
    WHERE id = ANY(${ids}::uuid[]) AND deleted_at = (SELECT deleted_at FROM doc_pages WHERE id = ${rootId})`);
}
