/**
 * The knowledge base's navigation state, shared by the Docs layout (spaces and the page tree), its home
 * page (the space, its bin) and the editor (which selects the space of the page it shows): the spaces I
 * may read, the selected space's live pages as a tree, its bin, and the last deletion to undo.
 */
import { docSpaceStream, type DocPage, type DocSpace } from '$shared/docs';
import type { WorkGroup } from '$shared/feed';
import { api } from '$lib/api';
import { session } from '$lib/session.svelte';
import { realtime } from '$lib/realtime/live.svelte';
import type { RealtimeClient } from '$lib/realtime/socket';
import { buildTree, upsertPage, type MoveTo, type TreeNode } from './model';

const LAST_SPACE = 'artel.docs.space';
/** Changes of the tree arrive in bursts (a subtree deleted, a page moved and renumbered): refetch once after them. */
const REFETCH_AFTER_MS = 200;

/** A deletion that may still be undone from the toast. */
export interface UndoEntry {
  page: DocPage;
  at: number;
}

class DocsNav {
  spaces = $state<DocSpace[]>([]);
  spacesLoaded = $state(false);
  spacesFailed = $state(false);
  spaceId = $state<string | null>(null);
  pages = $state<DocPage[]>([]);
  pagesLoaded = $state(false);
  pagesFailed = $state(false);
  bin = $state<DocPage[] | null>(null);
  undo = $state<UndoEntry | null>(null);
  /** Groups I may create a space for (owner or moderator, not archived). */
  manageable = $state<WorkGroup[]>([]);

  readonly tree: TreeNode[] = $derived(buildTree(this.pages));
  readonly space: DocSpace | null = $derived(this.spaces.find((s) => s.id === this.spaceId) ?? null);

  /** Whether I may create a space at all (the company's, or one of my groups'). */
  get canCreateSpace(): boolean {
    const role = session.me?.role;
    return role === 'owner' || role === 'admin' || this.manageable.length > 0;
  }

  /** Whose state this is: another sign-in in the same tab starts from nothing. */
  private userId: string | null = null;
  private pagesGen = 0;
  /** The selected space's `docspace:` stream we follow, on which realtime client. */
  private following: { spaceId: string; client: RealtimeClient; stop: () => void } | null = null;
  private refetchTimer: ReturnType<typeof setTimeout> | null = null;

  /** Load (or refresh) the spaces and the groups I manage; the layout calls it on every visit. */
  async start(): Promise<void> {
    const me = session.me?.id ?? null;
    if (me !== this.userId) {
      this.userId = me;
      this.unfollow();
      this.spaces = [];
      this.spacesLoaded = false;
      this.spaceId = null;
      this.pages = [];
      this.pagesLoaded = false;
      this.bin = null;
      this.undo = null;
    }
    // Coming back to the Docs: what changed while we were away is fetched, and followed again.
    const shown = this.spaceId;
    if (shown && this.pagesLoaded) {
      this.follow(shown);
      void this.loadPages();
    }
    await Promise.all([this.loadSpaces(), this.loadGroups()]);
  }

  /** Leaving the Docs: stop following the tree (start() picks it up again). */
  stop(): void {
    this.unfollow();
  }

  /**
   * Follow a space's tree: another user's create, rename, move, delete or restore arrives as
   * `pages_changed` and the pages are fetched again (once per burst). A stream that missed too much
   * (its reload callback) refetches the same way.
   */
  private follow(spaceId: string): void {
    const client = realtime();
    if (this.following && this.following.spaceId === spaceId && this.following.client === client) return;
    this.unfollow();
    if (!client) return;
    const refetch = () => this.scheduleRefetch(spaceId);
    const stop = client.subscribe(docSpaceStream(spaceId), (ev) => {
      if (ev.event.type === 'pages_changed') refetch();
    }, refetch);
    this.following = { spaceId, client, stop };
  }

  private unfollow(): void {
    this.following?.stop();
    this.following = null;
    if (this.refetchTimer) clearTimeout(this.refetchTimer);
    this.refetchTimer = null;
  }

  private scheduleRefetch(spaceId: string): void {
    if (spaceId !== this.spaceId || this.refetchTimer) return;
    this.refetchTimer = setTimeout(() => {
      this.refetchTimer = null;
      if (spaceId !== this.spaceId) return;
      void this.loadPages();
      if (this.bin) void this.loadBin().catch(() => undefined);
    }, REFETCH_AFTER_MS);
  }

