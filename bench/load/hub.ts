/**
 * The load bench's server child: a real hub (startBenchHub: migrations, in-process bus) on the fresh
 * database the orchestrator made, the seeded company (bulk SQL, bench/load/seed.ts), and one session per
 * person who will be simulated (svc.sessions.open, as a sign-in makes it). Says ready with the tokens.
 */
import { startBenchHub } from '../lib/hub';
import { pooled } from '../lib/pooled';
import { need, serveChild } from '../servers/child';
import { seedCompany } from './seed';

serveChild(async () => {
  const dbUrl = need('BENCH_DB_URL');
  const plan = {
    users: Number(need('BENCH_LOAD_USERS')),
    chats: Number(need('BENCH_LOAD_CHATS')),
    messages: Number(need('BENCH_LOAD_MESSAGES')),
    seed: Number(need('BENCH_LOAD_SEED')),
  };
  const active = Number(need('BENCH_LOAD_ACTIVE'));
  const t0 = Date.now();
  const { artel, config, url, stop } = await startBenchHub(dbUrl, 'load');
  try {
    const tMigrated = Date.now();
    const seeded = await seedCompany(dbUrl, plan, (s) => process.stdout.write(`[load hub] ${s}\n`));
    const tSeeded = Date.now();
    // The people who will be simulated: an even spread over the company (every k-th person).
    const stride = plan.users / active;
    const idxs = Array.from({ length: active }, (_, i) => Math.floor(i * stride));
    const tokens = await pooled(idxs, 8, async (i) => (await artel.svc.sessions.open(seeded.userIds[i])).token);
    const tSessions = Date.now();
    return {
      ready: {
        url,
        origin: config.publicOrigin,
        tokens,
        chats: [],
        setupMs: tSessions - t0,
        detail: {
          migrateMs: tMigrated - t0,
          seedMs: tSeeded - tMigrated,
          sessionsMs: tSessions - tSeeded,
          users: idxs.map((i) => ({ idx: i, id: seeded.userIds[i] })),
          counts: seeded.counts,
          timings: seeded.timings,
        },
      },
      stop,
    };
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
});
