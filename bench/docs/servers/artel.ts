/**
 * Artel as the documents bench runs it: a real hub (server/artel.ts) on a fresh database of the local
 * PostgreSQL (created and dropped by bench/docs.ts), the in-process bus. Setup goes through the domain:
 * users by INSERT, sessions by svc.sessions.open, the space and its pages by the docs actions (as the
 * HTTP routes call them); everything measured goes through /yjs with the real y-websocket protocol, every
 * update stored in PostgreSQL before it is relayed. The cold-load pages are written straight into the
 * storage tables (the same rows the hub appends, in one statement) and, for the snapshot form, compacted
 * by the hub's own compaction.
 */
import { randomUUID } from 'node:crypto';
import { startBenchHub } from '../../lib/hub';
import { sql } from '../../../server/db/pool';
import { compactDoc, createPage, createSpace } from '../../../server/domains/docs';
import type { Role } from '../../../shared/types';
import { need, serveChild } from '../../servers/child';
import { readUpdates } from '../bigdoc';

serveChild(async () => {
  const clients = Number(need('BENCH_DOCS_CLIENTS'));
  const docCount = Number(need('BENCH_DOCS_COUNT'));
  const dbUrl = need('BENCH_DB_URL');
  const coldFile = process.env.BENCH_DOCS_COLD_FILE || '';
  const coldCopies = Number(process.env.BENCH_DOCS_LOAD_COPIES || 0);
  const t0 = Date.now();
  const { artel, config, url, stop } = await startBenchHub(dbUrl, 'bench-docs');
  try {
    const { svc } = artel;
    const ids = Array.from({ length: clients }, () => randomUUID());
    const roles: Role[] = ids.map((_, i) => (i === 0 ? 'owner' : 'employee'));
    await svc.db.query(sql`INSERT INTO workspace (name) VALUES ('Bench')`);
    await svc.db.query(sql`
      INSERT INTO users (id, email, name, password_hash, role)
      SELECT * FROM unnest(${ids}::uuid[], ${ids.map((_, i) => `user${i}@bench.invalid`)}::text[],
                           ${ids.map((_, i) => `Bench User ${i}`)}::text[], ${ids.map(() => 'not-a-password-hash')}::text[],
                           ${roles}::text[])`);
    const tokens: string[] = [];
    for (const id of ids) tokens.push((await svc.sessions.open(id)).token);
    const owner = { id: ids[0], role: roles[0], active: true };
    const space = await createSpace(svc, owner, { name: 'Bench space', groupId: null });
    const members = Array.from({ length: clients }, (_, i) => i);
    const docs = [];
    // One at a time: page creation takes the space's row lock anyway.
    for (let i = 0; i < docCount; i++) {
      const page = await createPage(svc, owner, space.id, { title: `Bench page ${i}`, parentId: null });
      docs.push({ id: page.id, members });
    }
    const tPages = Date.now();

    // The cold-load pages: the same updates stored as the hub stores them (one row each), in copies, and
    // copies compacted into a snapshot. Each copy is opened once: a loaded page stays warm in the hub.
    const cold = { updates: [] as string[], snapshot: [] as string[], updateCount: 0, storedBytes: { updates: [] as number[], snapshot: [] as number[] } };
    if (coldFile && coldCopies > 0) {
      const updates = readUpdates(coldFile);
      const bytes = updates.reduce((a, u) => a + u.byteLength, 0);
      cold.updateCount = updates.length;
      for (const form of ['updates', 'snapshot'] as const) {
        for (let c = 0; c < coldCopies; c++) {
          const page = await createPage(svc, owner, space.id, { title: `Cold load ${form} ${c}`, parentId: null });
          await svc.db.tx(async (tx) => {
            await tx.query(sql`
              INSERT INTO doc_updates (doc_id, seq, update, created_by)
              SELECT ${page.id}, s, u, ${ids[0]} FROM unnest(${updates.map((_, i) => i + 1)}::bigint[], ${updates}::bytea[]) AS t(s, u)`);
            await tx.query(sql`UPDATE docs SET last_seq = ${updates.length}, bytes = ${bytes} WHERE id = ${page.id}`);
          });
          if (form === 'snapshot') await compactDoc(svc.db, page.id);
          const [row] = await svc.db.query(sql`SELECT bytes FROM docs WHERE id = ${page.id}`);
          cold.storedBytes[form].push(Number(row.bytes));
          cold[form].push(page.id);
        }
      }
      await svc.db.query(sql`VACUUM ANALYZE doc_updates`);
      await svc.db.query(sql`VACUUM ANALYZE doc_snapshots`);
    }
    const tCold = Date.now();
    return {
      ready: {
        url,
        origin: config.publicOrigin,
        tokens,
        chats: docs,
        setupMs: tCold - t0,
        detail: { pagesMs: tPages - t0, coldMs: tCold - tPages, cold },
      },
      stop,
    };
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
});
