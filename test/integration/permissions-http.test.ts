/**
 * The HTTP permission matrix (issue 8): every route of ROUTES against every kind of caller — the owner,
 * an admin, an employee in the object ("member"), an employee outside it ("non-member"), a guest with a
 * live link, a guest whose link was revoked, and nobody at all. The table below must name exactly the
 * routes of ROUTES, so a new endpoint cannot be added without saying who may call it.
 *
 * A refused colleague gets 403 or 404 (404 where the server hides that the object exists); a caller
 * without a colleague's session on a colleague's route, or without the right guest session on a
 * guest's route, gets 401. Refused calls change nothing (the owner's view of the object is compared
 * before and after); allowed calls succeed.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../server/http/routes';
import { startTestHub, type TestHub } from '../helpers/hub';
import type { ApiClient, Answer } from '../helpers/client';
import { ANCHOR, buildWorld, COLLEAGUES, GUEST_COOKIE, GUEST_KINDS, ok, PNG, retrying, upload, type Colleague, type GuestKind, type World } from '../helpers/world';

/** Who calls: a colleague, a guest of a kind of link (live or revoked), or nobody. */
type Caller = Colleague | `guest:${GuestKind}` | `revoked:${GuestKind}` | 'anonymous';
const CALLERS: Caller[] = [...COLLEAGUES, ...GUEST_KINDS.map((k) => `guest:${k}` as const), ...GUEST_KINDS.map((k) => `revoked:${k}` as const), 'anonymous'];

type Params = Record<string, string>;
/** Every cookie that opens a session: a colleague's, and each kind of guest's. */
const COOKIE_NAMES = ['artel_session', ...GUEST_KINDS.map((k) => GUEST_COOKIE[k])];

interface Entry {
  /**
   * Path parameters (and anything the body needs): the world's objects, or a FRESH object per call for
   * routes that use theirs up (delete, revoke, archive, leave...), so the fixtures survive the matrix.
   */
  params?: (w: World, who: Caller) => Params | Promise<Params>;
  /** A JSON body, made per call (fresh client ids). */
  body?: (w: World, p: Params) => unknown;
  /** A raw upload instead of JSON. */
  upload?: { type: string; name: string; data: Buffer };
  query?: string;
  /** Colleague routes: the colleagues allowed. Guest routes: allowed to their own kind of guest only. */
  allow?: readonly Colleague[];
  /** Public routes: the statuses every caller gets, whoever they are. */
  everyone?: readonly number[];
  /** Besides 2xx, what an allowed caller may get for a reason other than permission (said why, per route). */
  alsoOk?: readonly number[];
  /** The caller's own session is used up by the call (sign-out): a new one is opened for it. */
  ownSession?: true;
  /** The owner's view of the object (a GET path; `p` as for the call): a refused call must leave it as it was. */
  probe?: (w: World, p: Params) => string;
  /** Lists and searches the non-member may call: what they must not find in the answer (the private objects). */
  hidden?: (w: World) => string[];
}

const ALL = COLLEAGUES;
const STAFF = ['owner', 'admin'] as const;
const MEMBERS = ['owner', 'member'] as const;
/** Who sees and edits records, tasks: staff see everything; the member is responsible. */
const STAFF_AND_MEMBER = ['owner', 'admin', 'member'] as const;
const OWNER = ['owner'] as const;
const MEMBER = ['member'] as const;

const inADay = () => new Date(Date.now() + 86_400_000).toISOString();
let serial = 0;
const unique = (what: string) => `${what} ${++serial}`;
const colleague = (who: Caller): Colleague | null => ((COLLEAGUES as readonly string[]).includes(who) ? (who as Colleague) : null);

// ---- Fresh objects for the routes that use theirs up ----------------------------------------------

/** POST as `c`, waiting out the hub's per-person creation limits (fixtures are made in bulk). */
const make = (c: ApiClient, path: string, body: unknown = {}) => retrying(() => c.post(path, body));

const freshChat = async (w: World, extra: string[] = []) =>
  ok('fresh chat', await make(w.people.owner, '/api/chats', { kind: 'group', title: unique('Chat'), memberIds: [w.ids.member, ...extra] }), (b) => b.chat.id as string);
const freshPost = async (w: World) =>
  ok('fresh post', await make(w.people.owner, '/api/feed/posts', { clientId: randomUUID(), body: 'fresh', audience: { userIds: [w.ids.member] } }), (b) => b.post.id as string);
const freshGroup = async (w: World, body: object) =>
  ok('fresh group', await make(w.people.owner, '/api/groups', { name: unique('Group'), ...body }), (b) => b.group.id as string);
const freshPage = async (w: World) =>
  ok('fresh page', await make(w.people.owner, `/api/docs/spaces/${w.group.spaceId}/pages`, { title: unique('Page') }), (b) => b.page.id as string);
const freshTask = async (w: World) =>
  ok('fresh task', await make(w.people.owner, '/api/tasks', { clientId: randomUUID(), title: unique('Task'), responsibleId: w.ids.member }), (b) => b.task.id as string);
const freshRecord = async (w: World, plural: string) =>
  ok('fresh record', await make(w.people.owner, `/api/crm/${plural}`, { ...RECORD_BODY[plural], responsibleId: w.ids.member, force: true }), (b) => b.record.id as string);
const freshDocComment = async (w: World) =>
  ok('fresh page comment', await make(w.people.member, `/api/docs/pages/${w.doc.pageId}/comments`, { body: 'fresh', anchor: ANCHOR }), (b) => b.comment.id as string);

const RECORD_BODY: Record<string, object> = {
  leads: { title: 'Lead', firstName: 'Lena' },
  deals: { title: 'Deal' },
  contacts: { firstName: 'Carl' },
  companies: { title: 'Company' },
};

