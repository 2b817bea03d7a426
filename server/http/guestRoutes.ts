import { Uuid } from '../../shared/api';
import { GuestCommentBody, GuestNameBody, InviteGuestBody, OpenGuestLinkBody } from '../../shared/guests';
import * as guests from '../domains/guests/actions';
import { actorOf, jsonRoute, param, route, type Route, type RouteContext } from './router';
import { fileNameHeader, fileReply, previewReply } from './chatRoutes';
import { downloadFile, downloadPreview } from '../domains/files/actions';
import { uploadFeedFile } from '../domains/files/feed';

const guestOf = (ctx: RouteContext<unknown>) => ctx.guest!;

/**
 * External guests (docs/api.md, "Guests"): a link opens a guest session for one post; the guest reads
 * that post and comments on it, and nothing else. The post's author and admins list and revoke links.
 */
export const GUEST_ROUTES: Route[] = [
  jsonRoute({
    method: 'POST', path: '/api/guest/session', access: 'public', schema: OpenGuestLinkBody,
    handle: async ({ svc, body, req }) => {
      const { me, cookie } = await guests.openLink(svc, body.token, req.ip);
      return { status: 201, json: { me }, cookies: [cookie] };
    },
  }),
  route({
    method: 'DELETE', path: '/api/guest/session', access: 'guest',
    handle: async (ctx) => {
      await guests.closeGuestSession(ctx.svc, guestOf(ctx).sessionHash);
      return { json: { ok: true }, cookies: [guests.blankGuestCookie(ctx.svc)] };
    },
  }),
  route({
    method: 'GET', path: '/api/guest/thread', access: 'guest',
    handle: async (ctx) => ({ json: await guests.guestThread(ctx.svc, guestOf(ctx)) }),
  }),
  jsonRoute({
    method: 'PATCH', path: '/api/guest/me', access: 'guest', schema: GuestNameBody,
    handle: async (ctx) => ({ json: { me: await guests.setGuestName(ctx.svc, guestOf(ctx), ctx.body.name) } }),
  }),
  jsonRoute({
    method: 'POST', path: '/api/guest/comments', access: 'guest', schema: GuestCommentBody,
    handle: async (ctx) => ({ status: 201, json: { comment: await guests.guestComment(ctx.svc, guestOf(ctx).actor, ctx.body) } }),
  }),
  route({
    method: 'POST', path: '/api/guest/files', access: 'guest', body: 'raw', maxBytes: (svc) => svc.config.maxUploadBytes,
    handle: async (ctx) => {
      const name = fileNameHeader(ctx.req.headers['x-file-name']);
      return { status: 201, json: { file: await uploadFeedFile(ctx.svc, guestOf(ctx).actor.id, name, ctx.req.headers['content-type'] ?? '', ctx.body as Buffer) } };
    },
  }),
  route({
    method: 'GET', path: '/api/guest/files/:id', access: 'guest',
    handle: async (ctx) => fileReply(await downloadFile(ctx.svc, guestOf(ctx).actor, param(Uuid, ctx.params.id, 'file'))),
  }),
  route({
    method: 'GET', path: '/api/guest/files/:id/preview', access: 'guest',
    handle: async (ctx) => previewReply(await downloadPreview(ctx.svc, guestOf(ctx).actor, param(Uuid, ctx.params.id, 'file'))),
  }),
  route({
    method: 'GET', path: '/api/feed/posts/:id/guests', access: 'session',
    handle: async (ctx) => ({ json: { guests: await guests.listGuests(ctx.svc, actorOf(ctx), param(Uuid, ctx.params.id, 'post')) } }),
  }),
  jsonRoute({
    method: 'POST', path: '/api/feed/posts/:id/guests', access: 'session', schema: InviteGuestBody,
    handle: async (ctx) => ({
      status: 201,
      json: { guests: await guests.addGuest(ctx.svc, actorOf(ctx), param(Uuid, ctx.params.id, 'post'), ctx.body.email) },
    }),
  }),
  route({
    method: 'DELETE', path: '/api/feed/posts/:id/guests/:linkId', access: 'session',
    handle: async (ctx) => {
      const postId = param(Uuid, ctx.params.id, 'post');
      return { json: { guests: await guests.revokeGuest(ctx.svc, actorOf(ctx), postId, param(Uuid, ctx.params.linkId, 'guest link')) } };
    },
  }),
];
