import { AppError } from '../../../../shared/errors';
import { CRM_LIMITS } from '../../../../shared/crm';
import { readCsv } from './csv';
import { readXlsx } from './xlsx';

/** An uploaded table: its header, and its data rows with the row numbers a spreadsheet shows. */
export interface Table {
  format: 'csv' | 'xlsx';
  columns: string[];
  rows: { number: number; cells: string[] }[];
}

const bad = (why: string) => new AppError('bad_request', why, { fields: { file: why } });

/** What the first bytes say the file is; the name and content type are never trusted. */
export function sniff(buf: Buffer): 'csv' | 'xlsx' {
  if (!buf.length) throw bad('The file is empty');
  const head = buf.subarray(0, 8);
  if (head.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) return 'xlsx';
  if (head.subarray(0, 4).equals(Buffer.from('PK\x05\x06', 'latin1'))) throw bad('The file is an empty ZIP archive');
  if (head.equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))) {
    throw bad('Excel 97–2003 (.xls) files are not supported: save the sheet as XLSX or CSV');
  }
  if (head.subarray(0, 5).toString('latin1') === '%PDF-') throw bad('A PDF cannot be imported: use XLSX or CSV');
  return 'csv';
}

const blank = (cells: string[] | undefined) => !cells || cells.every((c) => c.trim() === '');

/**
 * Read an upload as a table, or refuse it saying why: the first non-blank row is the header (blank
 * header cells become "Column N"), blank rows are skipped, at most 50,000 data rows and 200 columns.
 */
export function readTable(buf: Buffer): Table {
  const format = sniff(buf);
  const limits = { rows: CRM_LIMITS.importRows + 1, columns: CRM_LIMITS.importColumns };
  const raw = format === 'xlsx' ? readXlsx(buf, limits) : readCsv(buf, limits);
  let headerAt = 0;
  while (headerAt < raw.length && blank(raw[headerAt])) headerAt++;
  if (headerAt >= raw.length) throw bad('The file has no rows');
  const rows: Table['rows'] = [];
  for (let i = headerAt + 1; i < raw.length; i++) if (!blank(raw[i])) rows.push({ number: i + 1, cells: raw[i].map((c) => c ?? '') });
  if (rows.length > CRM_LIMITS.importRows) throw bad(`The file has more than ${CRM_LIMITS.importRows.toLocaleString('en')} rows`);
  const width = rows.reduce((w, r) => Math.max(w, r.cells.length), raw[headerAt].length);
  const columns = Array.from({ length: width }, (_, i) => (raw[headerAt][i] ?? '').trim() || `Column ${i + 1}`);
  return { format, columns, rows };
}
