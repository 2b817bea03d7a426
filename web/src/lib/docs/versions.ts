/**
 * Pure helpers of a page's history: how a version is labelled, and the base64 Yjs state the hub sends
 * for a preview turned back into bytes.
 *
 * Imports from shared/ are relative (not `$shared`) so this module also loads in plain vitest/tsc.
 */
import type { DocVersion } from '../../../../shared/docs';

/** What the list shows as the version's title: the name of a named one, else null (the kind's label). */
export function versionTitle(v: Pick<DocVersion, 'name' | 'reason'>): string | null {
  const name = v.name?.trim();
  return name ? name : null;
}

/** The versions newest first, the hub's order, kept when one is added locally. */
export function withVersion(list: readonly DocVersion[], v: DocVersion): DocVersion[] {
  const rest = list.filter((x) => x.id !== v.id);
  return [v, ...rest].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
}

/** Bytes of a base64 string (the hub's `state`); throws on text that is not base64. */
export function fromBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
