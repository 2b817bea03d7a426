import { describe, expect, it } from 'vitest';
import type { CrmBoard, CrmPipeline, CrmRecord, CrmRecordSummary, CrmStage, CrmTimelineEntry, DealsReport, FunnelReport } from '../../shared/crm';
import type { StreamEvent } from '../../shared/types';
import {
  appendRecords,
  applyRecordEvent,
  boardTruncated,
  closesDeal,
  conversionPercent,
  dealsBars,
  defaultPeriod,
  dropIndex,
  dropPosition,
  findDeal,
  formatAmounts,
  formatMoney,
  funnelRows,
  importFields,
  liveEventOf,
  mappingProblem,
  matchesList,
  mergeEntries,
  minusAmount,
  moveDeal,
  normalizeMapping,
  plusAmount,
  removeDeal,
  removeFromList,
  reportQuery,
  restoreDeal,
  sameSpot,
  setColumnField,
  stageCode,
  upsertDeal,
  upsertInList,
  type ListFilter,
} from '../../web/src/lib/crm/model';
import { createBody, editBody, formOf, KIND_FIELDS } from '../../web/src/lib/crm/form';
import { en } from '../../web/src/lib/i18n/en';
import { ru } from '../../web/src/lib/i18n/ru';
import { placeholders, PLURAL_FORMS } from '../../web/src/lib/i18n/core';

// ---- fixtures -----------------------------------------------------------------------------------

const P = 'pipe-1';
const stage = (id: string, kind: CrmStage['kind'] = 'open', position = 0, code: string | null = null, name = id): CrmStage => ({
  id, pipelineId: P, name, code, kind, position,
});
const NEW = stage('s-new', 'open', 0, 'new', 'New');
const NEG = stage('s-neg', 'open', 1, 'negotiation', 'Negotiation');
const WON = stage('s-won', 'won', 2, 'won', 'Won');
const LOST = stage('s-lost', 'lost', 3, 'lost', 'Lost');
const pipeline: CrmPipeline = { id: P, name: 'Sales', position: 0, isDefault: true, stages: [NEW, NEG, WON, LOST] };
const at = (min: number) => new Date(Date.UTC(2026, 0, 1, 12, min)).toISOString();

function deal(id: string, s: CrmStage, rank: number, extra: Partial<CrmRecordSummary> = {}): CrmRecordSummary {
  return {
    id, kind: 'deal', title: `Deal ${id}`, status: null, amount: '100.00', currency: 'RUB', pipelineId: s.pipelineId,
    stage: { id: s.id, name: s.name, code: s.code, kind: s.kind }, boardRank: rank, outcome: s.kind,
    responsible: { id: 'u1', name: 'Ann' }, companyId: null, contactId: null, closeDate: null, createdAt: at(0), updatedAt: at(0), ...extra,
  };
}

/** A board whose columns hold exactly these deals (complete unless `counts` says more). */
function boardOf(cols: Record<string, CrmRecordSummary[]>, counts: Record<string, number> = {}): CrmBoard {
  return {
    pipeline,
    columns: pipeline.stages.map((s) => {
      const deals = cols[s.id] ?? [];
      const amounts: Record<string, string> = {};
      for (const d of deals) Object.assign(amounts, plusAmount(amounts, d.currency, d.amount));
      return { stage: s, count: counts[s.id] ?? deals.length, amounts, deals };
    }),
  };
}

const col = (b: CrmBoard, id: string) => b.columns.find((c) => c.stage.id === id)!;
const ids = (b: CrmBoard, id: string) => col(b, id).deals.map((d) => d.id);
const ev = (type: string, payload: unknown, stream = 'crm:all', seq = 1): StreamEvent => ({ stream, seq, event: { type, payload, actorId: 'u1', at: at(0) } });

// ---- money --------------------------------------------------------------------------------------

