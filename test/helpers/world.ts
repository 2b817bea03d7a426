import { randomUUID } from 'node:crypto';
import * as Y from 'yjs';
import { KeyedRateLimiter } from '../../server/lib/ratelimit';
import { ApiClient, addColleague, invitationToken, PASSWORD, type Answer } from './client';
import { team } from './team';
import type { TestHub } from './hub';

/**
 * The fixture world of the permission tests: one workspace where every kind of object exists, and
 * every kind of caller, each with a signed-in client.
 *
 * People: the owner (Olga, who made every object below), an admin (Adam, in none of the private
 * objects), the "member" (Ann: in the private chat and group, the post's audience, the task's
 * responsible, the CRM records' responsible) and the "non-member" (Ben: a colleague in none of them).
 * Guests: one live guest of each kind of link (a feed post's, a call's, a document page's), each
 * signed in with its own cookie, and one of each kind whose link was revoked after they opened it.
 */

/** The callers of the matrix. */
export const COLLEAGUES = ['owner', 'admin', 'member', 'nonmember'] as const;
export type Colleague = (typeof COLLEAGUES)[number];
export const GUEST_KINDS = ['post', 'call', 'doc'] as const;
export type GuestKind = (typeof GUEST_KINDS)[number];

/** The cookie each kind of guest link signs its guest in with. */
export const GUEST_COOKIE: Record<GuestKind, string> = { post: 'artel_guest', call: 'artel_call_guest', doc: 'artel_doc_guest' };

/** A valid 1x1 PNG (RGBA), for avatars, chat files and page images. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** A selection anchor as the editor encodes it (a Yjs relative position; the server only decodes it). */
const relative = (i: number) => {
  const text = new Y.Doc().getText('t');
  text.insert(0, 'Plans');
  return Buffer.from(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(text, i))).toString('base64');
};
export const ANCHOR = { start: relative(0), end: relative(5) };

const EMAIL: Record<Colleague, string> = { owner: 'owner@example.com', admin: 'admin@example.com', member: 'ann@example.com', nonmember: 'ben@example.com' };
const linkToken = (url: string) => /\/[gcd]\/([A-Za-z0-9_-]{43})/.exec(url)?.[1] ?? null;

/** The value `pick` finds in a successful answer; throws with the answer otherwise (a world that half-built explains itself). */
export function ok<T>(what: string, a: Answer, pick: (body: any) => T): T {
  const v = a.status < 300 ? pick(a.body) : undefined;
  if (v === undefined || v === null) throw new Error(`world: ${what} failed: ${a.status} ${JSON.stringify(a.body).slice(0, 400)}`);
  return v;
}

/**
 * Make `call` again while the hub says "too fast" (429), after the wait it asks for: fixtures made in
 * bulk (a fresh task per caller) run into the per-person creation limits, which are not under test here.
 */
export async function retrying(call: () => Promise<Answer>, tries = 10): Promise<Answer> {
  for (let i = 1; ; i++) {
    const a = await call();
    if (a.status !== 429 || i >= tries) return a;
    await new Promise((resolve) => setTimeout(resolve, 1000 * Math.min(Number(a.body?.error?.retryAfter) || 1, 5)));
  }
}

/** Upload bytes as a raw body, the way the browser does (name in X-File-Name). */
export const upload = (c: ApiClient, path: string, data: Buffer, type: string, name: string) =>
  c.call('POST', path, data, { 'content-type': type, 'x-file-name': encodeURIComponent(name) });

