import path from 'node:path';
import { z } from 'zod';

/** Raised when an environment variable holds a value Artel cannot use; names the variable. */
export class ConfigError extends Error {
  constructor(readonly variable: string, detail: string) {
    super(`Invalid ${variable}: ${detail}`);
    this.name = 'ConfigError';
  }
}

const port = z.coerce.number().int().min(0).max(65535);
const url = (protocols: string[]) =>
  z.string().refine((v) => {
    try {
      return protocols.includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, `must be a URL with scheme ${protocols.join(' or ')}`);

const iceUrl = z.string().regex(/^(stuns?|turns?):\S+$/, 'each url must start with stun:, stuns:, turn: or turns:');

const Schema = z.object({
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  PUBLIC_URL: url(['http:', 'https:']).optional(),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  EMBEDDED_PG_PORT: port.default(54329),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  SMTP_RELAY_URL: url(['smtp:', 'smtps:']).optional(),
  MAIL_FROM: z.string().min(3).default('Artel <artel@localhost>'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  WEB_DIR: z.string().min(1).default('./web/build'),
  SESSION_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  INVITATION_DAYS: z.coerce.number().int().min(1).max(60).default(7),
  NODE_ID: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/).optional(),
  MAX_UPLOAD_MB: z.coerce.number().int().min(1).max(2048).default(25),
  MENTION_DIGEST_MINUTES: z.coerce.number().int().min(0).max(10_080).default(15),
  SMTP_PORT: port.default(2525),
  SMTP_HOST: z.string().min(1).optional(),
  MAIL_DOMAIN: z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/, 'must be a domain name').max(200).optional(),
  MAX_MAIL_MB: z.coerce.number().int().min(1).max(100).default(25),
  GUEST_LINK_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  GUEST_DIGEST_MINUTES: z.coerce.number().int().min(0).max(1_440).default(5),
  VIDEO: z.enum(['auto', 'off']).default('auto'),
  JANUS_BIN: z.string().min(1).default('janus'),
  JANUS_URL: url(['ws:', 'wss:']).optional(),
  JANUS_API_SECRET: z.string().min(8).max(200).optional(),
  JANUS_ADMIN_KEY: z.string().min(8).max(200).optional(),
  RTP_PORTS: z
    .string()
    .regex(/^\d{1,5}-\d{1,5}$/, 'must be a range like 20000-20199')
    .transform((v) => v.split('-').map(Number) as [number, number])
    .refine(([a, b]) => a >= 1024 && b <= 65535 && a < b, 'must be a range of ports from 1024 to 65535, low-high')
    .default('20000-20199'),
  PUBLIC_IP: z.string().ip().optional(),
  STUN_URL: z.string().regex(/^stuns?:[^\s]+$/, 'must be a stun: URL like stun:stun.example.org:3478').optional(),
  ICE_SERVERS: z
    .string()
    .transform((v, ctx) => {
      try {
        return JSON.parse(v) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON array' });
        return z.NEVER;
      }
    })
    .pipe(
      z
        .array(
          z
            .object({
              urls: z.union([iceUrl, z.array(iceUrl).min(1)]),
              username: z.string().optional(),
              credential: z.string().optional(),
            })
            .strict(),
        )
        .max(10),
    )
    .optional(),
  /** A TURN server sharing a secret with the hub (coturn's use-auth-secret): credentials minted per join. */
  TURN_URLS: z
    .string()
    .transform((v) => v.split(',').map((u) => u.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^turns?:\S+$/, 'each url must start with turn: or turns:')).min(1).max(5))
    .optional(),
  TURN_SECRET: z.string().min(16, 'must be at least 16 characters').max(200).optional(),
  TURN_TTL_HOURS: z.coerce.number().int().min(1).max(168).default(12),
  CALL_LINK_DAYS: z.coerce.number().int().min(1).max(90).default(7),
  DOC_UPDATE_MAX_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  DOC_MAX_BYTES: z.coerce.number().int().min(4096).max(1024 * 1024 * 1024).default(20 * 1024 * 1024),
  DOC_COMPACT_UPDATES: z.coerce.number().int().min(1).max(100_000).default(500),
  DOC_UNLOAD_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  // uWS counts idle time in 4-second ticks, from 8 s up to 960 s.
  WS_IDLE_TIMEOUT_SECONDS: z.coerce.number().int().min(8).max(960).multipleOf(4, 'must be a multiple of 4').default(60),
});

