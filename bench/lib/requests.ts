/**
 * What every bench client needs on an Artel-protocol socket (`ws`): requests matched to their replies by id,
 * with a timeout, failed together when the socket closes; and a close that waits for the closing handshake.
 */
import WebSocket from 'ws';

export type Reply = { ok: boolean; error?: { code: string; message: string; retryAfter?: number }; [k: string]: any };

export class PendingRequests {
  private next = 1;
  private readonly pending = new Map<string, (r: Reply) => void>();

  /** Send `msg` with a fresh id; resolves with its reply, or with `onTimeout()` after `timeoutMs` (0: none). */
  send<T>(ws: WebSocket, msg: Record<string, unknown>, timeoutMs: number | undefined, onTimeout: () => T): Promise<Reply | T> {
    const id = `r${this.next++}`;
    return new Promise((resolve) => {
      const t = timeoutMs
        ? setTimeout(() => {
            this.pending.delete(id);
            resolve(onTimeout());
          }, timeoutMs)
        : undefined;
      this.pending.set(id, (r) => {
        clearTimeout(t);
        resolve(r);
      });
      ws.send(JSON.stringify({ id, ...msg }));
    });
  }

  /** A parsed frame: settles its request when it is a reply (true), else false. */
  settle(frame: { re?: unknown }): boolean {
    if (typeof frame.re !== 'string') return false;
    const settle = this.pending.get(frame.re);
    if (settle) {
      this.pending.delete(frame.re);
      settle(frame as Reply);
    }
    return true;
  }

  /** The socket closed: every request still waiting gets `reply`. */
  failAll(reply: Reply): void {
    for (const settle of this.pending.values()) settle(reply);
    this.pending.clear();
  }
}

/** Close with 1000 and wait for the handshake (at most 3 s, then terminate). */
export async function closeSocket(ws: WebSocket | null, beforeClose: () => void = () => {}): Promise<void> {
  if (!ws || ws.readyState === WebSocket.CLOSED) return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => {
      ws.terminate();
      resolve();
    }, 3000);
    ws.once('close', () => {
      clearTimeout(t);
      resolve();
    });
    beforeClose();
    ws.close(1000);
  });
}
