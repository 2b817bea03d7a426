import path from 'node:path';
import type { Config } from './config';
import { createLogger, type Logger } from './log';
import { openPool, type ConnectionPool } from './db/pool';
import { migrate } from './db/migrate';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded';
import { openBus, type Bus } from './bus';
import { Mailer } from './domains/mail';
import { createSessions } from './domains/auth/sessions';
import { createServices, type Services } from './services';
import { Hub } from './hub/hub';
import { FileStore } from './domains/files/store';
import { runMentionDigest } from './domains/notifications/digest';
import { runGuestDigest } from './domains/guests/digest';
import { startMailIn } from './domains/mailin';
import { registerTaskJobs } from './domains/tasks';
import { registerDocJobs } from './domains/docs';
import { registerCardListeners } from './domains/commands/executors';
import { startCalls } from './domains/calls';
import type { MediaEngine } from '../sfu/engine';
import { createMediaEngine, type MediaEngineOptions } from '../sfu';

/** What a node's media engine is: one given (shared by the caller, who closes it), or options over the configuration's. */
export interface ArtelOptions {
  media?: MediaEngine | MediaOverrides;
}

/** Engine options that override the configuration's (tests give their own ports, binaries, timeouts). */
export type MediaOverrides = Partial<Omit<MediaEngineOptions, 'log'>>;

/**
 * The node's media engine: Janus started and supervised by sfu/ (or reached at JANUS_URL); with VIDEO=off,
 * or Janus missing or failing, an engine that says why video is unavailable (the hub runs regardless).
 */
async function openMedia(config: Config, log: Logger, choice: ArtelOptions['media']): Promise<{ engine: MediaEngine; owned: boolean }> {
  if (choice && 'join' in choice) return { engine: choice, owned: false };
  const engine = await createMediaEngine({
    dataDir: config.dataDir,
    mode: config.video,
    janusBin: config.janusBin,
    url: config.janusUrl ?? undefined,
    apiSecret: config.janusApiSecret ?? undefined,
    adminKey: config.janusAdminKey ?? undefined,
    rtpPorts: config.rtpPorts,
    publicIp: config.publicIp ?? undefined,
    stunUrl: config.stunUrl ?? undefined,
    log: log.child({ part: 'sfu' }),
    ...choice,
  });
  return { engine, owned: true };
}

/** A running Artel node. */
export interface Artel {
  svc: Services;
  hub: Hub;
  port: number;
  /** The port of inbound SMTP (mail into the feed). */
  smtpPort: number;
  stop(): Promise<void>;
}

/**
 * Start one node: the database (embedded when no DATABASE_URL), migrations, the bus, the hub.
 * Whatever was started is stopped again if a later step fails.
 */
export async function startArtel(
  config: Config,
  log: Logger = createLogger(config.logLevel, { node: config.nodeId }),
  opts: ArtelOptions = {},
): Promise<Artel> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const undo = async () => {
    for (const c of cleanups.reverse()) await c().catch((err) => log.warn('cleanup failed', { err }));
    cleanups.length = 0;
  };
  try {
    let url = config.databaseUrl;
    if (!url) {
      const embedded: EmbeddedDatabase = await startEmbeddedPostgres(path.join(config.dataDir, 'pg'), config.embeddedPgPort, log);
      cleanups.push(() => embedded.stop());
      url = embedded.url;
    }
    const db: ConnectionPool = openPool(url);
    cleanups.push(() => db.dispose());
    await migrate(db, log);
    const bus: Bus = await openBus(config.redisUrl, log);
    cleanups.push(() => bus.close());
    const mailer = new Mailer(db, config.smtpRelayUrl, config.mailFrom, log);
    cleanups.push(async () => mailer.close());
    const sessions = createSessions(db, config.sessionDays, config.secureCookies);
    const files = new FileStore(path.join(config.dataDir, 'files'));
    const media = await openMedia(config, log, opts.media);
    if (media.owned) cleanups.push(() => media.engine.close());
    log.info('media engine', { engine: media.engine.name, ...media.engine.status() });
    const svc = createServices({ config, log, db, bus, mailer, sessions, files, media: media.engine });
    // Calls stop after the hub (its sockets closed first) and before the engine: participants drop cleanly.
    let stopCalls: (() => Promise<void>) | null = null;
    cleanups.push(async () => stopCalls?.());
    cleanups.push(async () => Object.values(svc.limits).forEach((l) => l.stop()));
    const hub = new Hub(svc);
    const port = await hub.listen(config.host, config.port);
    cleanups.push(() => hub.stop());
    registerTaskJobs(svc);
    registerDocJobs(svc);
    mailer.useJobs(svc.jobs);
    registerCardListeners(svc);
    stopCalls = startCalls(svc);
    svc.jobs.start();
    cleanups.push(() => svc.jobs.stop());
    // Inbound SMTP after the hub, so that what a mail creates reaches live sockets; stopped before it.
    const mailIn = await startMailIn(svc);
    cleanups.push(() => mailIn.stop());
    // Someone away still has the app open (and its browser notifications): only offline people get digests.
    const online = (userId: string) => hub.presence.status(userId) !== 'offline';
    const digest = setInterval(
      () => runMentionDigest(svc, online, config.mentionDigestMinutes).catch((err) => log.warn('mention digest failed', { err })),
      60_000,
    );
    digest.unref();
    cleanups.push(async () => clearInterval(digest));
    // New comments reach a thread's guests by mail, batched: every GUEST_DIGEST_MINUTES (0: every 2 s).
    const guestDigest = setInterval(
      () => runGuestDigest(svc).catch((err) => log.warn('guest digest failed', { err })),
      Math.max(2_000, config.guestDigestMinutes * 60_000),
    );
    guestDigest.unref();
    cleanups.push(async () => clearInterval(guestDigest));
    const sweep = setInterval(() => sessions.lucia.deleteExpiredSessions().catch((err) => log.warn('session sweep failed', { err })), 3_600_000);
    sweep.unref();
    cleanups.push(async () => clearInterval(sweep));
    log.info('artel started', { port, smtpPort: mailIn.port, bus: bus.kind, database: config.databaseUrl ? 'external' : 'embedded' });
    return { svc, hub, port, smtpPort: mailIn.port, stop: undo };
  } catch (err) {
    await undo();
    throw err;
  }
}
