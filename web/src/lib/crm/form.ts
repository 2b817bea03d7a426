/**
 * A record's form, pure: which fields each kind has, the form's values from a record (or blank), and
 * the request bodies — the whole record for a create, only what changed for an edit.
 *
 * Imports from shared/ are relative (not `$shared`) so this module also loads in plain vitest/tsc.
 */
import { canonicalAmount, POINT_LABELS, type CrmKind, type CrmPoint, type CrmRecord } from '../../../../shared/crm';

export type PointLabel = (typeof POINT_LABELS)[number];
export interface PointRow {
  value: string;
  label: PointLabel;
}

/** Every text field a form may have, as strings ('' = empty). */
export interface RecordForm {
  title: string;
  firstName: string;
  lastName: string;
  middleName: string;
  companyName: string;
  position: string;
  status: string;
  amount: string;
  currency: string;
  closeDate: string;
  source: string;
  comments: string;
  responsibleId: string;
  companyId: string;
  contactId: string;
  phones: PointRow[];
  emails: PointRow[];
}

export type FormField = Exclude<keyof RecordForm, 'phones' | 'emails'> | 'phones' | 'emails';

/** The fields of each kind, in the order the form shows them. */
export const KIND_FIELDS: Record<CrmKind, FormField[]> = {
  lead: ['title', 'firstName', 'lastName', 'middleName', 'companyName', 'position', 'phones', 'emails', 'status', 'amount', 'currency', 'responsibleId', 'source', 'comments'],
  contact: ['firstName', 'lastName', 'middleName', 'position', 'companyId', 'phones', 'emails', 'responsibleId', 'source', 'comments'],
  company: ['title', 'phones', 'emails', 'responsibleId', 'source', 'comments'],
  deal: ['title', 'amount', 'currency', 'companyId', 'contactId', 'closeDate', 'responsibleId', 'source', 'comments'],
};

export const hasField = (kind: CrmKind, f: FormField) => KIND_FIELDS[kind].includes(f);

const rows = (points: CrmPoint[]): PointRow[] => points.map((p) => ({ value: p.value, label: p.label }));

/** The form of a record, or a blank one (`defaults`: the responsible, the currency…). */
export function formOf(record: CrmRecord | null, defaults: Partial<RecordForm> = {}): RecordForm {
  const blank: RecordForm = {
    title: '', firstName: '', lastName: '', middleName: '', companyName: '', position: '', status: '', amount: '', currency: '',
    closeDate: '', source: '', comments: '', responsibleId: '', companyId: '', contactId: '', phones: [], emails: [],
  };
  if (!record) return { ...blank, ...defaults };
  return {
    // A contact's title is its name: the form edits the name.
    title: record.kind === 'contact' ? '' : record.title,
    firstName: record.firstName,
    lastName: record.lastName,
    middleName: record.middleName,
    companyName: record.companyName,
    position: record.position,
    status: record.status ?? '',
    amount: record.amount === null ? '' : canonicalAmount(record.amount).replace(/\.00$/, ''),
    currency: record.currency ?? '',
    closeDate: record.closeDate ?? '',
    source: record.source,
    comments: record.comments,
    responsibleId: record.responsible.id,
    companyId: record.companyId ?? record.company?.id ?? '',
    contactId: record.contactId ?? record.contact?.id ?? '',
    phones: rows(record.phones),
    emails: rows(record.emails),
  };
}

const NULLABLE = new Set<FormField>(['amount', 'closeDate', 'companyId', 'contactId']);
const filled = (ps: PointRow[]) => ps.filter((p) => p.value.trim() !== '').map((p) => ({ value: p.value.trim(), label: p.label }));

/** The create body of a kind: its fields that are filled (for the shared schema to check). */
export function createBody(kind: CrmKind, form: RecordForm): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const f of KIND_FIELDS[kind]) {
    if (f === 'phones' || f === 'emails') {
      const list = filled(form[f]);
      if (list.length) body[f] = list;
    } else if (form[f].trim() !== '') body[f] = form[f].trim();
  }
  return body;
}

/** An amount as the form shows it, for comparing ("150000" and "150000.00" are the same). */
const sameAmount = (a: string, b: string) => {
  try {
    return canonicalAmount(a.replace(/\s/g, '').replace(',', '.')) === canonicalAmount(b.replace(/\s/g, '').replace(',', '.'));
  } catch {
    return a === b;
  }
};

/** The edit body: only the fields that changed (emptied nullable fields become null). */
export function editBody(kind: CrmKind, before: RecordForm, form: RecordForm): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const f of KIND_FIELDS[kind]) {
    if (f === 'phones' || f === 'emails') {
      const a = filled(before[f]);
      const b = filled(form[f]);
      if (JSON.stringify(a) !== JSON.stringify(b)) body[f] = b;
      continue;
    }
    const was = before[f].trim();
    const now = form[f].trim();
    if (f === 'amount' ? was === now || (was !== '' && now !== '' && sameAmount(was, now)) : was === now) continue;
    if (now === '' && (f === 'status' || f === 'currency' || f === 'responsibleId')) continue;
    body[f] = now === '' && NULLABLE.has(f) ? null : now;
  }
  return body;
}
