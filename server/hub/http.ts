import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { AppError, HTTP_STATUS, type ErrorBody } from '../../shared/errors';

/** An HTTP request, copied out of uWS' stack-allocated request so it can be used after an await. */
export interface IncomingRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  ip: string;
}

/** What a handler answers. */
export interface Reply {
  status?: number;
  json?: unknown;
  body?: Buffer | string;
  type?: string;
  headers?: Record<string, string>;
  cookies?: string[];
  /** Close the connection once answered, unread body and all (a refused upload may still be streaming in). */
  close?: boolean;
}

/** Tracks whether the client went away, so nothing is written to a dead response. */
export interface ResponseState {
  aborted: boolean;
  done: boolean;
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 304: 'Not Modified', 400: 'Bad Request', 401: 'Unauthorized',
  403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 410: 'Gone', 413: 'Payload Too Large',
  429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

/** Copy what we need from the request; must run synchronously inside the uWS handler. */
export function readRequest(res: HttpResponse, req: HttpRequest): IncomingRequest {
  const headers: Record<string, string> = {};
  req.forEach((k, v) => {
    headers[k] = v;
  });
  return {
    method: req.getMethod().toUpperCase(),
    path: safeDecode(req.getUrl()),
    query: new URLSearchParams(req.getQuery() ?? ''),
    headers,
    ip: Buffer.from(res.getRemoteAddressAsText()).toString(),
  };
}

/** Watch for the client aborting; uWS requires this before any asynchronous answer. */
export function watch(res: HttpResponse): ResponseState {
  const state: ResponseState = { aborted: false, done: false };
  res.onAborted(() => {
    state.aborted = true;
  });
  return state;
}

/** Read the whole body, refusing (with payload_too_large) past `limit` bytes. */
export function readBody(res: HttpResponse, limit: number, declared: string | undefined): Promise<Buffer> {
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(new AppError('payload_too_large', `The body is larger than ${limit} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    res.onData((chunk, isLast) => {
      if (failed) return;
      size += chunk.byteLength;
      if (size > limit) {
        failed = true;
        reject(new AppError('payload_too_large', `The body is larger than ${limit} bytes`));
        return;
      }
      // uWS reuses the chunk's memory once this callback returns: copy it.
      chunks.push(Buffer.from(chunk.slice(0)));
      if (isLast) resolve(Buffer.concat(chunks));
    });
  });
}

/** The error body and status for any thrown value; unexpected errors become 500 without details. */
export function errorReply(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof AppError) return { status: HTTP_STATUS[err.code], body: err.toBody() };
  return { status: 500, body: { code: 'internal', message: 'Internal server error' } };
}

/** Write a reply with the common headers, once, corked. */
export function send(res: HttpResponse, state: ResponseState, reply: Reply, common: Record<string, string>): void {
  if (state.aborted || state.done) return;
  state.done = true;
  const status = reply.status ?? 200;
  let body: Buffer | string = '';
  let type = reply.type;
  if (reply.json !== undefined) {
    body = JSON.stringify(reply.json);
    type = 'application/json; charset=utf-8';
  } else if (reply.body !== undefined) {
    body = reply.body;
  }
  res.cork(() => {
    res.writeStatus(`${status} ${STATUS_TEXT[status] ?? ''}`);
    // The reply's own headers replace common ones of the same name (a download's sandbox CSP, its caching).
    for (const [k, v] of Object.entries({ ...common, ...reply.headers })) res.writeHeader(k, v);
    if (type) res.writeHeader('Content-Type', type);
    for (const c of reply.cookies ?? []) res.writeHeader('Set-Cookie', c);
    // uWS then says `Connection: close` itself, and stops reading whatever the client still sends.
    res.end(body, reply.close ?? false);
  });
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