describe('money', () => {
  it('adds and subtracts exactly, per currency, dropping a total that reaches zero', () => {
    const a = plusAmount(plusAmount({}, 'RUB', '0.10'), 'RUB', '0.20');
    expect(a).toEqual({ RUB: '0.30' });
    expect(plusAmount(a, 'USD', '5')).toEqual({ RUB: '0.30', USD: '5.00' });
    expect(plusAmount(a, null, '5')).toEqual(a);
    expect(minusAmount({ RUB: '150000.50', USD: '1.00' }, 'RUB', '50000.25')).toEqual({ RUB: '100000.25', USD: '1.00' });
    expect(minusAmount({ RUB: '10.00' }, 'RUB', '10')).toEqual({});
    expect(minusAmount({ RUB: '10.00' }, 'EUR', '10')).toEqual({ RUB: '10.00' });
    expect(minusAmount({ RUB: '9999999999999999.99' }, 'RUB', '0.01')).toEqual({ RUB: '9999999999999999.98' });
  });

  it('formats in the locale and the record currency, decimals only when there are some', () => {
    expect(formatMoney('150000.00', 'RUB', 'ru-RU').replace(/\s/g, ' ')).toBe('150 000 ₽');
    expect(formatMoney('1500.5', 'USD', 'en-US')).toBe('$1,500.50');
    expect(formatMoney('9999999999999999.99', 'USD', 'en-US')).toBe('$9,999,999,999,999,999.99');
    expect(formatMoney('10', 'RU', 'en-US')).toBe('10.00 RU');
    expect(formatAmounts({ USD: '50.00', RUB: '1600.50' }, 'en-US').replace(/\s/g, ' ')).toBe('RUB 1,600.50 + $50');
    expect(formatAmounts({ RUB: '0.00' }, 'en-US')).toBe('');
  });
});

describe('stages', () => {
  it('translates built-in stages by code unless renamed; closing stages ask for a reason', () => {
    expect(stageCode({ code: 'negotiation', name: 'Negotiation' })).toBe('negotiation');
    expect(stageCode({ code: 'negotiation', name: 'Talks' })).toBeNull();
    expect(stageCode({ code: null, name: 'Custom' })).toBeNull();
    expect(closesDeal(WON)).toBe(true);
    expect(closesDeal(LOST)).toBe(true);
    expect(closesDeal(NEG)).toBe(false);
  });
});

// ---- the board ----------------------------------------------------------------------------------

