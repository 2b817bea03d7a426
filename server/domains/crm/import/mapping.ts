import { AppError } from '../../../../shared/errors';
import { CRM_LIMITS, MULTI_IMPORT_FIELDS, type CrmPoint, type ImportFailure, type ImportField } from '../../../../shared/crm';
import { isEmail, normalizeEmail, normalizePhone, personTitle, splitFullName } from '../normalize';

/**
 * Columns to fields: suggested from header names in English and Russian, checked when the client sends
 * its mapping, and applied to each row with the reason a row fails.
 */

/** Header names, normalised (lowercase, ё as е, punctuation as spaces), by field. */
const HEADERS: Record<ImportField, string[]> = {
  title: ['title', 'lead', 'lead name', 'lead title', 'subject', 'название', 'название лида', 'лид', 'тема'],
  firstName: ['first name', 'firstname', 'given name', 'имя'],
  lastName: ['last name', 'lastname', 'surname', 'family name', 'фамилия'],
  middleName: ['middle name', 'middlename', 'patronymic', 'second name', 'отчество'],
  fullName: ['name', 'full name', 'fullname', 'contact', 'contact name', 'contact person', 'фио', 'ф и о', 'полное имя', 'контакт', 'контактное лицо'],
  companyName: ['company', 'company name', 'organization', 'organisation', 'account', 'компания', 'название компании', 'организация', 'фирма'],
  position: ['position', 'job title', 'role', 'должность'],
  phone: ['phone', 'phones', 'telephone', 'tel', 'mobile', 'cell', 'work phone', 'mobile phone', 'phone number', 'телефон', 'тел', 'мобильный', 'мобильный телефон', 'рабочий телефон', 'номер телефона'],
  email: ['email', 'e mail', 'mail', 'email address', 'e mail address', 'почта', 'электронная почта', 'эл почта', 'адрес электронной почты'],
  source: ['source', 'lead source', 'источник'],
  comments: ['comment', 'comments', 'note', 'notes', 'description', 'комментарий', 'комментарии', 'примечание', 'примечания', 'заметки', 'описание'],
};

export const headerKey = (h: string) =>
  h.toLowerCase().replace(/ё/g, 'е').replace(/[^\p{L}\p{N}]+/gu, ' ').trim();

const BY_HEADER = new Map<string, ImportField>(Object.entries(HEADERS).flatMap(([f, names]) => names.map((n) => [n, f as ImportField])));

/** The field a header names: exactly, or by a telling word (any "…телефон…", "…e-mail…"). */
function fieldOfHeader(header: string): ImportField | null {
  const key = headerKey(header);
  const exact = BY_HEADER.get(key);
  if (exact) return exact;
  if (/телефон|phone/.test(key)) return 'phone';
  if (/e ?mail|почт/.test(key)) return 'email';
  return null;
}

/** The suggested mapping: each single field once (its first column), phones and e-mails from every column naming them. */
export function suggestMapping(columns: string[], kind: 'contact' | 'lead'): (ImportField | null)[] {
  const used = new Set<ImportField>();
  return columns.map((c) => {
    let f = fieldOfHeader(c);
    if (f === 'title' && kind === 'contact') f = null;
    if (!f || (used.has(f) && !MULTI_IMPORT_FIELDS.includes(f))) return null;
    used.add(f);
    return f;
  });
}

const badMapping = (message: string) => new AppError('bad_request', `mapping: ${message}`, { fields: { mapping: message } });

/** Check a client's mapping against the table and the kind. */
export function checkMapping(mapping: (ImportField | null)[], columns: number, kind: 'contact' | 'lead'): void {
  if (mapping.length > columns) throw badMapping(`the file has ${columns} columns, the mapping ${mapping.length}`);
  const seen = new Set<ImportField>();
  for (const f of mapping) {
    if (!f) continue;
    if (seen.has(f) && !MULTI_IMPORT_FIELDS.includes(f)) throw badMapping(`${f} is mapped to more than one column`);
    if (f === 'title' && kind === 'contact') throw badMapping('contacts have no title: map a name instead');
    seen.add(f);
  }
  const names: ImportField[] = kind === 'contact' ? ['firstName', 'lastName', 'fullName'] : ['title', 'firstName', 'lastName', 'fullName', 'companyName'];
  if (!names.some((f) => seen.has(f))) throw badMapping(`map at least one of ${names.join(', ')}`);
}

