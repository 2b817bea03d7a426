/**
 * The durable-write baseline: plain INSERTs of message rows into a table shaped like Artel's `messages`
 * (`LIKE messages INCLUDING ALL`: the same columns, generated search vector, primary key, unique keys and
 * GIN indexes; no foreign keys), on the same PostgreSQL and database, without the hub, the stream log,
 * the permission reads or the fan-out.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { messageBody, nowUs } from './lib/common';
import { CpuMeter, type CpuSplit } from './lib/procs';

export interface PlainRun {
  label: string;
  rows: number;
  seconds: number;
  perSec: number;
  connections: number;
  rowsPerStatement: number;
  cpu: CpuSplit;
}

interface RowMaker {
  (): [string, string, number, string, string, string];
}

function rowMaker(chatIds: string[], authors: number): RowMaker {
  const seqs = new Map<string, number>();
  const people = Array.from({ length: authors }, () => randomUUID());
  let i = 0;
  return () => {
    const chatId = chatIds[i % chatIds.length];
    const seq = (seqs.get(chatId) ?? 0) + 1;
    seqs.set(chatId, seq);
    const author = people[i++ % people.length];
    return [randomUUID(), chatId, seq, author, randomUUID(), messageBody(-1, nowUs())];
  };
}

async function connect(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return c;
}

/** INSERT ... VALUES of `batch` rows per statement (each its own implicit transaction) on one connection. */
export async function batchedInserts(url: string, rows: number, batch: number, chatIds: string[], timeoutSeconds: number, meter: CpuMeter): Promise<PlainRun> {
  const c = await connect(url);
  try {
    await c.query('DROP TABLE IF EXISTS bench_plain_batched');
    await c.query('CREATE TABLE bench_plain_batched (LIKE messages INCLUDING ALL)');
    const make = rowMaker(chatIds, 2000);
    const deadline = Date.now() + timeoutSeconds * 1000;
    let done = 0;
    const a = await meter.mark();
    const t0 = performance.now();
    while (done < rows && Date.now() < deadline) {
      const n = Math.min(batch, rows - done);
      const params: unknown[] = [];
      const values: string[] = [];
      for (let r = 0; r < n; r++) {
        const b = params.length;
        values.push(`($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6})`);
        params.push(...make());
      }
      await c.query(`INSERT INTO bench_plain_batched (id, chat_id, seq, author_id, client_id, body) VALUES ${values.join(', ')}`, params);
      done += n;
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = CpuMeter.split(a, await meter.mark());
    return { label: `plain INSERT, ${batch} rows per statement`, rows: done, seconds, perSec: done / seconds, connections: 1, rowsPerStatement: batch, cpu };
  } finally {
    await c.end();
  }
}

/** One row per INSERT, one commit per row, on `connections` connections at once: Artel's commit pattern, nothing else. */
export async function singleRowInserts(url: string, rows: number, connections: number, chatIds: string[], timeoutSeconds: number, meter: CpuMeter): Promise<PlainRun> {
  const clients = await Promise.all(Array.from({ length: connections }, () => connect(url)));
  try {
    await clients[0].query('DROP TABLE IF EXISTS bench_plain_single');
    await clients[0].query('CREATE TABLE bench_plain_single (LIKE messages INCLUDING ALL)');
    const make = rowMaker(chatIds, 2000);
    const deadline = Date.now() + timeoutSeconds * 1000;
    let left = rows;
    let done = 0;
    const a = await meter.mark();
    const t0 = performance.now();
    await Promise.all(
      clients.map(async (c) => {
        while (left > 0 && Date.now() < deadline) {
          left--;
          await c.query('INSERT INTO bench_plain_single (id, chat_id, seq, author_id, client_id, body) VALUES ($1, $2, $3, $4, $5, $6)', make());
          done++;
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = CpuMeter.split(a, await meter.mark());
    return { label: `plain INSERT, 1 row per statement, ${connections} connections`, rows: done, seconds, perSec: done / seconds, connections, rowsPerStatement: 1, cpu };
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}
