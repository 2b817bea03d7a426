import WebSocket from 'ws';
import * as Y from 'yjs';
import * as authProtocol from 'y-protocols/auth';
import { WebsocketProvider } from 'y-websocket';
import type { ApiClient } from './client';

// Each WebsocketProvider in Node adds a process 'exit' listener (removed on destroy); tests open dozens.
process.setMaxListeners(Math.max(process.getMaxListeners(), 100));

/** The y-websocket endpoint of a hub at `base` (http://…). */
export const yjsUrl = (base: string) => `${base.replace(/^http/, 'ws')}/yjs`;

/** A `ws` WebSocket class that sends a session cookie and an Origin, as a browser would. */
function cookieSocket(cookie: string | null, origin: string | null, cookieName = 'artel_session'): typeof WebSocket {
  const headers: Record<string, string> = {};
  if (cookie) headers.cookie = `${cookieName}=${cookie}`;
  if (origin) headers.origin = origin;
  class CookieWS extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  }
  return CookieWS as unknown as typeof WebSocket;
}

/** A real y-websocket client of one document, with what the server told it. */
export interface DocClient {
  doc: Y.Doc;
  text: Y.Text;
  provider: WebsocketProvider;
  /** Reasons of the server's permission-denied (y-protocols/auth) messages. */
  denied: string[];
  /** Close codes the server closed this client with. */
  closes: { code: number; reason: string }[];
  synced: Promise<void>;
  destroy(): void;
}

/** Open the real y-websocket provider (Node `ws`, no BroadcastChannel) on `docId` as `client`. */
export function openDoc(base: string, docId: string, client: ApiClient | null, opts: { origin?: string; connect?: boolean } = {}): DocClient {
  const doc = new Y.Doc();
  const origin = opts.origin ?? client?.origin ?? base;
  const provider = new WebsocketProvider(yjsUrl(base), docId, doc, {
    WebSocketPolyfill: cookieSocket(client?.cookie ?? null, origin, client?.cookieName) as any,
    disableBc: true,
    connect: opts.connect ?? true,
    maxBackoffTime: 500,
  });
  const denied: string[] = [];
  const closes: { code: number; reason: string }[] = [];
  // Keep the refusal reasons (the provider only logs them).
  provider.messageHandlers[2] = (_enc, decoder) => authProtocol.readAuthMessage(decoder, doc, (_y, reason) => denied.push(reason));
  provider.on('connection-close', (event) => {
    if (event) closes.push({ code: event.code, reason: event.reason });
  });
  const synced = new Promise<void>((resolve) => {
    if (provider.synced) return resolve();
    const on = (s: boolean) => {
      if (!s) return;
      provider.off('sync', on);
      resolve();
    };
    provider.on('sync', on);
  });
  return {
    doc,
    text: doc.getText('body'),
    provider,
    denied,
    closes,
    synced,
    destroy: () => {
      provider.destroy();
      doc.destroy();
    },
  };
}

/** Try a raw upgrade at /yjs/<docId>; resolves with the HTTP status (101 when accepted). */
export function upgradeStatus(base: string, docId: string, cookie: string | null, origin: string | null, cookieName?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const Ws = cookieSocket(cookie, origin, cookieName);
    const ws = new Ws(`${yjsUrl(base)}/${docId}`);
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', (err) => {
      if (!String(err.message).includes('Unexpected server response')) reject(err);
    });
  });
}

/** Poll until `check` returns true (throws with `what` after `ms`). */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
