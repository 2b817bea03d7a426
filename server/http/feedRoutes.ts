import { z } from 'zod';
import { Uuid } from '../../shared/api';
import { AppError } from '../../shared/errors';
import {
  AddGroupMembersBody, CreateCommentBody, CreateGroupBody, CreatePostBody, EditCommentBody, EditPostBody, FEED_FILTERS, FEED_LIMITS,
  FeedReactionBody, GroupMemberRoleBody, UpdateGroupBody, VoteBody, type FeedMailAddress, type PostMailAddress,
} from '../../shared/feed';
import * as feed from '../domains/feed';
import * as groups from '../domains/groups';
import { actorOf, jsonRoute, param, route, type Route, type RouteContext, query } from './router';
import { fileNameHeader } from './chatRoutes';
import { uploadFeedFile } from '../domains/files/feed';
import { canInteract, canUseFeed } from '../domains/feed/policy';
import { postAddress } from '../domains/mailin/route';
import { enforce } from '../domains/people/actions';

const Filter = z.enum(FEED_FILTERS);
const PageSize = z.coerce.number().int().min(1).max(FEED_LIMITS.pageMax);
const CommentsPageSize = z.coerce.number().int().min(1).max(FEED_LIMITS.commentsPageMax);
const Seq = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);


const postId = (ctx: RouteContext<unknown>) => param(Uuid, ctx.params.id, 'post');
const commentId = (ctx: RouteContext<unknown>) => param(Uuid, ctx.params.id, 'comment');
const groupId = (ctx: RouteContext<unknown>) => param(Uuid, ctx.params.id, 'group');

/** The live feed's endpoints (docs/api.md, "Feed"). */
export const FEED_ROUTES: Route[] = [
  route({
    method: 'POST', path: '/api/feed/files', access: 'session', body: 'raw', maxBytes: (svc) => svc.config.maxUploadBytes,
    handle: async (ctx) => {
      enforce(canUseFeed(actorOf(ctx)), 'share files in the feed');
      const name = fileNameHeader(ctx.req.headers['x-file-name']);
      return { status: 201, json: { file: await uploadFeedFile(ctx.svc, actorOf(ctx).id, name, ctx.req.headers['content-type'] ?? '', ctx.body as Buffer) } };
    },
  }),
  route({
    method: 'GET', path: '/api/feed', access: 'session',
    handle: async (ctx) => {
      const group = ctx.req.query.get('group');
      const page = {
        filter: query(ctx, 'filter', Filter, 'all'),
        groupId: group ? param(Uuid, group, 'group') : null,
        cursor: ctx.req.query.get('cursor') || null,
        limit: query(ctx, 'limit', PageSize, 20),
      };
      return { json: await feed.listFeed(ctx.svc, actorOf(ctx), page) };
    },
  }),
  route({
    method: 'GET', path: '/api/feed/streams', access: 'session',
    handle: async (ctx) => ({ json: { streams: await feed.feedStreams(ctx.svc, actorOf(ctx)) } }),
  }),
  jsonRoute({
    method: 'POST', path: '/api/feed/posts', access: 'session', schema: CreatePostBody,
    handle: async (ctx) => ({ status: 201, json: { post: await feed.createPost(ctx.svc, actorOf(ctx), ctx.body) } }),
  }),
  // Artel's mail addresses, for the hints in the feed: only colleagues may post by mail, and a post's
  // address goes only to those who may comment on it (it names the post, so it tells of its existence).
  route({
    method: 'GET', path: '/api/feed/mail', access: 'session',
    handle: async (ctx) => {
      enforce(canUseFeed(actorOf(ctx)), 'post in the feed by e-mail');
      const domain = ctx.svc.config.mailDomain;
      const json: FeedMailAddress = { domain, feed: `feed@${domain}` };
      return { json };
    },
  }),
  route({
    method: 'GET', path: '/api/feed/posts/:id/mail', access: 'session',
    handle: async (ctx) => {
      const actor = actorOf(ctx);
      const post = await feed.accessPost(ctx.svc, actor, postId(ctx));
      enforce(canInteract(actor, post.visible, post), 'comment on this post by e-mail');
      const json: PostMailAddress = { address: postAddress(post.id, ctx.svc.config.mailDomain) };
      return { json };
    },
  }),
  route({
    method: 'GET', path: '/api/feed/posts/:id', access: 'session',
    handle: async (ctx) => ({ json: { post: await feed.getPost(ctx.svc, actorOf(ctx), postId(ctx)) } }),
  }),
  jsonRoute({
    method: 'PATCH', path: '/api/feed/posts/:id', access: 'session', schema: EditPostBody,
    handle: async (ctx) => ({ json: { post: await feed.editPost(ctx.svc, actorOf(ctx), postId(ctx), ctx.body) } }),
  }),
  route({
    method: 'DELETE', path: '/api/feed/posts/:id', access: 'session',
    handle: async (ctx) => {
      await feed.deletePost(ctx.svc, actorOf(ctx), postId(ctx));
      return { json: { ok: true } };
    },
  }),
  route({
    method: 'POST', path: '/api/feed/posts/:id/read', access: 'session',
    handle: async (ctx) => ({ json: await feed.markRead(ctx.svc, actorOf(ctx), postId(ctx)) }),
  }),
  route({
    method: 'GET', path: '/api/feed/posts/:id/readers', access: 'session',
    handle: async (ctx) => ({ json: await feed.postReaders(ctx.svc, actorOf(ctx), postId(ctx)) }),
  }),
  jsonRoute({
    method: 'POST', path: '/api/feed/posts/:id/reactions', access: 'session', schema: FeedReactionBody,
    handle: async (ctx) => ({ json: await feed.togglePostReaction(ctx.svc, actorOf(ctx), postId(ctx), ctx.body.emoji) }),
  }),
  jsonRoute({
    method: 'POST', path: '/api/feed/posts/:id/poll/vote', access: 'session', schema: VoteBody,
    handle: async (ctx) => ({ json: { poll: await feed.vote(ctx.svc, actorOf(ctx), postId(ctx), ctx.body.optionIds) } }),
  }),
  route({
    method: 'DELETE', path: '/api/feed/posts/:id/poll/vote', access: 'session',
    handle: async (ctx) => ({ json: { poll: await feed.vote(ctx.svc, actorOf(ctx), postId(ctx), []) } }),
  }),
  route({
    method: 'GET', path: '/api/feed/posts/:id/comments', access: 'session',
    handle: async (ctx) => {
      const page = { before: query(ctx, 'before', Seq, null as number | null), limit: query(ctx, 'limit', CommentsPageSize, 50) };
      return { json: await feed.listComments(ctx.svc, actorOf(ctx), postId(ctx), page) };
    },
  }),
  jsonRoute({
    method: 'POST', path: '/api/feed/posts/:id/comments', access: 'session', schema: CreateCommentBody,
    handle: async (ctx) => ({ status: 201, json: { comment: await feed.addComment(ctx.svc, actorOf(ctx), postId(ctx), ctx.body) } }),
  }),
  jsonRoute({
    method: 'PATCH', path: '/api/feed/comments/:id', access: 'session', schema: EditCommentBody,
    handle: async (ctx) => ({ json: { comment: await feed.editComment(ctx.svc, actorOf(ctx), commentId(ctx), ctx.body.body) } }),
  }),
  route({
    method: 'DELETE', path: '/api/feed/comments/:id', access: 'session',
    handle: async (ctx) => ({ json: { comment: await feed.deleteComment(ctx.svc, actorOf(ctx), commentId(ctx)) } }),
  }),
  jsonRoute({
    method: 'POST', path: '/api/feed/comments/:id/reactions', access: 'session', schema: FeedReactionBody,
    handle: async (ctx) => ({ json: await feed.toggleCommentReaction(ctx.svc, actorOf(ctx), commentId(ctx), ctx.body.emoji) }),
  }),
];

