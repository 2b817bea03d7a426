/**
 * The Artel hub as the benches run it: a real hub (server/artel.ts) on a free local port, the database the
 * bench made for it, the in-process bus, quiet logs, no SMTP, no digests; a data folder of its own that
 * `stop` removes with the hub.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../server/config';
import { createLogger } from '../../server/log';
import { startArtel } from '../../server/artel';
import { freePort } from '../../test/helpers/net';

export { freePort };

/** `fixedPort`: listen there (a hub restarted in place for clients to reconnect to); a free port otherwise. */
export async function startBenchHub(dbUrl: string, nodeId: string, fixedPort?: number): Promise<{ artel: Awaited<ReturnType<typeof startArtel>>; config: Config; url: string; stop: () => Promise<void> }> {
  const port = fixedPort ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `artel-${nodeId}-`));
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: url,
    DATABASE_URL: dbUrl,
    DATA_DIR: dataDir,
    REDIS_URL: '',
    NODE_ID: nodeId,
    SMTP_PORT: '0',
    LOG_LEVEL: 'error',
    MENTION_DIGEST_MINUTES: '0',
  });
  const artel = await startArtel(config, createLogger('error', { node: nodeId }));
  const stop = async () => {
    await artel.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  return { artel, config, url, stop };
}
