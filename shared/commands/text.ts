/**
 * Text utilities of the grammar: the tokenizer (whitespace-separated tokens with their spans; `@"…"`, `+«…»`
 * and `#"…"` keep their spaces), normalisation for matching, edit distance and keyboard-layout swapping.
 * Everything is linear in the input: quotes are looked for within a bounded window, edit distance is only
 * computed for short strings.
 */

export interface Token {
  /** Raw text as typed. */
  text: string;
  start: number;
  end: number;
  /** Lower case, ё → е, surrounding punctuation removed: what word lists are matched against. */
  key: string;
  /** Raw text with surrounding punctuation (but not dots inside) removed: for numbers and amounts. */
  core: string;
  /** Offset of `core` inside `text`. */
  coreAt: number;
}

const QUOTES: Record<string, string> = { '"': '"', '“': '”', '«': '»', '„': '“', '”': '”' };
/** How far (in characters) a closing quote is looked for; an unclosed quote is an ordinary character. */
const QUOTE_WINDOW = 120;

export const isSpace = (ch: string): boolean => /\s/u.test(ch);

/** Lower case and ё → е: how names, words and stages are compared. */
export function fold(s: string): string {
  return s.toLowerCase().replace(/ё/g, 'е');
}

const LEAD_PUNCT = '(«"“„\'[';
const TRAIL_PUNCT = ')»"”\'],;:!?…';

/** `s` without the characters of `set` at its end (a loop, not a regex: no backtracking on long runs). */
export function trimRight(s: string, set: string): string {
  let e = s.length;
  while (e > 0 && set.includes(s[e - 1])) e--;
  return s.slice(0, e);
}

function trimLeftCount(s: string, set: string): number {
  let b = 0;
  while (b < s.length && set.includes(s[b])) b++;
  return b;
}

function makeToken(input: string, start: number, end: number): Token {
  const text = input.slice(start, end);
  const lead = trimLeftCount(text, LEAD_PUNCT);
  let core = trimRight(text.slice(lead), TRAIL_PUNCT);
  // A full stop ends a sentence after a digit ("до 05.12.") — but "руб." and "тыс." keep theirs in `core`.
  if (core.length > 1 && core.endsWith('.') && core[core.length - 2] >= '0' && core[core.length - 2] <= '9') {
    core = core.slice(0, -1);
  }
  const key = trimRight(fold(core), '.');
  return { text, start, end, key, core, coreAt: lead };
}

/** Splits `input` from `from` on whitespace (any Unicode space, including NBSP and thin spaces). */
export function tokenize(input: string, from = 0): Token[] {
  const tokens: Token[] = [];
  let i = from;
  const n = input.length;
  while (i < n) {
    if (isSpace(input[i])) {
      i++;
      continue;
    }
    const start = i;
    const sigil = input[i];
    const close = (sigil === '@' || sigil === '+' || sigil === '#') && i + 1 < n ? QUOTES[input[i + 1]] : undefined;
    if (close !== undefined) {
      const limit = Math.min(n, i + 2 + QUOTE_WINDOW);
      let j = i + 2;
      while (j < limit && input[j] !== close) j++;
      if (j < limit) {
        i = j + 1;
        while (i < n && !isSpace(input[i])) i++;
        tokens.push(makeToken(input, start, i));
        continue;
      }
    }
    while (i < n && !isSpace(input[i])) i++;
    tokens.push(makeToken(input, start, i));
  }
  return tokens;
}

/** The inside of a `@"Ann Lee"`-style token, or null when the token is not quoted. */
export function quotedBody(text: string): string | null {
  const close = QUOTES[text[1]];
  if (close === undefined) return null;
  const end = text.indexOf(close, 2);
  return end < 0 ? null : text.slice(2, end);
}

/** Edit distance counting a swap of neighbours as one edit ("tsak" → "task": 1); strings over 40 characters are simply "far". */
export function distance(a: string, b: string): number {
  if (a.length > 40 || b.length > 40) return 99;
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, k) => k)];
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(rows[i - 1][j] + 1, cur[j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) cur[j] = Math.min(cur[j], rows[i - 2][j - 2] + 1);
    }
    rows.push(cur);
  }
  return rows[a.length][b.length];
}

const EN_KEYS = "`qwertyuiop[]asdfghjkl;'zxcvbnm,.";
const RU_KEYS = 'ёйцукенгшщзхъфывапролджэячсмитьбю';

/** The same keys typed in the other layout: "ефыл" ↔ "task". */
export function swapLayout(s: string): string {
  let out = '';
  for (const ch of s.toLowerCase()) {
    const e = EN_KEYS.indexOf(ch);
    if (e >= 0) out += RU_KEYS[e];
    else {
      const r = RU_KEYS.indexOf(ch);
      out += r >= 0 ? EN_KEYS[r] : ch;
    }
  }
  return out;
}

/** Trims, collapses spaces and drops separators left dangling at either end ("call the bank," → "call the bank"). */
export function cleanTitle(words: string[]): string {
  const dangling = ' ,;:–—-';
  const s = trimRight(words.join(' ').replace(/\s+/gu, ' '), dangling);
  return s.slice(trimLeftCount(s, dangling));
}
