import { AppError } from '../../../shared/errors';
import type { Handler } from '../dispatch';

type Family = {
  presence_set: Handler<'presence_set'>;
};

/**
 * A page tells the hub whether it is idle. Only a colleague's socket counts towards presence (guests are
 * nobody's colleagues and never show up), and only for their own user: the flag belongs to this socket.
 */
export const presenceHandlers: Family = {
  presence_set: async ({ presence }, ws, msg) => {
    const c = ws.getUserData();
    if (c.actor.role === 'guest') throw new AppError('forbidden', 'A guest has no presence');
    presence.setIdle(c.user.id, c.id, msg.idle);
    return {};
  },
};
