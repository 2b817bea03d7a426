import { Uuid } from '../../shared/api';
import { AppError } from '../../shared/errors';
import { CreateDocLinkBody, OpenDocLinkBody } from '../../shared/docs';
import { GuestNameBody } from '../../shared/guests';
import * as docGuests from '../domains/docs/guests';
import { actorOf, jsonRoute, param, route, type Route, type RouteContext } from './router';
import { fileReply } from './chatRoutes';
import { downloadDocGuestImage } from '../domains/files/docs';

const pageId = (ctx: RouteContext<unknown>) => param(Uuid, ctx.params.id, 'page');
/** The document guest behind a /api/doc-guest/* route (the router has refused everyone else). */
async function docGuest(ctx: RouteContext<unknown>): Promise<docGuests.DocGuest> {
  const g = ctx.guest;
  if (!g || g.kind !== 'doc') throw new AppError('unauthenticated', 'Open your document link again: this guest session has ended or was revoked');
  return g;
}

/**
 * Guest links to a page (docs/api.md, "Document guest links"): the page's editors make, list and revoke
 * them; a guest opens one and keeps a session of their own (cookie `artel_doc_guest`), which opens these
 * /api/doc-guest/* routes and their page's /yjs socket, nothing else.
 */
export const DOC_GUEST_ROUTES: Route[] = [
  route({
    method: 'GET', path: '/api/docs/pages/:id/guest-links', access: 'session',
    handle: async (ctx) => ({ json: { links: await docGuests.listDocLinks(ctx.svc, actorOf(ctx), pageId(ctx)) } }),
  }),
  jsonRoute({
    method: 'POST', path: '/api/docs/pages/:id/guest-links', access: 'session', schema: CreateDocLinkBody,
    handle: async (ctx) => ({ status: 201, json: { link: await docGuests.createDocLink(ctx.svc, actorOf(ctx), pageId(ctx), ctx.body) } }),
  }),
  route({
    method: 'DELETE', path: '/api/docs/pages/:id/guest-links/:linkId', access: 'session',
    handle: async (ctx) => {
      const linkId = param(Uuid, ctx.params.linkId, 'document link');
      return { json: { links: await docGuests.revokeDocLink(ctx.svc, actorOf(ctx), pageId(ctx), linkId) } };
    },
  }),
  jsonRoute({
    method: 'POST', path: '/api/doc-guest/session', access: 'public', schema: OpenDocLinkBody,
    handle: async ({ svc, body, req }) => {
      const { me, cookie } = await docGuests.openDocLink(svc, body, req.ip);
      return { status: 201, json: { me }, cookies: [cookie] };
    },
  }),
  route({
    method: 'GET', path: '/api/doc-guest/me', access: 'guest',
    handle: async (ctx) => ({ json: { me: await docGuests.docGuestMe(ctx.svc, await docGuest(ctx)) } }),
  }),
  jsonRoute({
    method: 'PATCH', path: '/api/doc-guest/me', access: 'guest', schema: GuestNameBody,
    handle: async (ctx) => ({ json: { me: await docGuests.setDocGuestName(ctx.svc, await docGuest(ctx), ctx.body.name) } }),
  }),
  route({
    method: 'GET', path: '/api/doc-guest/files/:id', access: 'guest',
    handle: async (ctx) => fileReply(await downloadDocGuestImage(ctx.svc, (await docGuest(ctx)).actor, param(Uuid, ctx.params.id, 'file'))),
  }),
  route({
    method: 'DELETE', path: '/api/doc-guest/session', access: 'guest',
    handle: async (ctx) => {
      await docGuests.closeDocGuestSession(ctx.svc, await docGuest(ctx));
      return { json: { ok: true }, cookies: [docGuests.blankDocGuestCookie(ctx.svc)] };
    },
  }),
];