export interface World {
  hub: TestHub;
  /** Signed-in clients of the colleagues (use `as()` for a copy whose cookie the test may lose). */
  people: Record<Colleague, ApiClient>;
  ids: Record<Colleague, string>;
  /** A guest signed in through a live link of each kind, and one whose link was revoked. */
  guests: Record<GuestKind, ApiClient>;
  revokedGuests: Record<GuestKind, ApiClient>;
  /** The live link tokens (anyone holding one may open a guest session). */
  tokens: Record<GuestKind, string>;
  /** An employee who is none of the roles above (with an avatar): the target of role changes and the like. */
  bystander: string;
  /** A private group chat (owner, member): a message, a thread reply by the member, a file. */
  chat: { id: string; messageId: string; replyId: string; fileId: string };
  /** A closed workgroup (owner, member), its feed post, and its document space with a page. */
  group: { id: string; postId: string; spaceId: string; pageId: string };
  /** A feed post for the member and two external guests, with a poll, a file and the member's comment. */
  post: { id: string; fileId: string; optionIds: string[]; commentId: string; linkId: string };
  /** A task by the owner; the member is responsible: a checklist item, a comment, time, a reminder. */
  task: { id: string; itemId: string; commentId: string; entryId: string; reminderId: string };
  /** CRM records by the owner with the member responsible (visibility: own and shared). */
  crm: { leadId: string; dealId: string; contactId: string; companyId: string; pipelineId: string; stageId: string };
  /** A call scheduled in the private chat, with a live and a revoked guest link. */
  call: { id: string; linkId: string };
  /** The group space's page with a live and a revoked guest link, an image, a version, a comment, an attachment. */
  doc: { pageId: string; linkId: string; imageId: string; versionId: string; commentId: string; attachmentId: string };
  /** A copy of a caller's client: what it is told to set (a new cookie) does not touch the world's. */
  as(c: ApiClient | null): ApiClient;
  /** A new session of a colleague (signed in again), e.g. to sign out without ending the world's. */
  freshSession(who: Colleague): Promise<ApiClient>;
  /** A new guest session through the live link of `kind`. */
  freshGuest(kind: GuestKind): Promise<ApiClient>;
  /** A new employee (invited by the owner, accepted), for calls that use one up. */
  newColleague(): Promise<{ client: ApiClient; id: string; email: string }>;
  /** A pending invitation: its id and its link's token. */
  newInvitation(): Promise<{ id: string; token: string }>;
}

