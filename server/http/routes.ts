import { sql } from '../db/pool';
import {
  AcceptInvitationBody, ChangeRoleBody, InvitationToken, InviteBody, LIMITS, LoginBody, RegisterBody, UpdateProfileBody, Uuid,
} from '../../shared/api';
import type { SetupState } from '../../shared/api';
import * as auth from '../domains/auth/actions';
import * as people from '../domains/people/actions';
import * as invitations from '../domains/invitations/actions';
import { canAdminister } from '../domains/people/policy';
import { toMe } from '../domains/people/repo';
import { actorOf, imageReply, jsonRoute, param, route, type Route } from './router';
import { AppError } from '../../shared/errors';
import { CHAT_ROUTES, FILE_ROUTES, SEARCH_ROUTES } from './chatRoutes';
import { FEED_ROUTES, GROUP_ROUTES } from './feedRoutes';
import { GUEST_ROUTES } from './guestRoutes';
import { CRM_ROUTES } from './crmRoutes';
import { TASK_ROUTES } from './taskRoutes';
import { COMMAND_ROUTES } from './commandRoutes';
import { CALL_ROUTES } from './callRoutes';
import { DOC_ROUTES } from './docRoutes';
import { DOC_GUEST_ROUTES } from './docGuestRoutes';

const signedIn = (r: auth.SignedIn, status = 200) => ({ status, json: { user: r.user, workspace: r.workspace }, cookies: [r.cookie] });

