/**
 * The CRM's requests that the generic API client cannot make: answers whose 409 carries duplicates
 * (create, convert), and the import's raw upload with the file's name in `X-File-Name`. Failures are
 * the same ApiError the rest of the app handles.
 */
import type { CrmDuplicate, ImportPreview } from '$shared/crm';
import type { ErrorBody } from '$shared/errors';
import { ApiError } from '../api';

function failure(status: number, body: unknown): ApiError {
  const err = (body as { error?: Partial<ErrorBody> } | null)?.error;
  if (err && typeof err.code === 'string' && typeof err.message === 'string') {
    return new ApiError(status, { code: err.code, message: err.message, fields: err.fields });
  }
  const code = status === 413 ? 'payload_too_large' : status === 403 ? 'forbidden' : status === 404 ? 'not_found' : status >= 500 ? 'unavailable' : 'bad_request';
  return new ApiError(status, { code, message: `HTTP ${status}` });
}

async function send(path: string, init: RequestInit): Promise<{ status: number; body: unknown }> {
  let res: Response;
  try {
    res = await fetch(path, { credentials: 'same-origin', ...init });
  } catch (e) {
    throw new ApiError(0, { code: 'unavailable', message: e instanceof Error ? e.message : 'Network error' });
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body };
}

/** POST JSON; a 409 naming duplicates resolves with them (nothing was made), other failures reject. */
export async function postChecked<T>(path: string, input: unknown): Promise<{ ok: T; duplicates: [] } | { ok: null; duplicates: CrmDuplicate[] }> {
  const { status, body } = await send(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(input),
  });
  if (status >= 200 && status < 300) return { ok: body as T, duplicates: [] };
  const duplicates = (body as { duplicates?: CrmDuplicate[] } | null)?.duplicates;
  if (status === 409 && Array.isArray(duplicates) && duplicates.length) return { ok: null, duplicates };
  throw failure(status, body);
}

/** Upload a CSV or XLSX for an import preview. */
export async function uploadImport(file: File, kind: 'contact' | 'lead'): Promise<ImportPreview> {
  const { status, body } = await send(`/api/crm/import/preview?kind=${kind}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'x-file-name': encodeURIComponent(file.name || 'import'), accept: 'application/json' },
    body: file,
  });
  if (status >= 200 && status < 300) return body as ImportPreview;
  throw failure(status, body);
}
