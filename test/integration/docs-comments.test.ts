/**
 * Comments on a page's selection and @mentions in the knowledge base: who may list, comment, reply, edit,
 * delete, resolve; bad input refused with nothing stored; live events on `doccomments:<pageId>`; a mention
 * in a comment tells a reader of the page (never someone who cannot read it); a mention typed in the page
 * (the editor's mention node, written by a real y-websocket client) tells the person once.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { sql } from '../../server/db/pool';
import { startTestHub, type TestHub } from '../helpers/hub';
import { ApiClient, RealtimeClient } from '../helpers/client';
import { team, type Team } from '../helpers/team';
import { openDoc, until, type DocClient } from '../helpers/yjs';

const GUEST_EMAIL = 'visitor@outside.test';

/** A paragraph with `text`, then (optionally) a mention node of `userId`, as the editor writes them. */
function paragraph(text: string, mentionOf?: string): Y.XmlElement {
  const p = new Y.XmlElement('paragraph');
  const t = new Y.XmlText();
  t.insert(0, text);
  p.insert(0, [t]);
  if (mentionOf) {
    const m = new Y.XmlElement('mention');
    m.setAttribute('id', mentionOf);
    m.setAttribute('label', 'someone');
    p.insert(1, [m]);
  }
  return p;
}

