/**
 * One record's page, live: `GET /api/crm/<plural>/:id`, its stream `crm:<kind>:<id>` followed from the
 * record's `head`, and its timeline (`GET …/timeline`, newest first, older pages by `before`). Timeline
 * entries arrive as stream events (each keeps its seq) and are merged by id; an edit, a share change or
 * a conversion loads the record again (the events carry only its summary).
 */
import { CRM_PLURAL, crmStream, type ConvertLeadInput, type CrmDuplicate, type CrmKind, type CrmRecord, type CrmTimelineEntry, type TimelineInput } from '$shared/crm';
import { api, isApiError } from '../api';
import { realtime } from '../realtime/live.svelte';
import { postChecked } from './http';
import { applyRecordEvent, mergeEntries } from './model';

const TIMELINE_PAGE = 50;

export interface Conversion {
  lead: CrmRecord | null;
  contact: CrmRecord | null;
  company: CrmRecord | null;
  deal: CrmRecord | null;
}

export class RecordPage {
  record = $state.raw<CrmRecord | null>(null);
  timeline = $state.raw<CrmTimelineEntry[]>([]);
  nextBefore = $state<number | null>(null);
  loaded = $state(false);
  failed = $state(false);
  /** Deleted, or not mine to see (any more). */
  gone = $state(false);
  loadingOlder = $state(false);

  readonly kind: CrmKind;
  readonly id: string;
  private readonly base: string;
  private stopStream: (() => void) | null = null;
  private stopPush: (() => void) | null = null;
  private life = 0;

  constructor(kind: CrmKind, id: string) {
    this.kind = kind;
    this.id = id;
    this.base = `/api/crm/${CRM_PLURAL[kind]}/${id}`;
  }

  start(): void {
    this.life++;
    void this.load();
  }

  stop(): void {
    this.life++;
    this.unfollow();
  }

  /** Load the record and its newest timeline page, then follow its stream (once). */
  async load(): Promise<void> {
    const life = this.life;
    try {
      const { record } = await api.get<{ record: CrmRecord }>(this.base);
      if (life !== this.life) return;
      this.record = record;
      this.follow(record.head);
      await this.loadTimeline();
      if (life !== this.life) return;
      this.loaded = true;
      this.failed = false;
    } catch (e) {
      if (life !== this.life) return;
      if (isApiError(e, 'not_found', 'forbidden')) this.gone = true;
      else this.failed = !this.loaded;
      console.warn('crm: record failed', e);
    }
  }

  private follow(head: number): void {
    const client = realtime();
    if (this.stopStream || !client) return;
    this.stopStream = client.subscribe(
      crmStream(this.kind, this.id),
      (ev) => {
        if (!this.record) return;
        const out = applyRecordEvent({ record: this.record, timeline: this.timeline }, ev);
        this.record = out.state.record;
        this.timeline = out.state.timeline;
        if (out.gone) this.leave();
        else if (out.refetch) void this.reloadRecord();
      },
      () => void this.load(),
      { after: head },
    );
    // Unshared from me or handed on: the hub stops the stream; so do we (a resubscribe would be refused).
    this.stopPush = client.onPush((frame) => {
      if (frame.type === 'stream_revoked' && frame.stream === crmStream(this.kind, this.id)) this.leave();
    });
  }

  private leave(): void {
    this.gone = true;
    this.unfollow();
  }

  private unfollow(): void {
    this.stopStream?.();
    this.stopStream = null;
    this.stopPush?.();
    this.stopPush = null;
  }

  private async reloadRecord(): Promise<void> {
    try {
      const { record } = await api.get<{ record: CrmRecord }>(this.base);
      this.record = record;
    } catch (e) {
      if (isApiError(e, 'not_found', 'forbidden')) this.leave();
      else console.warn('crm: record reload failed', e);
    }
  }

  private async loadTimeline(): Promise<void> {
    const page = await api.get<{ entries: CrmTimelineEntry[]; nextBefore: number | null }>(`${this.base}/timeline?limit=${TIMELINE_PAGE}`);
    this.timeline = mergeEntries(this.timeline, page.entries);
    if (this.nextBefore === null || !this.loaded) this.nextBefore = page.nextBefore;
  }

  async loadOlder(): Promise<void> {
    if (this.nextBefore === null || this.loadingOlder) return;
    this.loadingOlder = true;
    try {
      const page = await api.get<{ entries: CrmTimelineEntry[]; nextBefore: number | null }>(
        `${this.base}/timeline?limit=${TIMELINE_PAGE}&before=${this.nextBefore}`,
      );
      this.timeline = mergeEntries(this.timeline, page.entries);
      this.nextBefore = page.nextBefore;
    } finally {
      this.loadingOlder = false;
    }
  }

  // ---- actions (each rejects with the request's ApiError) ----

  async edit(body: Record<string, unknown>): Promise<void> {
    this.record = (await api.patch<{ record: CrmRecord }>(this.base, body)).record;
  }

  async share(userIds: string[]): Promise<void> {
    this.record = (await api.put<{ record: CrmRecord }>(`${this.base}/shares`, { userIds })).record;
  }

  async addActivity(input: TimelineInput): Promise<void> {
    const { entry } = await api.post<{ entry: CrmTimelineEntry }>(`${this.base}/timeline`, input);
    this.timeline = mergeEntries(this.timeline, [entry]);
  }

  /** A deal's stage (the page's stage picker): the top of the new column. */
  async moveStage(stageId: string, reason?: string): Promise<void> {
    const body = reason ? { stageId, reason } : { stageId };
    this.record = (await api.post<{ record: CrmRecord }>(`/api/crm/deals/${this.id}/stage`, body)).record;
  }

  /** Convert a lead; a 409 with duplicates resolves with them (nothing was made). */
  async convert(input: ConvertLeadInput): Promise<{ done: Conversion | null; duplicates: CrmDuplicate[] }> {
    const out = await postChecked<Conversion>(`${this.base}/convert`, input);
    if (out.ok?.lead) this.record = out.ok.lead;
    return { done: out.ok, duplicates: out.duplicates };
  }

  async remove(): Promise<void> {
    await api.del(this.base);
    this.leave();
  }
}
