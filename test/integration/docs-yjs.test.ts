import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import { sql } from '../../server/db/pool';
import { docFrom, readDoc } from '../../server/domains/docs';
import { startTestHub, type TestHub } from '../helpers/hub';
import { team, type Team } from '../helpers/team';
import { openDoc, until, upgradeStatus, yjsUrl, type DocClient } from '../helpers/yjs';

const UPDATE_MAX = 16 * 1024;
const DOC_MAX = 96 * 1024;
const COMPACT_EVERY = 25;

describe('the y-websocket endpoint /yjs/<doc> on one hub', () => {
  let hub: TestHub;
  let t: Team<'ann' | 'ben' | 'cid'>;
  let companyPage: string;
  const open: DocClient[] = [];
  const client = (...args: Parameters<typeof openDoc>) => {
    const c = openDoc(...args);
    open.push(c);
    return c;
  };
  const newPage = async (title: string, spaceId = companySpace) =>
    (await t.ann.post(`/api/docs/spaces/${spaceId}/pages`, { title })).body.page.id as string;
  let companySpace: string;
  let closedGroupPage: string;
  let openGroupPage: string;

  /** The document as stored: snapshot plus updates, loaded fresh from PostgreSQL. */
  const stored = async (docId: string) => {
    const s = await readDoc(hub.artel.svc.db, docId);
    const doc = docFrom(s!);
    return doc.getText('body').toString();
  };

  beforeAll(async () => {
    hub = await startTestHub({
      env: {
        DOC_UPDATE_MAX_BYTES: String(UPDATE_MAX), DOC_MAX_BYTES: String(DOC_MAX), DOC_COMPACT_UPDATES: String(COMPACT_EVERY), DOC_UNLOAD_SECONDS: '1',
      },
    });
    t = await team(hub.url, ['ann', 'ben', 'cid'] as const);
    companySpace = (await t.owner.post('/api/docs/spaces', { name: 'Company' })).body.space.id;
    companyPage = await newPage('Welcome');
    // A closed group with Ann; an open one with Ann, where Ben (not a member) may only read.
    const closed = (await t.ann.post('/api/groups', { name: 'Secret', visibility: 'closed' })).body.group.id;
    const opened = (await t.ann.post('/api/groups', { name: 'Open', visibility: 'open' })).body.group.id;
    const closedSpace = (await t.ann.post('/api/docs/spaces', { name: 'Secret docs', groupId: closed })).body.space.id;
    const openSpace = (await t.ann.post('/api/docs/spaces', { name: 'Open docs', groupId: opened })).body.space.id;
    closedGroupPage = await newPage('Plans', closedSpace);
    openGroupPage = await newPage('Notes', openSpace);
  }, 60_000);

  afterAll(async () => {
    for (const c of open) c.destroy();
    await hub?.stop();
  });

  it('two editors converge, and a client joining later gets the whole text', async () => {
    const a = client(hub.url, companyPage, t.ann);
    const b = client(hub.url, companyPage, t.ben);
    await Promise.all([a.synced, b.synced]);
    a.text.insert(0, 'Hello ');
    b.text.insert(0, 'World');
    for (let i = 0; i < 10; i++) (i % 2 ? a : b).text.insert((i % 2 ? a : b).text.length, `${i}`);
    await until(() => a.text.toString() === b.text.toString() && a.text.length === 'Hello World'.length + 10, 'convergence');
    const late = client(hub.url, companyPage, t.cid);
    await late.synced;
    expect(late.text.toString()).toBe(a.text.toString());
    await until(async () => (await stored(companyPage)) === a.text.toString(), 'the stored state');
    // Awareness: the late client sees the others' states.
    a.provider.awareness.setLocalStateField('user', { name: 'Ann' });
    await until(() => [...late.provider.awareness.getStates().values()].some((s) => s.user?.name === 'Ann'), 'awareness');
    // A client that leaves takes its awareness state with it.
    a.provider.disconnect();
    await until(() => ![...late.provider.awareness.getStates().values()].some((s) => s.user?.name === 'Ann'), 'awareness removal');
  });

  it('a reader gets the document, but its edits are refused, it is told why, and nothing of them is kept', async () => {
    const writer = client(hub.url, openGroupPage, t.ann);
    await writer.synced;
    writer.text.insert(0, 'members only edit');
    const reader = client(hub.url, openGroupPage, t.ben);
    await reader.synced;
    await until(() => reader.text.toString() === 'members only edit', 'the reader receives the text');
    reader.text.insert(0, 'VANDAL ');
    await until(() => reader.denied.length > 0, 'the refusal');
    expect(reader.denied[0]).toBe('permission denied: read-only');
    // The writer keeps editing; the reader keeps receiving; the refused text is nowhere else.
    writer.text.insert(writer.text.length, '!');
    await until(() => reader.text.toString().endsWith('!'), 'the reader still receives');
    expect(writer.text.toString()).toBe('members only edit!');
    const third = client(hub.url, openGroupPage, t.cid);
    await third.synced;
    expect(third.text.toString()).toBe('members only edit!');
    await until(async () => (await stored(openGroupPage)) === 'members only edit!', 'the stored state');
    expect(reader.closes).toEqual([]);
  });

  it('refuses at upgrade: anonymous, forged cookie, wrong Origin, unknown or malformed document id, a closed group seen from outside', async () => {
    expect(await upgradeStatus(hub.url, companyPage, t.ann.cookie, hub.url)).toBe(101);
    expect(await upgradeStatus(hub.url, companyPage, null, hub.url)).toBe(401);
    expect(await upgradeStatus(hub.url, companyPage, 'forged-token-forged-token-forged', hub.url)).toBe(401);
    expect(await upgradeStatus(hub.url, companyPage, t.ann.cookie, 'http://evil.example')).toBe(403);
    expect(await upgradeStatus(hub.url, companyPage, t.ann.cookie, null)).toBe(403);
    expect(await upgradeStatus(hub.url, '6f1c2d3e-0000-4000-8000-000000000000', t.ann.cookie, hub.url)).toBe(404);
    expect(await upgradeStatus(hub.url, 'not-a-uuid', t.ann.cookie, hub.url)).toBe(404);
    expect(await upgradeStatus(hub.url, closedGroupPage, t.ann.cookie, hub.url)).toBe(101);
    expect(await upgradeStatus(hub.url, closedGroupPage, t.ben.cookie, hub.url)).toBe(404);
  });

  it('an oversized update closes only its socket with 4413 and a reason; the document and other editors go on', async () => {
    const page = await newPage('Big');
    const a = client(hub.url, page, t.ann);
    const b = client(hub.url, page, t.ben);
    await Promise.all([a.synced, b.synced]);
    a.text.insert(0, 'kept');
    await until(() => b.text.toString() === 'kept', 'the first edit');
    b.provider.shouldConnect = false;
    b.text.insert(0, 'x'.repeat(UPDATE_MAX + 100));
    await until(() => b.closes.length > 0, 'the close');
    expect(b.closes[0].code).toBe(4413);
    expect(b.denied[0]).toMatch(/update too large/);
    a.text.insert(a.text.length, ' and more');
    const c = client(hub.url, page, t.cid);
    await c.synced;
    await until(() => c.text.toString() === 'kept and more', 'the others go on');
    expect(await stored(page)).toBe('kept and more');
  });

  it('a document past DOC_MAX_BYTES refuses further updates with 4413 and keeps what it had', async () => {
    const page = await newPage('Huge');
    const a = client(hub.url, page, t.ann);
    await a.synced;
    const chunk = (i: number) => `${i}`.padEnd(12 * 1024, 'abcdefghij');
    let i = 0;
    while (a.closes.length === 0 && i < 20) {
      a.text.insert(a.text.length, chunk(i++));
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(a.closes[0]?.code).toBe(4413);
    expect(a.denied.at(-1)).toMatch(/document too large/);
    const text = await stored(page);
    expect(text.length).toBeGreaterThan(DOC_MAX / 2);
    expect(text.length).toBeLessThanOrEqual(DOC_MAX);
    // The last chunk was refused: the stored text is a prefix of the client's.
    expect(a.text.toString().startsWith(text)).toBe(true);
    expect(text.length).toBeLessThan(a.text.length);
  });

  it('malformed frames close only that socket with 4400; nothing is applied and the editors go on', async () => {
    const page = await newPage('Robust');
    const a = client(hub.url, page, t.ann);
    await a.synced;
    a.text.insert(0, 'stable');
    const raw = (frame: Buffer | string) =>
      new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`${yjsUrl(hub.url)}/${page}`, { headers: { cookie: `artel_session=${t.ben.cookie}`, origin: hub.url } });
        ws.on('open', () => ws.send(frame));
        ws.on('close', (code) => resolve(code));
        ws.on('error', reject);
      });
    const bad = (write: (e: encoding.Encoder) => void) => {
      const e = encoding.createEncoder();
      write(e);
      return Buffer.from(encoding.toUint8Array(e));
    };
    expect(await raw(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toBe(4400);
    expect(await raw('{"type":"hello"}')).toBe(4400);
    expect(await raw(Buffer.from([7, 1, 2]))).toBe(4400);
    // A sync Update whose payload is garbage of the right length.
    expect(await raw(bad((e) => { encoding.writeVarUint(e, 0); encoding.writeVarUint(e, 2); encoding.writeVarUint8Array(e, new Uint8Array([5, 200, 1, 9, 9, 9, 9])); }))).toBe(4400);
    // An awareness update whose state is not JSON.
    expect(await raw(bad((e) => { encoding.writeVarUint(e, 1); const inner = encoding.createEncoder(); encoding.writeVarUint(inner, 1); encoding.writeVarUint(inner, 42); encoding.writeVarUint(inner, 1); encoding.writeVarString(inner, '{nope'); encoding.writeVarUint8Array(e, encoding.toUint8Array(inner)); }))).toBe(4400);
    // A truncated sync step 1.
    expect(await raw(Buffer.from([0, 0, 10, 1]))).toBe(4400);
    a.text.insert(a.text.length, ' still');
    const b = client(hub.url, page, t.cid);
    await b.synced;
    await until(() => b.text.toString() === 'stable still', 'the others go on');
    expect(a.closes).toEqual([]);
    expect(await stored(page)).toBe('stable still');
  });

  it('random frames from a reader never change the document nor stop the hub', async () => {
    const writer = client(hub.url, openGroupPage, t.ann);
    await writer.synced;
    const before = writer.text.toString();
    // A seeded generator: frames that start like real messages, with random bodies.
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const frames = Array.from({ length: 40 }, (_, i) => {
      const body = Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 60) }, () => Math.floor(rand() * 256)));
      const head = [[0, 0], [0, 1], [0, 2], [1], [3], [2]][i % 6];
      return Buffer.concat([Buffer.from(head), body]);
    });
    const codes = await Promise.all(
      frames.map(
        (frame) =>
          new Promise<number>((resolve) => {
            const ws = new WebSocket(`${yjsUrl(hub.url)}/${openGroupPage}`, { headers: { cookie: `artel_session=${t.cid.cookie}`, origin: hub.url } });
            ws.on('open', () => {
              ws.send(frame);
              setTimeout(() => ws.close(1000), 300);
            });
            ws.on('close', (code) => resolve(code));
            ws.on('error', () => resolve(-1));
          }),
      ),
    );
    for (const code of codes) expect([1000, 1005, 4400]).toContain(code);
    writer.text.insert(writer.text.length, '?');
    await until(async () => (await stored(openGroupPage)) === before + '?', 'the stored state');
    expect(writer.closes).toEqual([]);
  });

  it('compaction keeps the content identical and removes the updates it covers', async () => {
    const page = await newPage('Compacted');
    const a = client(hub.url, page, t.ann);
    const b = client(hub.url, page, t.ben);
    await Promise.all([a.synced, b.synced]);
    for (let i = 0; i < COMPACT_EVERY * 3; i++) {
      const c = i % 2 ? a : b;
      c.text.insert(Math.floor(c.text.length / 2), `<${i}>`);
      if (i % 7 === 0 && c.text.length > 4) c.text.delete(0, 2);
      await new Promise((r) => setTimeout(r, 5));
    }
    await until(() => a.text.toString() === b.text.toString(), 'convergence');
    await until(async () => (await stored(page)) === a.text.toString(), 'the stored state');
    const db = hub.artel.svc.db;
    const [snap] = await db.query(sql`SELECT upto_seq FROM doc_snapshots WHERE doc_id = ${page}`);
    expect(snap.upto_seq).toBeGreaterThanOrEqual(COMPACT_EVERY);
    const [left] = await db.query(sql`SELECT count(*)::int AS n, min(seq) AS first FROM doc_updates WHERE doc_id = ${page}`);
    expect(left.n).toBeLessThan(COMPACT_EVERY);
    if (left.n) expect(left.first).toBeGreaterThan(snap.upto_seq);
    const late = client(hub.url, page, t.cid);
    await late.synced;
    expect(late.text.toString()).toBe(a.text.toString());
  });

  it('search finds page text once compacted, in Russian and English word forms, only in spaces the searcher may read', async () => {
    const secret = client(hub.url, closedGroupPage, t.ann);
    await secret.synced;
    // Enough separate edits for a compaction, which indexes the text.
    const words = 'Квартальный бюджетом утверждён; the quarterly budgets were approved'.split(' ');
    for (const w of [...words, ...Array.from({ length: COMPACT_EVERY }, (_, i) => `w${i}`)]) {
      secret.text.insert(secret.text.length, `${w} `);
      await new Promise((r) => setTimeout(r, 5));
    }
    const hits = async (who: typeof t.ann, q: string) =>
      ((await who.get(`/api/docs/search?q=${encodeURIComponent(q)}`)).body.hits ?? []).map((h: any) => h.page.id);
    await until(async () => (await hits(t.ann, 'бюджет')).includes(closedGroupPage), 'the page indexed');
    expect(await hits(t.ann, 'budget')).toContain(closedGroupPage);
    expect(await hits(t.ann, 'вартал')).toContain(closedGroupPage);
    const [hit] = (await t.ann.get('/api/docs/search?q=budget')).body.hits;
    expect(hit.snippet).toContain('\u0002');
    // Ben and Cid are not in the closed group: nothing; guests and anonymous callers: 401.
    expect(await hits(t.ben, 'бюджет')).toEqual([]);
    expect(await hits(t.cid, 'budget')).toEqual([]);
    expect((await t.ann.get('/api/docs/search?q=a')).status).toBe(400);
  });

  it('a document whose last client left is compacted as it leaves memory (and its text indexed), then loads the same', async () => {
    const page = await newPage('Unload');
    const a = client(hub.url, page, t.ann);
    await a.synced;
    for (const w of ['alpha ', 'beta ', 'gamma ']) a.text.insert(a.text.length, w);
    await until(async () => (await stored(page)) === 'alpha beta gamma ', 'the stored state');
    a.provider.disconnect();
    const db = hub.artel.svc.db;
    await until(async () => (await db.query(sql`SELECT 1 FROM doc_snapshots WHERE doc_id = ${page}`)).length === 1, 'the compaction on unload');
    expect((await db.query(sql`SELECT count(*)::int AS n FROM doc_updates WHERE doc_id = ${page}`))[0].n).toBe(0);
    expect((await t.ann.get('/api/docs/search?q=gamma')).body.hits.map((h: any) => h.page.id)).toContain(page);
    const again = client(hub.url, page, t.ben);
    await again.synced;
    expect(again.text.toString()).toBe('alpha beta gamma ');
  });

  it('logging out closes the document sockets of that session', async () => {
    const page = await newPage('Logout');
    const { ApiClient } = await import('../helpers/client');
    const dan = new ApiClient(hub.url);
    const r = await dan.post('/api/auth/login', { email: 'cid@example.com', password: 'correct horse battery staple' });
    expect(r.status).toBe(200);
    const c = client(hub.url, page, dan);
    await c.synced;
    c.provider.shouldConnect = true;
    await dan.post('/api/auth/logout');
    await until(() => c.closes.length > 0, 'the close');
    expect(c.closes[0].code).toBe(4401);
  });
});

/** Silence unused-import checks for Y (used in types of helpers). */
void Y;
