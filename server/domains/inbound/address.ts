/** Mail addresses: normalising parsed address headers, and reading Artel's own inbound mailboxes. */

import { domainToASCII } from 'node:url';
import type { AddressObject, EmailAddress, HeaderValue } from 'mailparser';
import { cleanHeaderText } from './headers';
import type { MailAddress } from './types';

// Deliberately plain: one @, no spaces or angle brackets, a dotted domain or a bracketed literal. Addresses
// only get compared and displayed, so anything stranger is not worth the risk of being misread.
const ADDRESS = /^[^\s@<>()[\]\\,;:"]{1,64}@(?:[^\s@<>()[\]\\,;:"]{1,253}|\[[0-9a-f.:]{1,45}\])$/i;

/**
 * How an address is normalised. The domain is always lowercased. The local part is lowercased for senders
 * (they are looked up among accounts, and mail systems treat local parts case-insensitively in practice) but
 * kept as written for recipients, where it may carry a reply token (post+T0k3n@…).
 */
export type LocalPartCase = 'lower' | 'keep';

/** A usable mailbox from a parsed entry, or null (a group, an empty or malformed address). */
export function toMailAddress(entry: EmailAddress, localCase: LocalPartCase = 'lower'): MailAddress | null {
  const raw = (entry.address ?? '').trim();
  if (!ADDRESS.test(raw)) return null;
  const at = raw.lastIndexOf('@');
  const local = localCase === 'lower' ? raw.slice(0, at).toLowerCase() : raw.slice(0, at);
  return { address: `${local}@${raw.slice(at + 1).toLowerCase()}`, name: cleanHeaderText(entry.name) || null };
}

/** Every usable mailbox of an address header (all its occurrences, groups flattened), without duplicates. */
export function addressList(value: HeaderValue | undefined, localCase: LocalPartCase = 'lower'): MailAddress[] {
  const out: MailAddress[] = [];
  const seen = new Set<string>();
  const visit = (entry: EmailAddress) => {
    if (entry.group) return entry.group.forEach(visit);
    const a = toMailAddress(entry, localCase);
    if (a && !seen.has(a.address.toLowerCase())) {
      seen.add(a.address.toLowerCase());
      out.push(a);
    }
  };
  for (const obj of ([] as unknown[]).concat(value ?? [])) {
    if (obj && typeof obj === 'object' && Array.isArray((obj as AddressObject).value)) (obj as AddressObject).value.forEach(visit);
  }
  return out;
}

/** Lowercase ASCII form of a domain, for comparing an IDN written in Unicode with its punycode. */
function asciiDomain(domain: string): string {
  const d = domain.trim().replace(/\.$/, '').toLowerCase();
  return domainToASCII(d) || d;
}

const BOX = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const TAG = /^[A-Za-z0-9._=-]{1,200}$/;

/**
 * Split an address at Artel's mail domain into its mailbox and tag: `feed@d` → {box:'feed', tag:null},
 * `post+T0k3n@d` → {box:'post', tag:'T0k3n'}. Domain and box compare case-insensitively (the box comes back
 * lowercase); the tag is returned as written, so tokens should not depend on case, since some mail systems
 * change it. Null for another domain, an empty tag, or a local part that is not box[+tag].
 */
export function parseLocalPart(address: string, domain: string): { box: string; tag: string | null } | null {
  const a = address.trim().replace(/^<|>$/g, '');
  const at = a.lastIndexOf('@');
  if (at <= 0 || !domain.trim() || asciiDomain(a.slice(at + 1)) !== asciiDomain(domain)) return null;
  const local = a.slice(0, at);
  const plus = local.indexOf('+');
  const box = (plus < 0 ? local : local.slice(0, plus)).toLowerCase();
  const tag = plus < 0 ? null : local.slice(plus + 1);
  if (!BOX.test(box) || (tag !== null && !TAG.test(tag))) return null;
  return { box, tag };
}
