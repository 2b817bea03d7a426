import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPool, sql, type ConnectionPool } from '../../server/db/pool';
import * as Y from 'yjs';
import { docFrom, readDoc } from '../../server/domains/docs';
import { appendUpdate } from '../../server/domains/docs/storage';
import { freePort, startTestHub, testRedisUrl, type TestHub } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { ApiClient, invitationToken, PASSWORD } from '../helpers/client';
import { runHub, waitReady, type HubProcess } from '../helpers/process';
import { openDoc, until, type DocClient } from '../helpers/yjs';

const redisUrl = testRedisUrl();

/** The document as stored, loaded fresh from PostgreSQL. */
async function storedText(db: ConnectionPool, docId: string): Promise<string> {
  const doc = docFrom((await readDoc(db, docId))!);
  return doc.getText('body').toString();
}

describe.skipIf(!redisUrl)(`documents on two hub nodes (one PostgreSQL, one Redis)${redisUrl ? '' : ' (skipped: no Redis answered)'}`, () => {
  let db: TestDatabase;
  let a: TestHub;
  let b: TestHub;
  let owner: ApiClient;
  let bob: ApiClient;
  let spaceId: string;
  const open: DocClient[] = [];
  const client = (...args: Parameters<typeof openDoc>) => {
    const c = openDoc(...args);
    open.push(c);
    return c;
  };
  const newPage = async (title: string) => (await owner.post(`/api/docs/spaces/${spaceId}/pages`, { title })).body.page.id as string;
  /** The same person on another node (sessions are valid on every node; the Origin is that node's). */
  const via = (c: ApiClient, node: TestHub) => {
    const v = new ApiClient(node.url);
    v.cookie = c.cookie;
    return v;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startTestHub({ db, redisUrl, nodeId: 'docs-a' });
    b = await startTestHub({ db, redisUrl, nodeId: 'docs-b', env: { DOC_COMPACT_UPDATES: '40' } });
    owner = new ApiClient(a.url);
    expect((await owner.post('/api/auth/register', { workspaceName: 'Acme', name: 'Olga', email: 'o@example.com', password: PASSWORD })).status).toBe(201);
    await owner.post('/api/invitations', { email: 'bob@example.com' });
    bob = new ApiClient(b.url);
    expect((await bob.post('/api/invitations/accept', { token: await invitationToken(owner, 'bob@example.com'), name: 'Bob', password: PASSWORD })).status).toBe(201);
    spaceId = (await owner.post('/api/docs/spaces', { name: 'Company' })).body.space.id;
  }, 60_000);

  afterAll(async () => {
    for (const c of open) c.destroy();
    await a?.stop();
    await b?.stop();
    await db?.drop();
  });

  it('clients on two nodes converge; a client joining later on either node gets the whole text; awareness crosses nodes', async () => {
    const page = await newPage('Shared');
    const onA = client(a.url, page, owner);
    const onB = client(b.url, page, via(bob, b));
    await Promise.all([onA.synced, onB.synced]);
    onA.text.insert(0, 'from A. ');
    onB.text.insert(0, 'from B. ');
    await until(() => onA.text.toString() === onB.text.toString() && onA.text.length === 16, 'convergence');
    onB.provider.awareness.setLocalStateField('user', { name: 'Bob' });
    await until(() => [...onA.provider.awareness.getStates().values()].some((s) => s.user?.name === 'Bob'), 'awareness across nodes');
    const lateA = client(a.url, page, via(bob, a));
    const lateB = client(b.url, page, via(owner, b));
    await Promise.all([lateA.synced, lateB.synced]);
    expect(lateA.text.toString()).toBe(onA.text.toString());
    expect(lateB.text.toString()).toBe(onA.text.toString());
    // Bob leaves: his cursor disappears on node A too.
    onB.provider.disconnect();
    await until(() => ![...onA.provider.awareness.getStates().values()].some((s) => s.user?.name === 'Bob'), 'awareness removal across nodes');
  });

  it('an update stored but never published (its node died in between) reaches every client through gap filling', async () => {
    const page = await newPage('Gap');
    const onA = client(a.url, page, owner);
    const onB = client(b.url, page, via(bob, b));
    await Promise.all([onA.synced, onB.synced]);
    onA.text.insert(0, 'one ');
    await until(() => onB.text.toString() === 'one ', 'the first edit');
    // Another node stored an update and died before publishing it: only PostgreSQL has it.
    const ghost = docFrom((await readDoc(a.artel.svc.db, page))!);
    const before = Y.encodeStateVector(ghost);
    ghost.getText('body').insert(0, 'LOST ');
    const r = await appendUpdate(a.artel.svc.db, page, Y.encodeStateAsUpdate(ghost, before), null, 1 << 30);
    expect(r.ok).toBe(true);
    // The next update published skips a number: both nodes fetch the missing one and relay it.
    onA.text.insert(onA.text.length, 'two');
    await until(() => onB.text.toString() === 'LOST one two' && onA.text.toString() === 'LOST one two', 'gap filled on both nodes');
  });

  it('four editors on two nodes typing at once end identical to each other and to the stored state (with compaction on the way)', async () => {
    const page = await newPage('Busy');
    const editors = [
      client(a.url, page, owner),
      client(a.url, page, via(bob, a)),
      client(b.url, page, via(owner, b)),
      client(b.url, page, via(bob, b)),
    ];
    await Promise.all(editors.map((e) => e.synced));
    const ROUNDS = 30;
    await Promise.all(
      editors.map(async (e, n) => {
        for (let i = 0; i < ROUNDS; i++) {
          // Whole items at spread-out places (text inserted inside another's word would split it).
          const items = e.doc.getArray<string>('items');
          items.insert(Math.floor((items.length * ((i * 7 + n) % 10)) / 10), [`${n}.${i}`]);
          await new Promise((r) => setTimeout(r, 3 + n));
        }
      }),
    );
    const list = (e: DocClient) => JSON.stringify(e.doc.getArray('items').toJSON());
    await until(() => editors.every((e) => list(e) === list(editors[0])), 'convergence', 20_000);
    const items = editors[0].doc.getArray<string>('items').toArray();
    expect(items).toHaveLength(4 * ROUNDS);
    for (let n = 0; n < 4; n++) for (let i = 0; i < ROUNDS; i++) expect(items).toContain(`${n}.${i}`);
    const storedItems = async () => JSON.stringify(docFrom((await readDoc(a.artel.svc.db, page))!).getArray('items').toJSON());
    await until(async () => (await storedItems()) === list(editors[0]), 'the stored state');
    const [snap] = await a.artel.svc.db.query(sql`SELECT upto_seq FROM doc_snapshots WHERE doc_id = ${page}`);
    expect(snap?.upto_seq).toBeGreaterThanOrEqual(40);
  });
});

