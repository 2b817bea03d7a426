/**
 * The CRM's live feed for the board and the lists, shared by every CRM page while one is open.
 *
 *  - `GET /api/crm/streams` says what to follow: `crm:all` for those who see every record (owner,
 *    admins, everyone under `all_employees`), and always my own stream `user:<me>` — which the chats
 *    store follows already; its CRM events (`crm_record`, `crm_record_left`, `crm_imported`) reach us
 *    through `userEvents`. A record on both is kept once, by id (the models upsert).
 *  - While `crm:all` is followed, `crm_record_left` only means the record stopped concerning me, not
 *    that I stopped seeing it: it is ignored (deletions come as `record_removed`).
 *  - `stream_revoked` for `crm:all` (visibility narrowed) drops it and tells followers to reload; so do
 *    a reconnect and a stream reload, since my own stream's reloads are not replayed to us.
 *  - Pipelines and settings are loaded here and kept current by `pipelines_changed` and
 *    `crm_settings_changed` (and reloaded when the CRM opens again).
 */
import { CRM_BOARD_STREAM, type CrmPipeline, type CrmSettings } from '$shared/crm';
import type { StreamEvent } from '$shared/types';
import { api } from '../api';
import { userEvents } from '../chats/chats.svelte';
import { Listeners } from '../realtime/listeners';
import { realtime } from '../realtime/live.svelte';
import type { RealtimeClient } from '../realtime/socket';
import { liveEventOf, type CrmLiveEvent } from './model';

class CrmLive {
  pipelines = $state.raw<CrmPipeline[]>([]);
  settings = $state.raw<CrmSettings | null>(null);
  pipelinesLoaded = $state(false);
  /** `crm:all` is followed: I see every record. */
  followsAll = $state(false);

  private readonly listeners = new Listeners<[CrmLiveEvent]>((m, d) => console.warn(m, d ?? ''), 'crm event');
  private users = 0;
  private life = 0;
  private client: RealtimeClient | null = null;
  private stops: (() => void)[] = [];
  private stopAll: (() => void) | null = null;
  private retry: ReturnType<typeof setTimeout> | null = null;

  constructor() {
    userEvents.add((ev) => {
      if (this.users > 0 && ev.event.type.startsWith('crm_')) this.onEvent(ev, false);
    });
  }

  /** Hear CRM changes (while a board or a list is open); returns the function that stops. */
  listen(handler: (ev: CrmLiveEvent) => void): () => void {
    return this.listeners.add(handler);
  }

  /** A CRM page opened: follow while any is open (call the returned function when it closes). */
  open(): () => void {
    if (++this.users === 1) this.start();
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      if (--this.users === 0) this.stop();
    };
  }

  private start(): void {
    const life = ++this.life;
    void this.loadPipelines();
    void this.loadSettings();
    const attach = () => {
      if (life !== this.life) return;
      this.client = realtime();
      if (!this.client) {
        this.retry = setTimeout(attach, 200);
        return;
      }
      const client = this.client;
      let wasOnline = client.status === 'online';
      this.stops.push(
        client.onPush((frame) => {
          if (frame.type === 'stream_revoked' && frame.stream === CRM_BOARD_STREAM) {
            this.dropAll();
            this.emit({ type: 'reload' });
          }
        }),
        client.onStatus((s) => {
          if (s === 'online' && !wasOnline) {
            void this.followStreams();
            this.emit({ type: 'reload' });
          }
          wasOnline = s === 'online';
        }),
      );
      void this.followStreams();
    };
    attach();
  }

  private stop(): void {
    this.life++;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    for (const stop of this.stops) stop();
    this.stops = [];
    this.dropAll();
    this.client = null;
  }

  private dropAll(): void {
    this.stopAll?.();
    this.stopAll = null;
    this.followsAll = false;
  }

  /** Ask the hub what to follow (again: a role or the visibility may have changed). */
  private async followStreams(): Promise<void> {
    const life = this.life;
    try {
      const { streams } = await api.get<{ streams: string[] }>('/api/crm/streams');
      if (life !== this.life || !this.client) return;
      const all = streams.includes(CRM_BOARD_STREAM);
      if (all && !this.stopAll) {
        // Anchored at the head, then a reload: followers load their snapshot after the anchor.
        this.stopAll = this.client.subscribe(CRM_BOARD_STREAM, (ev) => this.onEvent(ev, true), () => this.emit({ type: 'reload' }));
        this.followsAll = true;
      } else if (!all && this.stopAll) {
        this.dropAll();
        this.emit({ type: 'reload' });
      }
    } catch (e) {
      console.warn('crm: streams failed', e);
      if (life === this.life) this.retry = setTimeout(() => void this.followStreams(), 5000);
    }
  }

  private onEvent(ev: StreamEvent, fromAll: boolean): void {
    const live = liveEventOf(ev);
    if (!live) return;
    if (live.type === 'remove' && live.left && this.followsAll && !fromAll) return;
    if (live.type === 'pipelines') this.pipelines = live.pipelines;
    if (live.type === 'settings') this.settings = live.settings;
    this.emit(live);
  }

  private emit(ev: CrmLiveEvent): void {
    this.listeners.emit(ev);
  }

  async loadPipelines(): Promise<CrmPipeline[]> {
    try {
      const { pipelines } = await api.get<{ pipelines: CrmPipeline[] }>('/api/crm/pipelines');
      this.pipelines = pipelines;
      this.pipelinesLoaded = true;
    } catch (e) {
      console.warn('crm: pipelines failed', e);
    }
    return this.pipelines;
  }

  async loadSettings(): Promise<void> {
    try {
      this.settings = (await api.get<{ settings: CrmSettings }>('/api/crm/settings')).settings;
    } catch (e) {
      console.warn('crm: settings failed', e);
    }
  }

  /** Adopt a pipeline from an answer (settings pages, before its event arrives). */
  putPipeline(p: CrmPipeline): void {
    const known = this.pipelines.some((x) => x.id === p.id);
    const list = known ? this.pipelines.map((x) => (x.id === p.id ? p : p.isDefault ? { ...x, isDefault: false } : x)) : [...this.pipelines, p];
    this.pipelines = [...list].sort((a, b) => a.position - b.position);
  }

  dropPipeline(id: string): void {
    this.pipelines = this.pipelines.filter((p) => p.id !== id);
  }

  putSettings(s: CrmSettings): void {
    this.settings = s;
  }
}

export const crmLive = new CrmLive();