describe('board: live events', () => {
  it('adds a new deal to its column in rank order, counting it and its amount', () => {
    const b = boardOf({ [NEW.id]: [deal('a', NEW, 0), deal('b', NEW, 100)] });
    const out = upsertDeal(b, deal('c', NEW, 50, { amount: '20.50' }));
    expect(out.refetch).toBe(false);
    expect(ids(out.board, NEW.id)).toEqual(['a', 'c', 'b']);
    expect(col(out.board, NEW.id).count).toBe(3);
    expect(col(out.board, NEW.id).amounts).toEqual({ RUB: '220.50' });
  });

  it('moves a deal between columns with counts and amounts, and ignores an older copy', () => {
    const b = boardOf({ [NEW.id]: [deal('a', NEW, 0), deal('b', NEW, 10)], [NEG.id]: [deal('c', NEG, 0)] });
    const moved = upsertDeal(b, deal('a', NEG, 5, { updatedAt: at(5) })).board;
    expect(ids(moved, NEW.id)).toEqual(['b']);
    expect(ids(moved, NEG.id)).toEqual(['c', 'a']);
    expect(col(moved, NEW.id)).toMatchObject({ count: 1, amounts: { RUB: '100.00' } });
    expect(col(moved, NEG.id)).toMatchObject({ count: 2, amounts: { RUB: '200.00' } });
    const stale = upsertDeal(moved, deal('a', NEW, 0, { updatedAt: at(1) }));
    expect(stale.board).toBe(moved);
  });

  it('keeps a count when only the amount changes and re-sums exactly', () => {
    const b = boardOf({ [NEW.id]: [deal('a', NEW, 0), deal('b', NEW, 1)] });
    const out = upsertDeal(b, deal('a', NEW, 0, { amount: '0.01', updatedAt: at(2) })).board;
    expect(col(out, NEW.id)).toMatchObject({ count: 2, amounts: { RUB: '100.01' } });
  });

  it('drops a deal that leaves the pipeline; another pipeline`s deal is ignored', () => {
    const b = boardOf({ [NEW.id]: [deal('a', NEW, 0)] });
    const gone = upsertDeal(b, deal('a', { ...NEW, id: 'x', pipelineId: 'other' }, 0, { pipelineId: 'other', updatedAt: at(3) }));
    expect(ids(gone.board, NEW.id)).toEqual([]);
    expect(col(gone.board, NEW.id).count).toBe(0);
    const foreign = upsertDeal(b, deal('z', { ...NEW, id: 'x', pipelineId: 'other' }, 0, { pipelineId: 'other' }));
    expect(foreign).toEqual({ board: b, refetch: false });
    expect(upsertDeal(b, { ...deal('q', NEW, 0), kind: 'lead' }).board).toBe(b);
  });

  it('asks for a refetch when it cannot place a change exactly', () => {
    const truncated = boardOf({ [NEW.id]: [deal('a', NEW, 0)] }, { [NEW.id]: 60 });
    expect(boardTruncated(truncated)).toBe(true);
    expect(upsertDeal(truncated, deal('z', NEG, 0)).refetch).toBe(true);
    expect(removeDeal(truncated, 'unknown').refetch).toBe(true);
    // A stage the board does not know (just added).
    expect(upsertDeal(boardOf({}), deal('z', stage('s-fresh'), 0)).refetch).toBe(true);
    // Past the loaded end of a partly loaded column a moved card is only counted.
    const b = boardOf({ [NEW.id]: [deal('a', NEW, 0)], [NEG.id]: [deal('b', NEG, 0)] }, { [NEG.id]: 5 });
    const out = upsertDeal(b, deal('a', NEG, 999, { updatedAt: at(1) })).board;
    expect(ids(out, NEG.id)).toEqual(['b']);
    expect(col(out, NEG.id).count).toBe(6);
    expect(col(out, NEW.id).count).toBe(0);
  });

  it('removes a deal with its count and amount', () => {
    const b = boardOf({ [WON.id]: [deal('a', WON, 0, { amount: '5.00' }), deal('b', WON, 1)] });
    const out = removeDeal(b, 'a');
    expect(out.refetch).toBe(false);
    expect(col(out.board, WON.id)).toMatchObject({ count: 1, amounts: { RUB: '100.00' } });
    expect(removeDeal(b, 'nope')).toEqual({ board: b, refetch: false });
  });
});

