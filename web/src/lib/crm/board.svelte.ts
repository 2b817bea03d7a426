/**
 * The deals kanban of one pipeline, live: `GET /api/crm/pipelines/:id/board`, then the CRM's live
 * events (crmLive) applied card by card; a change the loaded part cannot place exactly (a card past
 * a column's loaded end, a renumbered column) loads the board again (coalesced).
 *
 * A drop is shown at once and sent as `POST /api/crm/deals/:id/stage {stageId, position, reason?}`;
 * the answer replaces the card, a refusal puts it back and says why. While a move is in flight, events
 * about that deal wait, so an older event cannot jump the card back and forth.
 */
import type { CrmPipeline, CrmRecord, CrmRecordSummary } from '$shared/crm';
import { api } from '../api';
import { crmError } from './display.svelte';
import { crmLive } from './live.svelte';
import { findDeal, moveDeal, removeDeal, restoreDeal, sameSpot, upsertDeal, type BoardState, type BoardUpdate, type CrmLiveEvent } from './model';

/** Cards loaded per column, at first and at most (the board has no per-column paging). */
const PER_STAGE = 50;
const PER_STAGE_MAX = 200;

export class DealBoard {
  pipelineId = $state<string | null>(null);
  board = $state.raw<BoardState | null>(null);
  loaded = $state(false);
  failed = $state(false);
  /** Why the last drop was refused (the card went back). */
  error = $state('');
  /** Deals whose move is in flight (their cards show it). */
  moving = $state<string[]>([]);
  /** Cards loaded per column now. */
  perStage = $state(PER_STAGE);
  readonly perStageMax = PER_STAGE_MAX;

  private stopLive: (() => void) | null = null;
  private generation = 0;
  private loading = false;
  private again = false;
  private readonly waiting = new Map<string, CrmLiveEvent[]>();

  /** The pipelines to switch between. */
  get pipelines(): CrmPipeline[] {
    return crmLive.pipelines;
  }

  start(): void {
    this.stopLive = crmLive.listen((ev) => this.onLive(ev));
    void this.init();
  }

  stop(): void {
    this.stopLive?.();
    this.stopLive = null;
    this.generation++;
  }

  private async init(): Promise<void> {
    const pipelines = crmLive.pipelinesLoaded ? crmLive.pipelines : await crmLive.loadPipelines();
    if (!this.pipelineId) this.pipelineId = (pipelines.find((p) => p.isDefault) ?? pipelines[0])?.id ?? null;
    if (this.pipelineId) this.refresh();
    else this.failed = true;
  }

  /** Show another pipeline. */
  setPipeline(id: string): void {
    if (id === this.pipelineId) return;
    this.pipelineId = id;
    this.generation++;
    this.board = null;
    this.loaded = false;
    this.failed = false;
    this.error = '';
    this.refresh();
  }

  /** Load more cards per column (up to the most the board answers). */
  showMore(): void {
    if (this.perStage >= PER_STAGE_MAX) return;
    this.perStage = PER_STAGE_MAX;
    this.refresh();
  }

  /** Load the board (again); calls made while one runs are served by one more run after it. */
  refresh(): void {
    if (this.loading) {
      this.again = true;
      return;
    }
    this.loading = true;
    void this.load().finally(() => {
      this.loading = false;
      if (this.again) {
        this.again = false;
        this.refresh();
      }
    });
  }

  private async load(): Promise<void> {
    const gen = this.generation;
    const id = this.pipelineId;
    if (!id) return;
    try {
      const board = await api.get<BoardState>(`/api/crm/pipelines/${id}/board?perStage=${this.perStage}`);
      if (gen !== this.generation) return;
      this.board = board;
      this.loaded = true;
      this.failed = false;
    } catch (e) {
      if (gen !== this.generation) return;
      this.failed = !this.loaded;
      console.warn('crm: board failed', e);
    }
  }

  private apply(update: BoardUpdate): void {
    this.board = update.board;
    if (update.refetch) this.refresh();
  }

  private onLive(ev: CrmLiveEvent): void {
    const id = ev.type === 'upsert' ? ev.record.id : ev.type === 'remove' ? ev.id : null;
    if (id && this.waiting.has(id)) {
      this.waiting.get(id)!.push(ev);
      return;
    }
    const board = this.board;
    switch (ev.type) {
      case 'upsert':
        if (board) this.apply(upsertDeal(board, ev.record));
        break;
      case 'remove':
        if (board && ev.kind === 'deal') this.apply(removeDeal(board, ev.id));
        break;
      case 'pipelines':
        if (this.pipelineId && !ev.pipelines.some((p) => p.id === this.pipelineId)) {
          this.pipelineId = null;
          void this.init();
        } else this.refresh();
        break;
      case 'renumbered':
      case 'reload':
        this.refresh();
        break;
    }
  }

  /** The drop would change nothing. */
  unchanged(dealId: string, stageId: string, position: number): boolean {
    return !this.board || sameSpot(this.board, dealId, stageId, position);
  }

  find(dealId: string): CrmRecordSummary | undefined {
    return this.board ? findDeal(this.board, dealId)?.deal : undefined;
  }

  /** Move a card (optimistic); resolves true when the hub took it. */
  async move(dealId: string, stageId: string, position: number, reason?: string): Promise<boolean> {
    const board = this.board;
    const original = board ? findDeal(board, dealId)?.deal : undefined;
    const moved = board ? moveDeal(board, dealId, stageId, position) : null;
    if (!board || !original || !moved) return false;
    this.error = '';
    this.board = moved;
    this.waiting.set(dealId, []);
    this.moving = [...this.moving, dealId];
    const gen = this.generation;
    let ok = false;
    try {
      const body = reason ? { stageId, position, reason } : { stageId, position };
      const { record } = await api.post<{ record: CrmRecord }>(`/api/crm/deals/${dealId}/stage`, body);
      if (gen === this.generation && this.board) this.apply(upsertDeal(this.board, record));
      ok = true;
    } catch (e) {
      if (gen === this.generation && this.board) {
        this.board = restoreDeal(this.board, original);
        this.error = crmError(e);
      }
    } finally {
      const queued = this.waiting.get(dealId) ?? [];
      this.waiting.delete(dealId);
      this.moving = this.moving.filter((x) => x !== dealId);
      if (gen === this.generation) for (const ev of queued) this.onLive(ev);
    }
    return ok;
  }

  /** A deal made here (the dialog's answer) shows before its event. */
  put(record: CrmRecordSummary): void {
    if (this.board) this.apply(upsertDeal(this.board, record));
  }
}
