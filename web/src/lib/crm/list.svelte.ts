/**
 * A live list of leads, contacts or companies: `GET /api/crm/<plural>` newest first with search and
 * filters, older pages by the keyset cursor, and the CRM's live events (crmLive) applied record by
 * record. An import, a reconnect or a reload loads the first page again (coalesced).
 */
import { CRM_PLURAL, type CrmKind, type CrmRecordSummary, type LeadStatus } from '$shared/crm';
import { api } from '../api';
import { crmLive } from './live.svelte';
import { appendRecords, removeFromList, upsertInList, type CrmLiveEvent, type ListFilter } from './model';

const PAGE = 50;

export class RecordList {
  q = $state('');
  status = $state<LeadStatus | ''>('');
  responsibleId = $state('');
  records = $state.raw<CrmRecordSummary[]>([]);
  nextCursor = $state<string | null>(null);
  loaded = $state(false);
  failed = $state(false);
  loadingMore = $state(false);
  moreFailed = $state(false);

  readonly kind: CrmKind;
  private stopLive: (() => void) | null = null;
  private generation = 0;
  private loading = false;
  private again = false;

  constructor(kind: CrmKind) {
    this.kind = kind;
  }

  private filter(): ListFilter {
    return { kind: this.kind, q: this.q, status: this.status || null, responsibleId: this.responsibleId || null };
  }

  start(): void {
    this.stopLive = crmLive.listen((ev) => this.onLive(ev));
    this.refresh();
  }

  stop(): void {
    this.stopLive?.();
    this.stopLive = null;
    this.generation++;
  }

  /** The search or a filter changed: start over. */
  reset(): void {
    this.generation++;
    this.records = [];
    this.nextCursor = null;
    this.loaded = false;
    this.failed = false;
    this.moreFailed = false;
    this.loadingMore = false;
    this.loading = false;
    this.again = false;
    this.refresh();
  }

  refresh(): void {
    if (this.loading) {
      this.again = true;
      return;
    }
    this.loading = true;
    const gen = this.generation;
    void this.loadFirst().finally(() => {
      if (gen !== this.generation) return;
      this.loading = false;
      if (this.again) {
        this.again = false;
        this.refresh();
      }
    });
  }

  private url(cursor: string | null): string {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (this.q.trim()) q.set('q', this.q.trim());
    if (this.status) q.set('status', this.status);
    if (this.responsibleId) q.set('responsibleId', this.responsibleId);
    if (cursor) q.set('cursor', cursor);
    return `/api/crm/${CRM_PLURAL[this.kind]}?${q}`;
  }

  private async loadFirst(): Promise<void> {
    const gen = this.generation;
    try {
      const page = await api.get<{ records: CrmRecordSummary[]; nextCursor: string | null }>(this.url(null));
      if (gen !== this.generation) return;
      this.records = page.records;
      this.nextCursor = page.nextCursor;
      this.loaded = true;
      this.failed = false;
    } catch (e) {
      if (gen !== this.generation) return;
      this.failed = !this.loaded;
      console.warn('crm: list failed', e);
    }
  }

  async loadMore(): Promise<void> {
    if (!this.loaded || !this.nextCursor || this.loadingMore) return;
    const gen = this.generation;
    this.loadingMore = true;
    this.moreFailed = false;
    try {
      const page = await api.get<{ records: CrmRecordSummary[]; nextCursor: string | null }>(this.url(this.nextCursor));
      if (gen !== this.generation) return;
      this.records = appendRecords(this.records, page.records);
      this.nextCursor = page.nextCursor;
    } catch (e) {
      if (gen === this.generation) this.moreFailed = true;
      console.warn('crm: older page failed', e);
    } finally {
      if (gen === this.generation) this.loadingMore = false;
    }
  }

  private onLive(ev: CrmLiveEvent): void {
    switch (ev.type) {
      case 'upsert':
        this.records = upsertInList(this.records, ev.record, this.filter(), this.loaded && this.nextCursor === null);
        break;
      case 'remove':
        this.records = removeFromList(this.records, ev.id);
        break;
      case 'imported':
        if (ev.kind === this.kind) this.refresh();
        break;
      case 'reload':
        this.refresh();
        break;
    }
  }

  /** A record made here shows before its event. */
  put(record: CrmRecordSummary): void {
    this.records = upsertInList(this.records, record, this.filter(), true);
  }
}
