/**
 * Mentions of me in the knowledge base (event `doc_mention` on my own stream `user:<me>`, heard through
 * the chats store's `userEvents` like the feed's mentions): the same browser notification the feed shows
 * (while the tab is hidden), opening the page. Loaded once by the app's layout.
 */
import type { DocMentionPayload } from '$shared/docs';
import { markdownToText } from '$shared/markdown';
import { userEvents } from '../chats/chats.svelte';
import { mentionName, person } from '../chats/display.svelte';
import { notifier } from '../chats/notify.svelte';
import { t } from '../i18n/index.svelte';

/** The notification's title and text for a mention (pure but for the directory's names). */
export function mentionNotice(p: DocMentionPayload): { title: string; body: string } {
  const author = p.authorId ? person(p.authorId).name : '';
  const page = p.title || t('docs.page.untitled');
  const title = p.commentId ? t('docs.comments.notifyComment', { author, page }) : t('docs.comments.notifyText', { author, page });
  return { title, body: markdownToText(p.excerpt ?? '', { mentionName }) };
}

userEvents.add((ev) => {
  if (ev.event.type !== 'doc_mention') return;
  const p = ev.event.payload as DocMentionPayload | null;
  if (!p || typeof p.pageId !== 'string') return;
  const { title, body } = mentionNotice(p);
  notifier.show(title, body, `doc-${p.commentId ?? p.pageId}`, `/app/docs/${p.pageId}`);
});
