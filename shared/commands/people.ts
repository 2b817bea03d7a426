/**
 * Matching `@someone` / `+someone` against ctx.people. Levels, the first that finds anyone wins:
 *  1. handle (case-insensitive), then the whole e-mail, then the e-mail's local part;
 *  2. the full name, words in any order ("@\"Ann Lee\"", "@Ann_Lee", "@Lee_Ann");
 *  3. one word of the name: first name or surname ("@ann", "@иванов", any letter case, ё = е);
 *  4. a Russian name in another grammatical case ("@Ивану", "@Марии", "@Петровой").
 * One person found: matched. Several: `ambiguous_person` with them as options (never a guess). None:
 * `unknown_person` with the closest names as suggestions.
 */

import { distance, fold } from './text';
import type { Person, ProblemOption } from './types';

export type PersonMatch =
  | { kind: 'one'; id: string }
  | { kind: 'many'; options: ProblemOption[] }
  | { kind: 'none'; options: ProblemOption[] };

interface Entry {
  p: Person;
  handle: string;
  email: string;
  local: string;
  words: string[];
}

const words = (s: string): string[] => fold(s).split(/[\s_.]+/u).filter((w) => w.length > 0);

export class PeopleIndex {
  private readonly entries: Entry[];
  private readonly cache = new Map<string, PersonMatch>();
  /** Suggestions cost an edit distance per person: only the first few unknown mentions get them. */
  private suggestBudget = 5;

  constructor(people: Person[]) {
    this.entries = people.map((p) => {
      const email = fold(p.email ?? '');
      return {
        p,
        handle: fold((p.handle ?? '').replace(/^@/, '')),
        email,
        local: email.includes('@') ? email.slice(0, email.indexOf('@')) : '',
        words: words(p.name),
      };
    });
  }

  /** `query` is what follows the sigil: "ann", "Ann_Lee", "Ann Lee" (quoted), "ann@x.com". */
  match(query: string): PersonMatch {
    let m = this.cache.get(query);
    if (!m) {
      m = this.find(query);
      this.cache.set(query, m);
    }
    return m;
  }

  private find(query: string): PersonMatch {
    const q = fold(query);
    const qw = q.includes('@') ? [] : words(query);
    const levels: ((e: Entry) => boolean)[] = [
      (e) => e.handle !== '' && e.handle === q,
      (e) => e.email !== '' && e.email === q,
      (e) => e.local !== '' && e.local === q,
      (e) => qw.length > 1 && sameWords(qw, e.words),
      (e) => qw.length === 1 && e.words.includes(qw[0]),
      (e) => qw.length > 0 && qw.length <= e.words.length && qw.every((w) => e.words.some((n) => inflectedSame(w, n))),
    ];
    if (q.length > 0 && q.length <= 80) {
      for (const level of levels) {
        const found = this.entries.filter(level);
        if (found.length === 1) return { kind: 'one', id: found[0].p.id };
        if (found.length > 1) return { kind: 'many', options: found.map(optionOf) };
      }
    }
    return { kind: 'none', options: this.suggest(q, qw) };
  }

  private suggest(q: string, qw: string[]): ProblemOption[] {
    if (q.length === 0 || q.length > 40 || this.suggestBudget <= 0) return [];
    this.suggestBudget--;
    const scored: { e: Entry; d: number }[] = [];
    for (const e of this.entries) {
      let d = 99;
      for (const cand of [e.handle, e.local, ...e.words, e.words.join(' ')]) {
        if (!cand) continue;
        if (cand.startsWith(q) || (qw[0] && cand.startsWith(qw[0]) && qw[0].length >= 2)) d = Math.min(d, 1);
        else if (Math.abs(cand.length - q.length) <= 3) d = Math.min(d, distance(q, cand));
      }
      if (d <= Math.max(1, Math.min(3, Math.floor(q.length / 3)))) scored.push({ e, d });
    }
    scored.sort((a, b) => a.d - b.d);
    return scored.slice(0, 5).map((s) => optionOf(s.e));
  }
}

const optionOf = (e: Entry): ProblemOption => ({ value: e.p.id, label: e.p.name });

function sameWords(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  const rest = [...b];
  for (const w of a) {
    const k = rest.indexOf(w);
    if (k < 0) return false;
    rest.splice(k, 1);
  }
  return true;
}

/** Case endings of Russian names; a word's possible stems are it without one of them. */
const ENDINGS = ['ами', 'ями', 'ого', 'ому', 'ой', 'ей', 'ою', 'ею', 'ом', 'ем', 'ым', 'им', 'ам', 'ям', 'ах', 'ях', 'а', 'я', 'у', 'ю', 'е', 'и', 'ы', 'ь', 'й'];
const CYRILLIC = /^[а-я-]+$/u;

function stems(w: string): string[] {
  const out = [w];
  for (const end of ENDINGS) if (w.endsWith(end) && w.length - end.length >= 3) out.push(w.slice(0, -end.length));
  return out;
}

/** "ивану" ~ "иван", "марии" ~ "мария", "ильей" ~ "илья", "петровой" ~ "петрова": a shared stem of 3+ letters. */
export function inflectedSame(a: string, b: string): boolean {
  if (a === b) return true;
  if (!CYRILLIC.test(a) || !CYRILLIC.test(b) || a.length > 30 || b.length > 30) return false;
  const sb = stems(b);
  return stems(a).some((s) => s.length >= 3 && sb.includes(s));
}
