/**
 * Guest links of one object (a call, a page), as the dialogs that manage them see them: the list, the
 * link just made (its address is shown once, to copy), and revoking. `base` is the collection's route
 * (`GET` lists, `POST` makes one, `DELETE <base>/<id>` revokes).
 */
import { api } from '$lib/api';
import { errorMessage } from '$lib/errors';

export class GuestLinkList<L extends { id: string; url?: string }> {
  links = $state<L[]>([]);
  /** The link just made, with its address. */
  fresh = $state<L | null>(null);
  busy = $state(false);
  copied = $state(false);
  error = $state('');
  /** The list could not be loaded (making a link still works and reports its own errors). */
  loadFailed = $state(false);

  constructor(private readonly base: () => string) {}

  async load(): Promise<void> {
    try {
      this.links = (await api.get<{ links: L[] }>(this.base())).links;
      this.loadFailed = false;
    } catch {
      this.loadFailed = true;
    }
  }

  /** Make a link; true when made. */
  async create(body: Record<string, unknown>): Promise<boolean> {
    this.busy = true;
    this.error = '';
    this.copied = false;
    try {
      this.fresh = (await api.post<{ link: L }>(this.base(), body)).link;
      await this.load();
      return true;
    } catch (err) {
      this.error = errorMessage(err);
      return false;
    } finally {
      this.busy = false;
    }
  }

  async copy(): Promise<void> {
    if (!this.fresh?.url) return;
    try {
      await navigator.clipboard.writeText(this.fresh.url);
      this.copied = true;
    } catch {
      // The clipboard was refused (no permission): the address is selectable in its field.
    }
  }

  async revoke(id: string): Promise<void> {
    this.error = '';
    try {
      this.links = (await api.del<{ links: L[] }>(`${this.base()}/${id}`)).links;
      if (this.fresh?.id === id) this.fresh = null;
    } catch (err) {
      this.error = errorMessage(err);
    }
  }
}
