/**
 * Pure logic of the feed composer's audience: chips (everyone, departments, groups, people, e-mail
 * addresses), turning them into the API's audience and back, e-mail parsing and suggestions.
 *
 * Imports from shared/ are relative (not `$shared`) so this module also loads in plain vitest/tsc.
 */
import { z } from 'zod';
import type { AudienceSummary } from '../../../../shared/feed';
import type { PublicUser } from '../../../../shared/types';

/** One entry of the composer's audience picker. */
export type AudienceChip =
  | { kind: 'everyone' }
  | { kind: 'department'; name: string }
  | { kind: 'group'; id: string; name: string }
  | { kind: 'user'; id: string; name: string }
  | { kind: 'email'; email: string };

/** A chip's identity (a department by its name in any case). */
export function chipKey(c: AudienceChip): string {
  switch (c.kind) {
    case 'everyone':
      return 'everyone';
    case 'department':
      return `dept:${c.name.trim().toLowerCase()}`;
    case 'group':
      return `group:${c.id}`;
    case 'user':
      return `user:${c.id}`;
    case 'email':
      return `email:${c.email.toLowerCase()}`;
  }
}

/** Add chips, each once. */
export function addChips(chips: AudienceChip[], more: AudienceChip[]): AudienceChip[] {
  const keys = new Set(chips.map(chipKey));
  const out = [...chips];
  for (const c of more) {
    const k = chipKey(c);
    if (!keys.has(k)) {
      keys.add(k);
      out.push(c);
    }
  }
  return out;
}

/** The audience of CreatePostBody from the chips. */
export function chipsToAudience(chips: AudienceChip[]): {
  everyone: boolean;
  departments: string[];
  groupIds: string[];
  userIds: string[];
  emails: string[];
} {
  const a = { everyone: false, departments: [] as string[], groupIds: [] as string[], userIds: [] as string[], emails: [] as string[] };
  for (const c of chips) {
    if (c.kind === 'everyone') a.everyone = true;
    else if (c.kind === 'department') a.departments.push(c.name.trim());
    else if (c.kind === 'group') a.groupIds.push(c.id);
    else if (c.kind === 'user') a.userIds.push(c.id);
    else a.emails.push(c.email);
  }
  return a;
}

const Email = z.string().max(254).email();

/** Whether a text is an e-mail address the server accepts. */
export function isEmail(text: string): boolean {
  return Email.safeParse(text.trim()).success;
}

/**
 * Addresses typed or pasted into the picker: separated by spaces, commas or semicolons, optionally in
 * <angle brackets>; lowercased, each once. What is not an address is returned as `invalid`.
 */
export function parseEmails(text: string): { emails: string[]; invalid: string[] } {
  const emails: string[] = [];
  const invalid: string[] = [];
  for (const raw of text.split(/[\s,;]+/)) {
    const word = raw.replace(/^<|>$/g, '').trim().toLowerCase();
    if (!word) continue;
    if (!isEmail(word)) invalid.push(raw.trim());
    else if (!emails.includes(word)) emails.push(word);
  }
  return { emails, invalid };
}

/** The departments people work in (from the directory), each once whatever its case, sorted. */
export function departmentsOf(users: Pick<PublicUser, 'department'>[], locale = 'en'): string[] {
  const seen = new Map<string, string>();
  for (const u of users) {
    const name = (u.department ?? '').trim();
    if (name && !seen.has(name.toLowerCase())) seen.set(name.toLowerCase(), name);
  }
  return [...seen.values()].sort((a, b) => a.localeCompare(b, locale, { sensitivity: 'base' }));
}

/** Does a name match what was typed (any word starts with it, or the whole name contains it)? */
function nameMatches(name: string, query: string): boolean {
  const n = name.toLowerCase();
  return n.includes(query) || n.split(/\s+/).some((w) => w.startsWith(query));
}

/**
 * What the picker offers for a query: Everyone, departments, my groups, people, and an external address
 * when the query is one (an address of a colleague offers the colleague instead). Chosen ones are left out.
 */
export function audienceSuggestions(
  query: string,
  from: {
    everyoneLabel: string;
    departments: string[];
    groups: { id: string; name: string }[];
    users: Pick<PublicUser, 'id' | 'name' | 'email' | 'position' | 'department'>[];
    myId: string;
    chosen: AudienceChip[];
  },
  limit = 8,
): AudienceChip[] {
  const q = query.trim().toLowerCase();
  const chosen = new Set(from.chosen.map(chipKey));
  const out: AudienceChip[] = [];
  if (!q || nameMatches(from.everyoneLabel, q)) out.push({ kind: 'everyone' });
  for (const name of from.departments) if (!q || nameMatches(name, q)) out.push({ kind: 'department', name });
  for (const g of from.groups) if (!q || nameMatches(g.name, q)) out.push({ kind: 'group', id: g.id, name: g.name });
  const colleague = from.users.find((u) => u.email.toLowerCase() === q);
  for (const u of from.users) {
    if (u.id === from.myId) continue;
    if (!q || nameMatches(u.name, q) || u.email.toLowerCase().startsWith(q)) out.push({ kind: 'user', id: u.id, name: u.name });
  }
  const fresh = out.filter((c) => !chosen.has(chipKey(c))).slice(0, limit);
  if (!colleague && isEmail(q) && !chosen.has(`email:${q}`)) fresh.unshift({ kind: 'email', email: q });
  return fresh;
}

/** The chips a post's audience shows as (for the default audience of a group's composer, and tests). */
export function audienceChips(a: AudienceSummary): AudienceChip[] {
  return [
    ...(a.everyone ? [{ kind: 'everyone' } as const] : []),
    ...a.departments.map((name) => ({ kind: 'department', name }) as const),
    ...a.groups.map((g) => ({ kind: 'group', id: g.id, name: g.name }) as const),
    ...a.users.map((u) => ({ kind: 'user', id: u.id, name: u.name }) as const),
    ...a.emails.map((email) => ({ kind: 'email', email }) as const),
  ];
}

