import { AppError } from '../../../shared/errors';
import type { FeedCursor } from './repo';

/**
 * Feed cursors are opaque to clients: base64url of [created_at as PostgreSQL prints it, id]. The
 * timestamp keeps PostgreSQL's microseconds (a JavaScript Date would round them off and skip or repeat
 * posts created within the same millisecond).
 */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeCursor(c: FeedCursor): string {
  return Buffer.from(JSON.stringify([c.at, c.id])).toString('base64url');
}

export function decodeCursor(raw: string): FeedCursor {
  const bad = () => new AppError('bad_request', 'Invalid cursor', { fields: { cursor: 'malformed' } });
  if (raw.length > 200 || !/^[A-Za-z0-9_-]+$/.test(raw)) throw bad();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(value) || value.length !== 2) throw bad();
  const [at, id] = value;
  if (typeof at !== 'string' || typeof id !== 'string' || !TIMESTAMP.test(at) || !UUID.test(id)) throw bad();
  return { at, id };
}