/** The routes of one kind of CRM record (made by the owner, the member responsible; the non-member sees none). */
function recordEntries(plural: string, idKey: 'leadId' | 'dealId' | 'contactId' | 'companyId'): Record<string, Entry> {
  const base = `/api/crm/${plural}`;
  const shared = (w: World) => ({ id: w.crm[idKey] });
  const probe = (w: World) => `${base}/${w.crm[idKey]}`;
  return {
    [`GET ${base}`]: { allow: ALL, hidden: (w) => [w.crm[idKey]] },
    [`POST ${base}`]: { allow: ALL, body: () => ({ ...RECORD_BODY[plural], clientId: randomUUID(), force: true }) },
    [`GET ${base}/:id`]: { allow: STAFF_AND_MEMBER, params: shared },
    [`PATCH ${base}/:id`]: { allow: STAFF_AND_MEMBER, params: shared, body: () => ({ source: 'Referral' }), probe },
    [`DELETE ${base}/:id`]: { allow: STAFF_AND_MEMBER, params: (w) => freshRecord(w, plural).then((id) => ({ id })), probe: (_w, p) => `${base}/${p.id}` },
    [`GET ${base}/:id/timeline`]: { allow: STAFF_AND_MEMBER, params: shared },
    [`POST ${base}/:id/timeline`]: { allow: STAFF_AND_MEMBER, params: shared, body: () => ({ clientId: randomUUID(), type: 'comment', body: 'Called' }), probe: (w) => `${base}/${w.crm[idKey]}/timeline` },
    [`PUT ${base}/:id/shares`]: { allow: STAFF_AND_MEMBER, params: shared, body: () => ({ userIds: [] }), probe },
  };
}

