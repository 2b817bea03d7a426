import { AppError } from '../../../../shared/errors';
import { CRM_LIMITS, type ImportFailure, type ImportInput, type ImportPreview, type ImportResult } from '../../../../shared/crm';
import type { Unit } from '../../../db/unit';
import type { Services } from '../../../services';
import type { Actor } from '../../people/policy';
import { enforce } from '../../people/actions';
import { activeColleagues } from '../../chats/repo';
import { canUseCrm } from '../policy';
import { badField } from '../draft';
import * as events from '../events';
import { readSettings } from '../settings';
import { checkMapping, mapRow, suggestMapping, type ImportRow } from './mapping';
import * as repo from './repo';
import { readTable } from './table';

/**
 * Import of contacts and leads from CSV and XLSX, in two steps: preview (upload, parse, suggest a
 * mapping; the file is kept an hour) and import (map every row, report each failing row with its number
 * and reason, create the rest in ONE transaction). A file that cannot be read is refused whole, before
 * anything is created.
 */

/** Parse an upload, keep it for the import, and show its columns, first rows and a suggested mapping. */
export async function previewImport(svc: Services, actor: Actor, file: { name: string; data: Buffer }, kind: 'contact' | 'lead'): Promise<ImportPreview> {
  enforce(canUseCrm(actor), 'import into the CRM');
  const table = readTable(file.data);
  const id = repo.newId();
  const expiresAt = await repo.saveUpload(svc.db, {
    id, userId: actor.id, fileName: file.name.slice(0, 255), format: table.format, data: file.data, ttlMinutes: CRM_LIMITS.importTtlMinutes,
  });
  return {
    uploadId: id,
    fileName: file.name,
    format: table.format,
    columns: table.columns,
    rows: table.rows.slice(0, CRM_LIMITS.importPreviewRows).map((r) => table.columns.map((_, i) => r.cells[i] ?? '')),
    totalRows: table.rows.length,
    suggestedMapping: suggestMapping(table.columns, kind),
    expiresAt: expiresAt.toISOString(),
  };
}

/** Rows whose e-mail or phone is already in the CRM, or in an earlier row of the file. */
function duplicateRows(rows: ImportRow[], known: Set<string>): Set<number> {
  const seen = new Set(known);
  const dup = new Set<number>();
  for (const r of rows) {
    const keys = [...r.emails.map((p) => `email:${p.normalized}`), ...r.phones.map((p) => `phone:${p.normalized}`)];
    if (keys.some((k) => seen.has(k))) dup.add(r.number);
    for (const k of keys) seen.add(k);
  }
  return dup;
}

/** Contacts link to companies by name: an existing one the importer can see, else one created with them. */
async function linkCompanies(u: Unit, actor: Actor, rows: ImportRow[]): Promise<{ byName: Map<string, string>; created: repo.BulkRecord[] }> {
  const names = [...new Map(rows.filter((r) => r.companyName).map((r) => [r.companyName.toLowerCase(), r.companyName])).values()];
  const byName = await repo.companiesByName(u.tx, names, actor.id);
  const created: repo.BulkRecord[] = [];
  for (const name of names) {
    if (byName.has(name.toLowerCase())) continue;
    const id = repo.newId();
    byName.set(name.toLowerCase(), id);
    created.push({ id, kind: 'company', title: name, row: {}, companyId: null });
  }
  return { byName, created };
}

export async function runImport(svc: Services, actor: Actor, input: ImportInput): Promise<ImportResult> {
  enforce(canUseCrm(actor), 'import into the CRM');
  const responsibleId = input.responsibleId ?? actor.id;
  if (!(await activeColleagues(svc.db, [responsibleId])).length) throw badField('responsibleId', 'not an active colleague');
  const settings = await readSettings(svc.db);
  return svc.write(async (u) => {
    const upload = await repo.takeUpload(u.tx, input.uploadId, actor.id);
    if (!upload) throw new AppError('not_found', `No such upload (uploads are kept ${CRM_LIMITS.importTtlMinutes} minutes)`);
    // A retry after a lost answer gets the first result instead of a second import.
    if (upload.result) return upload.result;
    const table = readTable(upload.data);
    checkMapping(input.mapping, table.columns.length, input.kind);

    const failures: ImportFailure[] = [];
    const good: ImportRow[] = [];
    for (const r of table.rows) {
      const out = mapRow(r.cells, r.number, input.mapping, input.kind, settings.phoneCountryCode);
      if ('failure' in out) failures.push(out.failure);
      else good.push(out.row);
    }
    const known = await repo.knownPoints(u.tx, good.flatMap((r) => r.emails.map((p) => p.normalized)), good.flatMap((r) => r.phones.map((p) => p.normalized)));
    const dups = duplicateRows(good, known);
    const kept = input.skipDuplicates ? good.filter((r) => !dups.has(r.number)) : good;
    if (input.skipDuplicates) {
      for (const r of good) if (dups.has(r.number)) failures.push({ row: r.number, code: 'duplicate', field: null, message: 'an e-mail or phone is already in the CRM or in an earlier row' });
    }

    const companies = input.kind === 'contact' ? await linkCompanies(u, actor, kept) : { byName: new Map<string, string>(), created: [] };
    const records: repo.BulkRecord[] = kept.map((r) => ({
      id: repo.newId(), kind: input.kind, title: r.title, row: r,
      companyId: input.kind === 'contact' && r.companyName ? companies.byName.get(r.companyName.toLowerCase())! : null,
    }));
    await repo.insertRecords(u.tx, [...companies.created, ...records], responsibleId, actor.id);
    if (records.length) await events.imported(u, input.kind, records.length, [actor.id, responsibleId], actor.id);

    failures.sort((a, b) => a.row - b.row);
    const result: ImportResult = {
      kind: input.kind,
      created: records.length,
      companiesCreated: companies.created.length,
      failedCount: failures.length,
      failed: failures.slice(0, CRM_LIMITS.importFailuresListed),
      duplicates: input.skipDuplicates ? [] : good.filter((r) => dups.has(r.number)).map((r) => r.number),
    };
    await repo.finishUpload(u.tx, input.uploadId, result);
    return result;
  });
}
