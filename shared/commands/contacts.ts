/**
 * Phone numbers and e-mail addresses of contacts, leads, companies and calls.
 * Phones: "+7 999 123-45-67", "+7 (999) 123-45-67", "8 999 123 45 67", "89991234567", "+44 20 7946 0958",
 * possibly spread over several tokens. With "+": 8 to 15 digits (+7 and +1 numbers stop at 11). Without
 * "+": only Russian numbers, 11 digits starting with 8 or 7 (read as +7). Result: "+" and digits.
 * E-mails: one "@", a non-empty local part, a domain with a dot; the domain is lower-cased.
 */

import type { Token } from './text';

const PHONE_CHARS = /^[+(]?[\d()\-]+$/;

const digitsOf = (s: string): string => s.replace(/\D/g, '');

/** A phone starting at token `i`; `stop(j)` says token j begins something else (an amount) and ends it. */
export function readPhone(ts: Token[], i: number, stop: (j: number) => boolean): { n: number; phone: string } | null {
  const first = ts[i].core;
  const plus = first.startsWith('+');
  if (!PHONE_CHARS.test(first) || (plus && !/^\+\(?\d/.test(first))) return null;
  let digits = digitsOf(first);
  let n = 1;
  const target = plus ? (digits[0] === '7' || digits[0] === '1' ? 11 : 15) : 11;
  if (!plus && digits[0] !== '8' && digits[0] !== '7') return null;
  while (digits.length < target && i + n < ts.length) {
    const t = ts[i + n].core;
    if (t.startsWith('+') || !PHONE_CHARS.test(t) || stop(i + n)) break;
    const more = digitsOf(t);
    if (digits.length + more.length > target) break;
    digits += more;
    n++;
  }
  if (plus) {
    if (digits.length < 8 || ((digits[0] === '7' || digits[0] === '1') && digits.length !== 11)) return null;
    return { n, phone: '+' + digits };
  }
  if (digits.length !== 11) return null;
  return { n, phone: '+7' + digits.slice(1) };
}

/** The e-mail a token is, normalised, or null. */
export function readEmail(t: Token): string | null {
  const s = t.core;
  const at = s.indexOf('@');
  if (at <= 0 || s.indexOf('@', at + 1) >= 0) return null;
  const domain = s.slice(at + 1).toLowerCase();
  const dot = domain.lastIndexOf('.');
  if (dot <= 0 || dot === domain.length - 1 || domain.startsWith('.') || domain.includes('..')) return null;
  if (!/^[\p{L}\p{N}.-]+$/u.test(domain) || !/^[\p{L}\p{N}._%+'-]+$/u.test(s.slice(0, at))) return null;
  return s.slice(0, at) + '@' + domain;
}