/** Every route of ROUTES, keyed "METHOD /path": who may call it, and how. */
const EXPECT: Record<string, Entry> = {
  // ---- Setting up, signing in, people ----
  'GET /api/setup': { everyone: [200] },
  // The workspace has its owner: registration is closed to everyone.
  'POST /api/auth/register': { everyone: [403], body: () => ({ workspaceName: 'Evil', name: 'Mallory', email: 'mallory@example.com', password: 'correct horse battery staple' }) },
  'POST /api/auth/login': { everyone: [200], body: () => ({ email: 'ann@example.com', password: 'correct horse battery staple' }) },
  'POST /api/auth/logout': { allow: ALL, ownSession: true },
  'GET /api/me': { allow: ALL },
  'PATCH /api/me': { allow: ALL, body: () => ({ position: 'Tester' }) },
  'PUT /api/me/avatar': { allow: ALL, upload: { type: 'image/png', name: 'me.png', data: PNG } },
  'DELETE /api/me/avatar': { allow: ALL },
  'GET /api/users': { allow: ALL },
  'GET /api/users/:id/avatar': { allow: ALL, params: (w) => ({ id: w.bystander }) },
  'POST /api/invitations': { allow: STAFF, body: () => ({ email: `${randomUUID()}@example.com`, role: 'employee' }), probe: () => '/api/invitations' },
  'GET /api/invitations': { allow: STAFF },
  'DELETE /api/invitations/:id': { allow: STAFF, params: (w) => w.newInvitation(), probe: () => '/api/invitations' },
  'GET /api/invitations/preview/:token': { everyone: [200], params: (w) => w.newInvitation() },
  'POST /api/invitations/accept': { everyone: [201], params: (w) => w.newInvitation(), body: (_w, p) => ({ token: p.token, name: 'New Person', password: 'correct horse battery staple' }) },
  'GET /api/admin/users': { allow: STAFF },
  'PATCH /api/admin/users/:id': { allow: STAFF, params: (w) => ({ id: w.bystander }), body: () => ({ role: 'employee' }), probe: () => '/api/admin/users' },
  'POST /api/admin/users/:id/deactivate': { allow: STAFF, params: async (w) => ({ id: (await w.newColleague()).id }), probe: () => '/api/admin/users' },
  'POST /api/admin/users/:id/reactivate': {
    allow: STAFF,
    params: async (w) => {
      const { id } = await w.newColleague();
      ok('deactivate', await w.people.owner.post(`/api/admin/users/${id}/deactivate`), (b) => b.user);
      return { id };
    },
    probe: () => '/api/admin/users',
  },
  'GET /api/admin/outbox': { allow: STAFF },

  // ---- Chats, files, search ----
  'GET /api/chats': { allow: ALL, hidden: (w) => [w.chat.id] },
  'POST /api/chats': { allow: ALL, body: () => ({ kind: 'group', title: 'Mine', memberIds: [] }) },
  'GET /api/chats/:id/messages': { allow: MEMBERS, params: (w) => w.chat },
  'POST /api/chats/:id/messages': { allow: MEMBERS, params: (w) => w.chat, body: () => ({ clientId: randomUUID(), body: 'hello' }), probe: (w) => `/api/chats/${w.chat.id}/messages` },
  'GET /api/chats/:id/pins': { allow: MEMBERS, params: (w) => w.chat },
  'PATCH /api/chats/:id': { allow: OWNER, params: (w) => w.chat, body: () => ({ title: 'Private' }), probe: () => '/api/chats' },
  'PUT /api/chats/:id/avatar': { allow: OWNER, params: (w) => w.chat, upload: { type: 'image/png', name: 'chat.png', data: PNG } },
  'DELETE /api/chats/:id/avatar': {
    allow: OWNER,
    params: async (w) => {
      const id = await freshChat(w);
      ok('chat avatar', await w.people.owner.call('PUT', `/api/chats/${id}/avatar`, PNG, { 'content-type': 'image/png' }), (b) => b.ok);
      return { id };
    },
    probe: (_w, p) => `/api/chats/${p.id}/avatar`,
  },
  'GET /api/chats/:id/avatar': { allow: MEMBERS, params: (w) => w.chat },
  'GET /api/chats/:id/members': { allow: MEMBERS, params: (w) => w.chat },
  'POST /api/chats/:id/members': { allow: OWNER, params: (w) => w.chat, body: (w) => ({ userIds: [w.bystander] }), probe: (w) => `/api/chats/${w.chat.id}/members` },
  'PATCH /api/chats/:id/members/:userId': { allow: OWNER, params: (w) => ({ id: w.chat.id, userId: w.ids.member }), body: () => ({ role: 'member' }), probe: (w) => `/api/chats/${w.chat.id}/members` },
  'DELETE /api/chats/:id/members/:userId': {
    allow: OWNER,
    params: async (w) => ({ id: await freshChat(w, [w.bystander]), userId: w.bystander }),
    probe: (_w, p) => `/api/chats/${p.id}/members`,
  },
  'POST /api/chats/:id/files': { allow: MEMBERS, params: (w) => w.chat, upload: { type: 'image/png', name: 'dot.png', data: PNG } },
  'POST /api/docs/pages/:id/images': { allow: MEMBERS, params: (w) => ({ id: w.doc.pageId }), upload: { type: 'image/png', name: 'plan.png', data: PNG } },
  'GET /api/files/:id': { allow: MEMBERS, params: (w) => ({ id: w.chat.fileId }) },
  'GET /api/files/:id/preview': { allow: MEMBERS, params: (w) => ({ id: w.chat.fileId }) },
  'GET /api/search': { allow: ALL, query: '?q=internal', hidden: () => ['internal only'] },

  // ---- Calls ----
  'GET /api/calls/video': { allow: ALL },
  'GET /api/calls/:id': { allow: MEMBERS, params: (w) => w.call },
  'GET /api/chats/:id/calls': { allow: MEMBERS, params: (w) => w.chat },
  'POST /api/chats/:id/calls': { allow: MEMBERS, params: (w) => w.chat, body: () => ({ title: 'Sync', at: inADay() }), probe: (w) => `/api/chats/${w.chat.id}/calls` },
  'GET /api/calls/:id/links': { allow: MEMBERS, params: (w) => w.call },
  'POST /api/calls/:id/links': { allow: MEMBERS, params: (w) => w.call, body: () => ({}), probe: (w) => `/api/calls/${w.call.id}/links` },
  'DELETE /api/calls/:id/links/:linkId': {
    allow: MEMBERS,
    params: async (w) => ({ id: w.call.id, linkId: ok('call link', await w.people.owner.post(`/api/calls/${w.call.id}/links`, {}), (b) => b.link.id) }),
    probe: (w) => `/api/calls/${w.call.id}/links`,
  },
  'POST /api/call-guest/session': { everyone: [201], body: (w) => ({ token: w.tokens.call, name: 'Visitor' }) },
  'GET /api/call-guest/me': {},
  'PATCH /api/call-guest/me': { body: () => ({ name: 'Carla' }) },
  'DELETE /api/call-guest/session': { ownSession: true },
  'POST /api/calls/:id/notes': { allow: MEMBERS, params: (w) => w.call, body: () => ({}) },

  // ---- CRM ----
  'GET /api/crm/settings': { allow: ALL },
  'PATCH /api/crm/settings': { allow: STAFF, body: () => ({ phoneCountryCode: '44' }), probe: () => '/api/crm/settings' },
  'GET /api/crm/streams': { allow: ALL },
  'GET /api/crm/duplicates': { allow: ALL, query: '?email=carl@example.com' },
  'GET /api/crm/pipelines': { allow: ALL },
  'POST /api/crm/pipelines': { allow: STAFF, body: () => ({ name: unique('Pipeline') }), probe: () => '/api/crm/pipelines' },
  'PATCH /api/crm/pipelines/:id': { allow: STAFF, params: (w) => ({ id: w.crm.pipelineId }), body: () => ({ position: 0 }), probe: () => '/api/crm/pipelines' },
  'DELETE /api/crm/pipelines/:id': {
    allow: STAFF,
    params: async (w) => ({ id: ok('pipeline', await w.people.owner.post('/api/crm/pipelines', { name: unique('Doomed') }), (b) => b.pipeline.id) }),
    probe: () => '/api/crm/pipelines',
  },
  'GET /api/crm/pipelines/:id/board': { allow: ALL, params: (w) => ({ id: w.crm.pipelineId }), hidden: (w) => [w.crm.dealId] },
  'POST /api/crm/pipelines/:id/stages': { allow: STAFF, params: (w) => ({ id: w.crm.pipelineId }), body: () => ({ name: unique('Stage'), kind: 'open' }), probe: () => '/api/crm/pipelines' },
  'PATCH /api/crm/stages/:id': { allow: STAFF, params: (w) => ({ id: w.crm.stageId }), body: () => ({ position: 0 }), probe: () => '/api/crm/pipelines' },
  'DELETE /api/crm/stages/:id': {
    allow: STAFF,
    params: async (w) => {
      const name = unique('Doomed stage');
      const made = ok('stage', await w.people.owner.post(`/api/crm/pipelines/${w.crm.pipelineId}/stages`, { name, kind: 'open' }), (b) => b.pipeline);
      return { id: made.stages.find((s: { name: string }) => s.name === name).id };
    },
    probe: () => '/api/crm/pipelines',
  },
  'GET /api/crm/deals/:id/docs': { allow: STAFF_AND_MEMBER, params: (w) => ({ id: w.crm.dealId }) },
  'POST /api/crm/deals/:id/stage': { allow: STAFF_AND_MEMBER, params: (w) => ({ id: w.crm.dealId }), body: (w) => ({ stageId: w.crm.stageId }), probe: (w) => `/api/crm/deals/${w.crm.dealId}` },
  'POST /api/crm/leads/:id/convert': {
    allow: STAFF_AND_MEMBER,
    params: (w) => freshRecord(w, 'leads').then((id) => ({ id })),
    body: () => ({ contact: true, force: true }),
    probe: (_w, p) => `/api/crm/leads/${p.id}`,
  },
  'POST /api/crm/import/preview': { allow: ALL, upload: { type: 'text/csv', name: 'people.csv', data: Buffer.from('First name;E-mail\nIvan;ivan@example.com\n') } },
  'POST /api/crm/import': {
    allow: ALL,
    params: async (w, who) => {
      const by = w.people[colleague(who) ?? 'owner'];
      const file = Buffer.from('First name;E-mail\nIvan;ivan@example.com\n');
      return { uploadId: ok('import preview', await upload(by, '/api/crm/import/preview', file, 'text/csv', 'people.csv'), (b) => b.uploadId) };
    },
    body: (_w, p) => ({ uploadId: p.uploadId, kind: 'contact', mapping: ['firstName', 'email'] }),
  },
  'GET /api/crm/reports/funnel': { allow: ALL },
  'GET /api/crm/reports/deals': { allow: ALL },
  ...recordEntries('leads', 'leadId'),
  ...recordEntries('deals', 'dealId'),
  ...recordEntries('contacts', 'contactId'),
  ...recordEntries('companies', 'companyId'),

  // ---- Document guest links ----
  'GET /api/docs/pages/:id/guest-links': { allow: MEMBERS, params: (w) => ({ id: w.doc.pageId }) },
  'POST /api/docs/pages/:id/guest-links': { allow: MEMBERS, params: (w) => ({ id: w.doc.pageId }), body: () => ({ access: 'read' }), probe: (w) => `/api/docs/pages/${w.doc.pageId}/guest-links` },
  'DELETE /api/docs/pages/:id/guest-links/:linkId': {
    allow: MEMBERS,
    params: async (w) => ({ id: w.doc.pageId, linkId: ok('doc link', await w.people.owner.post(`/api/docs/pages/${w.doc.pageId}/guest-links`, { access: 'read' }), (b) => b.link.id) }),
    probe: (w) => `/api/docs/pages/${w.doc.pageId}/guest-links`,
  },
  'POST /api/doc-guest/session': { everyone: [201], body: (w) => ({ token: w.tokens.doc, name: 'Visitor' }) },
  'GET /api/doc-guest/me': {},
  'PATCH /api/doc-guest/me': { body: () => ({ name: 'Rita' }) },
  'GET /api/doc-guest/files/:id': { params: (w) => ({ id: w.doc.imageId }) },
  'DELETE /api/doc-guest/session': { ownSession: true },

  // ---- Documents ----
  'GET /api/docs/spaces': { allow: ALL, hidden: (w) => [w.group.spaceId] },
  'POST /api/docs/spaces': { allow: STAFF, body: () => ({ name: unique('Space') }), probe: () => '/api/docs/spaces' },
  'PATCH /api/docs/spaces/:id': { allow: OWNER, params: (w) => ({ id: w.group.spaceId }), body: () => ({ name: 'Secret docs' }), probe: () => '/api/docs/spaces' },
  'GET /api/docs/search': { allow: ALL, query: '?q=Plans', hidden: (w) => [w.doc.pageId] },
  'GET /api/docs/spaces/:id/pages': { allow: MEMBERS, params: (w) => ({ id: w.group.spaceId }) },
  'POST /api/docs/spaces/:id/pages': { allow: MEMBERS, params: (w) => ({ id: w.group.spaceId }), body: () => ({ title: 'New page' }), probe: (w) => `/api/docs/spaces/${w.group.spaceId}/pages` },
  'GET /api/docs/pages/:id': { allow: MEMBERS, params: (w) => ({ id: w.doc.pageId }) },
  'PATCH /api/docs/pages/:id': { allow: MEMBERS, params: (w) => ({ id: w.doc.pageId }), body: () => ({ title: 'Plans' }), probe: (w) => `/api/docs/pages/${w.doc.pageId}` },
  'POST /api/docs/pages/:id/move': { allow: MEMBERS, params: (w) => ({ id: w.doc.pageId }), body: () => ({ parentId: null, index: 0 }), probe: (w) => `/api/docs/spaces/${w.group.spaceId}/pages` },
  'DELETE /api/docs/pages/:id': { allow: MEMBERS, params: (w) => freshPage(w).then((id) => ({ id })), probe: (_w, p) => `/api/docs/pages/${p.id}` },
  'GET /api/docs/pages/:id/versions': { allow: MEMBERS, params: (w) => ({ id: w.doc.pageId }) },
  'POST /api/docs/pages/:id/versions': { allow: MEMBERS, params: (w) => ({ id: w.doc.pageId }), body: () => ({ name: 'Checkpoint' }), probe: (w) => `/api/docs/pages/${w.doc.pageId}/versions` },
  'GET /api/docs/pages/:id/versions/:versionId': { allow: MEMBERS, params: (w) => ({ id: w.doc.pageId, versionId: w.doc.versionId }) },
  'POST /api/docs/pages/:id/versions/:versionId/restore': {
    allow: MEMBERS,
    params: (w) => ({ id: w.doc.pageId, versionId: w.doc.versionId }),
    probe: (w) => `/api/docs/pages/${w.doc.pageId}/versions`,
  },
  'GET /api/docs/pages/:id/comments': { allow: MEMBERS, params: (w) => ({ id: w.doc.pageId }) },
  'POST /api/docs/pages/:id/comments': {
    allow: MEMBERS,
    params: (w) => ({ id: w.doc.pageId }),
    body: () => ({ body: 'A thought', anchor: ANCHOR, quote: 'Plans' }),
    probe: (w) => `/api/docs/pages/${w.doc.pageId}/comments`,
  },
  'PATCH /api/docs/pages/:id/comments/:commentId': {
    allow: MEMBER,
    params: (w) => ({ id: w.doc.pageId, commentId: w.doc.commentId }),
    body: () => ({ body: 'Looks good' }),
    probe: (w) => `/api/docs/pages/${w.doc.pageId}/comments`,
  },
  'DELETE /api/docs/pages/:id/comments/:commentId': {
    allow: MEMBER,
    params: async (w) => ({ id: w.doc.pageId, commentId: await freshDocComment(w) }),
    probe: (w) => `/api/docs/pages/${w.doc.pageId}/comments`,
  },
  'POST /api/docs/pages/:id/comments/:commentId/resolve': {
    allow: MEMBERS,
    params: async (w) => ({ id: w.doc.pageId, commentId: await freshDocComment(w) }),
    probe: (w) => `/api/docs/pages/${w.doc.pageId}/comments`,
  },
  'POST /api/docs/pages/:id/comments/:commentId/reopen': {
    allow: MEMBERS,
    params: async (w) => {
      const commentId = await freshDocComment(w);
      ok('resolve', await w.people.member.post(`/api/docs/pages/${w.doc.pageId}/comments/${commentId}/resolve`), (b) => b.comment);
      return { id: w.doc.pageId, commentId };
    },
    probe: (w) => `/api/docs/pages/${w.doc.pageId}/comments`,
  },
  'POST /api/docs/pages/:id/restore': {
    allow: MEMBERS,
    params: async (w) => {
      const id = await freshPage(w);
      ok('delete page', await w.people.owner.del(`/api/docs/pages/${id}`), (b) => b.page);
      return { id };
    },
    probe: (w) => `/api/docs/spaces/${w.group.spaceId}/pages?deleted=true`,
  },
  'GET /api/docs/pages/:id/attachments': { allow: MEMBERS, params: (w) => ({ id: w.doc.pageId }) },
  'POST /api/docs/pages/:id/attachments': {
    allow: MEMBERS,
    params: (w) => ({ id: w.doc.pageId }),
    body: (w) => ({ kind: 'chat', targetId: w.chat.id }),
    probe: (w) => `/api/docs/pages/${w.doc.pageId}/attachments`,
  },
  'DELETE /api/docs/pages/:id/attachments/:linkId': {
    allow: MEMBERS,
    params: async (w) => {
      const id = await freshPage(w);
      const made = await w.people.owner.post(`/api/docs/pages/${id}/attachments`, { kind: 'task', targetId: w.task.id });
      return { id, linkId: ok('attach', made, (b) => b.attachment.id) };
    },
    probe: (_w, p) => `/api/docs/pages/${p.id}/attachments`,
  },

  // ---- Feed ----
  'POST /api/feed/files': { allow: ALL, upload: { type: 'image/png', name: 'feed.png', data: PNG } },
  'GET /api/feed': { allow: ALL, hidden: (w) => [w.post.id, w.group.postId] },
  'GET /api/feed/streams': { allow: ALL },
  'POST /api/feed/posts': { allow: ALL, body: (w) => ({ clientId: randomUUID(), body: 'Hello', audience: { userIds: [w.ids.owner] } }) },
  'GET /api/feed/mail': { allow: ALL },
  'GET /api/feed/posts/:id/mail': { allow: MEMBERS, params: (w) => ({ id: w.post.id }) },
  'GET /api/feed/posts/:id': { allow: MEMBERS, params: (w) => ({ id: w.post.id }) },
  'PATCH /api/feed/posts/:id': { allow: OWNER, params: (w) => ({ id: w.post.id }), body: () => ({ body: 'Can you confirm Friday?' }), probe: (w) => `/api/feed/posts/${w.post.id}` },
  'DELETE /api/feed/posts/:id': { allow: OWNER, params: (w) => freshPost(w).then((id) => ({ id })), probe: (_w, p) => `/api/feed/posts/${p.id}` },
  'POST /api/feed/posts/:id/read': { allow: MEMBERS, params: (w) => ({ id: w.post.id }) },
  'GET /api/feed/posts/:id/readers': { allow: OWNER, params: (w) => ({ id: w.post.id }) },
  'POST /api/feed/posts/:id/reactions': { allow: MEMBERS, params: (w) => ({ id: w.post.id }), body: () => ({ emoji: '👍' }), probe: (w) => `/api/feed/posts/${w.post.id}` },
  'POST /api/feed/posts/:id/poll/vote': { allow: MEMBERS, params: (w) => ({ id: w.post.id }), body: (w) => ({ optionIds: [w.post.optionIds[0]] }), probe: (w) => `/api/feed/posts/${w.post.id}` },
  'DELETE /api/feed/posts/:id/poll/vote': { allow: MEMBERS, params: (w) => ({ id: w.post.id }), probe: (w) => `/api/feed/posts/${w.post.id}` },
  'GET /api/feed/posts/:id/comments': { allow: MEMBERS, params: (w) => ({ id: w.post.id }) },
  'POST /api/feed/posts/:id/comments': {
    allow: MEMBERS,
    params: (w) => ({ id: w.post.id }),
    body: () => ({ clientId: randomUUID(), body: 'Noted' }),
    probe: (w) => `/api/feed/posts/${w.post.id}/comments`,
  },
  'PATCH /api/feed/comments/:id': { allow: MEMBER, params: (w) => ({ id: w.post.commentId }), body: () => ({ body: 'Friday works' }), probe: (w) => `/api/feed/posts/${w.post.id}/comments` },
  'DELETE /api/feed/comments/:id': {
    allow: MEMBERS,
    params: async (w) => ({ id: ok('comment', await make(w.people.member, `/api/feed/posts/${w.post.id}/comments`, { clientId: randomUUID(), body: 'doomed' }), (b) => b.comment.id) }),
    probe: (w) => `/api/feed/posts/${w.post.id}/comments`,
  },
  'POST /api/feed/comments/:id/reactions': { allow: MEMBERS, params: (w) => ({ id: w.post.commentId }), body: () => ({ emoji: '👍' }), probe: (w) => `/api/feed/posts/${w.post.id}/comments` },

  // ---- Workgroups ----
  'GET /api/groups': { allow: ALL, hidden: (w) => [w.group.id] },
  'POST /api/groups': { allow: ALL, body: () => ({ name: unique('Team') }) },
  'GET /api/groups/:id': { allow: MEMBERS, params: (w) => w.group },
  'PATCH /api/groups/:id': { allow: OWNER, params: (w) => w.group, body: () => ({ description: 'Plans' }), probe: (w) => `/api/groups/${w.group.id}` },
  'POST /api/groups/:id/archive': {
    allow: OWNER,
    params: (w) => freshGroup(w, { visibility: 'closed', memberIds: [w.ids.member] }).then((id) => ({ id })),
    probe: (_w, p) => `/api/groups/${p.id}`,
  },
  'POST /api/groups/:id/restore': {
    allow: OWNER,
    params: async (w) => {
      const id = await freshGroup(w, { visibility: 'closed', memberIds: [w.ids.member] });
      ok('archive', await w.people.owner.post(`/api/groups/${id}/archive`), (b) => b.group);
      return { id };
    },
    probe: (_w, p) => `/api/groups/${p.id}`,
  },
  // An open group (anyone may join it; the closed one is not found to outsiders). Its owner is in it already: 409.
  'POST /api/groups/:id/join': { allow: ALL, alsoOk: [409], params: (w) => freshGroup(w, { visibility: 'open' }).then((id) => ({ id })) },
  'POST /api/groups/:id/members': { allow: OWNER, params: (w) => w.group, body: (w) => ({ userIds: [w.bystander] }), probe: (w) => `/api/groups/${w.group.id}` },
  'PATCH /api/groups/:id/members/:userId': { allow: OWNER, params: (w) => ({ id: w.group.id, userId: w.ids.member }), body: () => ({ role: 'member' }), probe: (w) => `/api/groups/${w.group.id}` },
  'DELETE /api/groups/:id/members/:userId': {
    allow: OWNER,
    params: async (w) => ({ id: await freshGroup(w, { visibility: 'closed', memberIds: [w.ids.member, w.bystander] }), userId: w.bystander }),
    probe: (_w, p) => `/api/groups/${p.id}`,
  },

  // ---- Guests of feed posts ----
  'POST /api/guest/session': { everyone: [201], body: (w) => ({ token: w.tokens.post }) },
  'DELETE /api/guest/session': { ownSession: true },
  'GET /api/guest/thread': {},
  'PATCH /api/guest/me': { body: () => ({ name: 'Carla Client' }) },
  'POST /api/guest/comments': { body: () => ({ clientId: randomUUID(), body: 'From the guest' }) },
  'POST /api/guest/files': { upload: { type: 'image/png', name: 'guest.png', data: PNG } },
  'GET /api/guest/files/:id': { params: (w) => ({ id: w.post.fileId }) },
  'GET /api/guest/files/:id/preview': { params: (w) => ({ id: w.post.fileId }) },
  'GET /api/feed/posts/:id/guests': { allow: OWNER, params: (w) => ({ id: w.post.id }) },
  'POST /api/feed/posts/:id/guests': { allow: OWNER, params: (w) => ({ id: w.post.id }), body: () => ({ email: `${randomUUID()}@partner.example` }), probe: (w) => `/api/feed/posts/${w.post.id}/guests` },
  'DELETE /api/feed/posts/:id/guests/:linkId': {
    allow: OWNER,
    params: async (w) => {
      const email = `${randomUUID()}@partner.example`;
      const links = ok('guest', await w.people.owner.post(`/api/feed/posts/${w.post.id}/guests`, { email }), (b) => b.guests as { id: string; email: string }[]);
      return { id: w.post.id, linkId: links.find((l) => l.email === email)!.id };
    },
    probe: (w) => `/api/feed/posts/${w.post.id}/guests`,
  },

  // ---- Tasks ----
  'GET /api/tasks/reports/overdue': { allow: ALL },
  'GET /api/tasks': { allow: ALL, hidden: (w) => [w.task.id] },
  'POST /api/tasks': { allow: ALL, body: () => ({ clientId: randomUUID(), title: 'Mine' }) },
  'GET /api/tasks/counters': { allow: ALL },
  'GET /api/tasks/timer': { allow: ALL },
  'GET /api/tasks/:id': { allow: STAFF_AND_MEMBER, params: (w) => w.task },
  'GET /api/tasks/:id/docs': { allow: STAFF_AND_MEMBER, params: (w) => w.task },
  'PATCH /api/tasks/:id': { allow: STAFF, params: (w) => w.task, body: () => ({ description: 'Ship it soon' }), probe: (w) => `/api/tasks/${w.task.id}` },
  // Starting: the responsible and staff (shared/tasks.ts TRANSITIONS).
  'POST /api/tasks/:id/status': { allow: STAFF_AND_MEMBER, params: (w) => freshTask(w).then((id) => ({ id })), body: () => ({ action: 'start' }), probe: (_w, p) => `/api/tasks/${p.id}` },
  'POST /api/tasks/:id/read': { allow: STAFF_AND_MEMBER, params: (w) => w.task, body: () => ({}) },
  'GET /api/tasks/:id/checklist': { allow: STAFF_AND_MEMBER, params: (w) => w.task },
  'POST /api/tasks/:id/checklist': { allow: STAFF, params: (w) => w.task, body: () => ({ text: 'Label' }), probe: (w) => `/api/tasks/${w.task.id}/checklist` },
  'PUT /api/tasks/:id/checklist/order': {
    allow: STAFF,
    params: async (w) => ({ id: w.task.id, order: JSON.stringify(ok('checklist', await w.people.owner.get(`/api/tasks/${w.task.id}/checklist`), (b) => b.checklist.map((i: { id: string }) => i.id))) }),
    body: (_w, p) => ({ itemIds: JSON.parse(p.order) }),
    probe: (w) => `/api/tasks/${w.task.id}/checklist`,
  },
  'PATCH /api/tasks/:id/checklist/:itemId': {
    allow: STAFF_AND_MEMBER,
    params: (w) => ({ id: w.task.id, itemId: w.task.itemId }),
    body: () => ({ done: false }),
    probe: (w) => `/api/tasks/${w.task.id}/checklist`,
  },
  'DELETE /api/tasks/:id/checklist/:itemId': {
    allow: STAFF,
    params: async (w) => ({ id: w.task.id, itemId: ok('item', await make(w.people.owner, `/api/tasks/${w.task.id}/checklist`, { text: 'doomed' }), (b) => b.checklist.at(-1).id) }),
    probe: (w) => `/api/tasks/${w.task.id}/checklist`,
  },
  'GET /api/tasks/:id/comments': { allow: STAFF_AND_MEMBER, params: (w) => w.task },
  'POST /api/tasks/:id/comments': { allow: STAFF_AND_MEMBER, params: (w) => w.task, body: () => ({ clientId: randomUUID(), body: 'Noted' }), probe: (w) => `/api/tasks/${w.task.id}/comments` },
  'PATCH /api/tasks/:id/comments/:commentId': {
    allow: MEMBER,
    params: (w) => ({ id: w.task.id, commentId: w.task.commentId }),
    body: () => ({ body: 'On it' }),
    probe: (w) => `/api/tasks/${w.task.id}/comments`,
  },
  'DELETE /api/tasks/:id/comments/:commentId': {
    allow: STAFF_AND_MEMBER,
    params: async (w) => ({ id: w.task.id, commentId: ok('comment', await make(w.people.member, `/api/tasks/${w.task.id}/comments`, { clientId: randomUUID(), body: 'doomed' }), (b) => b.comment.id) }),
    probe: (w) => `/api/tasks/${w.task.id}/comments`,
  },
  'GET /api/tasks/:id/time': { allow: STAFF_AND_MEMBER, params: (w) => w.task },
  'POST /api/tasks/:id/time': { allow: MEMBERS, params: (w) => w.task, body: () => ({ minutes: 1 }), probe: (w) => `/api/tasks/${w.task.id}/time` },
  'DELETE /api/tasks/:id/time/:entryId': {
    allow: STAFF_AND_MEMBER,
    params: async (w) => ({ id: w.task.id, entryId: ok('entry', await make(w.people.member, `/api/tasks/${w.task.id}/time`, { minutes: 1 }), (b) => b.entry.id) }),
    probe: (w) => `/api/tasks/${w.task.id}/time`,
  },
  'POST /api/tasks/:id/timer/start': { allow: MEMBERS, params: (w) => w.task },
  // Pausing or stopping needs a running timer: the caller starts one first (refused for those who may not).
  'POST /api/tasks/:id/timer/pause': { allow: MEMBERS, params: (w, who) => runningTimer(w, who) },
  'POST /api/tasks/:id/timer/stop': { allow: MEMBERS, params: (w, who) => runningTimer(w, who) },
  'GET /api/tasks/:id/reminders': { allow: STAFF_AND_MEMBER, params: (w) => w.task },
  'POST /api/tasks/:id/reminders': { allow: STAFF_AND_MEMBER, params: (w) => w.task, body: () => ({ at: inADay() }) },
  // A reminder is its author's alone (the member's here).
  'DELETE /api/tasks/:id/reminders/:reminderId': {
    allow: MEMBER,
    params: async (w) => ({ id: w.task.id, reminderId: ok('reminder', await make(w.people.member, `/api/tasks/${w.task.id}/reminders`, { at: inADay() }), (b) => b.reminder.id) }),
  },

  // ---- Slash commands outside chats ----
  'POST /api/commands/run': {
    allow: STAFF_AND_MEMBER,
    params: (w) => w.task,
    body: (w) => ({ context: { kind: 'task', id: w.task.id }, clientId: randomUUID(), text: 'A plain comment' }),
    probe: (w) => `/api/tasks/${w.task.id}/comments`,
  },
};

