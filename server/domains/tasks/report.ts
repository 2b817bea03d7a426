import { sql } from '../../db/pool';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { toCsv } from '../../lib/csv';
import { canUseTasks } from './policy';
import { visibleToUser } from './repo';

/** One person's row of the overdue report. */
export interface OverdueRow {
  userId: string;
  name: string;
  /** Active tasks (new or in progress) they are responsible for. */
  open: number;
  /** Of those, past their deadline. */
  overdue: number;
  /** The oldest missed deadline, ISO. */
  oldestDeadline: string | null;
}

/**
 * Overdue tasks by responsible person, over the tasks the viewer can see (the tasks' one visibility rule:
 * owners and admins see everyone's), most overdue first.
 */
export async function overdueByPerson(svc: Services, actor: Actor): Promise<OverdueRow[]> {
  enforce(canUseTasks(actor), 'see task reports');
  const rows = await svc.db.query(sql`
    SELECT t.responsible_id AS user_id, u.name, count(*)::int AS open,
      count(*) FILTER (WHERE t.deadline < now())::int AS overdue,
      min(t.deadline) FILTER (WHERE t.deadline < now()) AS oldest
    FROM tasks t JOIN users u ON u.id = t.responsible_id
    WHERE t.status IN ('new', 'in_progress') AND ${visibleToUser(actor.id)}
    GROUP BY t.responsible_id, u.name
    ORDER BY overdue DESC, u.name`);
  return rows.map((r) => ({ userId: r.user_id, name: r.name, open: r.open, overdue: r.overdue, oldestDeadline: r.oldest?.toISOString() ?? null }));
}

/** The same report for a spreadsheet. */
export function overdueCsv(rows: OverdueRow[], sep: ';' | ','): Buffer {
  return toCsv([['Person', 'Open tasks', 'Overdue', 'Oldest missed deadline (UTC)'], ...rows.map((r) => [r.name, r.open, r.overdue, r.oldestDeadline])], sep);
}