/** Workgroups and projects (docs/api.md, "Workgroups"). */
export const GROUP_ROUTES: Route[] = [
  route({
    method: 'GET', path: '/api/groups', access: 'session',
    handle: async (ctx) => ({ json: { groups: await groups.listGroups(ctx.svc, actorOf(ctx)) } }),
  }),
  jsonRoute({
    method: 'POST', path: '/api/groups', access: 'session', schema: CreateGroupBody,
    handle: async (ctx) => ({ status: 201, json: { group: await groups.createGroup(ctx.svc, actorOf(ctx), ctx.body) } }),
  }),
  route({
    method: 'GET', path: '/api/groups/:id', access: 'session',
    handle: async (ctx) => ({ json: await groups.getGroup(ctx.svc, actorOf(ctx), groupId(ctx)) }),
  }),
  jsonRoute({
    method: 'PATCH', path: '/api/groups/:id', access: 'session', schema: UpdateGroupBody,
    handle: async (ctx) => ({ json: { group: await groups.updateGroup(ctx.svc, actorOf(ctx), groupId(ctx), ctx.body) } }),
  }),
  route({
    method: 'POST', path: '/api/groups/:id/archive', access: 'session',
    handle: async (ctx) => ({ json: { group: await groups.setArchived(ctx.svc, actorOf(ctx), groupId(ctx), true) } }),
  }),
  route({
    method: 'POST', path: '/api/groups/:id/restore', access: 'session',
    handle: async (ctx) => ({ json: { group: await groups.setArchived(ctx.svc, actorOf(ctx), groupId(ctx), false) } }),
  }),
  route({
    method: 'POST', path: '/api/groups/:id/join', access: 'session',
    handle: async (ctx) => ({ json: { group: await groups.joinGroup(ctx.svc, actorOf(ctx), groupId(ctx)) } }),
  }),
  jsonRoute({
    method: 'POST', path: '/api/groups/:id/members', access: 'session', schema: AddGroupMembersBody,
    handle: async (ctx) => ({ json: { group: await groups.addMembers(ctx.svc, actorOf(ctx), groupId(ctx), ctx.body) } }),
  }),
  jsonRoute({
    method: 'PATCH', path: '/api/groups/:id/members/:userId', access: 'session', schema: GroupMemberRoleBody,
    handle: async (ctx) => {
      await groups.setMemberRole(ctx.svc, actorOf(ctx), groupId(ctx), param(Uuid, ctx.params.userId, 'member'), ctx.body);
      return { json: { ok: true } };
    },
  }),
  route({
    method: 'DELETE', path: '/api/groups/:id/members/:userId', access: 'session',
    handle: async (ctx) => {
      await groups.removeMember(ctx.svc, actorOf(ctx), groupId(ctx), param(Uuid, ctx.params.userId, 'member'));
      return { json: { ok: true } };
    },
  }),
];
