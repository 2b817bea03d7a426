import { z } from 'zod';
import { Uuid } from '../../shared/api';
import { CreatePageBody, CreateSpaceBody, CreateVersionBody, MovePageBody, RenamePageBody, RenameSpaceBody } from '../../shared/docs';
import { AttachDocBody, MeetingNotesBody } from '../../shared/docs';
import { CreateDocCommentBody, EditDocCommentBody } from '../../shared/docs';
import * as docs from '../domains/docs';
import { actorOf, jsonRoute, param, query, route, type Route, type RouteContext } from './router';

const spaceId = (ctx: RouteContext<unknown>) => param(Uuid, ctx.params.id, 'space');
const pageId = (ctx: RouteContext<unknown>) => param(Uuid, ctx.params.id, 'page');
const versionId = (ctx: RouteContext<unknown>) => param(Uuid, ctx.params.versionId, 'version');
const commentId = (ctx: RouteContext<unknown>) => param(Uuid, ctx.params.commentId, 'comment');
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
  // Comments on a selection, with one level of replies (docs/api.md, "Page comments").
  route({
    method: 'GET', path: '/api/docs/pages/:id/comments', access: 'session',
    handle: async (ctx) => ({ json: { comments: await docs.listComments(ctx.svc, actorOf(ctx), pageId(ctx)) } }),
  }),
  jsonRoute({
    method: 'POST', path: '/api/docs/pages/:id/comments', access: 'session', schema: CreateDocCommentBody,
    handle: async (ctx) => ({ status: 201, json: { comment: await docs.addComment(ctx.svc, actorOf(ctx), pageId(ctx), ctx.body) } }),
  }),
  jsonRoute({
    method: 'PATCH', path: '/api/docs/pages/:id/comments/:commentId', access: 'session', schema: EditDocCommentBody,
    handle: async (ctx) => ({ json: { comment: await docs.editComment(ctx.svc, actorOf(ctx), pageId(ctx), commentId(ctx), ctx.body.body) } }),
  }),
  route({
    method: 'DELETE', path: '/api/docs/pages/:id/comments/:commentId', access: 'session',
    handle: async (ctx) => ({ json: { comment: await docs.deleteComment(ctx.svc, actorOf(ctx), pageId(ctx), commentId(ctx)) } }),
  }),
  route({
    method: 'POST', path: '/api/docs/pages/:id/comments/:commentId/resolve', access: 'session',
    handle: async (ctx) => ({ json: { comment: await docs.resolveComment(ctx.svc, actorOf(ctx), pageId(ctx), commentId(ctx), true) } }),
  }),
  route({
    method: 'POST', path: '/api/docs/pages/:id/comments/:commentId/reopen', access: 'session',
    handle: async (ctx) => ({ json: { comment: await docs.resolveComment(ctx.svc, actorOf(ctx), pageId(ctx), commentId(ctx), false) } }),
  }),
  route({
    method: 'POST', path: '/api/docs/pages/:id/restore', access: 'session',
    handle: async (ctx) => ({ json: { page: await docs.restorePage(ctx.svc, actorOf(ctx), pageId(ctx)) } }),
  }),
  // Attachments: a page attached to a chat, a task or a deal; a call's meeting notes (docs/api.md, "Attachments").
  route({
    method: 'GET', path: '/api/docs/pages/:id/attachments', access: 'session',
    handle: async (ctx) => ({ json: { attachments: await docs.listAttachments(ctx.svc, actorOf(ctx), pageId(ctx)) } }),
  }),
  jsonRoute({
    method: 'POST', path: '/api/docs/pages/:id/attachments', access: 'session', schema: AttachDocBody,
    handle: async (ctx) => {
      const made = await docs.attachPage(ctx.svc, actorOf(ctx), pageId(ctx), ctx.body);
      return { status: made.created ? 201 : 200, json: made };
    },
  }),
  route({
    method: 'DELETE', path: '/api/docs/pages/:id/attachments/:linkId', access: 'session',
    handle: async (ctx) => {
      await docs.detachPage(ctx.svc, actorOf(ctx), pageId(ctx), param(Uuid, ctx.params.linkId, 'attachment'));
      return { json: { ok: true } };
    },
  }),
  jsonRoute({
    method: 'POST', path: '/api/calls/:id/notes', access: 'session', schema: MeetingNotesBody,
    handle: async (ctx) => {
      const notes = await docs.meetingNotes(ctx.svc, actorOf(ctx), param(Uuid, ctx.params.id, 'call'), ctx.body.title);
      return { status: notes.created ? 201 : 200, json: notes };
    },
  }),
];