/** The task with the caller's timer running, when they are a colleague (the start itself is checked above). */
async function runningTimer(w: World, who: Caller): Promise<Params> {
  const c = colleague(who);
  if (c) await w.people[c].post(`/api/tasks/${w.task.id}/timer/start`);
  return { id: w.task.id };
}

const guestKindOf = (path: string): GuestKind =>
  path.startsWith('/api/call-guest/') ? 'call' : path.startsWith('/api/doc-guest/') ? 'doc' : 'post';

describe('HTTP permission matrix: every route × every kind of caller', () => {
  let hub: TestHub;
  let w: World;

  beforeAll(async () => {
    hub = await startTestHub();
    w = await buildWorld(hub);
  }, 60_000);
  afterAll(() => hub?.stop());

  it('the table names exactly the routes of ROUTES', () => {
    const routes = ROUTES.map((r) => `${r.method} ${r.path}`);
    const missing = routes.filter((k) => !(k in EXPECT));
    const stale = Object.keys(EXPECT).filter((k) => !routes.includes(k));
    expect(missing, `routes without an entry in EXPECT (say who may call them): ${missing.join(', ')}`).toEqual([]);
    expect(stale, `entries in EXPECT for routes that no longer exist: ${stale.join(', ')}`).toEqual([]);
    for (const r of ROUTES) {
      const e = EXPECT[`${r.method} ${r.path}`];
      const shape = r.access === 'public' ? e.everyone !== undefined : r.access === 'session' ? e.allow !== undefined : e.allow === undefined && e.everyone === undefined;
      expect(shape, `${r.method} ${r.path} (${r.access}): public routes need "everyone", colleague routes "allow", guest routes neither`).toBe(true);
    }
  });

  /** The client a caller sends with: a copy of theirs (or a new session for routes that end it). */
  async function clientOf(who: Caller, e: Entry): Promise<ApiClient> {
    const c = colleague(who);
    if (c) return e.ownSession ? w.freshSession(c) : w.as(w.people[c]);
    if (who === 'anonymous') return w.as(null);
    const [state, kind] = who.split(':') as ['guest' | 'revoked', GuestKind];
    if (state === 'guest') return e.ownSession ? w.freshGuest(kind) : w.as(w.guests[kind]);
    return w.as(w.revokedGuests[kind]);
  }

  /**
   * Send as `client`, its token presented under every cookie name the hub knows: a guest's token must
   * not pass for a colleague's session, nor a session's token for a guest's, nor one kind of guest's for another's.
   */
  function send(client: ApiClient, method: string, pattern: string, e: Entry, p: Params): Promise<Answer> {
    const path = pattern.replace(/:(\w+)/g, (_m, name: string) => {
      if (!(name in p)) throw new Error(`${method} ${pattern}: no value for :${name}`);
      return encodeURIComponent(p[name]);
    }) + (e.query ?? '');
    const headers: Record<string, string> = client.cookie ? { cookie: COOKIE_NAMES.map((n) => `${n}=${client.cookie}`).join('; ') } : {};
    const bare = w.as(null);
    if (e.upload) return bare.call(method, path, e.upload.data, { ...headers, 'content-type': e.upload.type, 'x-file-name': encodeURIComponent(e.upload.name) });
    return bare.call(method, path, e.body ? e.body(w, p) : undefined, headers);
  }

  /** What `who` must get: 'allowed', or the statuses of a refusal. */
  function expected(route: (typeof ROUTES)[number], e: Entry, who: Caller): 'allowed' | readonly number[] {
    if (route.access === 'public') return e.everyone!;
    const c = colleague(who);
    if (route.access === 'session') {
      if (!c) return [401];
      return e.allow!.includes(c) ? 'allowed' : [403, 404];
    }
    return who === `guest:${guestKindOf(route.path)}` ? 'allowed' : [401];
  }

  for (const route of ROUTES) {
    const key = `${route.method} ${route.path}`;
    it(key, async () => {
      const e = EXPECT[key];
      if (!e) throw new Error(`no entry for ${key}`);
      const failures: string[] = [];
      const shown = (r: Answer) => `${r.status} ${typeof r.body === 'string' ? r.body.slice(0, 60) : JSON.stringify(r.body).slice(0, 300)}`;
      const owner = w.as(w.people.owner);
      // Objects first (fresh ones are made per colleague; callers the router turns away share one).
      let turnedAway: Params | null = null;
      const calls: { who: Caller; want: 'allowed' | readonly number[]; p: Params }[] = [];
      for (const who of CALLERS) {
        const want = expected(route, e, who);
        const routerRefuses = want !== 'allowed' && want.length === 1 && want[0] === 401;
        const p = !e.params ? {} : routerRefuses ? (turnedAway ??= await e.params(w, who)) : await e.params(w, who);
        calls.push({ who, want, p });
      }
      // Refused callers, together: each must get its refusal and leave the owner's view as it was.
      await Promise.all(
        calls.filter((c) => c.want !== 'allowed').map(async ({ who, want, p }) => {
          const before = e.probe ? await owner.get(e.probe(w, p)) : null;
          const r = await send(await clientOf(who, e), route.method, route.path, e, p);
          if (!(want as readonly number[]).includes(r.status)) failures.push(`${key} as ${who}: expected ${(want as readonly number[]).join(' or ')}, got ${shown(r)}`);
          if (before) {
            const after = await owner.get(e.probe!(w, p));
            if (after.status !== before.status || JSON.stringify(after.body) !== JSON.stringify(before.body)) {
              failures.push(`${key} as ${who}: the refused call changed ${e.probe!(w, p)}:\n  before ${shown(before)}\n  after  ${shown(after)}`);
            }
          }
        }),
      );
      // Allowed callers, one after another.
      for (const { who, p } of calls.filter((c) => c.want === 'allowed')) {
        const r = await send(await clientOf(who, e), route.method, route.path, e, p);
        const fine = (r.status >= 200 && r.status < 300) || (e.alsoOk ?? []).includes(r.status);
        if (!fine) failures.push(`${key} as ${who}: expected success${e.alsoOk ? ` or ${e.alsoOk.join('/')}` : ''}, got ${shown(r)}`);
        const leaked = who === 'nonmember' ? (e.hidden?.(w) ?? []).filter((secret) => JSON.stringify(r.body).includes(secret)) : [];
        if (leaked.length) failures.push(`${key} as nonmember: the answer shows private objects ${leaked.join(', ')}`);
      }
      expect(failures, failures.join('\n')).toEqual([]);
    });
  }
});
