/**
 * How chats and people are shown: titles, avatars, names of authors and mentions, message previews.
 */
import type { ChatSummary } from '$shared/messenger';
import { renderMarkdown } from '$shared/markdown';
import { directory } from '../directory.svelte';
import { dateFormat, formatDateTime, i18n, t } from '../i18n/index.svelte';
import { session } from '../session.svelte';
import { humanSize } from './extras';
import { directPeer } from './model';

/** What an Avatar needs. */
export interface Face {
  id: string;
  name: string;
  avatarUrl: string | null;
}

/** A person by id (someone who left the directory keeps a neutral name). */
export function person(id: string): Face {
  const u = directory.users.find((x) => x.id === id) ?? (session.me?.id === id ? session.me : undefined);
  return u ?? { id, name: t('chats.unknownPerson'), avatarUrl: null };
}

/** The name a `<@id>` mention shows (without the @), or null for someone unknown. */
export function mentionName(id: string): string | null {
  return directory.users.find((x) => x.id === id)?.name ?? (session.me?.id === id ? session.me.name : null);
}

/** The title and avatar of a chat: the group's own, or the other person's in a direct chat. */
export function chatFace(chat: ChatSummary): Face {
  const peer = directPeer(chat, session.me?.id ?? '');
  if (peer) return person(peer);
  if (chat.kind === 'direct') return session.me ?? person(chat.memberIds[0] ?? chat.id);
  return { id: chat.id, name: chat.title, avatarUrl: chat.avatarUrl ?? null };
}

/** A message body as safe HTML, mentions shown as @Name. */
export function renderBody(body: string): string {
  return renderMarkdown(body, { mentionName });
}

/** The time of day, e.g. 14:05. */
export function clockTime(iso: string): string {
  return dateFormat(i18n.locale, { hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

/** A message's time: only the time today, the date too otherwise. */
export function messageTime(iso: string): string {
  return new Date(iso).toDateString() === new Date().toDateString() ? clockTime(iso) : formatDateTime(iso);
}

/** A day divider's label: Today, Yesterday, or the date. */
export function dayLabel(iso: string): string {
  const d = new Date(iso);
  const today = new Date();
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (d.toDateString() === today.toDateString()) return t('chats.today');
  if (d.toDateString() === yesterday.toDateString()) return t('chats.yesterday');
  return dateFormat(i18n.locale, { dateStyle: 'long' }).format(d);
}

/** The chat list's short time of the last activity. */
export function listTime(iso: string): string {
  const d = new Date(iso);
  if (d.toDateString() === new Date().toDateString()) return clockTime(iso);
  return dateFormat(i18n.locale, { day: 'numeric', month: 'short' }).format(d);
}

/** A file's size, e.g. 1.5 MB / 1,5 МБ. */
export function fileSize(bytes: number): string {
  return humanSize(bytes, [t('file.b'), t('file.kb'), t('file.mb'), t('file.gb')], i18n.locale);
}
