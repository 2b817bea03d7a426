import { z } from 'zod';
import { AddMembersBody, CreateChatBody, MemberRoleBody, RenameChatBody, SendMessageBody } from '../../shared/messenger';
import { LIMITS, Uuid } from '../../shared/api';
import { AppError } from '../../shared/errors';
import * as chats from '../domains/chats/actions';
import * as members from '../domains/chats/members';
import * as search from '../domains/search/actions';
import * as files from '../domains/files/actions';
import { uploadDocImage } from '../domains/files/docs';
import { actorOf, imageReply, jsonRoute, param, route, type Route } from './router';

const Seq = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const Limit = z.coerce.number().int().min(1).max(chats.PAGE_MAX);

function query<T>(schema: z.ZodType<T>, value: string | null, fallback: T, name: string): T {
  if (value === null || value === '') return fallback;
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new AppError('bad_request', `Invalid ${name}`, { fields: { [name]: parsed.error.issues[0].message } });
  return parsed.data;
}

/** The messenger's HTTP endpoints. */
export const CHAT_ROUTES: Route[] = [
  route({
    method: 'GET', path: '/api/chats', access: 'session',
    handle: async (ctx) => ({ json: { chats: await chats.listChats(ctx.svc, actorOf(ctx)) } }),
  }),
  jsonRoute({
    method: 'POST', path: '/api/chats', access: 'session', schema: CreateChatBody,
    handle: async (ctx) => ({ status: 201, json: { chat: await chats.createChat(ctx.svc, actorOf(ctx), ctx.body) } }),
  }),
  route({
    method: 'GET', path: '/api/chats/:id/messages', access: 'session',
    handle: async (ctx) => {
      const seqParam = (name: string) => query(Seq, ctx.req.query.get(name), null as number | null, name);
      const thread = ctx.req.query.get('thread');
      const page = {
        before: seqParam('before'),
        after: seqParam('after'),
        around: seqParam('around'),
        thread: thread ? param(Uuid, thread, 'thread') : null,
        limit: query(Limit, ctx.req.query.get('limit'), 50, 'limit'),
      };
      return { json: await chats.chatHistory(ctx.svc, actorOf(ctx), param(Uuid, ctx.params.id, 'chat'), page) };
    },
  }),
  jsonRoute({
    method: 'POST', path: '/api/chats/:id/messages', access: 'session', schema: SendMessageBody,
    handle: async (ctx) => {
      const chatId = param(Uuid, ctx.params.id, 'chat');
      return { status: 201, json: { message: await chats.sendMessage(ctx.svc, actorOf(ctx), { ...ctx.body, chatId }) } };
    },
  }),
  route({
    method: 'GET', path: '/api/chats/:id/pins', access: 'session',
    handle: async (ctx) => ({ json: { messages: await chats.pinnedMessages(ctx.svc, actorOf(ctx), param(Uuid, ctx.params.id, 'chat')) } }),
  }),
  jsonRoute({
    method: 'PATCH', path: '/api/chats/:id', access: 'session', schema: RenameChatBody,
    handle: async (ctx) => {
      await members.renameChat(ctx.svc, actorOf(ctx), param(Uuid, ctx.params.id, 'chat'), ctx.body.title);
      return { json: { ok: true } };
    },
  }),
  route({
    method: 'PUT', path: '/api/chats/:id/avatar', access: 'session', body: 'raw', maxBytes: LIMITS.avatarBytes,
    handle: async (ctx) => {
      await members.setChatAvatar(ctx.svc, actorOf(ctx), param(Uuid, ctx.params.id, 'chat'), ctx.body as Buffer);
      return { json: { ok: true } };
    },
  }),
  route({
    method: 'DELETE', path: '/api/chats/:id/avatar', access: 'session',
    handle: async (ctx) => {
      await members.setChatAvatar(ctx.svc, actorOf(ctx), param(Uuid, ctx.params.id, 'chat'), null);
      return { json: { ok: true } };
    },
  }),
  route({
    method: 'GET', path: '/api/chats/:id/avatar', access: 'session',
    handle: async (ctx) => {
      return imageReply(await members.chatAvatar(ctx.svc, actorOf(ctx), param(Uuid, ctx.params.id, 'chat')));
    },
  }),
  route({
    method: 'GET', path: '/api/chats/:id/members', access: 'session',
    handle: async (ctx) => ({ json: await members.listMembers(ctx.svc, actorOf(ctx), param(Uuid, ctx.params.id, 'chat')) }),
  }),
  jsonRoute({
    method: 'POST', path: '/api/chats/:id/members', access: 'session', schema: AddMembersBody,
    handle: async (ctx) => ({ json: { chat: await members.addMembers(ctx.svc, actorOf(ctx), param(Uuid, ctx.params.id, 'chat'), ctx.body) } }),
  }),
  jsonRoute({
    method: 'PATCH', path: '/api/chats/:id/members/:userId', access: 'session', schema: MemberRoleBody,
    handle: async (ctx) => {
      await members.setMemberRole(ctx.svc, actorOf(ctx), param(Uuid, ctx.params.id, 'chat'), param(Uuid, ctx.params.userId, 'member'), ctx.body);
      return { json: { ok: true } };
    },
  }),
  route({
    method: 'DELETE', path: '/api/chats/:id/members/:userId', access: 'session',
    handle: async (ctx) => {
      await members.removeMember(ctx.svc, actorOf(ctx), param(Uuid, ctx.params.id, 'chat'), param(Uuid, ctx.params.userId, 'member'));
      return { json: { ok: true } };
    },
  }),
];