describe('board: drops', () => {
  it('turns a pointer position into an index and a position among the other cards', () => {
    expect(dropIndex([10, 30, 50], 5)).toBe(0);
    expect(dropIndex([10, 30, 50], 31)).toBe(2);
    expect(dropIndex([10, 30, 50], 99)).toBe(3);
    expect(dropIndex([], 10)).toBe(0);
    const column = [deal('a', NEW, 0), deal('b', NEW, 1), deal('c', NEW, 2)];
    // Dragging a down below c: it is not counted among the cards before the drop.
    expect(dropPosition(column, 'a', 3)).toBe(2);
    expect(dropPosition(column, 'c', 0)).toBe(0);
    expect(dropPosition(column, 'x', 2)).toBe(2);
  });

  it('knows a drop on its own place changes nothing', () => {
    const b = boardOf({ [NEW.id]: [deal('a', NEW, 0), deal('b', NEW, 1)] });
    expect(sameSpot(b, 'a', NEW.id, 0)).toBe(true);
    expect(sameSpot(b, 'b', NEW.id, 1)).toBe(true);
    expect(sameSpot(b, 'a', NEW.id, 1)).toBe(false);
    expect(sameSpot(b, 'a', NEG.id, 0)).toBe(false);
  });

  it('moves a card to another column at a position, between its new neighbours', () => {
    const b = boardOf({ [NEW.id]: [deal('a', NEW, 0), deal('b', NEW, 1)], [NEG.id]: [deal('c', NEG, 10), deal('d', NEG, 20)] });
    const out = moveDeal(b, 'a', NEG.id, 1)!;
    expect(ids(out, NEW.id)).toEqual(['b']);
    expect(ids(out, NEG.id)).toEqual(['c', 'a', 'd']);
    const a = findDeal(out, 'a')!.deal;
    expect(a).toMatchObject({ boardRank: 15, stage: { id: NEG.id, code: 'negotiation' }, outcome: 'open' });
    expect(col(out, NEW.id)).toMatchObject({ count: 1, amounts: { RUB: '100.00' } });
    expect(col(out, NEG.id)).toMatchObject({ count: 3, amounts: { RUB: '300.00' } });
    // To the top and the bottom; to a won stage.
    expect(findDeal(moveDeal(b, 'a', NEG.id, 0)!, 'a')!.deal.boardRank).toBe(10 - 1024);
    expect(findDeal(moveDeal(b, 'a', NEG.id, 9)!, 'a')!.deal.boardRank).toBe(20 + 1024);
    expect(findDeal(moveDeal(b, 'a', WON.id, 0)!, 'a')!.deal).toMatchObject({ boardRank: 0, outcome: 'won' });
    expect(moveDeal(b, 'nope', NEG.id, 0)).toBeNull();
    expect(moveDeal(b, 'a', 'nowhere', 0)).toBeNull();
  });

  it('reorders within a column without changing its count', () => {
    const b = boardOf({ [NEW.id]: [deal('a', NEW, 0), deal('b', NEW, 10), deal('c', NEW, 20)] });
    const out = moveDeal(b, 'a', NEW.id, 2)!;
    expect(ids(out, NEW.id)).toEqual(['b', 'c', 'a']);
    expect(col(out, NEW.id)).toMatchObject({ count: 3, amounts: { RUB: '300.00' } });
  });

  it('puts a refused card back where it was, even in a partly loaded board', () => {
    const a = deal('a', NEW, 0);
    const b = boardOf({ [NEW.id]: [a, deal('b', NEW, 10)] }, { [NEG.id]: 3 });
    const moved = moveDeal(b, 'a', NEG.id, 0)!;
    const back = restoreDeal(moved, a);
    expect(ids(back, NEW.id)).toEqual(['a', 'b']);
    expect(ids(back, NEG.id)).toEqual([]);
    expect(col(back, NEW.id).count).toBe(2);
    expect(col(back, NEG.id).count).toBe(3);
  });

  it('applies the answer after an optimistic move (newer copy replaces the guess)', () => {
    const b = boardOf({ [NEW.id]: [deal('a', NEW, 0)], [NEG.id]: [deal('c', NEG, 10)] });
    const guessed = moveDeal(b, 'a', NEG.id, 1)!;
    const answer = deal('a', NEG, 11, { updatedAt: at(9) });
    const out = upsertDeal(guessed, answer).board;
    expect(ids(out, NEG.id)).toEqual(['c', 'a']);
    expect(col(out, NEG.id).count).toBe(2);
    expect(findDeal(out, 'a')!.deal.boardRank).toBe(11);
  });
});

// ---- lists --------------------------------------------------------------------------------------