  async loadSpaces(): Promise<void> {
    try {
      const { spaces } = await api.get<{ spaces: DocSpace[] }>('/api/docs/spaces');
      this.spaces = spaces;
      this.spacesFailed = false;
      this.spacesLoaded = true;
      if (!this.spaceId || !spaces.some((s) => s.id === this.spaceId)) {
        const remembered = readLast();
        const pick = spaces.find((s) => s.id === remembered) ?? spaces[0] ?? null;
        if (pick) await this.select(pick.id);
      }
    } catch {
      this.spacesFailed = true;
    }
  }

  private async loadGroups(): Promise<void> {
    try {
      const { groups } = await api.get<{ groups: WorkGroup[] }>('/api/groups');
      this.manageable = groups.filter((g) => !g.archivedAt && (g.myRole === 'owner' || g.myRole === 'moderator'));
    } catch {
      // Without the list only the company option is offered; nothing else depends on it.
      this.manageable = [];
    }
  }

  /** Show a space's tree (a no-op when it is already shown). */
  async select(spaceId: string): Promise<void> {
    this.follow(spaceId);
    if (this.spaceId === spaceId && this.pagesLoaded) return;
    if (this.spaceId !== spaceId) {
      this.spaceId = spaceId;
      this.pages = [];
      this.pagesLoaded = false;
      this.bin = null;
    }
    writeLast(spaceId);
    await this.loadPages();
  }

  async loadPages(): Promise<void> {
    const spaceId = this.spaceId;
    if (!spaceId) return;
    const mine = ++this.pagesGen;
    try {
      const { space, pages } = await api.get<{ space: DocSpace; pages: DocPage[] }>(`/api/docs/spaces/${spaceId}/pages`);
      if (mine !== this.pagesGen) return;
      this.pages = pages;
      this.mergeSpace(space);
      this.pagesFailed = false;
      this.pagesLoaded = true;
    } catch {
      if (mine === this.pagesGen) this.pagesFailed = true;
    }
  }

  async loadBin(): Promise<void> {
    if (!this.spaceId) return;
    const spaceId = this.spaceId;
    const { pages } = await api.get<{ pages: DocPage[] }>(`/api/docs/spaces/${spaceId}/pages?deleted=true`);
    if (spaceId === this.spaceId) this.bin = pages;
  }

  private mergeSpace(space: DocSpace): void {
    const i = this.spaces.findIndex((s) => s.id === space.id);
    if (i < 0) this.spaces = [...this.spaces, space];
    else this.spaces[i] = space;
  }

  async createSpace(name: string, groupId: string | null): Promise<DocSpace> {
    const { space } = await api.post<{ space: DocSpace }>('/api/docs/spaces', { name, groupId });
    this.mergeSpace(space);
    await this.select(space.id);
    return space;
  }

  async renameSpace(name: string): Promise<void> {
    if (!this.spaceId) return;
    const { space } = await api.patch<{ space: DocSpace }>(`/api/docs/spaces/${this.spaceId}`, { name });
    this.mergeSpace(space);
  }

  async createPage(parentId: string | null, title = ''): Promise<DocPage> {
    const { page } = await api.post<{ page: DocPage }>(`/api/docs/spaces/${this.spaceId}/pages`, { title, parentId });
    // Siblings were renumbered on the hub: reload rather than guess positions.
    this.pages = upsertPage(this.pages, page);
    void this.loadPages();
    return page;
  }

  async renamePage(id: string, title: string): Promise<DocPage> {
    const { page } = await api.patch<{ page: DocPage }>(`/api/docs/pages/${id}`, { title });
    if (page.spaceId === this.spaceId) this.pages = upsertPage(this.pages, page);
    return page;
  }

  async movePage(id: string, to: MoveTo): Promise<void> {
    await api.post(`/api/docs/pages/${id}/move`, to);
    await this.loadPages();
  }

  async deletePage(id: string): Promise<DocPage> {
    const { page } = await api.del<{ page: DocPage }>(`/api/docs/pages/${id}`);
    this.undo = { page, at: Date.now() };
    await this.loadPages();
    if (this.bin) await this.loadBin();
    return page;
  }

  async restorePage(id: string): Promise<DocPage> {
    const { page } = await api.post<{ page: DocPage }>(`/api/docs/pages/${id}/restore`);
    if (this.undo?.page.id === id) this.undo = null;
    if (page.spaceId === this.spaceId) {
      await this.loadPages();
      if (this.bin) await this.loadBin();
    }
    return page;
  }
}

function readLast(): string | null {
  try {
    return localStorage.getItem(LAST_SPACE);
  } catch {
    return null;
  }
}

function writeLast(id: string): void {
  try {
    localStorage.setItem(LAST_SPACE, id);
  } catch {
    /* private mode: not remembered */
  }
}

export const docsNav = new DocsNav();