// Both nodes sit behind one public address, as behind a load balancer: browsers send that Origin.
const PUBLIC_URL = 'http://artel.test';

describe.skipIf(!redisUrl)(`kill -9 a hub node mid-edit${redisUrl ? '' : ' (skipped: no Redis answered)'}`, () => {
  let db: TestDatabase;
  let pool: ConnectionPool;
  const nodes: { url: string; port: number; name: string; proc: HubProcess }[] = [];
  const open: DocClient[] = [];
  const start = (n: { port: number; name: string }) =>
    runHub({
      PORT: String(n.port), PUBLIC_URL, DATABASE_URL: db.url, REDIS_URL: redisUrl!, NODE_ID: `docs-kill-${n.name}`, LOG_LEVEL: 'warn',
      DATA_DIR: `/tmp/artel-docs-kill-${process.pid}-${n.name}`,
    });

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = openPool(db.url, 2);
    for (const name of ['a', 'b']) {
      const port = await freePort();
      nodes.push({ url: `http://127.0.0.1:${port}`, port, name, proc: start({ port, name }) });
    }
    await Promise.all(nodes.map((n) => waitReady(n.url, n.proc)));
  }, 120_000);

  afterAll(async () => {
    for (const c of open) c.destroy();
    for (const n of nodes) if (n.proc.child.exitCode === null) n.proc.child.kill('SIGTERM');
    await Promise.all(nodes.map((n) => n.proc.exited));
    await pool?.dispose();
    await db?.drop();
  });

  it('after a node is killed and started again, every client and the state loaded fresh from PostgreSQL are identical', async () => {
    const [a, b] = nodes;
    const owner = new ApiClient(a.url, PUBLIC_URL);
    expect((await owner.post('/api/auth/register', { workspaceName: 'K', name: 'Owner', email: 'o@example.com', password: PASSWORD })).status).toBe(201);
    await owner.post('/api/invitations', { email: 'p@example.com' });
    const p = new ApiClient(b.url, PUBLIC_URL);
    expect((await p.post('/api/invitations/accept', { token: await invitationToken(owner, 'p@example.com'), name: 'P', password: PASSWORD })).status).toBe(201);
    const space = (await owner.post('/api/docs/spaces', { name: 'Company' })).body.space.id;
    const page = (await owner.post(`/api/docs/spaces/${space}/pages`, { title: 'Minutes' })).body.page.id;

    const onA = openDoc(a.url, page, owner, { origin: PUBLIC_URL });
    const onB = openDoc(b.url, page, p, { origin: PUBLIC_URL });
    open.push(onA, onB);
    await Promise.all([onA.synced, onB.synced]);
    let typing = true;
    const type = async (c: DocClient, tag: string) => {
      for (let i = 0; typing && i < 400; i++) {
        c.text.insert(c.text.length, `${tag}${i} `);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const typed = [type(onA, 'a'), type(onB, 'b')];
    await until(() => onA.text.toString().includes('b20 ') && onB.text.toString().includes('a20 '), 'both typing');
    // Node B dies without warning while its client types; the client goes on typing offline.
    b.proc.child.kill('SIGKILL');
    await b.proc.exited;
    await until(() => onB.closes.length > 0 || !onB.provider.wsconnected, 'the client notices');
    await new Promise((r) => setTimeout(r, 300));
    b.proc = start(b);
    await waitReady(b.url, b.proc);
    await new Promise((r) => setTimeout(r, 300));
    typing = false;
    await Promise.all(typed);
    await until(() => onB.provider.wsconnected && onB.provider.synced, 'the client reconnects', 20_000);
    await until(() => onA.text.toString() === onB.text.toString(), 'convergence', 20_000);
    await until(async () => (await storedText(pool, page)) === onA.text.toString(), 'the stored state', 20_000);
    // Nothing either client typed is lost, offline typing included.
    const final = onA.text.toString();
    for (const tag of ['a', 'b']) {
      const mine = final.split(' ').filter((w) => w.startsWith(tag)).map((w) => Number(w.slice(1)));
      expect(mine).toEqual(Array.from({ length: mine.length }, (_, i) => i));
    }
    // A fresh client on the restarted node loads the same.
    const fresh = openDoc(b.url, page, p, { origin: PUBLIC_URL });
    open.push(fresh);
    await fresh.synced;
    expect(fresh.text.toString()).toBe(final);
  }, 120_000);
});
