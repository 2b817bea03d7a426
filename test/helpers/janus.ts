/**
 * Janus for tests: a real one (Debian's /usr/bin/janus) started and supervised through sfu/, in a temp
 * folder of its own, on a free API port and an RTP range of its own (test files run in parallel), or a
 * skip note when it is not installed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createMediaEngine, type MediaEngineOptions } from '../../sfu/index';
import type { JanusEngine } from '../../sfu/janus/engine';
import type { MediaEngine } from '../../sfu/engine';
import { createLogger } from '../../server/log';
import { freePort } from './net';

export const JANUS_BIN = '/usr/bin/janus';
export const haveJanus = fs.existsSync(JANUS_BIN);
/** Appended to a Janus suite's name: empty, or why it is skipped. */
export const janusNote = haveJanus ? '' : `: skipped, ${JANUS_BIN} is missing (apt-get install -y janus)`;

/**
 * An RTP range nobody else's test uses at the same time: 100 ports in 30000-41999 (the hub's e2e tests
 * take theirs from 42000 up).
 */
export function testRtpPorts(size = 100): [number, number] {
  const slots = Math.floor(12_000 / size);
  const base = 30_000 + Math.floor(Math.random() * slots) * size;
  return [base, base + size - 1];
}

export interface TestEngine {
  engine: MediaEngine;
  /** The same engine with Janus' extras (exists, participants, the supervisor). */
  janus: JanusEngine;
  dataDir: string;
  wsPort: number;
  /** ws:// of the API. */
  url: string;
  apiSecret: string;
  adminKey: string;
  /** Close the engine (stops Janus) and remove the temp folder. */
  stop(): Promise<void>;
}

/** A supervised Janus behind a MediaEngine; LOG_LEVEL=debug shows Janus' own output. */
export async function testEngine(extra: Partial<MediaEngineOptions> = {}): Promise<TestEngine> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'artel-janus-'));
  const wsPort = extra.wsPort || (await freePort());
  const level = process.env.LOG_LEVEL === 'debug' ? 'debug' : 'warn';
  const engine = await createMediaEngine({
    dataDir,
    mode: 'auto',
    janusBin: JANUS_BIN,
    wsPort,
    rtpPorts: testRtpPorts(),
    log: createLogger(level, { part: 'sfu-test' }),
    ...extra,
  });
  const secrets = JSON.parse(fs.readFileSync(path.join(dataDir, 'janus', 'secrets.json'), 'utf8')) as { apiSecret: string; adminKey: string };
  return {
    engine,
    janus: engine as JanusEngine,
    dataDir,
    wsPort,
    url: `ws://127.0.0.1:${wsPort}`,
    apiSecret: secrets.apiSecret,
    adminKey: secrets.adminKey,
    async stop() {
      await engine.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Just a Janus (for tests that bring their own client or engine): its URL and secrets. */
export async function startTestJanus(): Promise<{ url: string; apiSecret: string; adminKey: string; stop: () => Promise<void> }> {
  const t = await testEngine();
  return { url: t.url, apiSecret: t.apiSecret, adminKey: t.adminKey, stop: t.stop };
}
