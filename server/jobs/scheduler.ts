import { randomUUID } from 'node:crypto';
import { sql, type ConnectionPool, type Queryable } from '../db/pool';
import type { Unit } from '../db/unit';
import type { Logger } from '../log';

/** Runs one job inside the transaction that marks it done: its writes and events commit with it. */
export type JobHandler = (u: Unit, payload: any, job: { id: string; kind: string; attempts: number }) => Promise<void>;

export interface JobSpec {
  kind: string;
  runAt: Date;
  payload?: unknown;
  /** One job per key: scheduling the same key again moves the pending job (and revives a done one). */
  key?: string;
}

/** Attempts before a failing job is given up (it stays in the table with its last error). */
export const MAX_ATTEMPTS = 8;
/** How often each node looks for due jobs. */
const POLL_MS = 1_000;
/** Most jobs one node runs per look. */
const BATCH = 20;

/**
 * The persistent scheduler. Jobs are rows; every node polls for due ones and takes each in its own
 * transaction with FOR UPDATE SKIP LOCKED, so a job runs on one node at a time, and its effects commit
 * together with `done_at`: exactly once, across restarts and nodes. A handler that throws rolls back
 * whatever it did; the job is retried later with exponential backoff, up to MAX_ATTEMPTS.
 */
export class Scheduler {
  private readonly handlers = new Map<string, JobHandler>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(
    private readonly db: ConnectionPool,
    private readonly write: <T>(work: (u: Unit) => Promise<T>) => Promise<T>,
    private readonly log: Logger,
  ) {}

  /** Handle jobs of `kind` (each kind once, at start-up). */
  register(kind: string, handler: JobHandler): void {
    if (this.handlers.has(kind)) throw new Error(`job kind ${kind} is registered twice`);
    this.handlers.set(kind, handler);
  }

  /** Schedule a job (in the caller's transaction when `q` is one, so it exists only if that commits). */
  async schedule(q: Queryable, spec: JobSpec): Promise<void> {
    const payload = JSON.stringify(spec.payload ?? {});
    if (spec.key) {
      await q.query(sql`
        INSERT INTO jobs (id, kind, key, payload, run_at) VALUES (${randomUUID()}, ${spec.kind}, ${spec.key}, ${payload}::jsonb, ${spec.runAt})
        ON CONFLICT (key) DO UPDATE SET kind = EXCLUDED.kind, payload = EXCLUDED.payload, run_at = EXCLUDED.run_at,
          attempts = 0, last_error = NULL, done_at = NULL`);
    } else {
      await q.query(sql`INSERT INTO jobs (id, kind, payload, run_at) VALUES (${randomUUID()}, ${spec.kind}, ${payload}::jsonb, ${spec.runAt})`);
    }
  }

  /** Drop the pending job with this key (a task done before its reminder). */
  async cancel(q: Queryable, key: string): Promise<void> {
    await q.query(sql`DELETE FROM jobs WHERE key = ${key} AND done_at IS NULL`);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private tick(): void {
    if (this.stopped) return;
    this.running = this.runDue()
      .then(() => undefined)
      .catch((err) => this.log.warn('scheduler: poll failed', { err }))
      .finally(() => {
        this.running = null;
        if (!this.stopped) this.timer = setTimeout(() => this.tick(), POLL_MS);
      });
  }

  /** Run the jobs due now, one transaction each; returns how many ran (tests call it directly). */
  async runDue(): Promise<number> {
    let ran = 0;
    for (let i = 0; i < BATCH && !this.stopped; i++) {
      const outcome = await this.runOne();
      if (outcome === 'none') break;
      if (outcome === 'done') ran++;
    }
    return ran;
  }

  private async runOne(): Promise<'none' | 'done' | 'failed'> {
    let taken: { id: string; attempts: number } | null = null;
    try {
      return await this.write(async (u): Promise<'none' | 'done'> => {
        const rows = await u.tx.query(sql`
          SELECT id, kind, payload, attempts FROM jobs
          WHERE done_at IS NULL AND run_at <= now() AND kind = ANY(${[...this.handlers.keys()]}::text[])
          ORDER BY run_at LIMIT 1 FOR UPDATE SKIP LOCKED`);
        if (!rows.length) return 'none';
        const job = rows[0];
        taken = { id: job.id, attempts: job.attempts };
        await this.handlers.get(job.kind)!(u, job.payload, { id: job.id, kind: job.kind, attempts: job.attempts });
        await u.tx.query(sql`UPDATE jobs SET done_at = now(), attempts = attempts + 1 WHERE id = ${job.id}`);
        return 'done';
      });
    } catch (err) {
      if (!taken) throw err;
      // The whole transaction rolled back (the handler's writes and events with it): record the failure
      // and try again later.
      const job = taken as { id: string; attempts: number };
      const delay = Math.min(3_600, 2 ** job.attempts * 5);
      const giveUp = job.attempts + 1 >= MAX_ATTEMPTS;
      await this.db.query(sql`
        UPDATE jobs SET attempts = attempts + 1, last_error = ${String((err as Error)?.message ?? err).slice(0, 1000)},
          run_at = now() + make_interval(secs => ${delay}), done_at = ${giveUp ? sql`now()` : sql`NULL`}
        WHERE id = ${job.id} AND done_at IS NULL`);
      this.log.warn('scheduler: job failed', { id: job.id, attempts: job.attempts + 1, gaveUp: giveUp, err });
      return 'failed';
    }
  }
}
