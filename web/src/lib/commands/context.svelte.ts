/**
 * What a slash command typed in the browser is read against, in any box that takes one: the UI language,
 * the browser's zone and the live directory (active colleagues, me included); and whom the `@`/`+` list
 * of a command offers, written so that the parser finds exactly them.
 */
import type { CommandContext } from '$shared/commands';
import type { PublicUser } from '$shared/types';
import { browserTimeZone, commandContext, commandPeople, personToken } from '../chats/commands';
import { directory } from '../directory.svelte';
import { i18n } from '../i18n/index.svelte';
import { session } from '../session.svelte';

/** Everyone in the directory, me included. */
function everyone(): PublicUser[] {
  const me = session.me;
  return me && !directory.users.some((u) => u.id === me.id) ? [...directory.users, me] : directory.users;
}

/** The parser's context now: the UI language, the browser's zone, active colleagues (me included). */
export function liveContext(now = new Date()): CommandContext {
  return commandContext({ now, timeZone: browserTimeZone(), locale: i18n.locale, users: everyone() });
}

/** Whom the `@`/`+` list of a command offers: active colleagues whose name or e-mail starts with the query. */
export function commandCandidates(query: string): PublicUser[] {
  const q = query.toLowerCase();
  const ok = new Set(commandPeople(everyone()).map((p) => p.id));
  return everyone()
    .filter((u) => ok.has(u.id) && (u.name.toLowerCase().split(/\s+/).some((w) => w.startsWith(q)) || u.email.toLowerCase().startsWith(q)))
    .slice(0, 6);
}

/** How a picked person goes into a command's text (see personToken). */
export function commandPersonToken(sigil: '@' | '+', user: PublicUser): string {
  return personToken(sigil, user, commandPeople(everyone()));
}
