/**
 * Each post on screen follows its own stream `post:<id>` from the post's `head` (comments, edits,
 * reactions, poll, reads, deletion). A card asks for its post's stream while it is mounted; the
 * subscription lingers a little after the last card lets go, so a post scrolled away and back does not
 * resubscribe every time.
 */
import { postStream } from '$shared/feed';
import type { StreamEvent } from '$shared/types';
import type { RealtimeClient } from '../realtime/socket';

/** A post stream stays followed this long after its post left the screen. */
const LINGER_MS = 15_000;

interface Watch {
  count: number;
  stop: () => void;
  timer: ReturnType<typeof setTimeout> | null;
}

export interface WatchHooks {
  client: () => RealtimeClient | null;
  /** The head of the post as the list holds it; undefined when the list does not hold it. */
  headOf: (postId: string) => number | undefined;
  onEvent: (postId: string, ev: StreamEvent) => void;
  /** The stream said "reload", or events were missed while nobody followed it. */
  refetch: (postId: string) => void;
}

export class PostWatches {
  private readonly watches = new Map<string, Watch>();

  constructor(private readonly hooks: WatchHooks) {}

  /** Follow a post's own stream while it is on screen; returns the function that lets it go. */
  watch(postId: string): () => void {
    const { hooks } = this;
    let w = this.watches.get(postId);
    const head = hooks.headOf(postId);
    const client = hooks.client();
    if (w) {
      w.count++;
      if (w.timer) clearTimeout(w.timer);
      w.timer = null;
      // Events that arrived while the post was not in the list are not in its copy: fetch it again.
      if (head !== undefined && (client?.lastSeq(postStream(postId)) ?? 0) > head) hooks.refetch(postId);
    } else {
      if (head === undefined || !client) return () => {};
      const stop = client.subscribe(
        postStream(postId),
        (ev) => hooks.onEvent(postId, ev),
        () => hooks.refetch(postId),
        { after: head },
      );
      w = { count: 1, stop, timer: null };
      this.watches.set(postId, w);
    }
    const watch = w;
    let released = false;
    return () => {
      if (released || this.watches.get(postId) !== watch) return;
      released = true;
      if (--watch.count > 0) return;
      watch.timer = setTimeout(() => {
        if (this.watches.get(postId) !== watch || watch.count > 0) return;
        watch.stop();
        this.watches.delete(postId);
      }, LINGER_MS);
    };
  }

  /** Stop following a post's stream at once (it was deleted or is hidden from me now). */
  unwatch(postId: string): void {
    const w = this.watches.get(postId);
    if (!w) return;
    if (w.timer) clearTimeout(w.timer);
    w.stop();
    this.watches.delete(postId);
  }

  clear(): void {
    for (const w of this.watches.values()) {
      if (w.timer) clearTimeout(w.timer);
      w.stop();
    }
    this.watches.clear();
  }
}
