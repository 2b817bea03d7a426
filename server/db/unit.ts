import type { ConnectionPool, Transaction } from './pool';
import { appendEvent } from '../domains/streams/repo';
import type { StreamEvent } from '../../shared/types';

/** One unit of work: a transaction that collects stream events and after-commit tasks. */
export interface Unit {
  tx: Transaction;
  /**
   * Append an event to a stream; it is published only after the transaction commits. A function
   * payload receives the event's seq first (for rows that keep it).
   */
  emit(stream: string, type: string, payload: unknown | ((seq: number) => Promise<unknown>), actorId: string | null): Promise<StreamEvent>;
  /** Run `task` after a successful commit (never when the transaction rolls back). */
  afterCommit(task: () => unknown): void;
}

/** Where committed events go: the bus publisher. */
export type EventSink = (events: StreamEvent[]) => Promise<void>;

/**
 * The write path: run `work` in one transaction; after commit publish the collected events, then run
 * the after-commit tasks. Publishing failures are logged by the sink and never undo the commit:
 * subscribers fill gaps from the stored events.
 */
export async function transact<T>(db: ConnectionPool, sink: EventSink, work: (unit: Unit) => Promise<T>): Promise<T> {
  const events: StreamEvent[] = [];
  const tasks: (() => unknown)[] = [];
  const result = await db.tx(async (tx) => {
    events.length = 0;
    tasks.length = 0;
    return work({
      tx,
      emit: async (stream, type, payload, actorId) => {
        const e = await appendEvent(tx, stream, type, payload, actorId);
        events.push(e);
        return e;
      },
      afterCommit: (task) => tasks.push(task),
    });
  });
  if (events.length) await sink(events);
  for (const task of tasks) await task();
  return result;
}
