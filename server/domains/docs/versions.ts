import { randomUUID } from 'node:crypto';
import * as Y from 'yjs';
import { AppError } from '../../../shared/errors';
import { DOC_LIMITS, type DocVersion } from '../../../shared/docs';
import type { Services } from '../../services';
import { sql, type Queryable } from '../../db/pool';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { loadPage } from './actions';
import { docAccess } from './policy';
import { docChannel } from './room';
import { restoreUpdate } from './restore';
import { appendUpdate, docFrom, readDoc } from './storage';

/**
 * A page's history: named versions (someone saves the page as it is, under a name), automatic ones (taken
 * at compactions, at most every few minutes, the latest 50 kept) and the one taken just before each
 * restore. Restoring writes the earlier content as a new update through the documents' one write path
 * (stored, then relayed to every node), so open editors converge on it live.
 */

interface VersionRow {
  id: string;
  doc_id: string;
  name: string | null;
  reason: DocVersion['reason'];
  bytes: number;
  created_by: string | null;
  created_at: Date;
}

const toVersion = (r: VersionRow): DocVersion => ({
  id: r.id, pageId: r.doc_id, name: r.name, reason: r.reason, bytes: r.bytes, createdBy: r.created_by, createdAt: r.created_at.toISOString(),
});

const COLUMNS = sql`id, doc_id, name, reason, bytes, created_by, created_at`;

/** Insert a version of `state` (the whole document as one update). */
export async function insertVersion(
  q: Queryable,
  v: { docId: string; name: string | null; reason: DocVersion['reason']; state: Uint8Array; uptoSeq: number; by: string | null },
): Promise<VersionRow> {
  const [row] = await q.query(sql`
    INSERT INTO doc_versions (id, doc_id, name, reason, state, upto_seq, bytes, created_by)
    VALUES (${randomUUID()}, ${v.docId}, ${v.name}, ${v.reason}, ${Buffer.from(v.state)}, ${v.uptoSeq}, ${v.state.byteLength}, ${v.by})
    RETURNING ${COLUMNS}`);
  return row as VersionRow;
}

/**
 * At a compaction (inside its transaction): an automatic version of a page's state, unless an automatic
 * one was taken in the last few minutes or no version is older than this state; older automatic ones
 * beyond the kept number go.
 */
export async function autoVersion(q: Queryable, docId: string, state: Uint8Array, uptoSeq: number): Promise<void> {
  const [page] = await q.query(sql`SELECT 1 FROM doc_pages WHERE id = ${docId}`);
  if (!page) return;
  const [latest] = await q.query(sql`SELECT max(upto_seq) AS seq, max(created_at) FILTER (WHERE reason = 'auto') AS auto_at FROM doc_versions WHERE doc_id = ${docId}`);
  if (latest?.seq !== null && latest?.seq !== undefined && Number(latest.seq) >= uptoSeq) return;
  if (latest?.auto_at && Date.now() - (latest.auto_at as Date).getTime() < DOC_LIMITS.autoVersionMinutes * 60_000) return;
  await insertVersion(q, { docId, name: null, reason: 'auto', state, uptoSeq, by: null });
  await q.query(sql`
    DELETE FROM doc_versions WHERE doc_id = ${docId} AND reason = 'auto' AND id NOT IN (
      SELECT id FROM doc_versions WHERE doc_id = ${docId} AND reason = 'auto' ORDER BY created_at DESC, id DESC LIMIT ${DOC_LIMITS.autoVersionsKept})`);
}

/** The page for a version request: readers list and read versions; editors save and restore them. */
async function pageFor(svc: Services, actor: Actor, pageId: string, write: boolean) {
  const { page, facts } = await loadPage(svc, actor, pageId);
  const access = docAccess(actor, facts, page.deleted_at !== null);
  if (write && access !== 'edit') {
    throw new AppError(page.deleted_at ? 'conflict' : 'forbidden', page.deleted_at ? 'This page is deleted: restore it first' : 'You may only read this page');
  }
  return page;
}

export async function listVersions(svc: Services, actor: Actor, pageId: string): Promise<DocVersion[]> {
  await pageFor(svc, actor, pageId, false);
  const rows = await svc.db.query(sql`SELECT ${COLUMNS} FROM doc_versions WHERE doc_id = ${pageId} ORDER BY created_at DESC, id DESC LIMIT 200`);
  return (rows as VersionRow[]).map(toVersion);
}

/** One version with its state (base64 of a Yjs update holding the whole document), for a preview. */
export async function getVersion(svc: Services, actor: Actor, pageId: string, versionId: string): Promise<{ version: DocVersion; state: string }> {
  await pageFor(svc, actor, pageId, false);
  const [row] = await svc.db.query(sql`SELECT ${COLUMNS}, state FROM doc_versions WHERE id = ${versionId} AND doc_id = ${pageId}`);
  if (!row) throw new AppError('not_found', 'No such version of this page');
  return { version: toVersion(row as VersionRow), state: (row.state as Buffer).toString('base64') };
}

/** The page's whole state now, and the last update it includes. */
async function currentState(svc: Services, pageId: string): Promise<{ state: Uint8Array; seq: number }> {
  const stored = await readDoc(svc.db, pageId);
  if (!stored) throw new AppError('not_found', 'No such page');
  const doc = docFrom(stored);
  const state = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return { state, seq: stored.lastSeq };
}

/** Save the page as it is now, under a name. */
export async function createVersion(svc: Services, actor: Actor, pageId: string, name: string): Promise<DocVersion> {
  await pageFor(svc, actor, pageId, true);
  const { state, seq } = await currentState(svc, pageId);
  return toVersion(await insertVersion(svc.db, { docId: pageId, name, reason: 'named', state, uptoSeq: seq, by: actor.id }));
}

/**
 * Bring the page back to a version: first the page as it is now is kept (`before_restore`), then the
 * version's content is written as a new update, stored and relayed to every node's editors.
 */
export async function restoreVersion(svc: Services, actor: Actor, pageId: string, versionId: string): Promise<{ restored: boolean; before: DocVersion }> {
  await pageFor(svc, actor, pageId, true);
  const [row] = await svc.db.query(sql`SELECT state FROM doc_versions WHERE id = ${versionId} AND doc_id = ${pageId}`);
  if (!row) throw new AppError('not_found', 'No such version of this page');
  const { state, seq } = await currentState(svc, pageId);
  const before = toVersion(await insertVersion(svc.db, { docId: pageId, name: null, reason: 'before_restore', state, uptoSeq: seq, by: actor.id }));
  const update = restoreUpdate(state, row.state as Buffer);
  if (!update) return { restored: false, before };
  const result = await appendUpdate(svc.db, pageId, update, actor.id, svc.config.docMaxBytes);
  if (!result.ok) {
    throw result.reason === 'gone' ? new AppError('not_found', 'No such page') : new AppError('payload_too_large', 'The restored page would be larger than the document limit');
  }
  // Every node's room takes it as another node's update (this publisher is none of theirs, this node's
  // included); a room that misses the message fills the gap from PostgreSQL at the next update.
  const message = { node: `${svc.config.nodeId}/restore`, t: 'update', seq: result.seq, update: Buffer.from(update).toString('base64'), bytes: result.bytes };
  await svc.bus.publish(docChannel(pageId), JSON.stringify(message)).catch((err) => svc.log.warn('restored document not published', { doc: pageId, err }));
  svc.log.info('page restored', { page: pageId, version: versionId, user: actor.id, seq: result.seq });
  return { restored: true, before };
}
