/**
 * Janus' configuration, written by us into `<dataDir>/janus/` at every start (never edited by hand): the
 * API only on 127.0.0.1 through the WebSocket transport, an API secret, a VideoRoom admin key (so rooms
 * can only be made through the API, by us), string room and feed ids (the hub's room keys and participant
 * ids), an RTP port range, and nothing loaded that we do not use: every other plugin, transport, event
 * handler and logger found in Janus' folders is listed as disabled, because Janus loads all it finds.
 *
 * `janusConfigFiles` is pure (contents from options) so it can be unit-tested; `writeJanusConfig` adds the
 * file system: the folders' listings and the secrets kept in `secrets.json` (0600) across restarts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** Debian's folders of Janus' modules. */
export const JANUS_LIB = '/usr/lib/x86_64-linux-gnu/janus';

export const VIDEOROOM_PLUGIN = 'libjanus_videoroom.so';
export const WEBSOCKETS_TRANSPORT = 'libjanus_websockets.so';

export interface JanusConfigOptions {
  /** The folder the files go into (Janus' `configs_folder`). */
  dir: string;
  /** Port of the WebSocket API on 127.0.0.1. */
  wsPort: number;
  apiSecret: string;
  adminKey: string;
  /** UDP ports for media, inclusive. */
  rtpPorts: [number, number];
  /** The public IP to advertise instead of the host's (a 1:1 NAT: a cloud machine behind its provider's NAT). */
  publicIp?: string;
  /** `stun:host[:port]` (or `host[:port]`): lets Janus learn its public address itself. */
  stunUrl?: string;
  /** Janus' own log level, 0-7 (4: warnings and notable things; 5+ is very chatty). */
  debugLevel?: number;
  /** Seconds without a request (keepalive) after which Janus drops a session. */
  sessionTimeout?: number;
  /** Where the module folders are (Debian's by default). */
  libDir?: string;
  /** The .so files found in each module folder: all but the ones we use are disabled. */
  available?: { plugins?: string[]; transports?: string[]; events?: string[]; loggers?: string[] };
}

/** File name -> contents. */
export type JanusConfigFiles = Record<'janus.jcfg' | 'janus.plugin.videoroom.jcfg' | 'janus.transport.websockets.jcfg', string>;

/** A libconfig string literal. */
function str(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The .so modules of a folder other than `keep`, as Janus' comma-separated `disable` list. */
function disableList(found: string[] | undefined, keep: string | null): string {
  const mods = [...new Set((found ?? []).filter((f) => /^lib.+\.so$/.test(f) && f !== keep))].sort();
  return mods.join(',');
}

/** `stun:host:port` -> host and port (3478 by default); null for something that is not one. */
export function parseStun(url: string): { host: string; port: number } | null {
  const m = /^(?:stuns?:)?\/{0,2}(\[[^\]]+\]|[^:/?\s]+)(?::(\d{1,5}))?(?:\?.*)?$/.exec(url.trim());
  if (!m) return null;
  const port = m[2] ? Number(m[2]) : 3478;
  if (port < 1 || port > 65535) return null;
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

/** The three files' contents. Throws on options that would make a broken configuration. */
export function janusConfigFiles(o: JanusConfigOptions): JanusConfigFiles {
  const [lo, hi] = o.rtpPorts;
  if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 1024 && hi <= 65535 && lo < hi)) {
    throw new Error(`Bad RTP port range ${lo}-${hi}: two ports between 1024 and 65535, the first lower`);
  }
  if (!(Number.isInteger(o.wsPort) && o.wsPort > 0 && o.wsPort <= 65535)) throw new Error(`Bad Janus WebSocket port ${o.wsPort}`);
  if (!o.apiSecret || !o.adminKey) throw new Error('Janus needs an API secret and an admin key');
  const lib = o.libDir ?? JANUS_LIB;
  const stun = o.stunUrl ? parseStun(o.stunUrl) : null;
  if (o.stunUrl && !stun) throw new Error(`Bad STUN server ${o.stunUrl}: expected stun:host[:port]`);
  const nat = [
    'nat: {',
    '\tnice_debug = false',
    // Half trickle: Janus' own candidates are in its SDP, the browser's come by trickle.
    '\tfull_trickle = false',
    '\tice_ignore_list = "vmnet"',
    stun ? `\tstun_server = ${str(stun.host)}\n\tstun_port = ${stun.port}` : null,
    // A STUN server that is briefly unreachable must not keep media from starting at all.
    stun ? '\tignore_unreachable_ice_server = true' : null,
    o.publicIp ? `\tnat_1_1_mapping = ${str(o.publicIp)}` : null,
    '}',
  ].filter((l) => l !== null);
  const janus = [
    '# Written by Artel (sfu/janus/config.ts) at every start: edits here are lost.',
    'general: {',
    `\tconfigs_folder = ${str(o.dir)}`,
    `\tplugins_folder = ${str(path.join(lib, 'plugins'))}`,
    `\ttransports_folder = ${str(path.join(lib, 'transports'))}`,
    `\tevents_folder = ${str(path.join(lib, 'events'))}`,
    `\tloggers_folder = ${str(path.join(lib, 'loggers'))}`,
    '\tlog_to_stdout = true',
    `\tdebug_level = ${o.debugLevel ?? 4}`,
    '\tdebug_timestamps = false',
    '\tdebug_colors = false',
    '\tserver_name = "artel"',
    `\tsession_timeout = ${o.sessionTimeout ?? 60}`,
    '\treclaim_session_timeout = 0',
    `\tapi_secret = ${str(o.apiSecret)}`,
    // No admin API at all (no admin transport either): nothing for admin_secret to guard.
    '\ttoken_auth = false',
    '\tevent_handlers = false',
    '\thide_dependencies = true',
    '\tprotected_folders = ["/bin", "/boot", "/dev", "/etc", "/lib", "/lib64", "/proc", "/sbin", "/sys", "/usr", "/var"]',
    '}',
    'certificates: {',
    // Janus makes a fresh DTLS certificate at each start: browsers pin it per connection only.
    '}',
    'media: {',
    '\tipv6 = false',
    `\trtp_port_range = "${lo}-${hi}"`,
    '\tno_media_timer = 2',
    '\tslowlink_threshold = 0',
    '}',
    ...nat,
    'plugins: {',
    `\tdisable = ${str(disableList(o.available?.plugins, VIDEOROOM_PLUGIN))}`,
    '}',
    'transports: {',
    `\tdisable = ${str(disableList(o.available?.transports, WEBSOCKETS_TRANSPORT))}`,
    '}',
    'loggers: {',
    `\tdisable = ${str(disableList(o.available?.loggers, null))}`,
    '}',
    'events: {',
    '\tbroadcast = false',
    `\tdisable = ${str(disableList(o.available?.events, null))}`,
    '}',
    '',
  ].join('\n');
  const videoroom = [
    '# Written by Artel at every start. Rooms are made through the API only (admin_key), never here.',
    'general: {',
    `\tadmin_key = ${str(o.adminKey)}`,
    '\tlock_rtp_forward = true',
    // Room and feed ids are the hub's strings (unguessable room keys, participant uuids).
    '\tstring_ids = true',
    '\tevents = false',
    '}',
    '',
  ].join('\n');
  const websockets = [
    '# Written by Artel at every start: the API on 127.0.0.1 only, plain ws (never leaves the machine).',
    'general: {',
    '\tjson = "plain"',
    '\tws = true',
    `\tws_port = ${o.wsPort}`,
    '\tws_ip = "127.0.0.1"',
    '\tws_acl = "127."',
    '\twss = false',
    '\tws_logging = "err"',
    '}',
    'admin: {',
    '\tadmin_ws = false',
    '\tadmin_wss = false',
    '}',
    'cors: {',
    '}',
    'certificates: {',
    '}',
    '',
  ].join('\n');
  return { 'janus.jcfg': janus, 'janus.plugin.videoroom.jcfg': videoroom, 'janus.transport.websockets.jcfg': websockets };
}