const SearchQuery = z.string().max(200);

export function fileNameHeader(value: string | undefined): string {
  try {
    return decodeURIComponent(value ?? '');
  } catch {
    throw new AppError('bad_request', 'X-File-Name must be URL-encoded', { fields: { name: 'malformed' } });
  }
}

/** Stored bytes never change (a new upload gets a new id): cached privately; sandboxed, should one be opened as a page. */
const FILE_HEADERS = { 'Cache-Control': 'private, max-age=86400', 'Content-Security-Policy': "sandbox; default-src 'none'" };

/** Sharing files in chats and images in pages: upload (raw body; name in X-File-Name, URL-encoded), download, image preview. */
export const FILE_ROUTES: Route[] = [
  route({
    method: 'POST', path: '/api/chats/:id/files', access: 'session', body: 'raw', maxBytes: (svc) => svc.config.maxUploadBytes,
    handle: async (ctx) => {
      const chatId = param(Uuid, ctx.params.id, 'chat');
      const name = fileNameHeader(ctx.req.headers['x-file-name']);
      const file = await files.uploadFile(ctx.svc, actorOf(ctx), chatId, name, ctx.req.headers['content-type'] ?? '', ctx.body as Buffer);
      return { status: 201, json: { file } };
    },
  }),
  route({
    method: 'POST', path: '/api/docs/pages/:id/images', access: 'session', body: 'raw', maxBytes: (svc) => svc.config.maxUploadBytes,
    handle: async (ctx) => {
      const pageId = param(Uuid, ctx.params.id, 'page');
      const name = fileNameHeader(ctx.req.headers['x-file-name']);
      const file = await uploadDocImage(ctx.svc, actorOf(ctx), pageId, name, ctx.req.headers['content-type'] ?? '', ctx.body as Buffer);
      return { status: 201, json: { file } };
    },
  }),
  route({
    method: 'GET', path: '/api/files/:id', access: 'session',
    handle: async (ctx) => fileReply(await files.downloadFile(ctx.svc, actorOf(ctx), param(Uuid, ctx.params.id, 'file'))),
  }),
  route({
    method: 'GET', path: '/api/files/:id/preview', access: 'session',
    handle: async (ctx) => previewReply(await files.downloadPreview(ctx.svc, actorOf(ctx), param(Uuid, ctx.params.id, 'file'))),
  }),
];

/** A download: only sniffed images are shown inline; anything else downloads as opaque bytes. */
export function fileReply({ ref, data }: Awaited<ReturnType<typeof files.downloadFile>>) {
  const disposition = `${ref.isImage ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(ref.name)}`;
  return { body: data, type: ref.isImage ? ref.mime : 'application/octet-stream', headers: { 'Content-Disposition': disposition, ...FILE_HEADERS } };
}

export const previewReply = (data: Buffer) => ({ body: data, type: 'image/webp', headers: FILE_HEADERS });

/** Search across the caller's chats. */
export const SEARCH_ROUTES: Route[] = [
  route({
    method: 'GET', path: '/api/search', access: 'session',
    handle: async (ctx) => {
      const q = query(SearchQuery, ctx.req.query.get('q'), '', 'q');
      const chatId = ctx.req.query.get('chatId') ? param(Uuid, ctx.req.query.get('chatId')!, 'chat') : null;
      return { json: { results: await search.searchMessages(ctx.svc, actorOf(ctx), q, chatId) } };
    },
  }),
];
