/**
 * The feed's part of my own stream (`user:<me>`, followed once by the chats store and shared through its
 * `userEvents`): mentions of me (the counter on the Feed navigation item, and a browser notification while
 * the tab is hidden), my read marks from other devices, and workgroups I join or leave. Open feed lists
 * hear these events through `listen`.
 */
import type { FeedMentionPayload } from '$shared/feed';
import { markdownToText } from '$shared/markdown';
import type { StreamEvent } from '$shared/types';
import { userEvents } from '../chats/chats.svelte';
import { mentionName, person } from '../chats/display.svelte';
import { notifier } from '../chats/notify.svelte';
import { t } from '../i18n/index.svelte';
import { Listeners } from '../realtime/listeners';
import { session } from '../session.svelte';

class FeedUserEvents {
  /** Mentions since the feed was last open, and whose they are (a new sign-in starts from zero). */
  private counted = $state<{ owner: string | null; n: number }>({ owner: null, n: 0 });
  /** Mentions of me since the feed was last open (the Feed item's counter). */
  mentions = $derived(this.counted.owner !== null && this.counted.owner === session.me?.id ? this.counted.n : 0);

  private viewing = 0;
  private readonly listeners = new Listeners<[StreamEvent]>((m, d) => console.warn(m, d ?? ''), 'feed user event');

  constructor() {
    userEvents.add((ev) => this.onEvent(ev));
    // Back to a tab showing the feed: what was counted while it was hidden has been seen.
    if (typeof document !== 'undefined') {
      document.addEventListener('visibilitychange', () => {
        if (this.viewing > 0 && document.visibilityState === 'visible') this.counted = { ...this.counted, n: 0 };
      });
    }
  }

  /** Hear my stream's feed events (for as long as a feed list is open); returns the function that stops. */
  listen(handler: (ev: StreamEvent) => void): () => void {
    return this.listeners.add(handler);
  }

  /** A feed page is open: the counter clears and stays clear until it closes (call the returned function). */
  open(): () => void {
    this.viewing++;
    this.counted = { ...this.counted, n: 0 };
    let closed = false;
    return () => {
      if (!closed) this.viewing--;
      closed = true;
    };
  }

  private onEvent(ev: StreamEvent): void {
    const me = session.me?.id ?? null;
    if (me !== this.counted.owner) this.counted = { owner: me, n: 0 };
    if (ev.event.type === 'feed_mention') this.mentioned(ev.event.payload as FeedMentionPayload);
    this.listeners.emit(ev);
  }

  private mentioned(p: FeedMentionPayload | null): void {
    if (!p || typeof p.postId !== 'string') return;
    const watching = this.viewing > 0 && document.visibilityState !== 'hidden';
    if (!watching) this.counted = { ...this.counted, n: this.counted.n + 1 };
    const author = person(p.authorId).name;
    const text = markdownToText(p.excerpt ?? '', { mentionName });
    notifier.show(t('feed.notifyTitle', { author }), text, `feed-${p.commentId ?? p.postId}`, `/app/feed/${p.postId}`);
  }
}

export const feedUser = new FeedUserEvents();
