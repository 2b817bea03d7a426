import { createHmac } from 'node:crypto';
import type { IceServer } from '../../../shared/calls';
import type { Config } from '../../config';

/**
 * The ICE servers a joining browser gets: the configured STUN/TURN servers, and, when a TURN server shares
 * a secret with the hub (coturn's `use-auth-secret`, the "TURN REST API" scheme), credentials minted for
 * this participant alone: the username is `<expiry in unix seconds>:<participant id>`, the password the
 * base64 HMAC-SHA1 of the username under the shared secret. The TURN server checks both without asking
 * anyone, and they expire by themselves; no long-lived TURN password ever reaches a browser (a guest's
 * included).
 */
export function iceServersFor(config: Pick<Config, 'iceServers' | 'turn'>, participantId: string, now = Date.now()): IceServer[] {
  if (!config.turn) return config.iceServers;
  const username = `${Math.floor(now / 1000) + config.turn.ttlSeconds}:${participantId}`;
  const credential = createHmac('sha1', config.turn.secret).update(username).digest('base64');
  return [...config.iceServers, { urls: config.turn.urls, username, credential }];
}
