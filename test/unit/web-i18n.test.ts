import { describe, expect, it } from 'vitest';
import { en } from '../../web/src/lib/i18n/en';
import { ru } from '../../web/src/lib/i18n/ru';
import { PLURAL_FORMS, detectLocale, interpolate, placeholders, pluralize } from '../../web/src/lib/i18n/core';

describe('i18n dictionaries', () => {
  it('ru has exactly the keys of en', () => {
    const enKeys = Object.keys(en).sort();
    const ruKeys = Object.keys(ru).sort();
    expect(ruKeys.filter((k) => !(k in en))).toEqual([]);
    expect(enKeys.filter((k) => !(k in ru))).toEqual([]);
  });

  it('no message is empty', () => {
    for (const dict of [en, ru] as Record<string, string>[]) {
      for (const [key, value] of Object.entries(dict)) expect(value.trim(), key).not.toBe('');
    }
  });

  it('translations use the same placeholders as English', () => {
    const ruDict = ru as Record<string, string>;
    for (const [key, value] of Object.entries(en as Record<string, string>)) {
      expect(placeholders(ruDict[key]), key).toEqual(placeholders(value));
    }
  });

  it('plural messages have the forms their language needs', () => {
    for (const key of Object.keys(en).filter((k) => k.endsWith('_plural'))) {
      expect((en as Record<string, string>)[key].split('|'), key).toHaveLength(PLURAL_FORMS.en);
      expect((ru as Record<string, string>)[key].split('|'), key).toHaveLength(PLURAL_FORMS.ru);
    }
    for (const key of Object.keys(en).filter((k) => !k.endsWith('_plural'))) {
      expect((en as Record<string, string>)[key].includes('|'), key).toBe(false);
    }
  });

  it('the Russian UI is actually Russian', () => {
    const cyrillic = Object.entries(ru).filter(([, v]) => /[а-яё]/i.test(v)).length;
    expect(cyrillic / Object.keys(ru).length).toBeGreaterThan(0.85);
  });
});

describe('i18n helpers', () => {
  it('interpolates known placeholders and leaves unknown ones', () => {
    expect(interpolate('Hi {name}, {n} new', { name: 'Bob', n: 3 })).toBe('Hi Bob, 3 new');
    expect(interpolate('Hi {name}', {})).toBe('Hi {name}');
    expect(interpolate('{a}{a}', { a: 'x' })).toBe('xx');
  });

  it('picks Russian plural forms', () => {
    const tpl = '{n} участник|{n} участника|{n} участников';
    const form = (n: number) => pluralize('ru', tpl, n).replace('{n}', String(n));
    expect(form(1)).toBe('1 участник');
    expect(form(2)).toBe('2 участника');
    expect(form(4)).toBe('4 участника');
    expect(form(5)).toBe('5 участников');
    expect(form(11)).toBe('11 участников');
    expect(form(12)).toBe('12 участников');
    expect(form(21)).toBe('21 участник');
    expect(form(22)).toBe('22 участника');
    expect(form(111)).toBe('111 участников');
    expect(pluralize('en', 'one|many', 1)).toBe('one');
    expect(pluralize('en', 'one|many', 0)).toBe('many');
  });

  it('detects the pre-sign-in locale: stored choice, else browser language', () => {
    expect(detectLocale('ru', ['en-US'])).toBe('ru');
    expect(detectLocale('en', ['ru-RU'])).toBe('en');
    expect(detectLocale(null, ['ru-RU'])).toBe('ru');
    expect(detectLocale(null, ['ru'])).toBe('ru');
    expect(detectLocale('xx', ['de-DE', 'ru'])).toBe('en');
    expect(detectLocale(undefined, [])).toBe('en');
  });
});
