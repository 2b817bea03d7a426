/**
 * A page's history: named versions, automatic ones at compactions, and restoring a version as a new
 * change that every open editor (real y-websocket clients, on two hub nodes) converges on; who may list,
 * read, save and restore; bad input refused with nothing changed.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { docFrom, readDoc } from '../../server/domains/docs';
import { startTestHub, testRedisUrl, type TestHub } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { ApiClient } from '../helpers/client';
import { team, type Team } from '../helpers/team';
import { openDoc, until, type DocClient } from '../helpers/yjs';

const redisUrl = testRedisUrl();

/** A paragraph as the editor writes it (ProseMirror nodes in the XmlFragment `default`). */
function paragraph(text: string, tag = 'paragraph'): Y.XmlElement {
  const p = new Y.XmlElement(tag);
  const t = new Y.XmlText();
  t.insert(0, text);
  p.insert(0, [t]);
  return p;
}
const xmlOf = (doc: Y.Doc) => doc.getXmlFragment('default').toString();

describe.skipIf(!redisUrl)('page history: versions and restore', () => {
  let db: TestDatabase;
  let a: TestHub;
  let b: TestHub;
  let t: Team<'ann' | 'ben' | 'cid'>;
  let pageId: string;
  let openPage: string;
  let closedPage: string;
  const open: DocClient[] = [];
  const client = (...args: Parameters<typeof openDoc>) => {
    const c = openDoc(...args);
    open.push(c);
    return c;
  };
  /** The same person on node B. */
  const onB = (c: ApiClient) => Object.assign(new ApiClient(b.url), { cookie: c.cookie });

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startTestHub({ db, redisUrl, nodeId: 'ver-a', env: { DOC_COMPACT_UPDATES: '20', DOC_UNLOAD_SECONDS: '1' } });
    b = await startTestHub({ db, redisUrl, nodeId: 'ver-b', env: { DOC_COMPACT_UPDATES: '20', DOC_UNLOAD_SECONDS: '1' } });
    t = await team(a.url, ['ann', 'ben', 'cid'] as const);
    const space = (await t.owner.post('/api/docs/spaces', { name: 'Company' })).body.space.id;
    pageId = (await t.ann.post(`/api/docs/spaces/${space}/pages`, { title: 'Roadmap' })).body.page.id;
    // An open group's space (Ben, not a member, may read) and a closed one's (Ben may not see it).
    const opened = (await t.ann.post('/api/groups', { name: 'Open', visibility: 'open' })).body.group.id;
    const closed = (await t.ann.post('/api/groups', { name: 'Secret', visibility: 'closed' })).body.group.id;
    const openSpace = (await t.ann.post('/api/docs/spaces', { name: 'Open docs', groupId: opened })).body.space.id;
    const closedSpace = (await t.ann.post('/api/docs/spaces', { name: 'Secret docs', groupId: closed })).body.space.id;
    openPage = (await t.ann.post(`/api/docs/spaces/${openSpace}/pages`, { title: 'Notes' })).body.page.id;
    closedPage = (await t.ann.post(`/api/docs/spaces/${closedSpace}/pages`, { title: 'Plans' })).body.page.id;
  }, 60_000);

  afterAll(async () => {
    for (const c of open) c.destroy();
    await a?.stop();
    await b?.stop();
    await db?.drop();
  });

  let firstDraft: string;

  it('a named version keeps the page as it was; editing goes on', async () => {
    const ann = client(a.url, pageId, t.ann);
    await ann.synced;
    const frag = ann.doc.getXmlFragment('default');
    ann.doc.transact(() => frag.insert(0, [paragraph('Plan', 'heading'), paragraph('Ship calls in May')]));
    ann.text.insert(0, 'draft one');
    await until(async () => xmlOf(docFrom((await readDoc(a.artel.svc.db, pageId))!)) === xmlOf(ann.doc), 'the first draft stored');
    const r = await t.ann.post(`/api/docs/pages/${pageId}/versions`, { name: 'First draft' });
    expect(r.status).toBe(201);
    expect(r.body.version).toMatchObject({ pageId, name: 'First draft', reason: 'named', createdBy: expect.any(String) });
    firstDraft = r.body.version.id;
    // The version's state is the page as it was.
    const got = await t.ben.get(`/api/docs/pages/${pageId}/versions/${firstDraft}`);
    expect(got.status).toBe(200);
    const then = new Y.Doc();
    Y.applyUpdate(then, Buffer.from(got.body.state, 'base64'));
    expect(xmlOf(then)).toBe(xmlOf(ann.doc));
    expect(then.getText('body').toString()).toBe('draft one');
    // More editing: a paragraph removed, another added, the text changed.
    ann.doc.transact(() => {
      frag.delete(1, 1);
      frag.insert(1, [paragraph('Calls slip to June')]);
    });
    ann.text.delete(0, ann.text.length);
    ann.text.insert(0, 'draft two');
    expect(xmlOf(ann.doc)).toContain('Calls slip to June');
  });

  it('restoring through node B brings every open editor, on both nodes, back to the version live; the state before is kept', async () => {
    const ann = open[0];
    const ben = client(b.url, pageId, onB(t.ben));
    await ben.synced;
    await until(() => xmlOf(ben.doc) === xmlOf(ann.doc) && ben.text.toString() === 'draft two', 'Ben in sync');
    const r = await onB(t.ben).post(`/api/docs/pages/${pageId}/versions/${firstDraft}/restore`, {});
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ restored: true, before: { reason: 'before_restore', name: null } });
    for (const c of [ann, ben]) {
      await until(() => c.text.toString() === 'draft one' && xmlOf(c.doc).includes('Ship calls in May') && !xmlOf(c.doc).includes('June'), 'the restored page');
    }
    expect(xmlOf(ann.doc)).toBe('<heading>Plan</heading><paragraph>Ship calls in May</paragraph>');
    // Stored too, and the editors keep editing on top of it.
    await until(async () => xmlOf(docFrom((await readDoc(a.artel.svc.db, pageId))!)) === xmlOf(ann.doc), 'the restored page stored');
    ben.text.insert(ben.text.length, '!');
    await until(() => ann.text.toString() === 'draft one!', 'an edit after the restore');
    // The restore can be undone: restore the state kept just before it.
    const back = await t.ann.post(`/api/docs/pages/${pageId}/versions/${r.body.before.id}/restore`, {});
    expect(back.body.restored).toBe(true);
    await until(() => ben.text.toString() === 'draft two' && xmlOf(ben.doc).includes('Calls slip to June'), 'the undo');
    const list = (await t.cid.get(`/api/docs/pages/${pageId}/versions`)).body.versions;
    expect(list.map((v: any) => v.reason)).toEqual(['before_restore', 'before_restore', 'named']);
  });

  it('compactions keep automatic versions, at most one every few minutes', async () => {
    const ann = open[0];
    for (let i = 0; i < 25; i++) ann.text.insert(ann.text.length, String(i % 10));
    await until(async () => (await t.ann.get(`/api/docs/pages/${pageId}/versions`)).body.versions.some((v: any) => v.reason === 'auto'), 'an automatic version');
    for (let i = 0; i < 25; i++) ann.text.insert(ann.text.length, String(i % 10));
    await new Promise((r) => setTimeout(r, 500));
    const autos = (await t.ann.get(`/api/docs/pages/${pageId}/versions`)).body.versions.filter((v: any) => v.reason === 'auto');
    expect(autos).toHaveLength(1);
  });

  it('who may: readers list and read, editors save and restore; others see nothing', async () => {
    // Ben reads the open group's page but may not save or restore there.
    expect((await t.ann.post(`/api/docs/pages/${openPage}/versions`, { name: 'v1' })).status).toBe(201);
    const list = await t.ben.get(`/api/docs/pages/${openPage}/versions`);
    expect(list.status).toBe(200);
    const v1 = list.body.versions[0].id;
    expect((await t.ben.post(`/api/docs/pages/${openPage}/versions`, { name: 'mine' })).status).toBe(403);
    expect((await t.ben.post(`/api/docs/pages/${openPage}/versions/${v1}/restore`, {})).status).toBe(403);
    // The closed group's page does not exist for Ben; anonymous callers are not signed in.
    expect((await t.ben.get(`/api/docs/pages/${closedPage}/versions`)).status).toBe(404);
    expect((await t.ben.post(`/api/docs/pages/${closedPage}/versions`, { name: 'x' })).status).toBe(404);
    const anon = new ApiClient(a.url);
    expect((await anon.get(`/api/docs/pages/${pageId}/versions`)).status).toBe(401);
    expect((await anon.post(`/api/docs/pages/${pageId}/versions/${firstDraft}/restore`, {})).status).toBe(401);
    // A version of another page, an unknown one, a malformed id, a bad name: refused, nothing written.
    const before = (await t.ann.get(`/api/docs/pages/${pageId}/versions`)).body.versions.length;
    expect((await t.ann.get(`/api/docs/pages/${pageId}/versions/${v1}`)).status).toBe(404);
    expect((await t.ann.post(`/api/docs/pages/${pageId}/versions/${v1}/restore`, {})).status).toBe(404);
    expect((await t.ann.post(`/api/docs/pages/${pageId}/versions/${randomUUID()}/restore`, {})).status).toBe(404);
    expect((await t.ann.get(`/api/docs/pages/${pageId}/versions/not-an-id`)).status).toBe(404);
    expect((await t.ann.post(`/api/docs/pages/${pageId}/versions`, { name: '' })).status).toBe(400);
    expect((await t.ann.post(`/api/docs/pages/${pageId}/versions`, { name: 'x'.repeat(121) })).status).toBe(400);
    expect((await t.ann.post(`/api/docs/pages/${pageId}/versions`, { name: 'ok', extra: 1 })).status).toBe(400);
    expect((await t.ann.get(`/api/docs/pages/${pageId}/versions`)).body.versions.length).toBe(before);
    // A deleted page keeps its history readable, but is not restored into.
    expect((await t.ann.del(`/api/docs/pages/${openPage}`)).status).toBe(200);
    expect((await t.ann.get(`/api/docs/pages/${openPage}/versions`)).status).toBe(200);
    expect((await t.ann.post(`/api/docs/pages/${openPage}/versions/${v1}/restore`, {})).status).toBe(409);
  });
});