/** A row ready to insert. */
export interface ImportRow {
  number: number;
  title: string;
  firstName: string;
  lastName: string;
  middleName: string;
  companyName: string;
  position: string;
  source: string;
  comments: string;
  phones: CrmPoint[];
  emails: CrmPoint[];
}

const MAX: Partial<Record<ImportField, number>> = {
  title: CRM_LIMITS.titleMax, firstName: CRM_LIMITS.nameMax, lastName: CRM_LIMITS.nameMax, middleName: CRM_LIMITS.nameMax,
  fullName: CRM_LIMITS.nameMax * 3, companyName: CRM_LIMITS.shortTextMax, position: CRM_LIMITS.shortTextMax,
  source: CRM_LIMITS.shortTextMax, comments: CRM_LIMITS.commentsMax,
};

type Outcome = { row: ImportRow } | { failure: ImportFailure };
const fail = (row: number, code: ImportFailure['code'], field: ImportField | null, message: string): Outcome => ({ failure: { row, code, field, message } });

/** One data row through the mapping: the record it makes, or why it cannot make one. */
export function mapRow(cells: string[], number: number, mapping: (ImportField | null)[], kind: 'contact' | 'lead', countryCode: string): Outcome {
  const one: Partial<Record<ImportField, string>> = {};
  const many: Record<'phone' | 'email' | 'comments', string[]> = { phone: [], email: [], comments: [] };
  for (const [i, f] of mapping.entries()) {
    const v = (cells[i] ?? '').trim();
    if (!f || !v) continue;
    if (v.length > (MAX[f] ?? CRM_LIMITS.importCellChars)) return fail(number, 'too_long', f, `${f} is longer than ${MAX[f] ?? CRM_LIMITS.importCellChars} characters`);
    if (f === 'phone') many.phone.push(...v.split(/[,;\n]+/).map((s) => s.trim()).filter(Boolean));
    else if (f === 'email') many.email.push(...v.split(/[\s,;]+/).filter(Boolean));
    else if (f === 'comments') many.comments.push(v);
    else one[f] = v;
  }
  const split = one.fullName ? splitFullName(one.fullName) : { firstName: '', middleName: '', lastName: '' };
  const firstName = one.firstName ?? split.firstName;
  const lastName = one.lastName ?? split.lastName;
  const middleName = one.middleName ?? split.middleName;
  if ([firstName, lastName, middleName].some((s) => s.length > CRM_LIMITS.nameMax)) return fail(number, 'too_long', 'fullName', `a name is longer than ${CRM_LIMITS.nameMax} characters`);
  const person = personTitle({ firstName, lastName, middleName });
  const title = kind === 'contact' ? person : one.title || person || one.companyName || '';
  if (!title || (kind === 'contact' && !firstName && !lastName)) return fail(number, 'missing_name', null, kind === 'contact' ? 'no first or last name' : 'no title, name or company');
  const emails: CrmPoint[] = [];
  for (const e of many.email) {
    if (!isEmail(e)) return fail(number, 'bad_email', 'email', `not an e-mail address: ${e}`);
    if (!emails.some((p) => p.normalized === normalizeEmail(e))) emails.push({ value: e, normalized: normalizeEmail(e), label: 'work' });
  }
  const phones: CrmPoint[] = [];
  for (const p of many.phone) {
    const normalized = normalizePhone(p, countryCode);
    if (!normalized) return fail(number, 'bad_phone', 'phone', `not a phone number: ${p}`);
    if (!phones.some((x) => x.normalized === normalized)) phones.push({ value: p, normalized, label: 'work' });
  }
  if (phones.length > CRM_LIMITS.pointsMax || emails.length > CRM_LIMITS.pointsMax) return fail(number, 'too_long', phones.length > CRM_LIMITS.pointsMax ? 'phone' : 'email', `more than ${CRM_LIMITS.pointsMax} in one row`);
  const comments = many.comments.join('\n\n');
  if (comments.length > CRM_LIMITS.commentsMax) return fail(number, 'too_long', 'comments', `comments are longer than ${CRM_LIMITS.commentsMax} characters`);
  return {
    row: {
      number, title, firstName, lastName, middleName, companyName: one.companyName ?? '', position: one.position ?? '', source: one.source ?? '',
      comments, phones, emails,
    },
  };
}