export interface JanusSecrets {
  apiSecret: string;
  adminKey: string;
}

/**
 * The API secret and admin key: the given ones, else those kept in `secrets.json`, else new random ones
 * (kept there, readable by our user only, so a restarted Janus and other tools find the same).
 */
export function loadSecrets(dir: string, given: Partial<JanusSecrets> = {}): JanusSecrets {
  const file = path.join(dir, 'secrets.json');
  let kept: Partial<JanusSecrets> = {};
  try {
    kept = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<JanusSecrets>;
  } catch {
    /* none yet (or unreadable: made again) */
  }
  const secrets: JanusSecrets = {
    apiSecret: given.apiSecret || (typeof kept.apiSecret === 'string' && kept.apiSecret) || randomBytes(32).toString('hex'),
    adminKey: given.adminKey || (typeof kept.adminKey === 'string' && kept.adminKey) || randomBytes(32).toString('hex'),
  };
  if (secrets.apiSecret !== kept.apiSecret || secrets.adminKey !== kept.adminKey) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  }
  fs.chmodSync(file, 0o600);
  return secrets;
}

function listModules(folder: string): string[] {
  try {
    return fs.readdirSync(folder).filter((f) => f.endsWith('.so'));
  } catch {
    return [];
  }
}

/** Write the configuration into `<dataDir>/janus/`; returns the folder, the main file and the secrets. */
export function writeJanusConfig(
  dataDir: string,
  o: Omit<JanusConfigOptions, 'dir' | 'apiSecret' | 'adminKey' | 'available'> & Partial<JanusSecrets>,
): { dir: string; configFile: string; secrets: JanusSecrets } {
  const dir = path.join(dataDir, 'janus');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const secrets = loadSecrets(dir, { apiSecret: o.apiSecret, adminKey: o.adminKey });
  const lib = o.libDir ?? JANUS_LIB;
  const files = janusConfigFiles({
    ...o,
    ...secrets,
    dir,
    available: {
      plugins: listModules(path.join(lib, 'plugins')),
      transports: listModules(path.join(lib, 'transports')),
      events: listModules(path.join(lib, 'events')),
      loggers: listModules(path.join(lib, 'loggers')),
    },
  });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text, { mode: 0o600 });
  return { dir, configFile: path.join(dir, 'janus.jcfg'), secrets };
}
