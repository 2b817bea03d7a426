/**
 * Artel as the bench runs it: a real hub (server/artel.ts) on a fresh database of the local PostgreSQL
 * (created and dropped by bench/run.ts), the in-process bus (no REDIS_URL). Setup goes through SQL and
 * the domain (users by INSERT, sessions by svc.sessions.open, chats by createChat); everything measured
 * goes through /ws with the real protocol.
 */
import { randomUUID } from 'node:crypto';
import { startBenchHub } from '../lib/hub';
import { pooled } from '../lib/pooled';
import { sql } from '../../server/db/pool';
import { createChat } from '../../server/domains/chats/actions';
import type { Role } from '../../shared/types';
import { layoutChats, type BenchChat } from '../lib/common';
import { need, serveChild } from './child';

serveChild(async () => {
  const clients = Number(need('BENCH_CLIENTS'));
  const chatSize = Number(need('BENCH_CHAT_SIZE'));
  const dbUrl = need('BENCH_DB_URL');
  const t0 = Date.now();
  const { artel, config, url, stop } = await startBenchHub(dbUrl, 'bench', Number(process.env.BENCH_PORT) || undefined);
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
    const tUsers = Date.now();
    const tokens = await pooled(ids, 8, async (id) => (await svc.sessions.open(id)).token);
    const tSessions = Date.now();
    const layout = layoutChats(clients, chatSize, () => '');
    const chats: BenchChat[] = await pooled(layout, 4, async (c, i) => {
      const [owner, ...others] = c.members;
      const chat = await createChat(svc, { id: ids[owner], role: roles[owner], active: true }, {
        kind: 'group',
        title: `Bench chat ${i}`,
        memberIds: others.map((m) => ids[m]),
      });
      return { id: chat.id, members: c.members };
    });
    const tChats = Date.now();
    return {
      ready: {
        url,
        origin: config.publicOrigin,
        tokens,
        chats,
        setupMs: tChats - t0,
        detail: { usersMs: tUsers - t0, sessionsMs: tSessions - tUsers, chatsMs: tChats - tSessions, poolSize: 10 },
      },
      stop,
    };
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
});