describe('lists', () => {
  const lead = (id: string, min: number, extra: Partial<CrmRecordSummary> = {}): CrmRecordSummary => ({
    ...deal(id, NEW, 0),
    kind: 'lead', stage: null, pipelineId: null, boardRank: null, outcome: null, status: 'new', title: `Lead ${id}`,
    createdAt: at(min), updatedAt: at(min), ...extra,
  });
  const f = (extra: Partial<ListFilter> = {}): ListFilter => ({ kind: 'lead', q: '', status: null, responsibleId: null, ...extra });

  it('matches filters; a search that only the server can judge is unknown', () => {
    expect(matchesList(lead('a', 0), f())).toBe(true);
    expect(matchesList(lead('a', 0), f({ kind: 'contact' }))).toBe(false);
    expect(matchesList(lead('a', 0), f({ status: 'junk' }))).toBe(false);
    expect(matchesList(lead('a', 0), f({ responsibleId: 'u2' }))).toBe(false);
    expect(matchesList(lead('a', 0), f({ q: 'LEAD a' }))).toBe(true);
    expect(matchesList(lead('a', 0), f({ q: '+7916' }))).toBeNull();
  });

  it('inserts newest first, replaces in place, drops what stops matching', () => {
    const list = [lead('c', 30), lead('a', 10)];
    const added = upsertInList(list, lead('b', 20), f(), false);
    expect(added.map((r) => r.id)).toEqual(['c', 'b', 'a']);
    // Older than everything loaded while more pages exist: it belongs to a later page.
    expect(upsertInList(list, lead('z', 1), f(), false)).toBe(list);
    expect(upsertInList(list, lead('z', 1), f(), true).map((r) => r.id)).toEqual(['c', 'a', 'z']);
    const renamed = upsertInList(list, lead('a', 10, { title: 'Renamed', updatedAt: at(40) }), f(), false);
    expect(renamed.map((r) => r.title)).toEqual(['Lead c', 'Renamed']);
    const junked = upsertInList(list, lead('a', 10, { status: 'junk', updatedAt: at(40) }), f({ status: 'new' }), false);
    expect(junked.map((r) => r.id)).toEqual(['c']);
    expect(upsertInList(list, lead('a', 10, { title: 'old', updatedAt: at(5) }), f(), false)).toBe(list);
    expect(upsertInList(list, { ...lead('k', 50), kind: 'contact' }, f(), true)).toBe(list);
    // Unknown to a search: not added, but kept current when shown.
    expect(upsertInList(list, lead('p', 50), f({ q: '555' }), true)).toBe(list);
  });

  it('removes and appends pages without repeats', () => {
    const list = [lead('c', 30), lead('a', 10)];
    expect(removeFromList(list, 'c').map((r) => r.id)).toEqual(['a']);
    expect(removeFromList(list, 'x')).toBe(list);
    expect(appendRecords(list, [lead('a', 10), lead('q', 5)]).map((r) => r.id)).toEqual(['c', 'a', 'q']);
  });
});

// ---- events -------------------------------------------------------------------------------------

describe('live events', () => {
  it('reads the board stream and my own stream alike', () => {
    const r = deal('a', NEW, 0);
    expect(liveEventOf(ev('record_upserted', { record: r }))).toEqual({ type: 'upsert', record: r });
    expect(liveEventOf(ev('crm_record', { record: r }, 'user:me'))).toEqual({ type: 'upsert', record: r });
    expect(liveEventOf(ev('record_removed', { id: 'a', kind: 'deal' }))).toEqual({ type: 'remove', id: 'a', kind: 'deal', left: false });
    expect(liveEventOf(ev('crm_record_left', { id: 'a', kind: 'deal' }, 'user:me'))).toEqual({ type: 'remove', id: 'a', kind: 'deal', left: true });
    expect(liveEventOf(ev('records_imported', { kind: 'contact', count: 3 }))).toEqual({ type: 'imported', kind: 'contact', count: 3 });
    expect(liveEventOf(ev('crm_imported', { kind: 'lead', count: 2 }, 'user:me'))).toEqual({ type: 'imported', kind: 'lead', count: 2 });
    expect(liveEventOf(ev('pipelines_changed', { pipelines: [pipeline] }))).toEqual({ type: 'pipelines', pipelines: [pipeline] });
    const settings = { visibility: 'all_employees', defaultCurrency: 'RUB', phoneCountryCode: '7' };
    expect(liveEventOf(ev('crm_settings_changed', { settings }))).toEqual({ type: 'settings', settings });
    expect(liveEventOf(ev('column_renumbered', { stageId: NEW.id }))).toEqual({ type: 'renumbered', stageId: NEW.id });
  });

  it('ignores what is not about lists and boards, and scrubbed or malformed payloads', () => {
    expect(liveEventOf(ev('message_posted', { id: 'x' }, 'user:me'))).toBeNull();
    expect(liveEventOf(ev('record_upserted', { id: 'a', kind: 'deal', scrubbed: true }))).toBeNull();
    expect(liveEventOf(ev('record_upserted', null))).toBeNull();
    expect(liveEventOf(ev('crm_record', { record: { title: 'no id' } }))).toBeNull();
  });
});

