/**
 * The HTTP API client: a thin fetch wrapper that speaks JSON, sends the session cookie and turns every
 * failure into a typed ApiError carrying the wire error body of shared/errors.ts.
 *
 * Imports from shared/ are relative (not `$shared`) so this module also loads in plain vitest/tsc.
 */
import type { ErrorBody, ErrorCode } from '../../../shared/errors';

/** A failed API call: the HTTP status and the server's error body (or a synthetic one for network failures). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly fields: Record<string, string> | undefined;
  readonly retryAfter: number | undefined;

  constructor(status: number, body: ErrorBody) {
    super(body.message);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code;
    this.fields = body.fields;
    this.retryAfter = body.retryAfter;
  }
}

/** True when `e` is an ApiError, optionally with one of the given codes. */
export function isApiError(e: unknown, ...codes: ErrorCode[]): e is ApiError {
  return e instanceof ApiError && (codes.length === 0 || codes.includes(e.code));
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** Turn a non-2xx response into an ApiError, whatever its body looks like. */
async function toError(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // Not JSON (a proxy's HTML error page, an empty body): synthesize below.
  }
  const err = (body as { error?: Partial<ErrorBody> } | null)?.error;
  if (err && typeof err.code === 'string' && typeof err.message === 'string') {
    const retryHeader = Number(res.headers.get('retry-after'));
    return new ApiError(res.status, {
      code: err.code,
      message: err.message,
      fields: err.fields,
      retryAfter: err.retryAfter ?? (Number.isFinite(retryHeader) && retryHeader > 0 ? retryHeader : undefined),
    });
  }
  const code: ErrorCode =
    res.status === 401
      ? 'unauthenticated'
      : res.status === 403
        ? 'forbidden'
        : res.status === 404
          ? 'not_found'
          : res.status === 413
            ? 'payload_too_large'
            : res.status === 429
              ? 'rate_limited'
              : res.status >= 500
                ? 'unavailable'
                : 'bad_request';
  return new ApiError(res.status, { code, message: `HTTP ${res.status}` });
}

/**
 * Perform one API call. `body` is sent as JSON, except a Blob/ArrayBuffer, which is sent raw
 * (avatar upload). Resolves with the parsed JSON answer; rejects with ApiError.
 */
export async function request<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  let payload: BodyInit | undefined;
  if (body instanceof Blob || body instanceof ArrayBuffer) {
    payload = body;
    headers['content-type'] = body instanceof Blob && body.type ? body.type : 'application/octet-stream';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  } catch (e) {
    throw new ApiError(0, { code: 'unavailable', message: e instanceof Error ? e.message : 'Network error' });
  }
  if (!res.ok) throw await toError(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Shorthands by method. */
export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  del: <T>(path: string) => request<T>('DELETE', path),
};
