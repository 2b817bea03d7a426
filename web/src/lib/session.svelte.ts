/**
 * The signed-in user and workspace, shared by the app shell and its pages.
 */
import type { Locale, Me, PublicUser, Workspace } from '$shared/types';
import { api } from './api';
import { i18n, setLocale } from './i18n/index.svelte';

export interface SessionPayload {
  user: Me;
  workspace: Workspace;
}

export const session = $state<{ me: Me | null; workspace: Workspace | null }>({ me: null, workspace: null });

/** Adopt the answer of /api/me, login, register or accept; the account's language wins. */
export function setSession(payload: SessionPayload): void {
  session.me = payload.user;
  session.workspace = payload.workspace;
  if (payload.user.locale && payload.user.locale !== i18n.locale) setLocale(payload.user.locale);
}

/** Forget the signed-in user (after logout or when the session ended). */
export function clearSession(): void {
  session.me = null;
  session.workspace = null;
}

/** Update the signed-in user from a fresh Me (PATCH /api/me, avatar calls). */
export function updateMe(user: Me): void {
  session.me = user;
}

/** Merge a directory update about ourselves (another tab or an admin changed it). */
export function mergeSelf(user: PublicUser): void {
  if (session.me && session.me.id === user.id) session.me = { ...session.me, ...user, locale: session.me.locale };
}

/** Whether the signed-in user may open the admin pages. */
export function isAdmin(): boolean {
  return session.me?.role === 'owner' || session.me?.role === 'admin';
}

let localeSaves: Promise<unknown> = Promise.resolve();

/**
 * Switch the interface language; when signed in, also remember it on the account. Saves run one after
 * another so that the last choice is the one stored. Resolves when this choice is stored.
 */
export function changeLocale(locale: Locale): Promise<void> {
  setLocale(locale);
  if (!session.me) return Promise.resolve();
  const save = localeSaves.then(async () => {
    const { user } = await api.patch<{ user: Me }>('/api/me', { locale });
    if (session.me && session.me.id === user.id) session.me = { ...session.me, locale: user.locale };
  });
  localeSaves = save.catch(() => {});
  return save;
}
