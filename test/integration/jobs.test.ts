/**
 * The persistent scheduler on two hub nodes sharing one PostgreSQL: every due job runs exactly once
 * whichever node takes it; a failing job's writes roll back and it runs again later; a job scheduled
 * before a node stops runs on a node started afterwards.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../server/db/pool';
import { startTestHub, type TestHub } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

describe('persistent jobs across nodes', () => {
  let db: TestDatabase;
  let a: TestHub;
  let b: TestHub;
  let client: pg.Client;
  const count = async (q: string) => Number((await client.query(q)).rows[0].n);
  const until = async (check: () => Promise<boolean>, ms = 20_000) => {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((ok) => setTimeout(ok, 100));
    }
  };

  /** Both nodes know the same kinds: a job writes a row naming the node that ran it. */
  function registerKinds(hub: TestHub) {
    const node = hub.artel.svc.config.nodeId;
    hub.artel.svc.jobs.register('test.record', async (u, payload) => {
      await u.tx.query(sql`INSERT INTO job_runs (job, node) VALUES (${payload.n}, ${node})`);
    });
    hub.artel.svc.jobs.register('test.flaky', async (u, payload, job) => {
      await u.tx.query(sql`INSERT INTO job_runs (job, node) VALUES (${payload.n}, ${node})`);
      if (job.attempts === 0) throw new Error('first attempt fails after writing');
    });
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startTestHub({ db, nodeId: 'node-a' });
    b = await startTestHub({ db, nodeId: 'node-b' });
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query('CREATE TABLE job_runs (job int NOT NULL, node text NOT NULL)');
    registerKinds(a);
    registerKinds(b);
  });
  afterAll(async () => {
    await client.end();
    await a.stop();
    await b.stop();
    await db.drop();
  });

  it('runs 200 due jobs exactly once between two nodes', async () => {
    await a.artel.svc.db.tx(async (tx) => {
      for (let n = 0; n < 200; n++) await a.artel.svc.jobs.schedule(tx, { kind: 'test.record', runAt: new Date(), payload: { n } });
    });
    await until(async () => (await count(`SELECT count(*) AS n FROM jobs WHERE kind = 'test.record' AND done_at IS NULL`)) === 0);
    expect(await count('SELECT count(*) AS n FROM job_runs')).toBe(200);
    expect(await count('SELECT count(DISTINCT job) AS n FROM job_runs')).toBe(200);
    // Both nodes took part (each polls every second; 200 jobs take more than one poll of 20).
    expect(await count('SELECT count(DISTINCT node) AS n FROM job_runs')).toBe(2);
  });

  it('a keyed job moves when scheduled again, and can be cancelled', async () => {
    const later = new Date(Date.now() + 3_600_000);
    await a.artel.svc.jobs.schedule(a.artel.svc.db, { kind: 'test.record', key: 'reminder:1', runAt: later, payload: { n: 1001 } });
    await a.artel.svc.jobs.schedule(a.artel.svc.db, { kind: 'test.record', key: 'reminder:1', runAt: later, payload: { n: 1002 } });
    expect(await count(`SELECT count(*) AS n FROM jobs WHERE key = 'reminder:1'`)).toBe(1);
    await a.artel.svc.jobs.cancel(a.artel.svc.db, 'reminder:1');
    expect(await count(`SELECT count(*) AS n FROM jobs WHERE key = 'reminder:1'`)).toBe(0);
  });

  it('a failing job leaves nothing behind and succeeds on its next attempt, once', async () => {
    await client.query('DELETE FROM job_runs');
    await a.artel.svc.jobs.schedule(a.artel.svc.db, { kind: 'test.flaky', runAt: new Date(), payload: { n: 7 } });
    await until(async () => (await count(`SELECT count(*) AS n FROM jobs WHERE kind = 'test.flaky' AND attempts = 1`)) === 1);
    expect(await count('SELECT count(*) AS n FROM job_runs')).toBe(0);
    const [{ last_error }] = (await client.query(`SELECT last_error FROM jobs WHERE kind = 'test.flaky'`)).rows;
    expect(last_error).toContain('first attempt fails');
    // Skip the backoff wait.
    await client.query(`UPDATE jobs SET run_at = now() WHERE kind = 'test.flaky'`);
    await until(async () => (await count(`SELECT count(*) AS n FROM jobs WHERE kind = 'test.flaky' AND done_at IS NOT NULL`)) === 1);
    expect((await client.query('SELECT job FROM job_runs')).rows).toEqual([{ job: 7 }]);
  });

  it('a job survives its node stopping and runs on a node started later', async () => {
    await client.query('DELETE FROM job_runs');
    await b.stop();
    await a.stop();
    await client.query(`INSERT INTO jobs (id, kind, payload, run_at) VALUES ($1, 'test.record', '{"n": 42}', now() + interval '1 second')`, [randomUUID()]);
    a = await startTestHub({ db, nodeId: 'node-c' });
    b = await startTestHub({ db, nodeId: 'node-d' });
    registerKinds(a);
    registerKinds(b);
    await until(async () => (await count('SELECT count(*) AS n FROM job_runs')) === 1);
    await new Promise((ok) => setTimeout(ok, 1_500));
    expect((await client.query('SELECT job FROM job_runs')).rows).toEqual([{ job: 42 }]);
  });
});
