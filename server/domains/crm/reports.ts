import type { SQLQuery } from '@databases/pg';
import { sql } from '../../db/pool';
import { AppError } from '../../../shared/errors';
import { addAmount, type Amounts, type DealsReport, type FunnelReport } from '../../../shared/crm';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { canUseCrm } from './policy';
import { visibleToUser } from './repo';
import { findPipeline } from './pipelinesRepo';
import { toCsv, type CsvValue } from '../../lib/csv';
import { badField } from './draft';

/**
 * Sales reports over the deals the viewer can see (the one visibility rule): the owner and admins get
 * the whole company, an employee their own. Amounts are summed per currency, exactly (numeric in SQL,
 * strings on the wire); periods are calendar days in the time zone asked for (UTC by default).
 */

export interface Period {
  from: string | null;
  to: string | null;
  tz: string;
}

/** `column` within [from 00:00, to 24:00) in the period's time zone. */
function within(column: SQLQuery, p: Period): SQLQuery {
  const from = p.from ? sql`${column} >= (${p.from}::date)::timestamp AT TIME ZONE ${p.tz}` : sql`true`;
  const to = p.to ? sql`${column} < (${p.to}::date + 1)::timestamp AT TIME ZONE ${p.tz}` : sql`true`;
  return sql`${from} AND ${to}`;
}

/** PostgreSQL must know the zone too (its list and the browser's can differ): unknown ones name the field. */
async function checkZone(svc: Services, tz: string): Promise<void> {
  try {
    await svc.db.query(sql`SELECT now() AT TIME ZONE ${tz}`);
  } catch (err) {
    if ((err as { code?: string }).code === '22023') throw badField('tz', 'unknown time zone');
    throw err;
  }
}

const percent = (n: number, of: number) => (of > 0 ? Math.round((n / of) * 1000) / 10 : null);

/**
 * The funnel of a pipeline (the default one unless named) over deals created in the period: per stage
 * the deals in it now (count, amounts), how many reached it or a later non-lost stage (from the stage
 * history), and the conversion from the previous stage, in percent. Lost stages show who ended there.
 */
export async function funnel(svc: Services, actor: Actor, pipelineId: string | null, period: Period): Promise<FunnelReport> {
  enforce(canUseCrm(actor), 'see CRM reports');
  await checkZone(svc, period.tz);
  const id = pipelineId ?? ((await svc.db.query(sql`SELECT id FROM crm_pipelines WHERE is_default`))[0]?.id as string | undefined);
  const pipeline = id ? await findPipeline(svc.db, id) : null;
  if (!pipeline) throw new AppError('not_found', 'No such pipeline');
  const deals = sql`r.kind = 'deal' AND r.pipeline_id = ${pipeline.id} AND ${within(sql`r.created_at`, period)} AND ${visibleToUser(actor.id)}`;
  const current = await svc.db.query(sql`
    SELECT r.stage_id, r.currency, count(*)::int AS n, sum(r.amount)::text AS amount
    FROM crm_records r WHERE ${deals} GROUP BY r.stage_id, r.currency`);
  const reached = await svc.db.query(sql`
    SELECT s.id, (SELECT count(*)::int FROM crm_records r WHERE ${deals} AND EXISTS (
      SELECT 1 FROM crm_stage_history h JOIN crm_stages hs ON hs.id = h.stage_id
      WHERE h.deal_id = r.id AND hs.pipeline_id = s.pipeline_id AND hs.kind <> 'lost' AND hs.position >= s.position)) AS reached
    FROM crm_stages s WHERE s.pipeline_id = ${pipeline.id} AND s.kind <> 'lost'`);
  const reachedOf = new Map(reached.map((r) => [r.id as string, r.reached as number]));
  const total = { count: 0, amounts: {} as Amounts };
  let previous: number | null = null;
  const stages = pipeline.stages.map((stage) => {
    const amounts: Amounts = {};
    let count = 0;
    for (const c of current.filter((c) => c.stage_id === stage.id)) {
      count += c.n;
      addAmount(amounts, c.currency, c.amount);
      addAmount(total.amounts, c.currency, c.amount);
    }
    total.count += count;
    const lost = stage.kind === 'lost';
    const r = lost ? count : (reachedOf.get(stage.id) ?? 0);
    const conversion = lost || previous === null ? null : percent(r, previous);
    if (!lost) previous = r;
    return { stage, count, amounts, reached: r, conversion };
  });
  return { pipeline: { id: pipeline.id, name: pipeline.name }, from: period.from, to: period.to, tz: period.tz, stages, total };
}