/** Every endpoint of the HTTP API. docs/api.md describes them; the permission tests walk this table. */
export const ROUTES: Route[] = [
  route({
    method: 'GET', path: '/api/setup', access: 'public',
    handle: async ({ svc }) => {
      const ws = await auth.getWorkspace(svc);
      const state: SetupState = { needsSetup: ws === null, workspaceName: ws?.name ?? null, };
      return { json: state };
    },
  }),
  jsonRoute({
    method: 'POST', path: '/api/auth/register', access: 'public', schema: RegisterBody,
    handle: async ({ svc, body, req }) => signedIn(await auth.register(svc, body, req.ip), 201),
  }),
  jsonRoute({
    method: 'POST', path: '/api/auth/login', access: 'public', schema: LoginBody,
    handle: async ({ svc, body, req }) => signedIn(await auth.login(svc, body, req.ip)),
  }),
  route({
    method: 'POST', path: '/api/auth/logout', access: 'session',
    handle: async ({ svc, sessionToken }) => {
      if (sessionToken) await auth.logout(svc, sessionToken);
      return { json: { ok: true }, cookies: [svc.sessions.blankCookie()] };
    },
  }),
  route({
    method: 'GET', path: '/api/me', access: 'session',
    handle: async ({ svc, user }) => ({ json: { user: toMe(user!), workspace: (await auth.getWorkspace(svc)) ?? { name: '' } } }),
  }),
  jsonRoute({
    method: 'PATCH', path: '/api/me', access: 'session', schema: UpdateProfileBody,
    handle: async (ctx) => ({ json: { user: await people.updateProfile(ctx.svc, actorOf(ctx), ctx.body) } }),
  }),
  route({
    method: 'PUT', path: '/api/me/avatar', access: 'session', body: 'raw', maxBytes: LIMITS.avatarBytes,
    handle: async (ctx) => ({ json: { user: await people.setAvatar(ctx.svc, actorOf(ctx), ctx.body as Buffer) } }),
  }),
  route({
    method: 'DELETE', path: '/api/me/avatar', access: 'session',
    handle: async (ctx) => ({ json: { user: await people.setAvatar(ctx.svc, actorOf(ctx), null) } }),
  }),
  route({
    method: 'GET', path: '/api/users', access: 'session',
    handle: async (ctx) => ({ json: { users: await people.listDirectory(ctx.svc, actorOf(ctx)) } }),
  }),
  route({
    method: 'GET', path: '/api/users/:id/avatar', access: 'session',
    handle: async (ctx) => {
      return imageReply(await people.getAvatar(ctx.svc, actorOf(ctx), param(Uuid, ctx.params.id, 'user')));
    },
  }),
  jsonRoute({
    method: 'POST', path: '/api/invitations', access: 'session', schema: InviteBody,
    handle: async (ctx) => ({ status: 201, json: { invitation: await invitations.invite(ctx.svc, actorOf(ctx), ctx.body) } }),
  }),
  route({
    method: 'GET', path: '/api/invitations', access: 'session',
    handle: async (ctx) => ({ json: { invitations: await invitations.listInvitations(ctx.svc, actorOf(ctx)) } }),
  }),
  route({
    method: 'DELETE', path: '/api/invitations/:id', access: 'session',
    handle: async (ctx) => {
      await invitations.revokeInvitation(ctx.svc, actorOf(ctx), param(Uuid, ctx.params.id, 'invitation'));
      return { json: { ok: true } };
    },
  }),
  route({
    method: 'GET', path: '/api/invitations/preview/:token', access: 'public',
    handle: async ({ svc, params, req }) => {
      const token = InvitationToken.safeParse(params.token);
      if (!token.success) throw new AppError('invitation_invalid', 'This invitation link is not valid');
      return { json: await invitations.previewInvitation(svc, token.data, req.ip) };
    },
  }),
  jsonRoute({
    method: 'POST', path: '/api/invitations/accept', access: 'public', schema: AcceptInvitationBody,
    handle: async ({ svc, body, req }) => signedIn(await invitations.acceptInvitation(svc, body, req.ip), 201),
  }),
  route({
    method: 'GET', path: '/api/admin/users', access: 'session',
    handle: async (ctx) => ({ json: { users: await people.listAllUsers(ctx.svc, actorOf(ctx)) } }),
  }),
  jsonRoute({
    method: 'PATCH', path: '/api/admin/users/:id', access: 'session', schema: ChangeRoleBody,
    handle: async (ctx) => ({ json: { user: await people.changeRole(ctx.svc, actorOf(ctx), param(Uuid, ctx.params.id, 'user'), ctx.body) } }),
  }),
  route({
    method: 'POST', path: '/api/admin/users/:id/deactivate', access: 'session',
    handle: async (ctx) => ({ json: { user: await people.deactivate(ctx.svc, actorOf(ctx), param(Uuid, ctx.params.id, 'user')) } }),
  }),
  route({
    method: 'POST', path: '/api/admin/users/:id/reactivate', access: 'session',
    handle: async (ctx) => ({ json: { user: await people.reactivate(ctx.svc, actorOf(ctx), param(Uuid, ctx.params.id, 'user')) } }),
  }),
  route({
    method: 'GET', path: '/api/admin/outbox', access: 'session',
    handle: async (ctx) => {
      people.enforce(canAdminister(actorOf(ctx)), 'read the mail outbox');
      return { json: { mails: await ctx.svc.mailer.list() } };
    },
  }),
  ...CHAT_ROUTES,
  ...SEARCH_ROUTES,
  ...FILE_ROUTES,
  ...FEED_ROUTES,
  ...GROUP_ROUTES,
  ...GUEST_ROUTES,
  ...CRM_ROUTES,
  ...TASK_ROUTES,
  ...COMMAND_ROUTES,
  ...CALL_ROUTES,
  ...DOC_ROUTES,
  ...DOC_GUEST_ROUTES,
];

/** Liveness: the process answers. Readiness: PostgreSQL and the bus answer too. */
export const PROBES: Route[] = [
  route({ method: 'GET', path: '/healthz', access: 'public', handle: async () => ({ json: { ok: true } }) }),
  route({
    method: 'GET', path: '/readyz', access: 'public',
    handle: async ({ svc }) => {
      try {
        await svc.db.query(sql`SELECT 1`);
        await svc.bus.ping();
        return { json: { ok: true } };
      } catch (err) {
        svc.log.warn('not ready', { err });
        return { status: 503, json: { ok: false, error: { code: 'unavailable', message: 'A dependency does not answer' } } };
      }
    },
  }),
];
