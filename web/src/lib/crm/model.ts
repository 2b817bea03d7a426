/**
 * The CRM client's pure logic: money, the kanban (live events, optimistic drops), lists, record streams
 * and timelines, reports and import mappings. No Svelte, no DOM: the unit tests load it as it is.
 *
 * States are replaced, never mutated, so `$state.raw` holders re-render on assignment.
 * Imports from shared/ are relative (not `$shared`) so this module also loads in plain vitest/tsc.
 */
import {
  addAmount,
  canonicalAmount,
  IMPORT_FIELDS,
  MULTI_IMPORT_FIELDS,
  type Amounts,
  type CrmBoard,
  type CrmKind,
  type CrmPipeline,
  type CrmRecord,
  type CrmRecordSummary,
  type CrmSettings,
  type CrmStage,
  type CrmStageRef,
  type CrmTimelineEntry,
  type DealsReport,
  type FunnelReport,
  type ImportField,
  type LeadStatus,
} from '../../../../shared/crm';
import type { StreamEvent } from '../../../../shared/types';

// ---- Money ------------------------------------------------------------------------------------------

const cents = (amount: string) => BigInt(canonicalAmount(amount).replace('.', ''));
const fromCents = (c: bigint) => {
  const s = (c < 0n ? -c : c).toString().padStart(3, '0');
  return `${c < 0n ? '-' : ''}${s.slice(0, -2)}.${s.slice(-2)}`;
};

/** `amounts` plus one amount (a new object; nothing when the amount or the currency is missing). */
export function plusAmount(amounts: Amounts, currency: string | null, amount: string | null): Amounts {
  const out = { ...amounts };
  addAmount(out, currency, amount);
  return out;
}

/** `amounts` minus one amount, exactly; a currency that reaches zero (or below) is dropped. */
export function minusAmount(amounts: Amounts, currency: string | null, amount: string | null): Amounts {
  if (!currency || amount === null || amounts[currency] === undefined) return amounts;
  const out = { ...amounts };
  const left = cents(out[currency]) - cents(amount);
  if (left > 0n) out[currency] = fromCents(left);
  else delete out[currency];
  return out;
}

/** An exact amount in a currency for people: "150 000 ₽", "$1,500.50" (no decimals when there are none). */
export function formatMoney(amount: string, currency: string, locale: string): string {
  const exact = canonicalAmount(amount);
  const frac = exact.endsWith('.00') ? 0 : 2;
  try {
    const nf = new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: frac, maximumFractionDigits: frac });
    // Intl formats decimal strings exactly (no float rounding of large amounts).
    return (nf.format as unknown as (v: string) => string)(frac ? exact : exact.slice(0, -3));
  } catch {
    return `${exact} ${currency}`;
  }
}

/** Totals by currency, in a stable order, e.g. "150 000 ₽ + $50"; '' when there are none. */
export function formatAmounts(amounts: Amounts, locale: string): string {
  return Object.keys(amounts)
    .sort()
    .filter((c) => cents(amounts[c]) !== 0n)
    .map((c) => formatMoney(amounts[c], c, locale))
    .join(' + ');
}

/** The largest amount of a set of totals, as a number (chart scales only; never shown). */
export function amountScale(amounts: Amounts): number {
  return Object.values(amounts).reduce((m, a) => Math.max(m, Number(a)), 0);
}

// ---- Stages -----------------------------------------------------------------------------------------

/** The built-in stages' stable codes and the names they are created with. */
export const BUILTIN_STAGES: Record<string, string> = { new: 'New', negotiation: 'Negotiation', proposal: 'Proposal', won: 'Won', lost: 'Lost' };

/**
 * The code to translate a stage's label by, or null to show it as named: a built-in stage keeps its
 * code when renamed, and then the new name (someone chose it) wins.
 */
export function stageCode(stage: Pick<CrmStageRef, 'code' | 'name'>): string | null {
  return stage.code && BUILTIN_STAGES[stage.code] === stage.name ? stage.code : null;
}

/** A drop there closes the deal and asks for a reason. */
export const closesDeal = (stage: Pick<CrmStageRef, 'kind'>) => stage.kind !== 'open';

// ---- The kanban ---------------------------------------------------------------------------------------

export type BoardState = CrmBoard;
export type BoardColumn = CrmBoard['columns'][number];

