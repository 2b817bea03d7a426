/**
 * The reactive translation store. `t()` reads the current locale from a `$state`, so every template
 * expression that calls it re-renders when the locale changes.
 */
import type { Locale } from '$shared/types';
import { detectLocale, interpolate, pluralize, type Params } from './core';
import { en, type Dictionary, type MessageKey } from './en';
import { ru } from './ru';

export type { MessageKey } from './en';

const dictionaries: Record<Locale, Dictionary> = { en, ru };
const STORAGE_KEY = 'artel.locale';

function storedLocale(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

function browserLanguages(): string[] {
  if (typeof navigator === 'undefined') return [];
  return [navigator.language, ...(navigator.languages ?? [])];
}

const state = $state<{ locale: Locale }>({ locale: detectLocale(storedLocale(), browserLanguages()) });

function applyToDocument(locale: Locale): void {
  if (typeof document !== 'undefined') document.documentElement.lang = locale;
}
applyToDocument(state.locale);

/** The current interface language (reactive). */
export const i18n = {
  get locale(): Locale {
    return state.locale;
  },
};

/** Switch the interface language (remembered in this browser for the sign-in pages). */
export function setLocale(locale: Locale): void {
  state.locale = locale;
  applyToDocument(locale);
  try {
    localStorage.setItem(STORAGE_KEY, locale);
  } catch {
    /* private mode: not remembered, fine */
  }
}

/** Translate a key, filling `{placeholders}` from params. */
export function t(key: MessageKey, params?: Params): string {
  const template = dictionaries[state.locale][key] ?? en[key] ?? key;
  return interpolate(template, params);
}

/** Translate a `_plural` key for count `n` (available as `{n}`). */
export function tp(key: MessageKey & `${string}_plural`, n: number, params?: Params): string {
  const template = dictionaries[state.locale][key] ?? en[key];
  return interpolate(pluralize(state.locale, template, n), { n, ...params });
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * A date formatter for the locale, made once: building one costs far more than formatting with it,
 * and a long message list formats thousands of times.
 */
export function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale} ${JSON.stringify(options)}`;
  let f = dateFormats.get(key);
  if (!f) dateFormats.set(key, (f = new Intl.DateTimeFormat(locale, options)));
  return f;
}

/** A date and time in the current locale, e.g. "12 Mar 2025, 14:05". */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return dateFormat(state.locale, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** A short wait like "45 s" or "3 min". */
export function formatWait(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  return s < 90 ? t('time.seconds', { n: s }) : t('time.minutes', { n: Math.ceil(s / 60) });
}
