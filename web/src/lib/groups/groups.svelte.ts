/**
 * Workgroups: the list I see (mine and the open ones), kept current by `group_added` / `group_removed`
 * on my own stream, and one group's page (its card and members, kept current by its feed stream's events).
 */
import type { GroupMember, GroupRole, GroupVisibility, GroupKind, WorkGroup } from '$shared/feed';
import type { StreamEvent } from '$shared/types';
import { api, isApiError } from '../api';
import { feedUser } from '../feed/user.svelte';
import { i18n } from '../i18n/index.svelte';
import { session } from '../session.svelte';
import { applyGroupEvent, sortGroups, upsertGroup, type GroupState } from './model';

class GroupsStore {
  groups = $state.raw<WorkGroup[]>([]);
  loaded = $state(false);
  failed = $state(false);
  /** Groups I belong to that take posts (the composer's audience picker offers them). */
  mine = $derived(this.groups.filter((g) => g.myRole !== null && !g.archivedAt));

  private generation = 0;
  private loading: Promise<void> | null = null;
  /** Whose list this is (a new sign-in in the same tab starts over). */
  private owner: string | null = null;

  constructor() {
    feedUser.listen((ev) => this.onUserEvent(ev));
  }

  /** Load once (pages that need the list call it; `load` forces a reload). */
  ensure(): Promise<void> {
    if (this.owner !== (session.me?.id ?? null)) this.reset();
    if (this.loaded) return Promise.resolve();
    return (this.loading ??= this.load().finally(() => (this.loading = null)));
  }

  async load(): Promise<void> {
    const gen = ++this.generation;
    this.owner = session.me?.id ?? null;
    try {
      const { groups } = await api.get<{ groups: WorkGroup[] }>('/api/groups');
      if (gen !== this.generation) return;
      this.groups = sortGroups(groups, i18n.locale);
      this.loaded = true;
      this.failed = false;
    } catch (e) {
      if (gen !== this.generation) return;
      this.failed = !this.loaded;
      console.warn('groups: load failed', e);
    }
  }

  /** A group as the server answered it to me (my role included). */
  put(group: WorkGroup): void {
    this.groups = upsertGroup(this.groups, group, true, i18n.locale);
  }

  private onUserEvent(ev: StreamEvent): void {
    const p = (ev.event.payload ?? {}) as { group?: WorkGroup; groupId?: string };
    if (ev.event.type === 'group_added' && p.group?.id) this.put(p.group);
    // Leaving keeps an open group in the list (as one to join); the reload tells which.
    if (ev.event.type === 'group_removed' && this.loaded) void this.load();
  }

  async create(body: { name: string; description: string; kind: GroupKind; visibility: GroupVisibility; memberIds?: string[] }): Promise<WorkGroup> {
    const { group } = await api.post<{ group: WorkGroup }>('/api/groups', body);
    this.put(group);
    return group;
  }

  reset(): void {
    this.generation++;
    this.loading = null;
    this.groups = [];
    this.loaded = false;
    this.failed = false;
  }
}

export const groups = new GroupsStore();

/** One group's page: the group, its members, and what changes them. */
export class GroupView {
  state = $state.raw<GroupState | null>(null);
  loaded = $state(false);
  failed = $state(false);
  notFound = $state(false);

  private generation = 0;
  private stopUser: (() => void) | null = null;

  constructor(readonly id: string) {}

  start(): void {
    this.stopUser = feedUser.listen((ev) => {
      const p = (ev.event.payload ?? {}) as { group?: WorkGroup; groupId?: string };
      if ((p.group?.id ?? p.groupId) === this.id) void this.load();
    });
    void this.load();
  }

  stop(): void {
    this.generation++;
    this.stopUser?.();
    this.stopUser = null;
  }

  async load(): Promise<void> {
    const gen = ++this.generation;
    try {
      const { group, members } = await api.get<{ group: WorkGroup; members: GroupMember[] }>(`/api/groups/${this.id}`);
      if (gen !== this.generation) return;
      this.state = { group, members };
      groups.put(group);
      this.loaded = true;
      this.failed = false;
      this.notFound = false;
    } catch (e) {
      if (gen !== this.generation) return;
      this.notFound = isApiError(e, 'not_found', 'forbidden');
      this.failed = !this.notFound;
      this.loaded = true;
      console.warn('group: load failed', e);
    }
  }

  /** An event of the group's feed stream (members, settings). */
  apply(ev: StreamEvent): void {
    if (!this.state) return;
    this.state = applyGroupEvent(this.state, ev, session.me?.id ?? '');
    groups.put(this.state.group);
  }

  private async then(answer: Promise<unknown>): Promise<void> {
    await answer;
    await this.load();
  }

  join = () => this.then(api.post(`/api/groups/${this.id}/join`));
  leave = () => this.then(api.del(`/api/groups/${this.id}/members/${session.me?.id}`));
  archive = (archived: boolean) => this.then(api.post(`/api/groups/${this.id}/${archived ? 'archive' : 'restore'}`));
  addMembers = (userIds: string[], role: 'member' | 'moderator' = 'member') => this.then(api.post(`/api/groups/${this.id}/members`, { userIds, role }));
  setRole = (userId: string, role: Exclude<GroupRole, 'owner'>) => this.then(api.patch(`/api/groups/${this.id}/members/${userId}`, { role }));
  removeMember = (userId: string) => this.then(api.del(`/api/groups/${this.id}/members/${userId}`));
  update = (body: { name?: string; description?: string }) => this.then(api.patch(`/api/groups/${this.id}`, body));
}
