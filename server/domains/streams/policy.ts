import { DIRECTORY_STREAM } from '../../../shared/types';
import type { Actor } from '../people/policy';

/** Why a stream may not be read, or null when it may. Pure: streams of later domains add their rules here. */
export function canReadStream(actor: Actor, stream: string): null | 'forbidden' | 'not_found' {
  if (!actor.active) return 'forbidden';
  if (stream === DIRECTORY_STREAM) return actor.role === 'guest' ? 'forbidden' : null;
  return 'not_found';
}
