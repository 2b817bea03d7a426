import { runCommand } from '../../domains/commands/run';
import type { Handler } from '../dispatch';

/** Slash commands typed in a chat's composer. */
export const commandHandlers: { command_run: Handler<'command_run'> } = {
  command_run: async ({ svc }, ws, msg) => runCommand(svc, ws.getUserData().actor, msg),
};
