import { AppError } from '../../../shared/errors';
import type { CrmKind, CrmPoint, CrmSettings, EditRecordInput, PointInput } from '../../../shared/crm';
import type { Queryable } from '../../db/pool';
import type { Actor } from '../people/policy';
import { activeColleagues } from '../chats/repo';
import { normalizeEmail, normalizePhone, personTitle } from './normalize';
import * as repo from './repo';

/**
 * A create or an edit, checked and turned into column values: phones normalised (the failing entry is
 * named), people and linked records resolved, titles derived. Nothing is written here.
 */

export interface Draft {
  values: repo.RecordValues;
  phones?: CrmPoint[];
  emails?: CrmPoint[];
}

export interface DraftContext {
  q: Queryable;
  settings: CrmSettings;
  actor: Actor;
  kind: CrmKind;
  /** Prefix of field names in errors, for nested bodies ("deal."). */
  prefix?: string;
  /** The record as it is, for an edit; null for a create. */
  before: repo.RecordRow | null;
}

export const badField = (field: string, message: string) => new AppError('bad_request', `${field}: ${message}`, { fields: { [field]: message } });

/** Phones in E.164, deduplicated; the first unreadable one is named. */
export function phonePoints(inputs: PointInput[], countryCode: string, field = 'phones'): CrmPoint[] {
  const out: CrmPoint[] = [];
  for (const [i, p] of inputs.entries()) {
    const normalized = normalizePhone(p.value, countryCode);
    if (!normalized) throw badField(`${field}.${i}`, 'not a phone number');
    if (!out.some((o) => o.normalized === normalized)) out.push({ value: p.value, normalized, label: p.label });
  }
  return out;
}

export function emailPoints(inputs: PointInput[]): CrmPoint[] {
  const out: CrmPoint[] = [];
  for (const p of inputs) {
    const normalized = normalizeEmail(p.value);
    if (!out.some((o) => o.normalized === normalized)) out.push({ value: p.value, normalized, label: p.label });
  }
  return out;
}

async function checkPeople(ctx: DraftContext, input: EditRecordInput): Promise<void> {
  const p = ctx.prefix ?? '';
  if (input.responsibleId && !(await activeColleagues(ctx.q, [input.responsibleId])).length) {
    throw badField(`${p}responsibleId`, 'not an active colleague');
  }
  if (input.companyId && !(await repo.linkable(ctx.q, input.companyId, 'company', ctx.actor.id))) throw badField(`${p}companyId`, 'no such company');
  if (input.contactId && !(await repo.linkable(ctx.q, input.contactId, 'contact', ctx.actor.id))) throw badField(`${p}contactId`, 'no such contact');
}

/** The title a record shows, from its fields after the change; refuses a record left without a name. */
function titleOf(ctx: DraftContext, input: EditRecordInput): string | undefined {
  const b = ctx.before;
  const get = (k: 'title' | 'firstName' | 'lastName' | 'middleName' | 'companyName') =>
    input[k] ?? (b ? { title: b.title, firstName: b.first_name, lastName: b.last_name, middleName: b.middle_name, companyName: b.company_name }[k] : '');
  const p = ctx.prefix ?? '';
  if (ctx.kind === 'contact') {
    const title = personTitle({ firstName: get('firstName'), lastName: get('lastName') });
    if (!title) throw badField(`${p}firstName`, 'a contact needs a first or last name');
    return title;
  }
  if (ctx.kind === 'lead') {
    const title = (input.title ?? (b && input.title === undefined ? b.title : '')) || personTitle({ firstName: get('firstName'), lastName: get('lastName') }) || get('companyName');
    if (!title) throw badField(`${p}title`, 'a lead needs a title, a name or a company');
    return title;
  }
  if (input.title === undefined) return undefined;
  if (!input.title) throw badField(`${p}title`, `a ${ctx.kind} needs a ${ctx.kind === 'company' ? 'name' : 'title'}`);
  return input.title;
}

/** Amount and currency: a currency comes with every amount (the default when none was named). */
function moneyOf(ctx: DraftContext, input: EditRecordInput): repo.RecordValues {
  const out: repo.RecordValues = {};
  if (input.amount !== undefined) out.amount = input.amount;
  if (input.currency !== undefined) out.currency = input.currency;
  const amount = input.amount !== undefined ? input.amount : (ctx.before?.amount ?? null);
  const currency = input.currency ?? ctx.before?.currency ?? null;
  if (!currency && (amount !== null || ctx.kind === 'deal')) out.currency = ctx.settings.defaultCurrency;
  return out;
}

const PLAIN = ['firstName', 'lastName', 'middleName', 'companyName', 'position', 'source', 'comments', 'status', 'companyId', 'contactId', 'closeDate', 'responsibleId'] as const;

export async function draftOf(ctx: DraftContext, input: EditRecordInput): Promise<Draft> {
  await checkPeople(ctx, input);
  const values: repo.RecordValues = {};
  for (const k of PLAIN) if (input[k] !== undefined) values[k] = input[k] as string | null;
  const title = titleOf(ctx, input);
  if (title !== undefined) values.title = title;
  if (ctx.kind === 'lead' || ctx.kind === 'deal') Object.assign(values, moneyOf(ctx, input));
  if (!ctx.before) {
    values.responsibleId ??= ctx.actor.id;
    if (ctx.kind === 'lead') values.status ??= 'new';
  }
  return {
    values,
    phones: input.phones && phonePoints(input.phones, ctx.settings.phoneCountryCode, `${ctx.prefix ?? ''}phones`),
    emails: input.emails && emailPoints(input.emails),
  };
}

/** What an edit changed, field by field, as the timeline records it. */
export function changesOf(before: repo.RecordRow, draft: Draft): { field: string; from: unknown; to: unknown }[] {
  const changes: { field: string; from: unknown; to: unknown }[] = [];
  for (const [field, to] of Object.entries(draft.values)) {
    const from = (before as unknown as Record<string, unknown>)[repo.COLUMNS[field as keyof typeof repo.COLUMNS]] ?? null;
    if ((from ?? '') !== (to ?? '')) changes.push({ field, from, to });
  }
  for (const kind of ['phone', 'email'] as const) {
    const next = kind === 'phone' ? draft.phones : draft.emails;
    if (!next) continue;
    const from = before.points.filter((p) => p.kind === kind).map((p) => p.value);
    const to = next.map((p) => p.value);
    if (from.join('\n') !== to.join('\n')) changes.push({ field: `${kind}s`, from, to });
  }
  return changes;
}
