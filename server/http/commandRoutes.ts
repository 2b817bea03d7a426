import { CommandInBody } from '../../shared/cards';
import { runCommandIn } from '../domains/commands/comments';
import { actorOf, jsonRoute, type Route } from './router';

/** Slash commands typed outside chats (in chats they are the realtime request `command_run`). */
export const COMMAND_ROUTES: Route[] = [
  jsonRoute({
    method: 'POST', path: '/api/commands/run', access: 'session', schema: CommandInBody,
    handle: async (ctx) => ({ json: await runCommandIn(ctx.svc, actorOf(ctx), ctx.body) }),
  }),
];
