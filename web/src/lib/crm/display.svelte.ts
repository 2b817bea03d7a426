/**
 * How the CRM shows things: stage, status and kind labels in the interface language, money in the
 * record's currency, links to records and failures in words.
 */
import type { ZodIssue } from 'zod';
import { CRM_PLURAL, type Amounts, type CrmKind, type CrmStageRef, type ImportField } from '$shared/crm';
import { isApiError } from '../api';
import { errorMessage } from '../errors';
import { i18n, t, type MessageKey } from '../i18n/index.svelte';
import { formatAmounts, formatMoney, stageCode } from './model';

/** A stage's label: built-in stages translated, custom (or renamed) ones as named. */
export function stageLabel(stage: Pick<CrmStageRef, 'code' | 'name'> | null | undefined): string {
  if (!stage) return '';
  const code = stageCode(stage);
  return code ? t(`crm.stage.${code}` as MessageKey) : stage.name;
}

export const kindLabel = (kind: CrmKind) => t(`crm.kind.${kind}` as MessageKey);
export const kindPluralLabel = (kind: CrmKind) => t(`crm.tab.${CRM_PLURAL[kind]}` as MessageKey);
export const leadStatusLabel = (status: string | null) => (status ? t(`crm.status.${status}` as MessageKey) : '');
export const importFieldLabel = (f: ImportField) => t(`crm.importField.${f}` as MessageKey);

/** An amount in its currency, in the interface language ('' without one). */
export function money(amount: string | null, currency: string | null): string {
  return amount !== null && currency ? formatMoney(amount, currency, i18n.locale) : '';
}

export const amountsText = (amounts: Amounts) => formatAmounts(amounts, i18n.locale);

/** The page of a record. */
export const recordHref = (kind: CrmKind, id: string) => `/app/crm/${CRM_PLURAL[kind]}/${id}`;

/** A calendar date (YYYY-MM-DD) as people read it. */
export function dateLabel(date: string | null): string {
  if (!date) return '';
  const d = new Date(`${date}T00:00:00`);
  return Number.isNaN(d.getTime()) ? date : new Intl.DateTimeFormat(i18n.locale, { dateStyle: 'medium' }).format(d);
}

/** The message for a failed CRM request. */
export function crmError(e: unknown): string {
  if (isApiError(e, 'bad_request') && e.fields) {
    const [field, why] = Object.entries(e.fields)[0] ?? [];
    if (field) return t('crm.error.field', { field, message: why ?? '' });
  }
  if (isApiError(e, 'conflict')) return t('crm.error.conflict', { message: e.message });
  return errorMessage(e, { not_found: 'crm.error.notFound', forbidden: 'crm.error.forbidden' });
}

/** Field errors for a form the shared schema refused, in words (the name a kind needs, amounts…). */
export function formErrors(kind: CrmKind, issues: ZodIssue[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of issues) {
    const field = String(issue.path[0] ?? '_');
    if (out[field]) continue;
    if (issue.code === 'custom' && (field === 'firstName' || field === 'title')) out[field] = t(`crm.error.needName.${kind}` as MessageKey);
    else if (field === 'amount') out[field] = t('crm.error.amount');
    else if (field === 'currency') out[field] = t('crm.error.currency');
    else if (field === 'emails') out[field] = t('field.email');
    else if (field === 'phones') out[field] = t('crm.error.phone');
    else if (issue.code === 'too_big') out[field] = t('field.tooLong', { max: Number(issue.maximum) });
    else out[field] = t('field.invalid');
  }
  return out;
}

/** The server's field errors of a record form (phones are checked only there). */
export function serverFormErrors(e: unknown): Record<string, string> {
  if (!isApiError(e, 'bad_request') || !e.fields) return {};
  const out: Record<string, string> = {};
  for (const path of Object.keys(e.fields)) {
    const parts = path.split('.');
    const field = parts.length > 1 && ['deal', 'contact', 'company'].includes(parts[0]) ? parts[1] : parts[0];
    if (field === 'phones') out.phones = t('crm.error.phone');
    else if (field === 'emails') out.emails = t('field.email');
    else if (field === 'responsibleId') out.responsibleId = t('crm.error.responsible');
    else if (field === 'companyId' || field === 'contactId') out[field] = t('crm.error.link');
    else out[field] = t('field.invalid');
  }
  return out;
}
