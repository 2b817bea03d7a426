/**
 * Editing one's comment in place (task comments, page comments): the draft while editing, one request at a
 * time, its error shown translated; saving an unchanged or empty draft just stops editing; deleting asks first.
 */
export class CommentEdit {
  /** The draft while editing, else null. */
  editing = $state<string | null>(null);
  busy = $state(false);
  error = $state('');

  constructor(
    private readonly opts: {
      body: () => string;
      edit: (body: string) => Promise<unknown>;
      remove: () => Promise<unknown>;
      confirmDelete: () => string;
      errorText: (e: unknown) => string;
    },
  ) {}

  start(): void {
    this.editing = this.opts.body();
  }

  cancel(): void {
    this.editing = null;
  }

  private async run(fn: () => Promise<unknown>): Promise<void> {
    this.busy = true;
    this.error = '';
    try {
      await fn();
      this.editing = null;
    } catch (e) {
      this.error = this.opts.errorText(e);
    } finally {
      this.busy = false;
    }
  }

  save(): void {
    const body = this.editing?.trim() ?? '';
    if (!body || body === this.opts.body()) return void (this.editing = null);
    void this.run(() => this.opts.edit(body));
  }

  remove(): void {
    if (confirm(this.opts.confirmDelete())) void this.run(() => this.opts.remove());
  }
}
