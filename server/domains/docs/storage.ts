import * as Y from 'yjs';
import { sql, type ConnectionPool, type Queryable } from '../../db/pool';
import { docText } from './text';
import { autoVersion } from './versions';
import { schedulePageMentions } from './mentions';

/**
 * Durable storage of Yjs documents: an append-only log of updates per document, numbered by the
 * document's `docs.last_seq` (taken under its row lock, so every node sees one order), and one
 * compacted snapshot that covers the log up to `upto_seq`.
 */

/** A document's stored state: its snapshot (if any) and the updates after it, in order. */
export interface StoredDoc {
  snapshot: Buffer | null;
  snapshotSeq: number;
  updates: { seq: number; update: Buffer }[];
  /** The last seq stored (= the last update's, or the snapshot's). */
  lastSeq: number;
  bytes: number;
}

/** The outcome of appending one update. */
export type AppendResult =
  | { ok: true; seq: number; sinceSnapshot: number; bytes: number }
  | { ok: false; reason: 'too_large' | 'gone' };

/**
 * Everything stored after `afterSeq` (the snapshot too when it covers updates past `afterSeq`); null for
 * an unknown document. Inside a transaction: the key-share lock keeps a compaction (which deletes
 * updates) from committing between reading the snapshot and reading the updates; writers are not blocked.
 */
export async function loadDoc(q: Queryable, docId: string, afterSeq = 0): Promise<StoredDoc | null> {
  const [head] = await q.query(sql`SELECT last_seq, bytes FROM docs WHERE id = ${docId} FOR KEY SHARE`);
  if (!head) return null;
  const [snap] = await q.query(sql`SELECT state, upto_seq FROM doc_snapshots WHERE doc_id = ${docId}`);
  const snapshotSeq = snap ? (snap.upto_seq as number) : 0;
  const useSnapshot = snap && snapshotSeq > afterSeq;
  const from = Math.max(afterSeq, useSnapshot ? snapshotSeq : 0);
  const rows = await q.query(sql`SELECT seq, update FROM doc_updates WHERE doc_id = ${docId} AND seq > ${from} ORDER BY seq`);
  const updates = rows.map((r) => ({ seq: r.seq as number, update: r.update as Buffer }));
  return {
    snapshot: useSnapshot ? (snap.state as Buffer) : null,
    snapshotSeq,
    updates,
    lastSeq: updates.length ? updates[updates.length - 1].seq : Math.max(from, head.last_seq as number),
    bytes: head.bytes as number,
  };
}

/** loadDoc in a transaction of its own. */
export function readDoc(db: ConnectionPool, docId: string, afterSeq = 0): Promise<StoredDoc | null> {
  return db.tx((tx) => loadDoc(tx, docId, afterSeq));
}

/**
 * Store one update, refusing it when the document would grow past `maxBytes` as stored. Runs in its
 * own short transaction; the row lock on `docs` orders concurrent writers of several nodes.
 */
export async function appendUpdate(db: ConnectionPool, docId: string, update: Uint8Array, by: string | null, maxBytes: number): Promise<AppendResult> {
  return db.tx(async (tx) => {
    const [head] = await tx.query(sql`
      UPDATE docs SET last_seq = last_seq + 1, bytes = bytes + ${update.byteLength}
      WHERE id = ${docId} AND bytes + ${update.byteLength} <= ${maxBytes}
      RETURNING last_seq, compacted_seq, bytes`);
    if (!head) {
      const exists = await tx.query(sql`SELECT 1 FROM docs WHERE id = ${docId}`);
      return { ok: false as const, reason: exists.length ? ('too_large' as const) : ('gone' as const) };
    }
    const seq = head.last_seq as number;
    await tx.query(sql`
      INSERT INTO doc_updates (doc_id, seq, update, created_by) VALUES (${docId}, ${seq}, ${Buffer.from(update)}, ${by})`);
    return { ok: true as const, seq, sinceSnapshot: seq - (head.compacted_seq as number), bytes: head.bytes as number };
  });
}

/** Apply a stored state to a fresh Y.Doc (no GC of the caller's choosing: the default, like the editor's). */
export function docFrom(stored: Pick<StoredDoc, 'snapshot' | 'updates'>): Y.Doc {
  const doc = new Y.Doc();
  doc.transact(() => {
    if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
    for (const u of stored.updates) Y.applyUpdate(doc, u.update);
  });
  return doc;
}

/**
 * Merge the snapshot and every update into a new snapshot and delete the updates it covers, in one
 * transaction under the document's row lock: two nodes compacting at once do it one after the other,
 * and the second finds nothing left to do. Returns the stored size afterwards, or null when nothing
 * was compacted.
 */
export async function compactDoc(db: ConnectionPool, docId: string, minUpdates = 1): Promise<number | null> {
  return db.tx(async (tx) => {
    const [head] = await tx.query(sql`SELECT last_seq, compacted_seq FROM docs WHERE id = ${docId} FOR UPDATE`);
    if (!head || (head.last_seq as number) - (head.compacted_seq as number) < minUpdates) return null;
    const stored = await loadDoc(tx, docId);
    if (!stored) return null;
    const doc = docFrom(stored);
    const state = Y.encodeStateAsUpdate(doc);
    const vector = Y.encodeStateVector(doc);
    const text = docText(doc);
    // People newly @mentioned in the page's text are told (once each), by a job this transaction schedules.
    await schedulePageMentions(tx, docId, doc, stored.updates);
    doc.destroy();
    const upto = head.last_seq as number;
    await tx.query(sql`
      INSERT INTO doc_snapshots (doc_id, state, state_vector, upto_seq) VALUES (${docId}, ${Buffer.from(state)}, ${Buffer.from(vector)}, ${upto})
      ON CONFLICT (doc_id) DO UPDATE SET state = EXCLUDED.state, state_vector = EXCLUDED.state_vector, upto_seq = EXCLUDED.upto_seq, created_at = now()`);
    await tx.query(sql`DELETE FROM doc_updates WHERE doc_id = ${docId} AND seq <= ${upto}`);
    await tx.query(sql`UPDATE docs SET compacted_seq = ${upto}, bytes = ${state.byteLength} WHERE id = ${docId}`);
    // The page's text for search (no row when the document is not a page), and its history.
    await tx.query(sql`UPDATE doc_pages SET body = ${text} WHERE id = ${docId} AND body IS DISTINCT FROM ${text}`);
    await autoVersion(tx, docId, state, upto);
    return state.byteLength;
  });
}
