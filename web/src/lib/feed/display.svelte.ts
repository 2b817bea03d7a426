/**
 * How the feed shows audiences, filters and times.
 */
import type { AudienceSummary, FeedComment, FeedFilter } from '$shared/feed';
import { person, type Face } from '../chats/display.svelte';
import { t, tp, type MessageKey } from '../i18n/index.svelte';
import type { AudienceChip } from './model';

export { messageTime as postTime, renderBody, person } from '../chats/display.svelte';

/** Who wrote a comment: a colleague, or an external guest by the name they gave (not in the directory). */
export function commentAuthor(c: Pick<FeedComment, 'authorId' | 'guestName'>): Face {
  return c.guestName ? { id: c.authorId, name: c.guestName, avatarUrl: null } : person(c.authorId);
}

/** The tabs above the feed. */
export const FILTERS: { filter: FeedFilter; key: MessageKey }[] = [
  { filter: 'all', key: 'feed.tabAll' },
  { filter: 'mine', key: 'feed.tabMine' },
  { filter: 'mentions', key: 'feed.tabMentions' },
  { filter: 'important', key: 'feed.tabImportant' },
];

/** A chip's text in the audience picker. */
export function chipLabel(c: AudienceChip): string {
  switch (c.kind) {
    case 'everyone':
      return t('feed.everyone');
    case 'department':
      return c.name;
    case 'group':
    case 'user':
      return c.name;
    case 'email':
      return c.email;
  }
}

/** What kind of entry a chip is, for screen readers and the picker's list. */
export function chipKind(c: AudienceChip): string {
  switch (c.kind) {
    case 'everyone':
      return t('feed.kindEveryone');
    case 'department':
      return t('feed.kindDepartment');
    case 'group':
      return t('feed.kindGroup');
    case 'user':
      return t('feed.kindPerson');
    case 'email':
      return t('feed.external');
  }
}

/** Who a post is for, as a short line: everyone, departments, groups, people, external addresses. */
export function audienceText(a: AudienceSummary): string {
  const parts: string[] = [];
  if (a.everyone) parts.push(t('feed.everyone'));
  parts.push(...a.departments, ...a.groups.map((g) => g.name), ...a.users.filter((u) => !u.mentioned).map((u) => u.name));
  if (a.emails.length) parts.push(...a.emails.map((email) => t('feed.externalEmail', { email })));
  else if (a.externalCount > 0) parts.push(tp('feed.externalCount_plural', a.externalCount));
  return parts.join(', ');
}
