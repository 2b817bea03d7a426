/**
 * Normal forms the CRM compares by, pure: phones in E.164, e-mails lowercased, people's names split.
 * Duplicate detection and import depend on these agreeing however a value was typed.
 */

/** An extension at the end of a phone ("доб. 12", "ext 12", "x12", "#12"): not part of the number. */
const EXTENSION = /\s*(?:доб\.?|добавочный|ext\.?|extension|x|#)\s*\d{1,6}\s*$/iu;

/**
 * A phone number as E.164 ("+79161234567"), or null when it cannot be one. `countryCode` is assumed for
 * numbers typed without one. For Russia and Kazakhstan (7) the trunk prefix 8 and ten-digit national
 * numbers are understood ("8 (916) 123-45-67", "916 123 45 67"); elsewhere a leading trunk 0 is dropped.
 * "00" is the international prefix.
 */
export function normalizePhone(raw: string, countryCode: string): string | null {
  const s = raw.replace(EXTENSION, '').trim();
  if (!s || /[^\d\s()+\-./]/u.test(s) || s.indexOf('+') > 0) return null;
  let digits = s.replace(/\D/g, '');
  if (!s.startsWith('+')) {
    if (digits.startsWith('00')) digits = digits.slice(2);
    else if (countryCode === '7') {
      if (digits.length === 11 && (digits[0] === '8' || digits[0] === '7')) digits = `7${digits.slice(1)}`;
      else if (digits.length === 10) digits = `7${digits}`;
      else if (digits.length < 11) return null;
    } else digits = countryCode + digits.replace(/^0/, '');
  }
  if (digits.length < 7 || digits.length > 15 || digits[0] === '0') return null;
  return `+${digits}`;
}

export const normalizeEmail = (raw: string) => raw.trim().toLowerCase();

/** A loose but safe check (the same shape zod's .email() accepts for ordinary addresses). */
export function isEmail(s: string): boolean {
  return s.length <= 254 && /^[A-Za-z0-9._%+'-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/.test(s) && !s.includes('..');
}

const PATRONYMIC = /(?:вич|вна|ична|инична|оглы|кызы)$/iu;

/**
 * A full name in one cell, split. Russian order "Иванов Иван Петрович" is recognised by the patronymic
 * in the last place, "Иван Петрович Иванов" by it in the middle; otherwise "First [Middle] Last".
 */
export function splitFullName(full: string): { firstName: string; middleName: string; lastName: string } {
  const w = full.trim().split(/\s+/u).filter(Boolean);
  if (w.length === 0) return { firstName: '', middleName: '', lastName: '' };
  if (w.length === 1) return { firstName: w[0], middleName: '', lastName: '' };
  if (w.length === 2) return { firstName: w[0], middleName: '', lastName: w[1] };
  if (w.length === 3 && PATRONYMIC.test(w[2])) return { firstName: w[1], middleName: w[2], lastName: w[0] };
  if (w.length === 3) return { firstName: w[0], middleName: w[1], lastName: w[2] };
  return { firstName: w[0], middleName: '', lastName: w.slice(1).join(' ') };
}

/** What lists show for a person: "First Last" (as Bitrix24 does by default), else whichever part there is. */
export function personTitle(p: { firstName?: string; lastName?: string; middleName?: string }): string {
  return [p.firstName, p.lastName].filter(Boolean).join(' ') || p.middleName || '';
}