/** What a live change did to the board: `refetch` when it cannot be applied exactly (unloaded cards). */
export interface BoardUpdate {
  board: BoardState;
  refetch: boolean;
}

const byRank = (a: CrmRecordSummary, b: CrmRecordSummary) =>
  (a.boardRank ?? 0) - (b.boardRank ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Some column has more cards than were loaded. */
export const boardTruncated = (board: BoardState) => board.columns.some((c) => c.deals.length < c.count);

export function findDeal(board: BoardState, id: string): { column: number; index: number; deal: CrmRecordSummary } | null {
  for (const [column, c] of board.columns.entries()) {
    const index = c.deals.findIndex((d) => d.id === id);
    if (index >= 0) return { column, index, deal: c.deals[index] };
  }
  return null;
}

function without(c: BoardColumn, deal: CrmRecordSummary): BoardColumn {
  return {
    ...c,
    count: Math.max(0, c.count - 1),
    amounts: minusAmount(c.amounts, deal.currency, deal.amount),
    deals: c.deals.filter((d) => d.id !== deal.id),
  };
}

/**
 * Put a card (already counted in `c.count`) in its rank's place; past the loaded end of a column with
 * more cards than loaded it is only counted.
 */
function withDeal(c: BoardColumn, deal: CrmRecordSummary): BoardColumn {
  const truncated = c.deals.length < c.count - 1;
  const index = c.deals.findIndex((d) => byRank(deal, d) < 0);
  const at = index < 0 ? c.deals.length : index;
  const deals = truncated && at === c.deals.length ? c.deals : [...c.deals.slice(0, at), deal, ...c.deals.slice(at)];
  return { ...c, deals };
}

const isNewer = (a: CrmRecordSummary, b: CrmRecordSummary) => a.updatedAt > b.updatedAt;

/**
 * A deal as a live event tells it (created, edited, moved, shared with me): moved to its column, in
 * its rank's place, counts and amounts kept. An older copy than the one shown is ignored. A deal the
 * board does not know while some column is only partly loaded may already be counted: refetch.
 */
export function upsertDeal(board: BoardState, deal: CrmRecordSummary): BoardUpdate {
  if (deal.kind !== 'deal') return { board, refetch: false };
  const found = findDeal(board, deal.id);
  if (found && isNewer(found.deal, deal)) return { board, refetch: false };
  const onBoard = deal.pipelineId === board.pipeline.id && deal.stage !== null;
  const target = onBoard ? board.columns.findIndex((c) => c.stage.id === deal.stage!.id) : -1;
  if (onBoard && target < 0) return { board, refetch: true };
  if (!found) {
    if (target < 0) return { board, refetch: false };
    if (boardTruncated(board)) return { board, refetch: true };
  }
  return { board: place(board, found, deal, target), refetch: false };
}

/** Take the card out of where it was found and put it in column `target` (-1: off this board). */
function place(board: BoardState, found: ReturnType<typeof findDeal>, deal: CrmRecordSummary, target: number): BoardState {
  const columns = board.columns.map((c, i) => {
    let col = c;
    if (found && found.column === i) col = without(col, found.deal);
    if (i === target) {
      col = { ...col, count: col.count + 1, amounts: plusAmount(col.amounts, deal.currency, deal.amount) };
      col = withDeal(col, deal);
    }
    return col;
  });
  return { ...board, columns };
}

/** A deal left the board (deleted, no longer mine to see). Unknown while partly loaded: refetch. */
export function removeDeal(board: BoardState, id: string): BoardUpdate {
  const found = findDeal(board, id);
  if (!found) return { board, refetch: boardTruncated(board) };
  const columns = board.columns.map((c, i) => (i === found.column ? without(c, found.deal) : c));
  return { board: { ...board, columns }, refetch: false };
}

/** The index a card dropped at vertical position `y` takes, from the middles of the cards shown. */
export function dropIndex(middles: number[], y: number): number {
  const i = middles.findIndex((m) => y < m);
  return i < 0 ? middles.length : i;
}

/** The `position` for POST …/stage: the drop's index among the cards shown, not counting the card itself. */
export function dropPosition(deals: CrmRecordSummary[], dealId: string, index: number): number {
  return deals.slice(0, index).filter((d) => d.id !== dealId).length;
}

/** The drop leaves the card where it is (same column, same place). */
export function sameSpot(board: BoardState, dealId: string, stageId: string, position: number): boolean {
  const found = findDeal(board, dealId);
  return !!found && board.columns[found.column].stage.id === stageId && found.index === position;
}

const stageRef = (s: CrmStage): CrmStageRef => ({ id: s.id, name: s.name, code: s.code, kind: s.kind });

/**
 * The board as it looks once a drop succeeds (shown at once; the answer then replaces the card): the
 * card at `position` among the target's other cards, a rank between its new neighbours. Null when the
 * deal or the stage is not on the board.
 */
export function moveDeal(board: BoardState, dealId: string, stageId: string, position: number): BoardState | null {
  const found = findDeal(board, dealId);
  const target = board.columns.findIndex((c) => c.stage.id === stageId);
  if (!found || target < 0) return null;
  const others = board.columns[target].deals.filter((d) => d.id !== dealId);
  const at = Math.max(0, Math.min(position, others.length));
  const prev = others[at - 1]?.boardRank ?? null;
  const next = others[at]?.boardRank ?? null;
  const rank = prev !== null && next !== null ? (prev + next) / 2 : prev !== null ? prev + 1024 : next !== null ? next - 1024 : 0;
  const stage = board.columns[target].stage;
  const moved: CrmRecordSummary = { ...found.deal, stage: stageRef(stage), pipelineId: stage.pipelineId, outcome: stage.kind, boardRank: rank };
  const columns = board.columns.map((c, i) => {
    let col = c;
    if (i === found.column) col = i === target ? { ...col, deals: others } : without(col, found.deal);
    if (i === target) {
      const counted = i === found.column ? col : { ...col, count: col.count + 1, amounts: plusAmount(col.amounts, moved.currency, moved.amount) };
      col = { ...counted, deals: [...others.slice(0, at), moved, ...others.slice(at)] };
    }
    return col;
  });
  return { ...board, columns };
}

/** Put a deal back as it was before a refused drop (its copy then is as new as the optimistic one). */
export function restoreDeal(board: BoardState, original: CrmRecordSummary): BoardState {
  const target = board.columns.findIndex((c) => c.stage.id === original.stage?.id);
  return place(board, findDeal(board, original.id), original, target);
}

// ---- Lists ------------------------------------------------------------------------------------------

export interface ListFilter {
  kind: CrmKind;
  q: string;
  status: LeadStatus | null;
  responsibleId: string | null;
}

/** Whether a record belongs in a list; null when only the server can tell (a search may match phones). */
export function matchesList(r: CrmRecordSummary, f: ListFilter): boolean | null {
  if (r.kind !== f.kind) return false;
  if (f.status && r.status !== f.status) return false;
  if (f.responsibleId && r.responsible.id !== f.responsibleId) return false;
  const q = f.q.trim().toLowerCase();
  if (q && !r.title.toLowerCase().includes(q)) return null;
  return true;
}

const newestFirst = (a: CrmRecordSummary, b: CrmRecordSummary) =>
  a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;

/**
 * A record as a live event tells it: replaced in place, added in its place (newest first) when it
 * belongs and falls within the loaded part (`complete`: every page is loaded), or dropped when it no
 * longer matches. Older copies are ignored.
 */
export function upsertInList(records: CrmRecordSummary[], r: CrmRecordSummary, f: ListFilter, complete: boolean): CrmRecordSummary[] {
  if (r.kind !== f.kind) return records;
  const i = records.findIndex((x) => x.id === r.id);
  const matches = matchesList(r, f);
  if (i >= 0) {
    if (isNewer(records[i], r)) return records;
    if (matches === false) return records.filter((x) => x.id !== r.id);
    return records.map((x) => (x.id === r.id ? r : x));
  }
  if (!matches) return records;
  const at = records.findIndex((x) => newestFirst(r, x) < 0);
  if (at < 0 && !complete) return records;
  const index = at < 0 ? records.length : at;
  return [...records.slice(0, index), r, ...records.slice(index)];
}

export const removeFromList = (records: CrmRecordSummary[], id: string) =>
  records.some((r) => r.id === id) ? records.filter((r) => r.id !== id) : records;

/** A next page appended, without the records already shown (a new one pushed the page boundary). */
export function appendRecords(records: CrmRecordSummary[], page: CrmRecordSummary[]): CrmRecordSummary[] {
  const known = new Set(records.map((r) => r.id));
  return [...records, ...page.filter((r) => !known.has(r.id))];
}

// ---- Live events ------------------------------------------------------------------------------------

/** What list and board followers hear, from `crm:all` and `user:<me>` alike. */
export type CrmLiveEvent =
  | { type: 'upsert'; record: CrmRecordSummary }
  | { type: 'remove'; id: string; kind: CrmKind; left: boolean }
  | { type: 'imported'; kind: CrmKind; count: number }
  | { type: 'pipelines'; pipelines: CrmPipeline[] }
  | { type: 'settings'; settings: CrmSettings }
  | { type: 'renumbered'; stageId: string }
  /** Something may have been missed (a stream reloaded, the connection came back): load again. */
  | { type: 'reload' };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isRecord = (v: unknown): v is CrmRecordSummary => isObject(v) && typeof v.id === 'string' && typeof v.kind === 'string';

/** A CRM event of `crm:all` or of my own stream, or null for anything else. */
export function liveEventOf(ev: StreamEvent): CrmLiveEvent | null {
  const p = ev.event.payload;
  if (!isObject(p)) return null;
  switch (ev.event.type) {
    case 'record_upserted':
    case 'crm_record':
      return isRecord(p.record) && !p.scrubbed ? { type: 'upsert', record: p.record } : null;
    case 'record_removed':
    case 'crm_record_left':
      return typeof p.id === 'string' ? { type: 'remove', id: p.id, kind: p.kind as CrmKind, left: ev.event.type === 'crm_record_left' } : null;
    case 'records_imported':
    case 'crm_imported':
      return { type: 'imported', kind: p.kind as CrmKind, count: Number(p.count) || 0 };
    case 'pipelines_changed':
      return Array.isArray(p.pipelines) ? { type: 'pipelines', pipelines: p.pipelines as CrmPipeline[] } : null;
    case 'crm_settings_changed':
      return isObject(p.settings) ? { type: 'settings', settings: p.settings as unknown as CrmSettings } : null;
    case 'column_renumbered':
      return typeof p.stageId === 'string' ? { type: 'renumbered', stageId: p.stageId } : null;
    default:
      return null;
  }
}

// ---- A record and its timeline ----------------------------------------------------------------------

/** Entries newest first (by their stream seq), each once. */
export function mergeEntries(entries: CrmTimelineEntry[], more: CrmTimelineEntry[]): CrmTimelineEntry[] {
  const byId = new Map(entries.map((e) => [e.id, e]));
  for (const e of more) byId.set(e.id, e);
  return [...byId.values()].sort((a, b) => b.seq - a.seq);
}

export interface RecordState {
  record: CrmRecord;
  timeline: CrmTimelineEntry[];
}

export interface RecordUpdate {
  state: RecordState;
  /** Fields the event does not carry changed (edits, shares, conversion): load the record again. */
  refetch: boolean;
  gone: boolean;
}

/** An event of the record's own stream `crm:<kind>:<id>`. */
export function applyRecordEvent(state: RecordState, ev: StreamEvent): RecordUpdate {
  const p = ev.event.payload;
  const same = { state, refetch: false, gone: false };
  if (!isObject(p)) return same;
  if (p.scrubbed || ev.event.type === 'record_deleted') return { state, refetch: false, gone: true };
  if (ev.event.type === 'shares_changed') return { state, refetch: true, gone: false };
  const summary = isRecord(p.record) && p.record.id === state.record.id ? p.record : null;
  const entry = isObject(p.entry) && typeof p.entry.id === 'string' ? (p.entry as unknown as CrmTimelineEntry) : null;
  const record = summary && !isNewer(state.record, summary) ? { ...state.record, ...summary } : state.record;
  const timeline = entry ? mergeEntries(state.timeline, [entry]) : state.timeline;
  return { state: { record, timeline }, refetch: ev.event.type === 'record_updated', gone: false };
}

// ---- Reports ----------------------------------------------------------------------------------------

/** `cur` over `prev` in percent with one decimal; null without a previous stage to compare with. */
export function conversionPercent(prev: number, cur: number): number | null {
  if (prev <= 0) return null;
  return Math.round((cur / prev) * 1000) / 10;
}

export interface FunnelRow {
  stage: FunnelReport['stages'][number]['stage'];
  count: number;
  amounts: Amounts;
  reached: number;
  /** From the previous (non-lost) stage to this one, in percent; null for the first and lost stages. */
  conversion: number | null;
  /** The bar's length, 0..1 of the widest (by deals that reached the stage). */
  width: number;
}

/** The funnel's bars: the server's conversion, or the one computed from `reached` when it sent none. */
export function funnelRows(report: FunnelReport): FunnelRow[] {
  const max = Math.max(1, ...report.stages.map((s) => s.reached));
  let prev: number | null = null;
  return report.stages.map((s) => {
    const lost = s.stage.kind === 'lost';
    const computed = lost || prev === null ? null : conversionPercent(prev, s.reached);
    if (!lost) prev = s.reached;
    return {
      stage: s.stage,
      count: s.count,
      amounts: s.amounts,
      reached: s.reached,
      conversion: lost ? null : (s.conversion ?? computed),
      width: s.reached / max,
    };
  });
}

export interface DealsBar {
  key: string;
  label: string;
  won: number;
  lost: number;
  wonAmounts: Amounts;
  lostAmounts: Amounts;
  /** Bar lengths, 0..1 of the largest count of the chart. */
  wonWidth: number;
  lostWidth: number;
}

export function dealsBars(report: DealsReport): DealsBar[] {
  const max = Math.max(1, ...report.rows.flatMap((r) => [r.won.count, r.lost.count]));
  return report.rows.map((r) => ({
    key: r.key,
    label: r.label,
    won: r.won.count,
    lost: r.lost.count,
    wonAmounts: r.won.amounts,
    lostAmounts: r.lost.amounts,
    wonWidth: r.won.count / max,
    lostWidth: r.lost.count / max,
  }));
}

/** A report's query string (the same for its JSON and its CSV). */
export function reportQuery(p: { pipelineId?: string | null; from?: string; to?: string; tz?: string; groupBy?: string; format?: 'csv' }): string {
  const q = new URLSearchParams();
  if (p.groupBy) q.set('groupBy', p.groupBy);
  if (p.pipelineId) q.set('pipelineId', p.pipelineId);
  if (p.from) q.set('from', p.from);
  if (p.to) q.set('to', p.to);
  if (p.tz) q.set('tz', p.tz);
  if (p.format) q.set('format', p.format);
  return q.toString();
}

/** A local calendar date as YYYY-MM-DD. */
export const isoDate = (d: Date) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

/** The default report period: from the first day of the month a year ago to today. */
export function defaultPeriod(today: Date): { from: string; to: string } {
  return { from: isoDate(new Date(today.getFullYear() - 1, today.getMonth(), 1)), to: isoDate(today) };
}

// ---- Import mappings --------------------------------------------------------------------------------

export type ImportKind = 'contact' | 'lead';
export type Mapping = (ImportField | null)[];

/** The fields a column may fill for a kind (a contact has no title: its name is its title). */
export function importFields(kind: ImportKind): ImportField[] {
  return IMPORT_FIELDS.filter((f) => kind === 'lead' || f !== 'title');
}

const isMulti = (f: ImportField) => MULTI_IMPORT_FIELDS.includes(f);

/** Column `i` fills `field` now; a single-valued field leaves the column that filled it before. */
export function setColumnField(mapping: Mapping, i: number, field: ImportField | null): Mapping {
  return mapping.map((f, j) => (j === i ? field : field !== null && f === field && !isMulti(field) ? null : f));
}

/** The server's suggestion as this kind allows it: unknown fields ignored, single fields once. */
export function normalizeMapping(suggested: Mapping, columns: number, kind: ImportKind): Mapping {
  const allowed = new Set(importFields(kind));
  const out: Mapping = Array.from({ length: columns }, () => null);
  for (let i = 0; i < columns; i++) {
    const f = suggested[i] ?? null;
    if (f && allowed.has(f) && (isMulti(f) || !out.includes(f))) out[i] = f;
  }
  return out;
}

/** Why the mapping cannot run: no column names the records (every row would fail), or null. */
export function mappingProblem(mapping: Mapping, kind: ImportKind): 'no_name' | null {
  const names: ImportField[] = kind === 'lead' ? ['title', 'firstName', 'lastName', 'fullName', 'companyName'] : ['firstName', 'lastName', 'fullName'];
  return mapping.some((f) => f !== null && names.includes(f)) ? null : 'no_name';
}
