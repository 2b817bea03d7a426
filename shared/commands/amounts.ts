/**
 * Amounts with currency: "150 000 ₽", "150 тыс. руб", "1,5 млн руб", "1.5m RUB", "$2k", "2 000$",
 * "€1,200.50", "5000 USD", "10 тыс $", "2k" (ctx.defaultCurrency). Rules (README.md, "Amounts"):
 * - an amount needs a currency or a multiplier (k, тыс, млн, m…); a bare number stays in the title;
 * - groups of three digits may be separated by spaces (any Unicode space: NBSP, thin), "," or ".";
 * - with both "," and "." the last one is the decimal point ("1,200.50", "1.200,50");
 * - a single "," or "." followed by exactly three digits groups thousands ("1,200" = "1.200" = 1200) —
 *   money has at most two decimals — unless a multiplier follows, where it is a decimal point
 *   ("1,250 млн" = 1 250 000); followed by one or two digits it is a decimal point ("1,5" = "1.5");
 *   the same in both locales;
 * - the value is an exact decimal string in major units ("1500000", "1200.5").
 */

import type { AmountDoubt } from './messages';
import type { Token } from './text';
import { fold } from './text';

const SYMBOL: Record<string, string> = { '₽': 'RUB', $: 'USD', '€': 'EUR', '£': 'GBP', '₸': 'KZT', '₴': 'UAH', '₺': 'TRY', '₹': 'INR', '¥': 'CNY' };

const WORD_CURRENCY = new Map<string, string>([
  ...['руб', 'рубль', 'рубля', 'рублей', 'р', 'rub', 'rur', 'ruble', 'rubles', 'rouble', 'roubles'].map((w) => [w, 'RUB'] as [string, string]),
  ...['usd', 'долл', 'доллар', 'доллара', 'долларов', 'dollar', 'dollars', 'бакс', 'бакса', 'баксов'].map((w) => [w, 'USD'] as [string, string]),
  ...['eur', 'евро', 'euro', 'euros'].map((w) => [w, 'EUR'] as [string, string]),
  ...['юань', 'юаня', 'юаней'].map((w) => [w, 'CNY'] as [string, string]),
  ...['тенге'].map((w) => [w, 'KZT'] as [string, string]),
  ...['гривна', 'гривны', 'гривен'].map((w) => [w, 'UAH'] as [string, string]),
]);
/** ISO codes recognised when written in capitals ("5000 GBP"); rub/usd/eur also in lower case. */
const ISO = new Set(['RUB', 'USD', 'EUR', 'GBP', 'CNY', 'JPY', 'KZT', 'BYN', 'UAH', 'CHF', 'TRY', 'AED', 'INR']);

/** Multipliers; `glued` ones only count when written right after the number ("2k", "2к", "1.5m"). */
const MULT = new Map<string, { f: bigint; glued?: true }>([
  ['k', { f: 1000n, glued: true }], ['к', { f: 1000n, glued: true }],
  ...['тыс', 'тысяч', 'тысячи', 'тысяча', 'thousand'].map((w) => [w, { f: 1000n }] as [string, { f: bigint }]),
  ['m', { f: 1_000_000n, glued: true }],
  ...['млн', 'mln', 'million', 'millions', 'миллион', 'миллиона', 'миллионов'].map((w) => [w, { f: 1_000_000n }] as [string, { f: bigint }]),
  ...['млрд', 'bn', 'billion', 'миллиард', 'миллиарда', 'миллиардов'].map((w) => [w, { f: 1_000_000_000n }] as [string, { f: bigint }]),
]);

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

function currencyOf(raw: string): string | undefined {
  if (raw.length === 1 && SYMBOL[raw]) return SYMBOL[raw];
  const k = fold(raw).replace(/\.$/, '');
  const w = WORD_CURRENCY.get(k);
  if (w) return w;
  const up = raw.replace(/\.$/, '');
  if (ISO.has(up)) return up;
  return undefined;
}

interface Suffix {
  mult?: bigint;
  cur?: string;
}

/** "k", "тыс.", "руб", "$", "k$", "тыс.руб", "т.р." — or null when `raw` is something else. */
function suffixOf(raw: string, glued: boolean): Suffix | null {
  if (raw === '') return {};
  const cur = currencyOf(raw);
  if (cur) return { cur };
  const k = fold(raw).replace(/\.$/, '');
  if (k === 'т.р' || k === 'тр') return { mult: 1000n, cur: 'RUB' };
  const m = MULT.get(k);
  if (m && (glued || !m.glued)) return { mult: m.f };
  const last = raw[raw.length - 1];
  if (SYMBOL[last] && raw.length > 1) {
    const head = suffixOf(raw.slice(0, -1), glued);
    if (head && head.mult && !head.cur) return { mult: head.mult, cur: SYMBOL[last] };
  }
  const dot = raw.indexOf('.');
  if (dot > 0 && dot < raw.length - 1) {
    const a = suffixOf(raw.slice(0, dot + 1), glued);
    const b = currencyOf(raw.slice(dot + 1));
    if (a && a.mult && !a.cur && b) return { mult: a.mult, cur: b };
  }
  return null;
}

export interface AmountRead {
  n: number;
  negative: boolean;
  /** Exact decimal; absent when the separators cannot be read. */
  value?: string;
  currency?: string;
  doubt?: AmountDoubt;
  /** When the doubt has readings to choose from. */
  options?: { value: string; label: string }[];
}

const MAX_DIGITS = 24;