describe('page comments and @mentions', () => {
  let hub: TestHub;
  let t: Team<'ann' | 'ben' | 'cid'>;
  let anon: ApiClient;
  let guest: ApiClient;
  /** In Ann's open group: Ann edits, Ben (not a member) only reads. */
  let openPage: string;
  /** In Ann's closed group: Cid cannot even see it. */
  let closedPage: string;
  let otherPage: string;
  let anchor: { start: string; end: string };
  const docs: DocClient[] = [];
  const rts: RealtimeClient[] = [];

  const count = async (pageId: string) =>
    Number((await hub.artel.svc.db.query(sql`SELECT count(*)::int AS n FROM doc_comments WHERE page_id = ${pageId}`))[0].n);
  const mentionEvents = async (userId: string) =>
    (await hub.artel.svc.db.query(sql`SELECT payload FROM events WHERE stream_id = ${`user:${userId}`} AND type = 'doc_mention' ORDER BY seq`)).map((r) => r.payload);
  const path = (pageId: string, rest = '') => `/api/docs/pages/${pageId}/comments${rest}`;
  const rt = async (c: ApiClient) => {
    const r = await RealtimeClient.open(hub.url, c.cookie);
    rts.push(r);
    return r;
  };

  beforeAll(async () => {
    hub = await startTestHub({ env: { DOC_COMPACT_UPDATES: '4', DOC_UNLOAD_SECONDS: '1' } });
    t = await team(hub.url, ['ann', 'ben', 'cid'] as const);
    anon = new ApiClient(hub.url);
    const opened = (await t.ann.post('/api/groups', { name: 'Open', visibility: 'open' })).body.group.id;
    const closed = (await t.ann.post('/api/groups', { name: 'Secret', visibility: 'closed' })).body.group.id;
    const openSpace = (await t.ann.post('/api/docs/spaces', { name: 'Open docs', groupId: opened })).body.space.id;
    const closedSpace = (await t.ann.post('/api/docs/spaces', { name: 'Secret docs', groupId: closed })).body.space.id;
    openPage = (await t.ann.post(`/api/docs/spaces/${openSpace}/pages`, { title: 'Notes' })).body.page.id;
    otherPage = (await t.ann.post(`/api/docs/spaces/${openSpace}/pages`, { title: 'Other' })).body.page.id;
    closedPage = (await t.ann.post(`/api/docs/spaces/${closedSpace}/pages`, { title: 'Plans' })).body.page.id;
    // A guest: an external address in a post's audience gets a link to that post only.
    await t.owner.post('/api/feed/posts', { clientId: randomUUID(), title: 'Terms', body: 'Hi', audience: { userIds: [t.ids.ann], emails: [GUEST_EMAIL] } });
    const mail = (await hub.outbox()).find((m) => m.to === GUEST_EMAIL)!;
    const token = /\/g\/([A-Za-z0-9_-]{43})/.exec(mail.text)![1];
    guest = new ApiClient(hub.url, hub.url, 'artel_guest');
    expect((await guest.post('/api/guest/session', { token })).status).toBe(201);
    // The selection "Ship" in the page's first paragraph, as the editor encodes it.
    const ann = openDoc(hub.url, openPage, t.ann);
    docs.push(ann);
    await ann.synced;
    const frag = ann.doc.getXmlFragment('default');
    ann.doc.transact(() => frag.insert(0, [paragraph('Ship calls in May')]));
    const text = (frag.get(0) as Y.XmlElement).get(0) as Y.XmlText;
    const enc = (i: number) => Buffer.from(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(text, i))).toString('base64');
    anchor = { start: enc(0), end: enc(4) };
  }, 60_000);

  afterAll(async () => {
    for (const d of docs) d.destroy();
    for (const r of rts) r.close();
    await hub?.stop();
  });

  let thread: any;

  it('an editor starts a thread on a selection; a reader sees it and replies; readers follow it live', async () => {
    const live = await rt(t.ben);
    expect((await live.request({ type: 'subscribe', streams: [{ stream: `doccomments:${openPage}` }] })).ok).toBe(true);
    const r = await t.ann.post(path(openPage), { body: 'Is **May** realistic?', anchor, quote: 'Ship' });
    expect(r.status).toBe(201);
    thread = r.body.comment;
    expect(thread).toMatchObject({ pageId: openPage, parentId: null, anchor, quote: 'Ship', authorId: t.ids.ann, resolvedAt: null });
    const ev = await live.waitFor(() => live.events(`doccomments:${openPage}`).find((e) => e.event.type === 'comment_added'));
    expect(ev.event.payload.comment.id).toBe(thread.id);

    const reply = await t.ben.post(path(openPage), { body: 'Probably June', parentId: thread.id });
    expect(reply.status).toBe(201);
    expect(reply.body.comment).toMatchObject({ parentId: thread.id, anchor: null, quote: '', authorId: t.ids.ben });
    const listed = (await t.ben.get(path(openPage))).body.comments;
    expect(listed.map((c: any) => c.id)).toEqual([thread.id, reply.body.comment.id]);
  });

  it('edit and delete: only one\'s own; resolve: editors of the page or whoever started the thread', async () => {
    expect((await t.ben.patch(path(openPage, `/${thread.id}`), { body: 'mine now' })).status).toBe(403);
    expect((await t.ben.del(path(openPage, `/${thread.id}`))).status).toBe(403);
    const edited = await t.ann.patch(path(openPage, `/${thread.id}`), { body: 'Is May realistic at all?' });
    expect(edited.status).toBe(200);
    expect(edited.body.comment.editedAt).not.toBeNull();

    // Ben only reads the page: he may not resolve Ann's thread, but may resolve his own.
    expect((await t.ben.post(path(openPage, `/${thread.id}/resolve`))).status).toBe(403);
    const own = (await t.ben.post(path(openPage), { body: 'Typo here', anchor, quote: 'Ship' })).body.comment;
    const resolved = await t.ben.post(path(openPage, `/${own.id}/resolve`));
    expect(resolved.body.comment).toMatchObject({ resolvedBy: t.ids.ben });
    expect(resolved.body.comment.resolvedAt).not.toBeNull();
    expect((await t.ann.post(path(openPage, `/${own.id}/reopen`))).body.comment.resolvedAt).toBeNull();
    expect((await t.ann.post(path(openPage, `/${thread.id}/resolve`))).body.comment.resolvedBy).toBe(t.ids.ann);

    const gone = await t.ben.del(path(openPage, `/${own.id}`));
    expect(gone.body.comment).toMatchObject({ body: '' });
    expect(gone.body.comment.deletedAt).not.toBeNull();
  });

  it('outsiders: a closed group\'s page is not found; guests and anonymous callers are refused', async () => {
    expect((await t.cid.get(path(closedPage))).status).toBe(404);
    expect((await t.cid.post(path(closedPage), { body: 'hi', anchor })).status).toBe(404);
    for (const c of [guest, anon]) {
      expect((await c.get(path(openPage))).status).toBe(401);
      expect((await c.post(path(openPage), { body: 'hi', anchor })).status).toBe(401);
    }
    const live = await rt(t.cid);
    expect((await live.request({ type: 'subscribe', streams: [{ stream: `doccomments:${closedPage}` }] })).error?.code).toBe('not_found');
    expect((await live.request({ type: 'subscribe', streams: [{ stream: `doccomments:${randomUUID()}` }] })).error?.code).toBe('not_found');
    expect(await count(closedPage)).toBe(0);
  });

  it('bad input is refused with a clear reason and stores nothing', async () => {
    const before = await count(openPage);
    const bad = async (body: unknown, field?: string) => {
      const r = await t.ann.post(path(openPage), body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('bad_request');
      if (field) expect(Object.keys(r.body.error.fields ?? {}).join(',')).toContain(field);
    };
    await bad({ body: '', anchor });
    await bad({ body: '   ', anchor });
    await bad({ body: 'x'.repeat(4001), anchor });
    await bad({ body: 'no anchor' });
    await bad({ body: 'both', anchor, parentId: thread.id });
    await bad({ body: 'not base64', anchor: { start: '!!!!', end: anchor.end } });
    await bad({ body: 'not a position', anchor: { start: 'AAAA', end: anchor.end } }, 'anchor.start');
    await bad({ body: 'unknown field', anchor, extra: 1 });
    // A reply to another page's thread, or to a thread that does not exist.
    const foreign = (await t.ann.post(path(otherPage), { body: 'elsewhere', anchor })).body.comment;
    await bad({ body: 'wrong page', parentId: foreign.id }, 'parentId');
    await bad({ body: 'no such thread', parentId: randomUUID() }, 'parentId');
    expect(await count(openPage)).toBe(before);
    // A comment addressed through another page is not found there; an unknown page is not found.
    expect((await t.ann.patch(path(openPage, `/${foreign.id}`), { body: 'moved?' })).status).toBe(404);
    expect((await t.ann.post(path(openPage, `/${foreign.id}/resolve`))).status).toBe(404);
    expect((await t.ann.post(path(randomUUID()), { body: 'hi', anchor })).status).toBe(404);
    expect((await t.ann.get('/api/docs/pages/not-a-uuid/comments')).status).toBe(404);
    expect((await t.ann.patch(path(openPage, `/${thread.id}`), { body: '' })).status).toBe(400);
    expect((await t.ann.get(path(otherPage))).body.comments.map((c: any) => c.body)).toEqual(['elsewhere']);
  });

  it('a mention in a comment tells a reader of the page, and never someone who cannot read it', async () => {
    const live = await rt(t.ben);
    await live.request({ type: 'subscribe', streams: [{ stream: `user:${t.ids.ben}` }] });
    const r = await t.ann.post(path(openPage), { body: `<@${t.ids.ben}> and <@${t.ids.cid}>, look`, anchor, quote: 'Ship' });
    expect(r.status).toBe(201);
    const ev = await live.waitFor(() => live.events(`user:${t.ids.ben}`).find((e) => e.event.type === 'doc_mention'));
    expect(ev.event.payload).toMatchObject({ pageId: openPage, title: 'Notes', commentId: r.body.comment.id, authorId: t.ids.ann });
    // Cid reads the open group's page too (it is open); on the closed group's page he is not told.
    expect((await mentionEvents(t.ids.cid)).length).toBe(1);
    const secret = await t.ann.post(path(closedPage), { body: `<@${t.ids.cid}> secret plans`, anchor });
    expect(secret.status).toBe(201);
    expect((await mentionEvents(t.ids.cid)).length).toBe(1);
    // An edit tells only people newly mentioned.
    await t.ann.patch(path(openPage, `/${r.body.comment.id}`), { body: `<@${t.ids.ben}> and <@${t.ids.cid}>, look again` });
    expect((await mentionEvents(t.ids.ben)).length).toBe(1);
  });

  it('a mention typed in the page tells the person once, however often the page is stored', async () => {
    const ann = docs[0];
    const frag = ann.doc.getXmlFragment('default');
    const live = await rt(t.owner);
    await live.request({ type: 'subscribe', streams: [{ stream: `user:${t.ids.owner}` }] });
    ann.doc.transact(() => frag.insert(frag.length, [paragraph('Ask ', t.ids.owner)]));
    for (let i = 0; i < 6; i++) ann.doc.transact(() => frag.insert(frag.length, [paragraph(`line ${i}`)]));
    const ev = await live.waitFor(() => live.events(`user:${t.ids.owner}`).find((e) => e.event.type === 'doc_mention'), 15_000);
    expect(ev.event.payload).toMatchObject({ pageId: openPage, commentId: null, authorId: t.ids.ann });
    // More edits, another mention of the same person, more compactions: no second notification.
    ann.doc.transact(() => frag.insert(frag.length, [paragraph('Again ', t.ids.owner)]));
    for (let i = 0; i < 10; i++) ann.doc.transact(() => frag.insert(frag.length, [paragraph(`more ${i}`)]));
    await until(async () => {
      const [row] = await hub.artel.svc.db.query(sql`SELECT last_seq - compacted_seq AS n FROM docs WHERE id = ${openPage}`);
      return Number(row.n) < 4;
    }, 'compacted again');
    await new Promise((r) => setTimeout(r, 2500));
    expect((await mentionEvents(t.ids.owner)).length).toBe(1);
    // Ann mentioning herself tells nobody; Cid, who cannot read the closed page, is not told by its text.
    const secret = openDoc(hub.url, closedPage, t.ann);
    docs.push(secret);
    await secret.synced;
    const sfrag = secret.doc.getXmlFragment('default');
    for (let i = 0; i < 6; i++) secret.doc.transact(() => sfrag.insert(sfrag.length, [paragraph(`x ${i}`, i === 0 ? t.ids.cid : t.ids.ann)]));
    await until(async () => (await hub.artel.svc.db.query(sql`SELECT 1 FROM jobs WHERE kind = 'docs.page_mentions' AND done_at IS NULL`)).length === 0 &&
      (await hub.artel.svc.db.query(sql`SELECT 1 FROM jobs WHERE kind = 'docs.page_mentions' AND payload->>'pageId' = ${closedPage}`)).length > 0, 'the closed page\'s job ran', 15_000);
    expect((await mentionEvents(t.ids.cid)).length).toBe(1);
    expect((await mentionEvents(t.ids.ann)).length).toBe(0);
  }, 40_000);
});
