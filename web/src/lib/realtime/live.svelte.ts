/**
 * The app's one realtime connection, with its status mirrored into reactive state for the indicator.
 */
import { api } from '../api';
import { RealtimeClient, realtimeUrl, type ConnectionStatus } from './socket';

export const connection = $state<{ status: ConnectionStatus }>({ status: 'offline' });

let client: RealtimeClient | null = null;
let detach: (() => void) | null = null;

/** Open the connection (once); `onAuthLost` runs when the hub says the session is gone. */
export function startRealtime(onAuthLost: () => void): RealtimeClient {
  if (client) return client;
  const c = new RealtimeClient({
    url: realtimeUrl(location),
    onAuthLost,
    checkAuth: async () => {
      try {
        await api.get('/api/me');
        return true;
      } catch (e) {
        return !(e && typeof e === 'object' && 'status' in e && e.status === 401);
      }
    },
    onProtocolMismatch: () => {
      // A newer server: load the matching client, but never loop.
      if (!sessionStorage.getItem('artel.reloadedForProtocol')) {
        sessionStorage.setItem('artel.reloadedForProtocol', '1');
        location.reload();
      }
    },
    log: (message, detail) => console.warn(message, detail ?? ''),
  });
  const offStatus = c.onStatus((s) => {
    connection.status = s;
    if (s === 'online') sessionStorage.removeItem('artel.reloadedForProtocol');
  });
  const wake = () => c.reconnectNow();
  window.addEventListener('online', wake);
  detach = () => {
    offStatus();
    window.removeEventListener('online', wake);
  };
  client = c;
  c.start();
  return c;
}

/** The running client, if any. */
export function realtime(): RealtimeClient | null {
  return client;
}

/** Close the connection (logout, leaving the app). */
export function stopRealtime(): void {
  detach?.();
  detach = null;
  client?.stop();
  client = null;
  connection.status = 'offline';
}