/** Digits and separators → [integer digits, fraction digits], or null when the separators are inconsistent. */
function splitNumber(s: string, spaced: boolean, hasMult: boolean): [string, string] | null {
  const commas = s.split(',').length - 1;
  const dots = s.split('.').length - 1;
  const groupsOk = (head: string, sep: string): boolean => {
    const parts = head.split(sep);
    return /^\d{1,3}$/.test(parts[0]) && parts.slice(1).every((p) => /^\d{3}$/.test(p));
  };
  if (commas + dots === 0) return [s, ''];
  if (spaced) {
    // "1 200,50": the separator of the last group is the decimal point.
    if (commas + dots !== 1) return null;
    const [a, b] = s.split(commas ? ',' : '.');
    return [a, b];
  }
  if (commas > 0 && dots > 0) {
    const decimal = s.lastIndexOf(',') > s.lastIndexOf('.') ? ',' : '.';
    const group = decimal === ',' ? '.' : ',';
    const at = s.lastIndexOf(decimal);
    const head = s.slice(0, at);
    if (head.includes(decimal) || !groupsOk(head, group)) return null;
    return [head.split(group).join(''), s.slice(at + 1)];
  }
  const sep = commas ? ',' : '.';
  const parts = s.split(sep);
  if (parts.length > 2) return groupsOk(s, sep) ? [parts.join(''), ''] : null;
  const [a, b] = parts;
  if (a === '' || b === '') return null;
  if (b.length === 3 && !hasMult) return a.length <= 3 ? [a + b, ''] : null;
  return [a, b];
}

function decimalString(int: string, frac: string, mult: bigint): string {
  const scale = frac.length;
  const total = BigInt((int || '0') + frac) * mult;
  if (scale === 0) return total.toString();
  const str = total.toString().padStart(scale + 1, '0');
  const head = BigInt(str.slice(0, -scale)).toString();
  const tail = str.slice(-scale).replace(/0+$/, '');
  return tail ? `${head}.${tail}` : head;
}

/** An amount starting at token `i`, or null. `next` tells whether a token may still be read. */
export function readAmount(ts: Token[], i: number, defaultCurrency?: string): AmountRead | null {
  let j = i;
  let c = ts[j]?.core ?? '';
  let pos = 0;
  let negative = false;
  let prefixCur: string | undefined;
  let yen = false;
  if (c[pos] === '-' || c[pos] === '−' || c[pos] === '–') {
    negative = true;
    pos++;
  }
  if (SYMBOL[c[pos]]) {
    prefixCur = SYMBOL[c[pos]];
    yen = c[pos] === '¥';
    pos++;
  } else if (pos === 0 && /^[A-Z]{3}$/.test(c) && ISO.has(c)) {
    prefixCur = c;
    pos = c.length;
  }
  if (pos === c.length) {
    if (pos === 0 || !isDigit(ts[j + 1]?.core[0])) return null;
    j++;
    c = ts[j].core;
    pos = 0;
  }
  if (!isDigit(c[pos])) return null;
  let end = pos;
  while (end < c.length && (isDigit(c[end]) || c[end] === ',' || c[end] === '.')) end++;
  let num = c.slice(pos, end);
  let rest = c.slice(end);
  while (num.endsWith(',') || num.endsWith('.')) num = num.slice(0, -1);
  let spaced = false;
  if (rest === '' && /^\d{1,3}$/.test(num)) {
    // "150 000", "1 500 000,50", "2 000$"
    for (let g = 0; g < 6; g++) {
      const next = ts[j + 1]?.core ?? '';
      if (!/^\d{3}(?:$|[^\d])/.test(next)) break;
      let e = 3;
      if ((next[3] === ',' || next[3] === '.') && isDigit(next[4])) {
        e = 4;
        while (isDigit(next[e])) e++;
      }
      num += next.slice(0, e);
      rest = next.slice(e);
      spaced = true;
      j++;
      if (e > 3 || rest !== '') break;
    }
  }
  if (num.replace(/[.,]/g, '').length > MAX_DIGITS) return null;
  let suffix = suffixOf(rest, true);
  if (!suffix) return null;
  let mult = suffix.mult;
  let cur = suffix.cur;
  if (!mult && !cur) {
    const s = suffixOf(ts[j + 1]?.core ?? '', false);
    if (ts[j + 1] && s && (s.mult || s.cur)) {
      j++;
      mult = s.mult;
      cur = s.cur;
    }
  }
  if (mult && !cur) {
    const s = suffixOf(ts[j + 1]?.core ?? '', false);
    if (ts[j + 1] && s && s.cur && !s.mult) {
      j++;
      cur = s.cur;
    }
  }
  if (!cur && !mult && !prefixCur) return null;
  const read: AmountRead = { n: j - i + 1, negative };
  if (prefixCur && cur && prefixCur !== cur) read.doubt = 'currency';
  read.currency = cur ?? prefixCur ?? (defaultCurrency && /^[A-Z]{3}$/.test(defaultCurrency) ? defaultCurrency : undefined);
  const parts = splitNumber(num, spaced, mult !== undefined);
  if (!parts) {
    read.doubt = 'separators';
    return read;
  }
  read.value = decimalString(parts[0], parts[1], mult ?? 1n);
  const frac = read.value.split('.')[1] ?? '';
  if (frac.length > 2 && !read.doubt) read.doubt = 'decimals';
  if (yen && !cur && !read.doubt) {
    read.doubt = 'yen';
    read.options = [
      { value: 'CNY', label: `${read.value} CNY` },
      { value: 'JPY', label: `${read.value} JPY` },
    ];
  }
  return read;
}
