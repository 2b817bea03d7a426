/**
 * A hub process on a database seeded by an earlier one (people, sessions and chats are there), nothing
 * seeded: the reconnect storm's second hub, on the port of the one just killed (clients find it by
 * reconnecting), and the idle measurement's fresh hub, free of the seeding's garbage.
 */
import { startBenchHub } from '../lib/hub';
import { need, serveChild } from '../servers/child';

serveChild(async () => {
  const t0 = Date.now();
  const { config, url, stop } = await startBenchHub(need('BENCH_DB_URL'), 'bench-restarted', Number(need('BENCH_PORT')));
  return { ready: { url, origin: config.publicOrigin, tokens: null, chats: [], setupMs: Date.now() - t0, detail: {} }, stop };
});
