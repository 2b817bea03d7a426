/**
 * One page's history as the History panel shows it: the versions (newest first), saving a named one,
 * the selected version's content for the read-only preview, and restoring it. A restore is written by the
 * hub as an ordinary update of the live document, so the open editors (this one included) converge by
 * themselves; here we only refresh the list, which gained the "before restore" version.
 */
import type { DocVersion } from '$shared/docs';
import { api } from '$lib/api';
import { fromBase64, withVersion } from './versions';

/** A version's content, fetched for the preview. */
export interface VersionState {
  version: DocVersion;
  update: Uint8Array;
}

export class PageHistory {
  versions = $state<DocVersion[]>([]);
  loaded = $state(false);
  failed = $state(false);
  selectedId = $state<string | null>(null);
  preview = $state<VersionState | null>(null);
  previewFailed = $state(false);

  private listGen = 0;
  private previewGen = 0;

  constructor(readonly pageId: string) {}

  private get base(): string {
    return `/api/docs/pages/${this.pageId}/versions`;
  }

  async load(): Promise<void> {
    const mine = ++this.listGen;
    try {
      const { versions } = await api.get<{ versions: DocVersion[] }>(this.base);
      if (mine !== this.listGen) return;
      this.versions = versions;
      this.failed = false;
      this.loaded = true;
    } catch {
      if (mine === this.listGen) this.failed = true;
    }
  }

  /** Keep the page as it is now under a name (editors); the new version is selected. */
  async save(name: string): Promise<DocVersion> {
    const { version } = await api.post<{ version: DocVersion }>(this.base, { name });
    this.listGen++;
    this.versions = withVersion(this.versions, version);
    this.loaded = true;
    return version;
  }

  /** Show a version's content in the preview (null closes it). */
  async select(id: string | null): Promise<void> {
    const mine = ++this.previewGen;
    this.selectedId = id;
    this.preview = null;
    this.previewFailed = false;
    if (!id) return;
    try {
      const r = await api.get<{ version: DocVersion; state: string }>(`${this.base}/${id}`);
      if (mine !== this.previewGen) return;
      this.preview = { version: r.version, update: fromBase64(r.state) };
    } catch {
      if (mine === this.previewGen) this.previewFailed = true;
    }
  }

  /** Bring the page back to a version; resolves with whether anything changed. */
  async restore(id: string): Promise<boolean> {
    const { restored } = await api.post<{ restored: boolean; before: DocVersion | null }>(`${this.base}/${id}/restore`);
    await this.load();
    return restored;
  }
}
