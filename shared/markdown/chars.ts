/** Character classes for inline parsing: flanking kinds, code points at an index, URL ends. */

/** Whitespace, Unicode-aware. */
export const WS = /\s/u;
const PUNCT = /[\p{P}\p{S}]/u;
/** A letter or digit, Unicode-aware (a bare URL may not start inside or right after a word). */
export const WORD = /[\p{L}\p{N}]/u;

/** How a character counts for emphasis flanking: 0 other, 1 whitespace (or the text edge), 2 punctuation. */
export function kind(ch: string): 0 | 1 | 2 {
  if (ch === '') return 1;
  const c = ch.charCodeAt(0);
  if (c < 0x80) {
    if (c <= 0x20) return 1;
    return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x7f ? 0 : 2;
  }
  return WS.test(ch) ? 1 : PUNCT.test(ch) ? 2 : 0;
}

/** The code point just before index i ('' at the start). */
export function charBefore(s: string, i: number): string {
  if (i <= 0) return '';
  const lo = s.charCodeAt(i - 1);
  if (lo >= 0xdc00 && lo <= 0xdfff && i >= 2) {
    const hi = s.charCodeAt(i - 2);
    if (hi >= 0xd800 && hi <= 0xdbff) return s.slice(i - 2, i);
  }
  return s[i - 1];
}

/** The code point at index i ('' at the end). */
export function charAt(s: string, i: number): string {
  if (i >= s.length) return '';
  const hi = s.charCodeAt(i);
  return hi >= 0xd800 && hi <= 0xdbff && i + 1 < s.length ? s.slice(i, i + 2) : s[i];
}

/** Characters that end a bare URL: whitespace, controls and those RFC 3986 never allows unencoded. */
export function endsUrl(ch: string): boolean {
  const c = ch.charCodeAt(0);
  return c <= 0x20 || (c >= 0x7f && c <= 0x9f) || '<>"`[]{}|\\^'.includes(ch) || WS.test(ch);
}
