/**
 * The live people directory: loaded from GET /api/users and kept current by the `directory` stream and
 * presence pushes.
 */
import { DIRECTORY_STREAM, type PresenceStatus, type PublicUser } from '$shared/types';
import { api } from './api';
import { applyDirectoryEvent, sortPeople } from './directory';
import { IdleWatcher } from './idle';
import { i18n } from './i18n/index.svelte';
import type { RealtimeClient } from './realtime/socket';
import { mergeSelf } from './session.svelte';

class DirectoryStore {
  users = $state<PublicUser[]>([]);
  presence = $state<Record<string, PresenceStatus>>({});
  loaded = $state(false);
  failed = $state(false);
  /** How many of the listed people are online now, away ones aside (the feed and the people page show it). */
  online = $derived(this.users.filter((u) => this.presence[u.id] === 'online').length);

  private generation = 0;
  private client: RealtimeClient | null = null;
  private stops: (() => void)[] = [];
  /** What the current socket was last told about this page's idleness (a new socket starts active). */
  private sentIdle = false;
  private idle: IdleWatcher | null = null;

  /** Follow the directory on a realtime client (and load the list). */
  attach(client: RealtimeClient): void {
    this.detach();
    this.client = client;
    void this.load();
    this.stops.push(
      client.subscribe(
        DIRECTORY_STREAM,
        (ev) => {
          this.users = applyDirectoryEvent(this.users, ev.event, i18n.locale);
          const p = ev.event.payload as { user?: PublicUser } | null;
          if (p?.user) {
            mergeSelf(p.user);
            if (ev.event.type === 'user_joined') void this.queryPresence([p.user.id]);
          }
        },
        () => void this.load(),
      ),
      client.onPresence((userId, status) => {
        this.presence[userId] = status;
      }),
      client.onStatus((s) => {
        // While disconnected nobody's presence is known; ask again once back.
        if (s === 'online') void this.queryPresence();
        else this.presence = {};
        // A new socket counts as active on the hub: tell it if this page is idle.
        this.sentIdle = false;
        this.reportIdle();
      }),
    );
    const idle = new IdleWatcher(() => this.reportIdle());
    idle.start();
    this.idle = idle;
    this.stops.push(() => {
      idle.stop();
      if (this.idle === idle) this.idle = null;
    });
  }

  /** Tell the hub whether this page is idle, only when that changed since the socket last heard it. */
  private reportIdle(): void {
    const client = this.client;
    const idle = this.idle?.idle ?? false;
    if (!client || client.status !== 'online' || idle === this.sentIdle) return;
    this.sentIdle = idle;
    client.request({ type: 'presence_set', idle }).catch((e) => console.warn('directory: presence report failed', e));
  }

  /** Stop following and forget everything (logout). */
  detach(): void {
    for (const stop of this.stops) stop();
    this.stops = [];
    this.client = null;
  }

  reset(): void {
    this.detach();
    this.generation++;
    this.users = [];
    this.presence = {};
    this.loaded = false;
    this.failed = false;
  }

  /** (Re)load the list; a newer load wins over an older one still in flight. */
  async load(): Promise<void> {
    const gen = ++this.generation;
    try {
      const { users } = await api.get<{ users: PublicUser[] }>('/api/users');
      if (gen !== this.generation) return;
      this.users = sortPeople(
        users.filter((u) => u.active !== false),
        i18n.locale,
      );
      this.loaded = true;
      this.failed = false;
      void this.queryPresence();
    } catch (e) {
      if (gen !== this.generation) return;
      this.failed = !this.loaded;
      console.warn('directory: load failed', e);
    }
  }

  private async queryPresence(ids: string[] = this.users.map((u) => u.id)): Promise<void> {
    const client = this.client;
    if (!client || client.status !== 'online' || ids.length === 0) return;
    try {
      for (let i = 0; i < ids.length; i += 1000) {
        const reply = await client.request({ type: 'presence_query', userIds: ids.slice(i, i + 1000) });
        Object.assign(this.presence, reply.presence);
      }
    } catch (e) {
      console.warn('directory: presence query failed', e);
    }
  }

  /** A person's presence ('offline' when unknown). */
  statusOf(userId: string): PresenceStatus {
    return this.presence[userId] ?? 'offline';
  }
}

export const directory = new DirectoryStore();
