/**
 * Turning failures into translated, user-facing text: API errors by code, and field errors from the
 * shared zod schemas (client-side) or from the server's `fields`.
 */
import type { ZodIssue, ZodTypeAny, z } from 'zod';
import type { ErrorCode } from '$shared/errors';
import { ApiError } from './api';
import { formatWait, t, type MessageKey } from './i18n/index.svelte';

/** Per-call replacements of the default message of some codes, e.g. `{conflict: 'error.conflict_invite'}`. */
export type ErrorOverrides = Partial<Record<ErrorCode, MessageKey>>;

const CODE_KEYS: Partial<Record<ErrorCode, MessageKey>> = {
  invalid_credentials: 'error.invalid_credentials',
  registration_closed: 'error.registration_closed',
  invitation_invalid: 'error.invitation_invalid',
  conflict: 'error.conflict',
  forbidden: 'error.forbidden',
  unauthenticated: 'error.unauthenticated',
  payload_too_large: 'error.payload_too_large',
  not_found: 'error.not_found',
  unavailable: 'error.unavailable',
  internal: 'error.internal',
  bad_origin: 'error.bad_origin',
};

/** The message to show for a failed call. */
export function errorMessage(e: unknown, overrides: ErrorOverrides = {}): string {
  if (e instanceof ApiError) {
    const override = overrides[e.code];
    if (override) return t(override);
    if (e.code === 'locked_out' || e.code === 'rate_limited') {
      return e.retryAfter ? t(`error.${e.code}`, { time: formatWait(e.retryAfter) }) : t('error.rate_limited_soon');
    }
    if (e.code === 'bad_request' || e.code === 'bad_frame') {
      return e.fields && Object.keys(e.fields).length > 0 ? t('error.bad_request') : t('error.generic', { message: e.message });
    }
    const key = CODE_KEYS[e.code];
    return key ? t(key) : t('error.generic', { message: e.message });
  }
  if (e instanceof Error) return t('error.generic', { message: e.message });
  return t('error.internal');
}

/** Field errors keyed by the top-level field name. */
export type FieldErrors = Record<string, string>;

function issueMessage(issue: ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.received === 'undefined' ? t('field.required') : t('field.invalid');
    case 'too_small':
      return issue.type === 'string' && Number(issue.minimum) <= 1
        ? t('field.required')
        : t('field.tooShort', { min: Number(issue.minimum) });
    case 'too_big':
      return t('field.tooLong', { max: Number(issue.maximum) });
    case 'invalid_string':
      return issue.validation === 'email' ? t('field.email') : t('field.invalid');
    default:
      return t('field.invalid');
  }
}

/** Validate form data with a shared schema: the parsed (normalized) body, or translated field errors. */
export function validate<S extends ZodTypeAny>(
  schema: S,
  data: unknown,
): { ok: true; data: z.output<S> } | { ok: false; fields: FieldErrors } {
  const parsed = schema.safeParse(data);
  if (parsed.success) return { ok: true, data: parsed.data };
  const fields: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const name = String(issue.path[0] ?? '_');
    fields[name] ??= issueMessage(issue);
  }
  return { ok: false, fields };
}

/**
 * The server's field errors, translated where their (zod, English) wording is recognizable.
 * Unrecognized ones fall back to a generic "invalid value".
 */
export function serverFieldErrors(e: unknown): FieldErrors {
  if (!(e instanceof ApiError) || !e.fields) return {};
  const out: FieldErrors = {};
  for (const [path, message] of Object.entries(e.fields)) {
    const name = path.split('.')[0];
    const min = /at least (\d+)/i.exec(message);
    const max = /at most (\d+)/i.exec(message);
    if (/required/i.test(message)) out[name] = t('field.required');
    else if (/email/i.test(message)) out[name] = t('field.email');
    else if (min) out[name] = Number(min[1]) <= 1 ? t('field.required') : t('field.tooShort', { min: Number(min[1]) });
    else if (max) out[name] = t('field.tooLong', { max: Number(max[1]) });
    else out[name] = t('field.invalid');
  }
  return out;
}
