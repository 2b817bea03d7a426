/**
 * Artel as the bench runs it: a real hub (server/artel.ts) on a fresh database of the local PostgreSQL
 * (created and dropped by bench/run.ts), the in-process bus (no REDIS_URL). Setup goes through SQL and
 * the domain (users by INSERT, sessions by svc.sessions.open, chats by createChat); everything measured
 * goes through /ws with the real protocol.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/log';
import { startArtel } from '../../server/artel';
import { sql } from '../../server/db/pool';
import { createChat } from '../../server/domains/chats/actions';
import type { Role } from '../../shared/types';
import { layoutChats, type BenchChat } from '../lib/common';
import { need, serveChild } from './child';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Run `fn` over `items` with at most `limit` in flight. */
async function pooled<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

serveChild(async () => {
  const clients = Number(need('BENCH_CLIENTS'));
  const chatSize = Number(need('BENCH_CHAT_SIZE'));
  const dbUrl = need('BENCH_DB_URL');
  const t0 = Date.now();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'artel-bench-'));
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: url,
    DATABASE_URL: dbUrl,
    DATA_DIR: dataDir,
    REDIS_URL: '',
    NODE_ID: 'bench',
    SMTP_PORT: '0',
    LOG_LEVEL: 'error',
    MENTION_DIGEST_MINUTES: '0',
  });
  const artel = await startArtel(config, createLogger('error', { node: 'bench' }));
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
      stop: async () => {
        await artel.stop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await artel.stop().catch(() => {});
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
});
