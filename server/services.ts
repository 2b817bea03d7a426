import type { ConnectionPool } from './db/pool';
import { Scheduler } from './jobs/scheduler';
import { transact, type Unit } from './db/unit';
import type { Bus } from './bus';
import type { Config } from './config';
import type { Logger } from './log';
import type { Mailer } from './domains/mail';
import type { Sessions } from './domains/auth/sessions';
import type { FileStore } from './domains/files/store';
import { eventPublisher } from './domains/streams';
import { KeyedRateLimiter } from './lib/ratelimit';
import type { CloseCode } from '../shared/protocol';
import type { MediaEngine } from '../sfu/engine';

/** The bus channel for instructions to every hub node (close a user's sockets, presence). */
export const CONTROL_CHANNEL = 'control';

/** Messages on the control channel. */
export type ControlMessage =
  | { type: 'close_user'; userId: string; code: CloseCode; reason: string }
  | { type: 'close_session'; sessionHash: string; code: CloseCode; reason: string }
  | { type: 'revoke_stream'; userId: string; channel: string }
  // A membership others hang on ended (a chat's: its calls; a group's: its space's pages): the person's
  // sockets ask again, stream by stream, whether they may still follow what they follow.
  /** Ask again whether each followed stream may still be read: one person's sockets, or (no userId) every socket. */
  | { type: 'recheck_streams'; userId?: string }
  // Documents' sockets ask again what they may do (a group member removed, a group archived or closed):
  // of one person, or (no userId) of everyone; a socket whose access changed is closed (4300, or 4403 when gone).
  | { type: 'recheck_docs'; userId?: string }
  // `away`: every socket of the user on that node reports idle (absent from older nodes: active).
  | { type: 'presence'; node: string; userId: string; online: boolean; away?: boolean }
  | { type: 'presence_sync'; node: string; userIds: string[]; away?: string[] };

/** What domain actions depend on; built once at start, passed explicitly. */
export interface Services {
  config: Config;
  log: Logger;
  db: ConnectionPool;
  bus: Bus;
  mailer: Mailer;
  sessions: Sessions;
  files: FileStore;
  /** The media engine of video calls (Janus through sfu/; with VIDEO=off or no Janus, one that says why video is unavailable). */
  media: MediaEngine;
  /**
   * Rate limits: `auth` per client address on unauthenticated, sensitive endpoints; `send` per person on
   * messages, whatever door and however many sockets they use.
   */
  limits: { auth: KeyedRateLimiter; send: KeyedRateLimiter };
  /** The write path: one transaction, events published after commit. */
  write<T>(work: (unit: Unit) => Promise<T>): Promise<T>;
  /** Tell every node to do something to its sockets. */
  control(message: ControlMessage): Promise<void>;
  /** Persistent jobs (reminders, deadlines): exactly once across restarts and nodes. */
  jobs: Scheduler;
}

export function createServices(parts: Omit<Services, 'write' | 'control' | 'limits' | 'jobs'>): Services {
  const sink = eventPublisher(parts.bus, parts.log);
  const write = <T>(work: (unit: Unit) => Promise<T>) => transact(parts.db, sink, work);
  return {
    ...parts,
    jobs: new Scheduler(parts.db, write, parts.log),
    // 10 attempts at once, then one every 6 seconds, per address.
    limits: { auth: new KeyedRateLimiter(10, 1 / 6), send: new KeyedRateLimiter(30, 5) },
    write,
    control: async (message) => {
      try {
        await parts.bus.publish(CONTROL_CHANNEL, JSON.stringify(message));
      } catch (err) {
        parts.log.error('control message not published', { type: message.type, err });
      }
    },
  };
}
