/**
 * Cold load: one real y-websocket client opens a large document nobody has open, and we time from its
 * connect to the moment its Y.Doc holds the whole text. "Synced" alone is not enough: the reference
 * server answers the sync before its LevelDB read finishes and sends the stored state afterwards.
 */
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';

export interface ColdLoad {
  doc: string;
  ms: number;
  textLength: number;
  ok: boolean;
  error: string | null;
}

function cookieSocket(token: string | null, origin: string): typeof WebSocket {
  const headers: Record<string, string> = { origin };
  if (token) headers.cookie = `artel_session=${token}`;
  class CookieWS extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers, perMessageDeflate: false });
    }
  }
  return CookieWS as unknown as typeof WebSocket;
}

export async function coldLoad(serverUrl: string, origin: string, token: string | null, docName: string, textLength: number, timeoutMs = 120_000): Promise<ColdLoad> {
  const doc = new Y.Doc();
  const text = doc.getText('body');
  const t0 = performance.now();
  const provider = new WebsocketProvider(serverUrl, docName, doc, { WebSocketPolyfill: cookieSocket(token, origin) as any, disableBc: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not loaded within ${timeoutMs} ms (text ${text.length} of ${textLength})`)), timeoutMs);
      const check = () => {
        if (provider.synced && text.length === textLength) {
          clearTimeout(timer);
          resolve();
        }
      };
      provider.on('sync', check);
      doc.on('update', check);
    });
    return { doc: docName, ms: performance.now() - t0, textLength: text.length, ok: true, error: null };
  } catch (err) {
    return { doc: docName, ms: NaN, textLength: text.length, ok: false, error: (err as Error).message };
  } finally {
    provider.destroy();
    doc.destroy();
  }
}
