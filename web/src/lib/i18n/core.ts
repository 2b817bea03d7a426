/**
 * Pure i18n helpers (no Svelte, no DOM), shared by the reactive store and the unit tests.
 */
import type { Locale } from '../../../../shared/types';

export type Params = Record<string, string | number>;

/** Replace `{name}` placeholders with params; unknown placeholders are left as they are. */
export function interpolate(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
  );
}

/** The placeholder names a message uses, sorted (for the key-completeness test). */
export function placeholders(template: string): string[] {
  return [...new Set([...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))].sort();
}

/**
 * Plural messages hold their forms separated by `|`, in this order per locale:
 * en: one | other; ru: one | few | many (1 файл, 2 файла, 5 файлов).
 */
export const PLURAL_FORMS: Record<Locale, number> = { en: 2, ru: 3 };

/** Index of the plural form of `n` for a locale. */
export function pluralIndex(locale: Locale, n: number): number {
  const abs = Math.abs(n);
  if (locale === 'ru') {
    if (!Number.isInteger(abs)) return 2;
    const mod10 = abs % 10;
    const mod100 = abs % 100;
    if (mod10 === 1 && mod100 !== 11) return 0;
    if (mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14)) return 1;
    return 2;
  }
  return abs === 1 ? 0 : 1;
}

/** Pick the plural form of a `|`-separated message. */
export function pluralize(locale: Locale, template: string, n: number): string {
  const forms = template.split('|');
  return forms[Math.min(pluralIndex(locale, n), forms.length - 1)];
}

/** The language to show before anyone signs in: a stored choice, else the browser's language. */
export function detectLocale(stored: string | null | undefined, browserLanguages: readonly string[]): Locale {
  if (stored === 'en' || stored === 'ru') return stored;
  const first = browserLanguages.find((l) => typeof l === 'string' && l.length > 0) ?? '';
  return first.toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

/** A translation of one English message file: exactly its keys, each a string. */
export type Messages<T> = { readonly [K in keyof T]: string };
