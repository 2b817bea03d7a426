/** Every expected failure that crosses the wire carries one of these codes. */
export const ERROR_CODES = [
  'bad_request',
  'bad_frame',
  'unknown_type',
  'protocol_version',
  'unauthenticated',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'conflict',
  'rate_limited',
  'locked_out',
  'payload_too_large',
  'registration_closed',
  'invalid_credentials',
  'invitation_invalid',
  'link_invalid',
  'link_revoked',
  'bad_origin',
  'unavailable',
  'internal',
] as const;

/** A machine-readable error code. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The error body of every failed HTTP call and every failed realtime request. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** Field-level problems for validation errors: path -> message. */
  fields?: Record<string, string>;
  /** Seconds until a rate limit or lockout ends. */
  retryAfter?: number;
}

/** An expected failure, thrown or returned by domain code and mapped once at the edge. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: Omit<ErrorBody, 'code' | 'message'> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  /** The wire form of this error. */
  toBody(): ErrorBody {
    return { code: this.code, message: this.message, ...this.extra };
  }
}

/** The HTTP status each error code maps to. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  bad_frame: 400,
  unknown_type: 400,
  protocol_version: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  forbidden: 403,
  bad_origin: 403,
  registration_closed: 403,
  invitation_invalid: 410,
  link_invalid: 410,
  link_revoked: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  locked_out: 429,
  unavailable: 503,
  internal: 500,
};