describe('a record and its timeline', () => {
  const entry = (id: string, seq: number, type: CrmTimelineEntry['type'] = 'comment'): CrmTimelineEntry => ({
    id, recordId: 'a', seq, type, author: { id: 'u1', name: 'Ann' }, clientId: null, body: `#${seq}`, data: {}, createdAt: at(seq),
  });
  const record = { ...deal('a', NEW, 0), firstName: 'Ann', head: 3 } as unknown as CrmRecord;

  it('merges entries newest first, each once', () => {
    const merged = mergeEntries([entry('e2', 2), entry('e1', 1)], [entry('e3', 3), entry('e2', 2)]);
    expect(merged.map((e) => e.id)).toEqual(['e3', 'e2', 'e1']);
  });

  it('adds the entry of each event, adopts the newer summary, refetches after edits', () => {
    const state = { record, timeline: [entry('e1', 1)] };
    const moved = deal('a', NEG, 0, { updatedAt: at(5) });
    const out = applyRecordEvent(state, ev('stage_changed', { record: moved, entry: entry('e4', 4, 'stage_changed') }, 'crm:deal:a', 4));
    expect(out).toMatchObject({ refetch: false, gone: false });
    expect(out.state.record.stage?.id).toBe(NEG.id);
    expect((out.state.record as unknown as { firstName: string }).firstName).toBe('Ann');
    expect(out.state.timeline.map((e) => e.id)).toEqual(['e4', 'e1']);
    const edited = applyRecordEvent(out.state, ev('record_updated', { record: moved, entry: entry('e5', 5, 'fields_changed') }, 'crm:deal:a', 5));
    expect(edited.refetch).toBe(true);
    const older = applyRecordEvent(out.state, ev('timeline_added', { record: deal('a', WON, 0, { updatedAt: at(1) }), entry: entry('e6', 6) }));
    expect(older.state.record.stage?.id).toBe(NEG.id);
    expect(older.state.timeline[0].id).toBe('e6');
  });

  it('knows when the record is gone or its shares changed', () => {
    const state = { record, timeline: [] };
    expect(applyRecordEvent(state, ev('record_deleted', { recordId: 'a' })).gone).toBe(true);
    expect(applyRecordEvent(state, ev('record_updated', { recordId: 'a', scrubbed: true })).gone).toBe(true);
    expect(applyRecordEvent(state, ev('shares_changed', { recordId: 'a', userIds: [] })).refetch).toBe(true);
    expect(applyRecordEvent(state, ev('timeline_added', null)).state).toBe(state);
  });
});

// ---- reports ------------------------------------------------------------------------------------