/** Artel's configuration, read once at start. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** Where browsers reach Artel; the Origin every browser request must carry. */
  publicUrl: string;
  publicOrigin: string;
  secureCookies: boolean;
  databaseUrl: string | null;
  embeddedPgPort: number;
  redisUrl: string | null;
  smtpRelayUrl: string | null;
  mailFrom: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  webDir: string;
  sessionDays: number;
  invitationDays: number;
  nodeId: string;
  /** Largest file a person may upload, in bytes. */
  maxUploadBytes: number;
  /** Unread mentions older than this are mailed to people who are offline. */
  mentionDigestMinutes: number;
  /** Inbound SMTP (mail into the feed, replies by mail): where it listens. Port 0 picks a free port. */
  smtpPort: number;
  smtpHost: string;
  /** The domain of Artel's own addresses: feed@, post+<token>@, reply+<token>@. */
  mailDomain: string;
  /** Largest inbound mail, in bytes. */
  maxMailBytes: number;
  /** How long a guest's link to a thread stays valid. */
  guestLinkDays: number;
  /** New comments are mailed to a thread's guests in batches this often (0: at once). */
  guestDigestMinutes: number;
  /** Video calls: 'auto' runs the media server when it is installed; 'off' disables calls. */
  video: 'auto' | 'off';
  /** The Janus binary to start (looked up in PATH). */
  janusBin: string;
  /** An external Janus' WebSocket API: then no process is started. */
  janusUrl: string | null;
  janusApiSecret: string | null;
  /** The VideoRoom admin key; generated under DATA_DIR when unset. */
  janusAdminKey: string | null;
  /** The UDP ports media flows through (low, high). */
  rtpPorts: [number, number];
  /** The address browsers reach the media server at, behind 1:1 NAT. */
  publicIp: string | null;
  /** The STUN server the media server uses to learn its public address. */
  stunUrl: string | null;
  /** STUN/TURN servers browsers use; default: STUN_URL alone, or none on a LAN. */
  iceServers: { urls: string | string[]; username?: string; credential?: string }[];
  /** A TURN server for browsers that cannot reach the media server directly, with short-lived credentials. */
  turn: { urls: string[]; secret: string; ttlSeconds: number } | null;
  /** How long a guest's link to a call stays valid. */
  callLinkDays: number;
  /** Largest Yjs update one client may send in one message (bytes). */
  docUpdateMaxBytes: number;
  /** Largest size of a document as stored (snapshot + updates since, bytes). */
  docMaxBytes: number;
  /** A document is compacted into a snapshot after this many updates. */
  docCompactUpdates: number;
  /** A document leaves a node's memory (compacted) this long after its last client there left. */
  docUnloadSeconds: number;
  /** A WebSocket (/ws, /yjs) that sends nothing, not even a pong, for this long is closed. */
  wsIdleTimeoutSeconds: number;
}

/** Artel's mail domain when MAIL_DOMAIN is unset: PUBLIC_URL's host name, or `localhost` for an address. */
function defaultMailDomain(hostname: string): string {
  const bare = hostname.replace(/^\[|\]$/g, '');
  return /^[\d.]+$/.test(bare) || bare.includes(':') ? 'localhost' : bare.toLowerCase();
}

/** Read and validate the configuration from environment variables; throws ConfigError naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(Schema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') picked[key] = v;
  }
  const parsed = Schema.safeParse(picked);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue.path[0] ?? 'environment');
    throw new ConfigError(variable, `${issue.message} (got ${JSON.stringify(picked[variable] ?? '')})`);
  }
  const c = parsed.data;
  if (!!c.TURN_URLS !== !!c.TURN_SECRET) {
    throw new ConfigError(c.TURN_URLS ? 'TURN_SECRET' : 'TURN_URLS', 'TURN_URLS and TURN_SECRET go together (a TURN server with a shared secret)');
  }
  const publicUrl = (c.PUBLIC_URL ?? `http://${c.HOST === '0.0.0.0' ? '127.0.0.1' : c.HOST}:${c.PORT}`).replace(/\/+$/, '');
  const origin = new URL(publicUrl);
  if (origin.pathname !== '/' && origin.pathname !== '') {
    throw new ConfigError('PUBLIC_URL', 'must not have a path (Artel is served from the root)');
  }
  return {
    port: c.PORT,
    host: c.HOST,
    dataDir: path.resolve(c.DATA_DIR),
    publicUrl,
    publicOrigin: origin.origin,
    secureCookies: origin.protocol === 'https:',
    databaseUrl: c.DATABASE_URL ?? null,
    embeddedPgPort: c.EMBEDDED_PG_PORT,
    redisUrl: c.REDIS_URL ?? null,
    smtpRelayUrl: c.SMTP_RELAY_URL ?? null,
    mailFrom: c.MAIL_FROM,
    logLevel: c.LOG_LEVEL,
    webDir: path.resolve(c.WEB_DIR),
    sessionDays: c.SESSION_DAYS,
    invitationDays: c.INVITATION_DAYS,
    nodeId: c.NODE_ID ?? `node-${process.pid}`,
    maxUploadBytes: c.MAX_UPLOAD_MB * 1024 * 1024,
    mentionDigestMinutes: c.MENTION_DIGEST_MINUTES,
    smtpPort: c.SMTP_PORT,
    smtpHost: c.SMTP_HOST ?? c.HOST,
    mailDomain: (c.MAIL_DOMAIN ?? defaultMailDomain(origin.hostname)).toLowerCase(),
    maxMailBytes: c.MAX_MAIL_MB * 1024 * 1024,
    guestLinkDays: c.GUEST_LINK_DAYS,
    guestDigestMinutes: c.GUEST_DIGEST_MINUTES,
    video: c.VIDEO,
    janusBin: c.JANUS_BIN,
    janusUrl: c.JANUS_URL ?? null,
    janusApiSecret: c.JANUS_API_SECRET ?? null,
    janusAdminKey: c.JANUS_ADMIN_KEY ?? null,
    rtpPorts: c.RTP_PORTS,
    publicIp: c.PUBLIC_IP ?? null,
    stunUrl: c.STUN_URL ?? null,
    iceServers: c.ICE_SERVERS ?? (c.STUN_URL ? [{ urls: c.STUN_URL }] : []),
    turn: c.TURN_URLS && c.TURN_SECRET ? { urls: c.TURN_URLS, secret: c.TURN_SECRET, ttlSeconds: c.TURN_TTL_HOURS * 3600 } : null,
    callLinkDays: c.CALL_LINK_DAYS,
    docUpdateMaxBytes: c.DOC_UPDATE_MAX_BYTES,
    docMaxBytes: c.DOC_MAX_BYTES,
    docCompactUpdates: c.DOC_COMPACT_UPDATES,
    docUnloadSeconds: c.DOC_UNLOAD_SECONDS,
    wsIdleTimeoutSeconds: c.WS_IDLE_TIMEOUT_SECONDS,
  };
}