/** Build the world on a running hub whose workspace is not set up yet. */
export async function buildWorld(hub: TestHub): Promise<World> {
  // The matrix signs in dozens of people and opens many links from one address; the per-address
  // sign-in budget (auth.test.ts proves it) would refuse them, so this hub gets a roomy one.
  hub.artel.svc.limits.auth.stop();
  hub.artel.svc.limits.auth = new KeyedRateLimiter(100_000, 1_000);

  const base = hub.url;
  const t = await team(base, ['admin', 'ann', 'ben'] as const);
  const people: Record<Colleague, ApiClient> = { owner: t.owner, admin: t.admin, member: t.ann, nonmember: t.ben };
  const ids: Record<Colleague, string> = { owner: t.ids.owner, admin: t.ids.admin, member: t.ids.ann, nonmember: t.ids.ben };
  const { owner, member } = people;
  let serial = 0;
  const unique = () => `${Date.now().toString(36)}${++serial}`;

  const as = (c: ApiClient | null): ApiClient => {
    const copy = new ApiClient(base, base, c?.cookieName);
    copy.cookie = c?.cookie ?? null;
    return copy;
  };
  const openGuest = async (kind: GuestKind, token: string): Promise<ApiClient> => {
    const g = new ApiClient(base, base, GUEST_COOKIE[kind]);
    const path = { post: '/api/guest/session', call: '/api/call-guest/session', doc: '/api/doc-guest/session' }[kind];
    ok(`open the ${kind} link`, await g.post(path, kind === 'post' ? { token } : { token, name: `Guest ${kind}` }), (b) => b.me);
    return g;
  };

  const bystander = await addColleague(owner, 'bystander@example.com', 'Bea Bystander');
  const bystanderId = ok('bystander', await bystander.get('/api/me'), (b) => b.user.id);
  ok('bystander avatar', await bystander.call('PUT', '/api/me/avatar', PNG, { 'content-type': 'image/png' }), (b) => b.user);

  // The private chat.
  const chatId = ok('chat', await owner.post('/api/chats', { kind: 'group', title: 'Private', memberIds: [ids.member] }), (b) => b.chat.id);
  const messageId = ok('message', await owner.post(`/api/chats/${chatId}/messages`, { clientId: randomUUID(), body: 'internal only' }), (b) => b.message.id);
  const replyId = ok('reply', await member.post(`/api/chats/${chatId}/messages`, { clientId: randomUUID(), body: 'in thread', threadRootId: messageId }), (b) => b.message.id);
  const chatFileId = ok('chat file', await upload(owner, `/api/chats/${chatId}/files`, PNG, 'image/png', 'dot.png'), (b) => b.file.id);

  // The closed workgroup, its post, its space and page.
  const groupId = ok('group', await owner.post('/api/groups', { name: 'Secret', visibility: 'closed', memberIds: [ids.member] }), (b) => b.group.id);
  const groupPostId = ok('group post', await owner.post('/api/feed/posts', { clientId: randomUUID(), body: 'for the group', audience: { groupIds: [groupId] } }), (b) => b.post.id);
  const spaceId = ok('space', await owner.post('/api/docs/spaces', { name: 'Secret docs', groupId }), (b) => b.space.id);
  const pageId = ok('page', await owner.post(`/api/docs/spaces/${spaceId}/pages`, { title: 'Plans' }), (b) => b.page.id);

  // The post with external guests: one keeps their link, the other's is revoked once opened.
  const feedFileId = ok('feed file', await upload(owner, '/api/feed/files', PNG, 'image/png', 'terms.png'), (b) => b.file.id);
  const post = ok('post', await owner.post('/api/feed/posts', {
    clientId: randomUUID(),
    title: 'Delivery terms',
    body: 'Can you confirm Friday?',
    audience: { userIds: [ids.member], emails: ['guest@partner.example', 'gone@partner.example'] },
    poll: { question: 'Which day?', options: ['Friday', 'Monday'] },
    fileIds: [feedFileId],
  }), (b) => b.post);
  const optionIds: string[] = post.poll.options.map((o: { id: string }) => o.id);
  const commentId = ok('comment', await member.post(`/api/feed/posts/${post.id}/comments`, { clientId: randomUUID(), body: 'Friday works' }), (b) => b.comment.id);
  const mails = await hub.outbox();
  const mailedToken = (to: string) => linkToken(mails.find((m) => m.to === to)?.text ?? '') ?? '';
  const postToken = mailedToken('guest@partner.example');
  const postGuest = await openGuest('post', postToken);
  const postRevoked = await openGuest('post', mailedToken('gone@partner.example'));
  const postLinks = ok('post links', await owner.get(`/api/feed/posts/${post.id}/guests`), (b) => b.guests as { id: string; email: string }[]);
  const postLink = (email: string) => postLinks.find((l) => l.email === email)!.id;
  ok('revoke post link', await owner.del(`/api/feed/posts/${post.id}/guests/${postLink('gone@partner.example')}`), (b) => b.guests);

  // The task.
  const taskId = ok('task', await owner.post('/api/tasks', { clientId: randomUUID(), title: 'Ship it', responsibleId: ids.member }), (b) => b.task.id);
  const itemId = ok('checklist', await owner.post(`/api/tasks/${taskId}/checklist`, { text: 'Pack' }), (b) => b.checklist.at(-1).id);
  const taskCommentId = ok('task comment', await member.post(`/api/tasks/${taskId}/comments`, { clientId: randomUUID(), body: 'On it' }), (b) => b.comment.id);
  const entryId = ok('time entry', await member.post(`/api/tasks/${taskId}/time`, { minutes: 5 }), (b) => b.entry.id);
  const reminderId = ok('reminder', await member.post(`/api/tasks/${taskId}/reminders`, { at: new Date(Date.now() + 86_400_000).toISOString() }), (b) => b.reminder.id);

  // The CRM: records are seen by those responsible for them (the default visibility).
  const record = async (plural: string, body: object) =>
    ok(plural, await owner.post(`/api/crm/${plural}`, { ...body, responsibleId: ids.member }), (b) => b.record.id as string);
  const pipeline = ok('pipelines', await owner.get('/api/crm/pipelines'), (b) => b.pipelines[0]);
  const crm = {
    leadId: await record('leads', { title: 'Big lead' }),
    dealId: await record('deals', { title: 'Big deal' }),
    contactId: await record('contacts', { firstName: 'Carl' }),
    companyId: await record('companies', { title: 'Partner Ltd' }),
    pipelineId: pipeline.id as string,
    stageId: pipeline.stages[0].id as string,
  };

  // The call in the private chat, its links.
  const callId = ok('call', await owner.post(`/api/chats/${chatId}/calls`, { title: 'Weekly', at: new Date(Date.now() + 86_400_000).toISOString() }), (b) => b.call.id);
  const callLink = async () => ok('call link', await owner.post(`/api/calls/${callId}/links`, { name: 'Partner' }), (b) => b.link as { id: string; url: string });
  const liveCall = await callLink();
  const goneCall = await callLink();
  const callGuest = await openGuest('call', linkToken(liveCall.url)!);
  const callRevoked = await openGuest('call', linkToken(goneCall.url)!);
  ok('revoke call link', await owner.del(`/api/calls/${callId}/links/${goneCall.id}`), (b) => b.links);

  // The page: its links, an image, a version, a comment, an attachment to the task.
  const docLink = async () => ok('doc link', await owner.post(`/api/docs/pages/${pageId}/guest-links`, { access: 'edit' }), (b) => b.link as { id: string; url: string });
  const liveDoc = await docLink();
  const goneDoc = await docLink();
  const docGuest = await openGuest('doc', linkToken(liveDoc.url)!);
  const docRevoked = await openGuest('doc', linkToken(goneDoc.url)!);
  ok('revoke doc link', await owner.del(`/api/docs/pages/${pageId}/guest-links/${goneDoc.id}`), (b) => b.links);
  const imageId = ok('page image', await upload(owner, `/api/docs/pages/${pageId}/images`, PNG, 'image/png', 'plan.png'), (b) => b.file.id);
  const versionId = ok('version', await owner.post(`/api/docs/pages/${pageId}/versions`, { name: 'Draft' }), (b) => b.version.id);
  const docCommentId = ok('page comment', await member.post(`/api/docs/pages/${pageId}/comments`, { body: 'Looks good', anchor: ANCHOR, quote: 'Plans' }), (b) => b.comment.id);
  const attachmentId = ok('attachment', await owner.post(`/api/docs/pages/${pageId}/attachments`, { kind: 'task', targetId: taskId }), (b) => b.attachment.id);

  const tokens: Record<GuestKind, string> = { post: postToken, call: linkToken(liveCall.url)!, doc: linkToken(liveDoc.url)! };
  return {
    hub,
    people,
    ids,
    guests: { post: postGuest, call: callGuest, doc: docGuest },
    revokedGuests: { post: postRevoked, call: callRevoked, doc: docRevoked },
    tokens,
    bystander: bystanderId,
    chat: { id: chatId, messageId, replyId, fileId: chatFileId },
    group: { id: groupId, postId: groupPostId, spaceId, pageId },
    post: { id: post.id, fileId: feedFileId, optionIds, commentId, linkId: postLink('guest@partner.example') },
    task: { id: taskId, itemId, commentId: taskCommentId, entryId, reminderId },
    crm,
    call: { id: callId, linkId: liveCall.id },
    doc: { pageId, linkId: liveDoc.id, imageId, versionId, commentId: docCommentId, attachmentId },
    as,
    freshSession: async (who) => {
      const c = new ApiClient(base);
      ok(`sign in as ${who}`, await c.post('/api/auth/login', { email: EMAIL[who], password: PASSWORD }), (b) => b.user);
      return c;
    },
    freshGuest: (kind) => openGuest(kind, tokens[kind]),
    newColleague: async () => {
      const email = `temp-${unique()}@example.com`;
      const client = await addColleague(owner, email, 'Temp Person');
      return { client, id: ok('new colleague', await client.get('/api/me'), (b) => b.user.id), email };
    },
    newInvitation: async () => {
      const email = `invitee-${unique()}@example.com`;
      const id = ok('invitation', await owner.post('/api/invitations', { email, role: 'employee' }), (b) => b.invitation.id);
      return { id, token: await invitationToken(owner, email) };
    },
  };
}
