import { sql, type Queryable } from '../../db/pool';
import type { StreamEvent } from '../../../shared/types';

interface EventRow {
  stream_id: string;
  seq: number;
  type: string;
  payload: unknown;
  actor_id: string | null;
  created_at: Date;
}

function toEvent(r: EventRow): StreamEvent {
  return {
    stream: r.stream_id,
    seq: r.seq,
    event: { type: r.type, payload: r.payload, actorId: r.actor_id, at: r.created_at.toISOString() },
  };
}

/**
 * Append an event to a stream inside the caller's transaction and return it with its seq; `payload`
 * may be a function of the seq, run once the seq is taken.
 * The upsert takes the stream row's lock, so concurrent writers to one stream get consecutive seqs
 * in commit order.
 */
export async function appendEvent(
  tx: Queryable,
  stream: string,
  type: string,
  payload: unknown | ((seq: number) => Promise<unknown>),
  actorId: string | null,
): Promise<StreamEvent> {
  const [{ head }] = await tx.query(sql`
    INSERT INTO streams (id, head) VALUES (${stream}, 1)
    ON CONFLICT (id) DO UPDATE SET head = streams.head + 1
    RETURNING head`);
  // A payload may depend on the seq (a message keeps the seq of the event that created it).
  if (typeof payload === 'function') payload = await payload(head);
  const [row] = await tx.query(sql`
    INSERT INTO events (stream_id, seq, type, payload, actor_id)
    VALUES (${stream}, ${head}, ${type}, ${JSON.stringify(payload)}::jsonb, ${actorId})
    RETURNING stream_id, seq, type, payload, actor_id, created_at`);
  return toEvent(row as EventRow);
}

/** The stream's latest seq (0 for a stream with no events). */
export async function streamHead(db: Queryable, stream: string): Promise<number> {
  const rows = await db.query(sql`SELECT head FROM streams WHERE id = ${stream}`);
  return rows.length ? (rows[0].head as number) : 0;
}

/** Several streams' latest seqs in one round trip (0 for a stream with no events). */
export async function streamHeads(db: Queryable, streams: readonly string[]): Promise<Map<string, number>> {
  const heads = new Map<string, number>(streams.map((s) => [s, 0]));
  const rows = await db.query(sql`SELECT id, head FROM streams WHERE id = ANY(${[...heads.keys()]}::text[])`);
  for (const r of rows) heads.set(r.id as string, r.head as number);
  return heads;
}

/** Events with seq > after, in order, at most `limit`. */
export async function eventsAfter(db: Queryable, stream: string, after: number, limit: number): Promise<StreamEvent[]> {
  const rows = await db.query(sql`
    SELECT stream_id, seq, type, payload, actor_id, created_at FROM events
    WHERE stream_id = ${stream} AND seq > ${after}
    ORDER BY seq LIMIT ${limit}`);
  return (rows as EventRow[]).map(toEvent);
}
