import uWS, { type TemplatedApp, type us_listen_socket } from 'uWebSockets.js';
import type { ControlMessage, Services } from '../services';
import { CONTROL_CHANNEL } from '../services';
import { handleApi } from '../http/handler';
import { PROBES, ROUTES } from '../http/routes';
import { StaticSite } from './static';
import { Topics } from './topics';
import { Presence, PUSH_COALESCE_MS } from './presence';
import { socketBehavior, SocketRegistry } from './socket';
import { recheckDocSocket, yjsBehavior } from './yjs';
import { closeWith, sendFrame, type Socket } from './connection';
import { CloseCode } from '../../shared/protocol';
import type { HubContext } from './dispatch';
import { streamAccess } from '../domains/streams/access';

/** Security headers on every HTTP answer. */
function securityHeaders(svc: Services, site: StaticSite): Record<string, string> {
  const wsOrigin = svc.config.publicOrigin.replace(/^http/, 'ws');
  const csp = [
    "default-src 'self'",
    `script-src 'self' ${site.scriptHashes.join(' ')}`.trim(),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    `connect-src 'self' ${wsOrigin}`,
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  const headers: Record<string, string> = {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(self), microphone=(self), display-capture=(self), geolocation=()',
  };
  if (svc.config.secureCookies) headers['Strict-Transport-Security'] = 'max-age=31536000; includeSubDomains';
  return headers;
}

/** One hub node: HTTP API, static web client and /ws on one uWS app. */
export class Hub {
  readonly app: TemplatedApp;
  readonly registry = new SocketRegistry();
  private readonly topics: Topics;
  readonly presence: Presence;
  private listenSocket: us_listen_socket | null = null;
  /** API calls being served: shutdown waits for them before the database closes. */
  private readonly inflight = { n: 0 };
  private readonly onControl = (message: string) => this.handleControl(JSON.parse(message) as ControlMessage);
  port = 0;

  constructor(private readonly svc: Services) {
    const site = new StaticSite(svc.config.webDir);
    if (!site.built) svc.log.warn('web client not built', { dir: svc.config.webDir });
    const headers = securityHeaders(svc, site);
    this.app = uWS.App();
    this.topics = new Topics(this.app, svc.bus, svc.log);
    this.presence = new Presence(svc, (topic, frame) => this.topics.publishLocal(topic, frame), PUSH_COALESCE_MS);
    const hub: HubContext = { svc, topics: this.topics, presence: this.presence };
    const api = handleApi(svc, [...ROUTES, ...PROBES], headers, this.inflight);
    this.app
      .ws('/ws', socketBehavior(hub, this.registry, headers))
      .ws('/yjs/*', yjsBehavior(hub, this.registry, headers))
      // uWS prefers a method-specific route over `any`: the API's GETs must be as specific as the site's.
      .get('/api/*', api)
      .any('/api/*', api)
      .get('/healthz', api)
      .get('/readyz', api)
      .get('/*', site.handler(headers))
      .any('/*', api);
  }

  /** Listen on host:port (0 picks a free port); resolves with the bound port. */
  async listen(host: string, port: number): Promise<number> {
    await this.svc.bus.subscribe(CONTROL_CHANNEL, this.onControl);
    await new Promise<void>((resolve, reject) => {
      this.app.listen(host, port, (socket) => {
        if (!socket) return reject(new Error(`Cannot listen on ${host}:${port}`));
        this.listenSocket = socket;
        this.port = uWS.us_socket_local_port(socket);
        resolve();
      });
    });
    this.svc.log.info('hub listening', { url: `http://${host}:${this.port}`, publicUrl: this.svc.config.publicUrl, node: this.svc.config.nodeId });
    return this.port;
  }

  private handleControl(msg: ControlMessage): void {
    switch (msg.type) {
      case 'close_user':
        for (const ws of this.registry.byUser.get(msg.userId) ?? []) closeWith(ws, msg.code, msg.reason);
        return;
      case 'close_session':
        for (const ws of this.registry.bySession.get(msg.sessionHash) ?? []) closeWith(ws, msg.code, msg.reason);
        return;
      case 'revoke_stream':
        for (const ws of this.registry.byUser.get(msg.userId) ?? []) this.revoke(ws, msg.channel);
        return;
      case 'recheck_streams':
        if (msg.userId) for (const ws of this.registry.byUser.get(msg.userId) ?? []) void this.recheck(ws);
        else void this.recheckAll();
        return;
      case 'recheck_docs': {
        const sockets = msg.userId ? [...(this.registry.byUser.get(msg.userId) ?? [])] : [...this.registry.byUser.values()].flatMap((set) => [...set]);
        for (const ws of sockets) void recheckDocSocket(this.svc, ws);
        return;
      }
      case 'presence':
      case 'presence_sync':
        this.presence.handle(msg);
        return;
      default: {
        const never: never = msg;
        this.svc.log.warn('unknown control message', { msg: never });
      }
    }
  }

  /** Stop a socket following a stream it may no longer read, and tell the client. */
  private revoke(ws: Socket, channel: string): void {
    const c = ws.getUserData();
    if (c.closed || !c.channels.delete(channel)) return;
    this.topics.leave(ws, channel);
    sendFrame(ws, { type: 'stream_revoked', stream: channel.slice(channel.indexOf(':') + 1) });
  }

  /** Ask the streams' rules again for each stream a socket follows; stop those it may no longer read. */
  private async recheck(ws: Socket): Promise<void> {
    const c = ws.getUserData();
    for (const channel of [...c.channels]) {
      const stream = channel.slice(channel.indexOf(':') + 1);
      try {
        if (await streamAccess(this.svc.db, c.actor, stream)) this.revoke(ws, channel);
      } catch (err) {
        this.svc.log.warn('stream recheck failed', { conn: c.id, stream, err });
      }
    }
  }

  /** Every socket of this node, one after the other (a rare change, e.g. a group closing, need not flood PostgreSQL). */
  private async recheckAll(): Promise<void> {
    for (const ws of [...this.registry.all]) if (!ws.getUserData().closed) await this.recheck(ws);
  }

  /**
   * Stop accepting, let API calls in progress finish (up to 10 s), close every socket with 1001 so
   * clients reconnect elsewhere. The caller closes the bus and the database afterwards.
   */
  async stop(): Promise<void> {
    if (this.listenSocket) uWS.us_listen_socket_close(this.listenSocket);
    this.listenSocket = null;
    for (let waited = 0; this.inflight.n > 0 && waited < 10_000; waited += 25) await new Promise((r) => setTimeout(r, 25));
    this.presence.stop();
    for (const ws of [...this.registry.all]) closeWith(ws, CloseCode.goingAway, 'server shutting down');
    await this.svc.bus.unsubscribe(CONTROL_CHANNEL, this.onControl).catch(() => {});
    // Not app.close(): in uWS it also cuts sockets of other apps in the same process (several nodes
    // share one process in tests). With the listen socket closed and every WebSocket ended, the app is idle.
    await new Promise((r) => setTimeout(r, 50));
  }
}