/** Won and lost deals closed in the period, by responsible manager or by month of closing. */
export async function dealsReport(svc: Services, actor: Actor, groupBy: 'manager' | 'month', period: Period, pipelineId: string | null): Promise<DealsReport> {
  enforce(canUseCrm(actor), 'see CRM reports');
  await checkZone(svc, period.tz);
  const key = groupBy === 'manager' ? sql`r.responsible_id::text` : sql`to_char(r.closed_at AT TIME ZONE ${period.tz}, 'YYYY-MM')`;
  const label = groupBy === 'manager' ? sql`ru.name` : key;
  const rows = await svc.db.query(sql`
    SELECT ${key} AS key, ${label} AS label, st.kind AS outcome, r.currency, count(*)::int AS n, sum(r.amount)::text AS amount
    FROM crm_records r JOIN crm_stages st ON st.id = r.stage_id JOIN users ru ON ru.id = r.responsible_id
    WHERE r.kind = 'deal' AND st.kind IN ('won', 'lost') AND r.closed_at IS NOT NULL AND ${within(sql`r.closed_at`, period)}
      AND ${pipelineId ? sql`r.pipeline_id = ${pipelineId}` : sql`true`} AND ${visibleToUser(actor.id)}
    GROUP BY 1, 2, 3, 4`);
  const empty = () => ({ won: { count: 0, amounts: {} as Amounts }, lost: { count: 0, amounts: {} as Amounts } });
  const groups = new Map<string, DealsReport['rows'][number]>();
  const total = empty();
  for (const r of rows) {
    let g = groups.get(r.key);
    if (!g) groups.set(r.key, (g = { key: r.key, label: r.label, ...empty() }));
    for (const side of [g[r.outcome as 'won' | 'lost'], total[r.outcome as 'won' | 'lost']]) {
      side.count += r.n;
      addAmount(side.amounts, r.currency, r.amount);
    }
  }
  const sorted = [...groups.values()].sort((a, b) => (groupBy === 'month' ? a.key.localeCompare(b.key) : a.label.localeCompare(b.label) || a.key.localeCompare(b.key)));
  return { groupBy, from: period.from, to: period.to, tz: period.tz, rows: sorted, total };
}

const currenciesOf = (list: Amounts[]) => [...new Set(list.flatMap((a) => Object.keys(a)))].sort();
const amountCells = (a: Amounts, currencies: string[]): CsvValue[] => currencies.map((c) => a[c] ?? '0.00');

export function funnelCsv(r: FunnelReport, sep: ';' | ','): Buffer {
  const currencies = currenciesOf(r.stages.map((s) => s.amounts));
  const rows: CsvValue[][] = [['Stage', 'Kind', 'Deals', 'Reached', 'Conversion, %', ...currencies.map((c) => `Amount, ${c}`)]];
  for (const s of r.stages) rows.push([s.stage.name, s.stage.kind, s.count, s.reached, s.conversion, ...amountCells(s.amounts, currencies)]);
  rows.push(['Total', '', r.total.count, null, null, ...amountCells(r.total.amounts, currencies)]);
  return toCsv(rows, sep);
}

export function dealsCsv(r: DealsReport, sep: ';' | ','): Buffer {
  const all = [...r.rows, { key: '', label: 'Total', ...r.total }];
  const currencies = currenciesOf(all.flatMap((g) => [g.won.amounts, g.lost.amounts]));
  const rows: CsvValue[][] = [[
    r.groupBy === 'manager' ? 'Manager' : 'Month', 'Won',
    ...currencies.map((c) => `Won, ${c}`), 'Lost', ...currencies.map((c) => `Lost, ${c}`),
  ]];
  for (const g of all) rows.push([g.label, g.won.count, ...amountCells(g.won.amounts, currencies), g.lost.count, ...amountCells(g.lost.amounts, currencies)]);
  return toCsv(rows, sep);
}
