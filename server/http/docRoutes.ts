import { z } from 'zod';
import { Uuid } from '../../shared/api';
import { CreatePageBody, CreateSpaceBody, CreateVersionBody, MovePageBody, RenamePageBody, RenameSpaceBody } from '../../shared/docs';
import * as docs from '../domains/docs';
import { actorOf, jsonRoute, param, query, route, type Route, type RouteContext } from './router';

const spaceId = (ctx: RouteContext<unknown>) => param(Uuid, ctx.params.id, 'space');
const pageId = (ctx: RouteContext<unknown>) => param(Uuid, ctx.params.id, 'page');
const versionId = (ctx: RouteContext<unknown>) => param(Uuid, ctx.params.versionId, 'version');
const SearchText = z.string().max(200);
const Flag = z.enum(['true', 'false']).transform((v) => v === 'true');

/** The knowledge base's spaces and page trees (docs/api.md, "Documents"); page content is served at /yjs/<pageId>. */
export const DOC_ROUTES: Route[] = [
  route({
    method: 'GET', path: '/api/docs/spaces', access: 'session',
    handle: async (ctx) => ({ json: { spaces: await docs.listSpaces(ctx.svc, actorOf(ctx)) } }),
  }),
  jsonRoute({
    method: 'POST', path: '/api/docs/spaces', access: 'session', schema: CreateSpaceBody,
    handle: async (ctx) => ({ status: 201, json: { space: await docs.createSpace(ctx.svc, actorOf(ctx), ctx.body) } }),
  }),
  jsonRoute({
    method: 'PATCH', path: '/api/docs/spaces/:id', access: 'session', schema: RenameSpaceBody,
    handle: async (ctx) => ({ json: { space: await docs.renameSpace(ctx.svc, actorOf(ctx), spaceId(ctx), ctx.body.name) } }),
  }),
  route({
    method: 'GET', path: '/api/docs/search', access: 'session',
    handle: async (ctx) => ({ json: { hits: await docs.searchPages(ctx.svc, actorOf(ctx), query(ctx, 'q', SearchText, '')) } }),
  }),
  route({
    method: 'GET', path: '/api/docs/spaces/:id/pages', access: 'session',
    handle: async (ctx) => ({ json: await docs.listPages(ctx.svc, actorOf(ctx), spaceId(ctx), query(ctx, 'deleted', Flag, false)) }),
  }),
  jsonRoute({
    method: 'POST', path: '/api/docs/spaces/:id/pages', access: 'session', schema: CreatePageBody,
    handle: async (ctx) => ({ status: 201, json: { page: await docs.createPage(ctx.svc, actorOf(ctx), spaceId(ctx), ctx.body) } }),
  }),
  route({
    method: 'GET', path: '/api/docs/pages/:id', access: 'session',
    handle: async (ctx) => ({ json: await docs.getPage(ctx.svc, actorOf(ctx), pageId(ctx)) }),
  }),
  jsonRoute({
    method: 'PATCH', path: '/api/docs/pages/:id', access: 'session', schema: RenamePageBody,
    handle: async (ctx) => ({ json: { page: await docs.renamePage(ctx.svc, actorOf(ctx), pageId(ctx), ctx.body.title) } }),
  }),
  jsonRoute({
    method: 'POST', path: '/api/docs/pages/:id/move', access: 'session', schema: MovePageBody,
    handle: async (ctx) => ({ json: { page: await docs.movePage(ctx.svc, actorOf(ctx), pageId(ctx), ctx.body) } }),
  }),
  route({
    method: 'DELETE', path: '/api/docs/pages/:id', access: 'session',
    handle: async (ctx) => ({ json: { page: await docs.deletePage(ctx.svc, actorOf(ctx), pageId(ctx)) } }),
  }),
  route({
    method: 'GET', path: '/api/docs/pages/:id/versions', access: 'session',
    handle: async (ctx) => ({ json: { versions: await docs.listVersions(ctx.svc, actorOf(ctx), pageId(ctx)) } }),
  }),
  jsonRoute({
    method: 'POST', path: '/api/docs/pages/:id/versions', access: 'session', schema: CreateVersionBody,
    handle: async (ctx) => ({ status: 201, json: { version: await docs.createVersion(ctx.svc, actorOf(ctx), pageId(ctx), ctx.body.name) } }),
  }),
  route({
    method: 'GET', path: '/api/docs/pages/:id/versions/:versionId', access: 'session',
    handle: async (ctx) => ({ json: await docs.getVersion(ctx.svc, actorOf(ctx), pageId(ctx), versionId(ctx)) }),
  }),
  route({
    method: 'POST', path: '/api/docs/pages/:id/versions/:versionId/restore', access: 'session',
    handle: async (ctx) => ({ json: await docs.restoreVersion(ctx.svc, actorOf(ctx), pageId(ctx), versionId(ctx)) }),
  }),
  route({
    method: 'POST', path: '/api/docs/pages/:id/restore', access: 'session',
    handle: async (ctx) => ({ json: { page: await docs.restorePage(ctx.svc, actorOf(ctx), pageId(ctx)) } }),
  }),
];