describe('reports', () => {
  it('computes conversion with one decimal', () => {
    expect(conversionPercent(3, 1)).toBe(33.3);
    expect(conversionPercent(3, 2)).toBe(66.7);
    expect(conversionPercent(4, 4)).toBe(100);
    expect(conversionPercent(0, 0)).toBeNull();
  });

  const funnel = (rows: [CrmStage, number, number, number | null][]): FunnelReport => ({
    pipeline: { id: P, name: 'Sales' }, from: null, to: null, tz: 'UTC',
    stages: rows.map(([s, count, reached, conversion]) => ({ stage: s, count, amounts: {}, reached, conversion })),
    total: { count: 0, amounts: {} },
  });

  it('draws funnel bars by deals reached, with conversion between consecutive stages', () => {
    const rows = funnelRows(funnel([[NEW, 2, 10, null], [NEG, 3, 5, 50], [WON, 2, 2, 40], [LOST, 3, 3, null]]));
    expect(rows.map((r) => r.width)).toEqual([1, 0.5, 0.2, 0.3]);
    expect(rows.map((r) => r.conversion)).toEqual([null, 50, 40, null]);
    // Computed from `reached` when the server sent none; lost stages are skipped as "previous".
    const computed = funnelRows(funnel([[NEW, 0, 8, null], [LOST, 1, 1, null], [NEG, 0, 2, null]]));
    expect(computed.map((r) => r.conversion)).toEqual([null, null, 25]);
    expect(funnelRows(funnel([[NEW, 0, 0, null]]))[0].width).toBe(0);
  });

  it('scales won and lost bars to the largest count', () => {
    const report: DealsReport = {
      groupBy: 'manager', from: null, to: null, tz: 'UTC',
      rows: [
        { key: 'u1', label: 'Ann', won: { count: 4, amounts: { RUB: '10.00' } }, lost: { count: 1, amounts: {} } },
        { key: 'u2', label: 'Bob', won: { count: 0, amounts: {} }, lost: { count: 2, amounts: {} } },
      ],
      total: { won: { count: 4, amounts: {} }, lost: { count: 3, amounts: {} } },
    };
    expect(dealsBars(report).map((b) => [b.key, b.wonWidth, b.lostWidth])).toEqual([['u1', 1, 0.25], ['u2', 0, 0.5]]);
  });

  it('builds report queries and the default period', () => {
    expect(reportQuery({ pipelineId: null, from: '2026-01-01', to: '2026-01-31', tz: 'Europe/Moscow', format: 'csv' })).toBe(
      'from=2026-01-01&to=2026-01-31&tz=Europe%2FMoscow&format=csv',
    );
    expect(reportQuery({ groupBy: 'month', pipelineId: 'p' })).toBe('groupBy=month&pipelineId=p');
    expect(defaultPeriod(new Date(2026, 2, 15))).toEqual({ from: '2025-03-01', to: '2026-03-15' });
    expect(defaultPeriod(new Date(2026, 0, 5))).toEqual({ from: '2025-01-01', to: '2026-01-05' });
  });
});

// ---- import mappings ----------------------------------------------------------------------------

describe('import mappings', () => {
  it('offers a title only for leads', () => {
    expect(importFields('lead')).toContain('title');
    expect(importFields('contact')).not.toContain('title');
    expect(importFields('contact')).toContain('fullName');
  });

  it('moves a single field from the column that had it; phones may fill several columns', () => {
    expect(setColumnField(['firstName', null, 'phone'], 1, 'firstName')).toEqual([null, 'firstName', 'phone']);
    expect(setColumnField(['phone', null], 1, 'phone')).toEqual(['phone', 'phone']);
    expect(setColumnField(['email', 'email'], 0, null)).toEqual([null, 'email']);
  });

  it('takes the suggestion as the kind allows, one column per single field', () => {
    expect(normalizeMapping(['title', 'firstName', 'firstName', 'email', 'email'], 6, 'contact')).toEqual([null, 'firstName', null, 'email', 'email', null]);
    expect(normalizeMapping(['title'], 1, 'lead')).toEqual(['title']);
  });

  it('refuses a mapping without a column that names the record', () => {
    expect(mappingProblem(['phone', 'email'], 'contact')).toBe('no_name');
    expect(mappingProblem(['fullName'], 'contact')).toBeNull();
    expect(mappingProblem(['companyName'], 'contact')).toBe('no_name');
    expect(mappingProblem(['companyName'], 'lead')).toBeNull();
    expect(mappingProblem([], 'lead')).toBe('no_name');
  });
});

