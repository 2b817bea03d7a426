import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { guestFromCookieHeader } from '../domains/guests/actions';
import { AppError } from '../../shared/errors';
import type { Services } from '../services';
import { errorReply, readBody, readRequest, send, watch, type IncomingRequest, type Reply } from '../hub/http';
import { match, parseJson, type Route } from './router';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** State-changing calls must come from our own pages: the Origin must be PUBLIC_URL's. */
export function checkOrigin(req: IncomingRequest, publicOrigin: string): void {
  if (!UNSAFE.has(req.method)) return;
  if (req.headers.origin !== publicOrigin) {
    throw new AppError('bad_origin', 'The Origin header does not match this server');
  }
}

/**
 * Serve one API call: match, check Origin, authenticate, read and validate the body, run the handler,
 * and map any failure to a typed error reply. Unexpected errors are logged here, once.
 */
export function handleApi(svc: Services, routes: Route[], headers: Record<string, string>, inflight: { n: number }) {
  return (res: HttpResponse, rawReq: HttpRequest): void => {
    const req = readRequest(res, rawReq);
    const state = watch(res);
    const started = performance.now();
    inflight.n++;
    run(svc, routes, req, res)
      .catch((err): Reply => {
        const { status, body } = errorReply(err);
        if (status >= 500) svc.log.error('request failed', { method: req.method, path: req.path, err });
        else if (status !== 401 && status !== 404) svc.log.info('request refused', { method: req.method, path: req.path, code: body.code, ip: req.ip });
        const extra: Record<string, string> = body.retryAfter ? { 'Retry-After': String(body.retryAfter) } : {};
        // A refused upload may still be streaming in: close the connection rather than read it.
        return { status, json: { error: body }, headers: extra, close: status === 413 };
      })
      .then((reply) => {
        inflight.n--;
        send(res, state, reply, { ...headers, 'Cache-Control': 'no-store' });
        svc.log.debug('request', { method: req.method, path: req.path, status: reply.status ?? 200, ms: Math.round(performance.now() - started) });
      });
  };
}

async function run(svc: Services, routes: Route[], req: IncomingRequest, res: HttpResponse): Promise<Reply> {
  const { route, params } = match(routes, req.method, req.path);
  checkOrigin(req, svc.config.publicOrigin);
  // The body must be read (or refused) before anything slow happens, as uWS streams it right away.
  const limit = typeof route.maxBytes === 'function' ? route.maxBytes(svc) : (route.maxBytes ?? 0);
  const bodyPromise = route.body === 'none' ? null : readBody(res, limit, req.headers['content-length']);
  bodyPromise?.catch(() => {});
  // A guest route knows only the guest cookie, every other route only the colleague's session.
  // A thread guest's routes (/api/guest/*) and a call guest's (/api/call-guest/*) know only their own cookie.
  // A document guest's (/api/doc-guest/*) likewise.
  const guestKind = route.path.startsWith('/api/call-guest/') ? 'call' : route.path.startsWith('/api/doc-guest/') ? 'doc' : 'post';
  const guest = route.access === 'guest' ? await guestFromCookieHeader(svc, req.headers.cookie, guestKind) : null;
  const auth = route.access === 'guest' ? null : await svc.sessions.fromCookieHeader(req.headers.cookie);
  if (route.access === 'session' && !auth) {
    throw new AppError('unauthenticated', 'Sign in first');
  }
  if (route.access === 'guest' && !guest) {
    throw new AppError('unauthenticated', 'Open your link again: this guest session has ended or was revoked');
  }
  const raw = bodyPromise ? await bodyPromise : null;
  const body = route.body === 'json' ? parseJson(route.schema!, raw!) : raw;
  const reply = await route.handle({
    svc,
    req,
    params,
    body,
    user: auth?.user ?? null,
    actor: auth ? { id: auth.user.id, role: auth.user.role, active: auth.user.active } : null,
    sessionToken: auth?.token ?? null,
    guest,
  });
  // Sliding expiry: the session was extended, so refresh the cookie (unless the handler set its own).
  if (auth?.cookie && !reply.cookies) reply.cookies = [auth.cookie];
  return reply;
}
