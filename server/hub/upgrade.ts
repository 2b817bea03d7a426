import type { HttpRequest, HttpResponse, us_socket_context_t } from 'uWebSockets.js';
import { HTTP_STATUS, type ErrorCode } from '../../shared/errors';
import type { Services } from '../services';
import { readRequest, send, watch, type IncomingRequest } from './http';

/** An upgrade under way: the request, and the two ways it can end. */
export interface Upgrade {
  req: IncomingRequest;
  /** True when the browser's Origin is this server's (cross-site pages may not open our sockets). */
  sameOrigin: boolean;
  /** Answer with an HTTP error instead of a socket (logged; nothing is sent if the client is gone). */
  refuse(code: ErrorCode, message: string): void;
  /** Become a WebSocket carrying `data`; false when the client went away meanwhile. */
  accept<T>(data: T): boolean;
}

/**
 * What both WebSocket endpoints (/ws, /yjs) do first: read the request before uWS recycles it, keep the
 * handshake headers, and watch for the client leaving while we look the session up.
 */
export function beginUpgrade(
  svc: Services,
  what: string,
  res: HttpResponse,
  rawReq: HttpRequest,
  context: us_socket_context_t,
  headers: Record<string, string>,
): Upgrade {
  const req = readRequest(res, rawReq);
  const key = req.headers['sec-websocket-key'];
  const protocol = req.headers['sec-websocket-protocol'] ?? '';
  const extensions = req.headers['sec-websocket-extensions'] ?? '';
  const state = watch(res);
  return {
    req,
    sameOrigin: req.headers.origin === svc.config.publicOrigin,
    refuse(code, message) {
      svc.log.info(`${what} upgrade refused`, { code, ip: req.ip, path: req.path, origin: req.headers.origin });
      send(res, state, { status: HTTP_STATUS[code], json: { error: { code, message } } }, headers);
    },
    accept(data) {
      if (state.aborted) return false;
      state.done = true;
      // Deliberately not inside res.cork(): uWS' cork() can misread the response state once the socket
      // has been adopted in place by the upgrade and then close the fresh WebSocket (~1 ms after open);
      // see uNetworking/uWebSockets#1928 and the fix in PR #1929, not in the v20.51 binaries we use.
      res.upgrade(data, key, protocol, extensions, context);
      return true;
    },
  };
}
