/**
 * The media engine a hub node uses: Janus, run and supervised by us (mode `auto` with the binary
 * installed), or reached at `url` (a Janus run by someone else), or none (mode `off`, or Janus missing
 * or failing: the engine then says why in its status and refuses joins with MediaError('unavailable')).
 * Never throws for Janus' sake: video being unavailable must not keep the hub from starting.
 */
import net from 'node:net';
import { MediaError, type EngineStatus, type MediaEngine } from './engine';
import type { Logger } from './log';
import { writeJanusConfig } from './janus/config';
import { JanusEngine } from './janus/engine';
import { JanusSupervisor, findBinary } from './janus/supervisor';

export type { MediaEngine } from './engine';
export { JanusEngine } from './janus/engine';

export interface MediaEngineOptions {
  dataDir: string;
  mode: 'auto' | 'off';
  /** The Janus binary (a path, or a name in PATH); `janus` by default. */
  janusBin?: string;
  /** An external Janus' ws:// API: no process is started. */
  url?: string;
  apiSecret?: string;
  adminKey?: string;
  /** Port of the API of the Janus we start; 0 or absent: a free one. */
  wsPort?: number;
  rtpPorts: [number, number];
  publicIp?: string;
  stunUrl?: string;
  log: Logger;
  /** Janus' own log level (0-7). */
  debugLevel?: number;
  /** Janus' session timeout, seconds. */
  sessionTimeout?: number;
  /** Milliseconds between keepalives. */
  keepaliveMs?: number;
  /** Milliseconds a Janus request may take. */
  timeoutMs?: number;
}

/** An engine that never works, saying why. */
export function unavailableEngine(status: EngineStatus & { state: 'unavailable' }): MediaEngine {
  return {
    name: 'none',
    status: () => status,
    onStatus: () => () => {},
    join: async () => {
      throw new MediaError('unavailable', status.reason ?? 'Video is unavailable');
    },
    peers: async () => [],
    close: async () => {},
  };
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export async function createMediaEngine(opts: MediaEngineOptions): Promise<MediaEngine> {
  const log = opts.log;
  if (opts.mode === 'off') return unavailableEngine({ state: 'unavailable', code: 'disabled', reason: 'Video calls are switched off on this server (VIDEO=off)' });
  try {
    if (opts.url) {
      if (!opts.adminKey) {
        return unavailableEngine({ state: 'unavailable', code: 'unreachable', reason: 'An external Janus (JANUS_URL) needs its VideoRoom admin key (JANUS_ADMIN_KEY)' });
      }
      const engine = new JanusEngine({ url: opts.url, apiSecret: opts.apiSecret, adminKey: opts.adminKey, log, timeoutMs: opts.timeoutMs, keepaliveMs: opts.keepaliveMs });
      await engine.start(10_000);
      log.info('media engine: external janus', { url: opts.url, status: engine.status() });
      return engine;
    }
    const bin = opts.janusBin ?? 'janus';
    if (!findBinary(bin)) {
      const reason = `Janus is not installed (no "${bin}" binary): install it with apt-get install janus`;
      log.warn('video unavailable: ' + reason);
      return unavailableEngine({ state: 'unavailable', code: 'not_installed', reason });
    }
    const wsPort = opts.wsPort || (await freePort());
    const { dir, configFile, secrets } = writeJanusConfig(opts.dataDir, {
      wsPort,
      rtpPorts: opts.rtpPorts,
      publicIp: opts.publicIp,
      stunUrl: opts.stunUrl,
      apiSecret: opts.apiSecret,
      adminKey: opts.adminKey,
      debugLevel: opts.debugLevel,
      sessionTimeout: opts.sessionTimeout,
    });
    const url = `ws://127.0.0.1:${wsPort}`;
    const supervisor = new JanusSupervisor({ bin, configFile, configDir: dir, url, apiSecret: secrets.apiSecret, log: log.child({ part: 'janus' }) });
    const engine = new JanusEngine({ url, apiSecret: secrets.apiSecret, adminKey: secrets.adminKey, log, supervisor, timeoutMs: opts.timeoutMs, keepaliveMs: opts.keepaliveMs });
    await supervisor.start();
    await engine.start(10_000);
    log.info('media engine: janus', { url, status: engine.status() });
    return engine;
  } catch (err) {
    // A configuration we could not write (bad port range, unwritable DATA_DIR…): video is off, the hub runs.
    const reason = `The media server could not be started: ${(err as Error).message}`;
    log.error('video unavailable', { err });
    return unavailableEngine({ state: 'unavailable', code: 'unreachable', reason });
  }
}
