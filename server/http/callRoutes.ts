import { Uuid } from '../../shared/api';
import { CreateCallLinkBody, OpenCallLinkBody, ScheduleCallBody } from '../../shared/calls';
import { GuestNameBody } from '../../shared/guests';
import { AppError } from '../../shared/errors';
import * as calls from '../domains/calls';
import { actorOf, jsonRoute, param, route, type Route, type RouteContext } from './router';

/** The call guest behind a /api/call-guest/* route (the router has refused everyone else). */
function callGuestOf(ctx: RouteContext<unknown>): calls.CallGuest {
  const g = ctx.guest;
  if (!g || g.kind !== 'call') throw new AppError('unauthenticated', 'Open your call link again: this guest session has ended or was revoked');
  return g;
}

/**
 * Video calls over HTTP (docs/api.md, "Calls"): whether video works here, a chat's calls and scheduling
 * one, a call's guest links, and the call guest's own session. Joining and signalling are realtime
 * requests (call_*), not routes.
 */
export const CALL_ROUTES: Route[] = [
  route({
    method: 'GET', path: '/api/calls/video', access: 'session',
    handle: async ({ svc }) => ({ json: calls.availability(svc.media) }),
  }),
  route({
    method: 'GET', path: '/api/calls/:id', access: 'session',
    handle: async (ctx) => ({ json: await calls.getCall(ctx.svc, actorOf(ctx), param(Uuid, ctx.params.id, 'call')) }),
  }),
  route({
    method: 'GET', path: '/api/chats/:id/calls', access: 'session',
    handle: async (ctx) => ({ json: { calls: await calls.listChatCalls(ctx.svc, actorOf(ctx), param(Uuid, ctx.params.id, 'chat')) } }),
  }),
  jsonRoute({
    method: 'POST', path: '/api/chats/:id/calls', access: 'session', schema: ScheduleCallBody,
    handle: async (ctx) => {
      const made = await calls.scheduleCall(ctx.svc, actorOf(ctx), param(Uuid, ctx.params.id, 'chat'), ctx.body);
      return { status: 201, json: { call: made.call, message: made.message } };
    },
  }),
  route({
    method: 'GET', path: '/api/calls/:id/links', access: 'session',
    handle: async (ctx) => ({ json: { links: await calls.listLinks(ctx.svc, actorOf(ctx), param(Uuid, ctx.params.id, 'call')) } }),
  }),
  jsonRoute({
    method: 'POST', path: '/api/calls/:id/links', access: 'session', schema: CreateCallLinkBody,
    handle: async (ctx) => ({
      status: 201,
      json: { link: await calls.createLink(ctx.svc, actorOf(ctx), param(Uuid, ctx.params.id, 'call'), ctx.body) },
    }),
  }),
  route({
    method: 'DELETE', path: '/api/calls/:id/links/:linkId', access: 'session',
    handle: async (ctx) => {
      const callId = param(Uuid, ctx.params.id, 'call');
      return { json: { links: await calls.revokeLink(ctx.svc, actorOf(ctx), callId, param(Uuid, ctx.params.linkId, 'call link')) } };
    },
  }),
  jsonRoute({
    method: 'POST', path: '/api/call-guest/session', access: 'public', schema: OpenCallLinkBody,
    handle: async ({ svc, body, req }) => {
      const { me, cookie } = await calls.openLink(svc, body, req.ip);
      return { status: 201, json: { me }, cookies: [cookie] };
    },
  }),
  route({
    method: 'GET', path: '/api/call-guest/me', access: 'guest',
    handle: async (ctx) => ({ json: { me: await calls.guestMe(ctx.svc, callGuestOf(ctx)) } }),
  }),
  jsonRoute({
    method: 'PATCH', path: '/api/call-guest/me', access: 'guest', schema: GuestNameBody,
    handle: async (ctx) => ({ json: { me: await calls.setGuestName(ctx.svc, callGuestOf(ctx), ctx.body.name) } }),
  }),
  route({
    method: 'DELETE', path: '/api/call-guest/session', access: 'guest',
    handle: async (ctx) => {
      await calls.closeSession(ctx.svc, callGuestOf(ctx));
      return { json: { ok: true }, cookies: [calls.blankCallGuestCookie(ctx.svc)] };
    },
  }),
];