// ---- forms --------------------------------------------------------------------------------------

describe('record forms', () => {
  const rec = {
    ...deal('a', NEW, 0, { amount: '150000.00', closeDate: '2026-05-01', companyId: 'c1' }),
    firstName: '', lastName: '', middleName: '', companyName: '', position: '', source: 'chat', comments: '',
    phones: [{ value: '8 916 123-45-67', normalized: '+79161234567', label: 'mobile' }], emails: [],
    company: { id: 'c1', kind: 'company', title: 'Acme' }, contact: null, lead: null,
  } as unknown as CrmRecord;

  it('creates with the kind`s filled fields only', () => {
    const form = formOf(null, { title: ' Supply ', amount: '150 000', currency: 'RUB', responsibleId: 'u1', firstName: 'ignored for deals' });
    expect(createBody('deal', form)).toEqual({ title: 'Supply', amount: '150 000', currency: 'RUB', responsibleId: 'u1' });
    const contact = formOf(null, { firstName: 'Ivan', phones: [{ value: ' +7 916 ', label: 'work' }, { value: '', label: 'home' }] });
    expect(createBody('contact', contact)).toEqual({ firstName: 'Ivan', phones: [{ value: '+7 916', label: 'work' }] });
    expect(KIND_FIELDS.company).not.toContain('amount');
  });

  it('edits only what changed; emptied links and amounts become null', () => {
    const before = formOf(rec);
    expect(before).toMatchObject({ title: 'Deal a', amount: '150000', closeDate: '2026-05-01', companyId: 'c1', responsibleId: 'u1' });
    expect(editBody('deal', before, { ...before })).toEqual({});
    expect(editBody('deal', before, { ...before, amount: '150000.00' })).toEqual({});
    expect(editBody('deal', before, { ...before, amount: '', companyId: '', closeDate: '', title: 'New title' })).toEqual({
      title: 'New title', amount: null, companyId: null, closeDate: null,
    });
    expect(editBody('deal', before, { ...before, currency: '' })).toEqual({});
    const lead = formOf({ ...rec, kind: 'lead' } as CrmRecord);
    expect(editBody('lead', lead, { ...lead, phones: [] })).toEqual({ phones: [] });
    expect(editBody('lead', lead, { ...lead, phones: [{ value: '8 916 123-45-67', label: 'work' }] })).toEqual({ phones: [{ value: '8 916 123-45-67', label: 'work' }] });
  });
});

// ---- translations -------------------------------------------------------------------------------

describe('crm translations', () => {
  const keys = Object.keys(en).filter((k) => k.startsWith('crm.')) as (keyof typeof en)[];

  it('has every crm key in Russian with the same placeholders and plural forms', () => {
    expect(keys.length).toBeGreaterThan(200);
    for (const k of keys) {
      expect(ru[k], k).toBeTruthy();
      expect(placeholders(ru[k]), k).toEqual(placeholders(en[k]));
      if (k.endsWith('_plural')) {
        expect(en[k].split('|').length, k).toBe(PLURAL_FORMS.en);
        expect(ru[k].split('|').length, k).toBe(PLURAL_FORMS.ru);
      }
    }
  });

  it('names the built-in stages in both languages', () => {
    expect(['new', 'negotiation', 'proposal', 'won', 'lost'].map((c) => ru[`crm.stage.${c}` as keyof typeof ru])).toEqual([
      'Новая', 'Переговоры', 'Предложение', 'Успешно', 'Проиграна',
    ]);
  });
});
