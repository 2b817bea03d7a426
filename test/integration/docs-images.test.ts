/**
 * Images in knowledge-base pages: editors upload them to the page, whoever may read the page reads them
 * (a guest of the page through their own route), nobody else; only images are taken.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { startTestHub, type TestHub } from '../helpers/hub';
import { team, type Team } from '../helpers/team';
import { ApiClient } from '../helpers/client';

describe('images in pages', () => {
  let hub: TestHub;
  let t: Team<'ann' | 'ben' | 'cid'>;
  let page: string;
  let openPage: string;
  let closedPage: string;
  let png: Buffer;
  const upload = (c: ApiClient, pageId: string, data: Buffer, name = 'chart.png', type = 'image/png') =>
    c.call('POST', `/api/docs/pages/${pageId}/images`, data, { 'content-type': type, 'x-file-name': encodeURIComponent(name) });

  beforeAll(async () => {
    hub = await startTestHub();
    t = await team(hub.url, ['ann', 'ben', 'cid'] as const);
    const company = (await t.owner.post('/api/docs/spaces', { name: 'Company' })).body.space.id;
    page = (await t.ann.post(`/api/docs/spaces/${company}/pages`, { title: 'Report' })).body.page.id;
    // An open group (Ben, not a member, only reads) and a closed one with Ann and Ben (Cid sees nothing).
    const opened = (await t.ann.post('/api/groups', { name: 'Open', visibility: 'open' })).body.group.id;
    const closed = (await t.ann.post('/api/groups', { name: 'Secret', visibility: 'closed', memberIds: [t.ids.ben] })).body.group.id;
    const openSpace = (await t.ann.post('/api/docs/spaces', { name: 'Open docs', groupId: opened })).body.space.id;
    const closedSpace = (await t.ann.post('/api/docs/spaces', { name: 'Secret docs', groupId: closed })).body.space.id;
    openPage = (await t.ann.post(`/api/docs/spaces/${openSpace}/pages`, { title: 'Notes' })).body.page.id;
    closedPage = (await t.ann.post(`/api/docs/spaces/${closedSpace}/pages`, { title: 'Plans' })).body.page.id;
    png = await sharp({ create: { width: 120, height: 80, channels: 3, background: { r: 20, g: 120, b: 200 } } }).png().toBuffer();
  }, 60_000);

  afterAll(async () => {
    await hub?.stop();
  });

  it('editors upload images to a page; readers, outsiders, anonymous callers and non-images are refused', async () => {
    const up = await upload(t.ann, closedPage, png, 'Схема.png');
    expect(up.status).toBe(201);
    expect(up.body.file).toMatchObject({ name: 'Схема.png', isImage: true, mime: 'image/png' });
    // Readers of the open group's page may not add images; outsiders do not see the closed page.
    expect((await upload(t.ben, openPage, png)).status).toBe(403);
    expect((await upload(t.cid, closedPage, png)).status).toBe(404);
    expect((await upload(new ApiClient(hub.url), page, png)).status).toBe(401);
    const html = await upload(t.ann, page, Buffer.from('<svg onload=alert(1)>'), 'x.png', 'image/png');
    expect([html.status, html.body.error.fields]).toEqual([400, { file: 'not an image' }]);
    expect((await upload(t.ann, page, Buffer.alloc(0))).status).toBe(400);

    // Whoever may read the page reads the image; nobody else.
    const id = up.body.file.id;
    const got = await t.ben.call('GET', `/api/files/${id}`);
    expect(got.status).toBe(200);
    expect((await t.cid.call('GET', `/api/files/${id}`)).status).toBe(403);
    expect((await new ApiClient(hub.url).call('GET', `/api/files/${id}`)).status).toBe(401);
    // Removed from the group, Ben no longer reads it.
    expect((await t.ann.del(`/api/groups/${(await t.ann.get(`/api/docs/pages/${closedPage}`)).body.space.groupId}/members/${t.ids.ben}`)).status).toBe(200);
    expect((await t.ben.call('GET', `/api/files/${id}`)).status).toBe(403);
  });

  it('a guest of the page reads its images through their own route, and nothing else', async () => {
    const mine = (await upload(t.ann, page, png, 'mine.png')).body.file.id;
    const other = (await upload(t.ann, openPage, png, 'other.png')).body.file.id;
    const link = await t.ann.post(`/api/docs/pages/${page}/guest-links`, { access: 'read' });
    const token = /\/d\/([A-Za-z0-9_-]{43})$/.exec(link.body.link.url)![1];
    const guest = new ApiClient(hub.url, hub.url, 'artel_doc_guest');
    expect((await guest.post('/api/doc-guest/session', { token, name: 'Partner' })).status).toBe(201);
    const got = await guest.call('GET', `/api/doc-guest/files/${mine}`);
    expect(got.status).toBe(200);
    expect((await guest.call('GET', `/api/doc-guest/files/${other}`)).status).toBe(404);
    // Their cookie opens no colleague's route.
    expect((await guest.call('GET', `/api/files/${mine}`)).status).toBe(401);
    expect((await upload(guest, page, png)).status).toBe(401);
    expect((await new ApiClient(hub.url).call('GET', `/api/doc-guest/files/${mine}`)).status).toBe(401);
  });
});
