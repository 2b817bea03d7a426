import { CRM_LIMITS } from '../../../../shared/crm';
import { attr, tokens } from './xml';
import { badZip, extract, readDirectory, type Budget, type ZipEntry } from './zip';

/**
 * The first worksheet of an XLSX workbook as rows of text: the workbook names its sheets in order, its
 * relationships say where each lives; cells take their text from the shared strings, inline strings or
 * their value. Formulas give their last computed value; dates stay Excel serial numbers (the CRM
 * imports no dates). Rows are indexed by their row number - 1 (empty rows are holes).
 */

export interface SheetLimits {
  rows: number;
  columns: number;
}

const text = (buf: Buffer) => buf.toString('utf8');

/** The path of the workbook's first sheet, by its relationship; sheet1.xml when the workbook does not say. */
function firstSheetPath(workbook: string, rels: string | null): string {
  let relId: string | undefined;
  for (const t of tokens(workbook)) {
    if (t.type === 'open' && t.name === 'sheet') {
      relId = attr(t.attrs, 'id');
      break;
    }
  }
  if (relId && rels) {
    for (const t of tokens(rels)) {
      if (t.type !== 'open' || t.name !== 'Relationship' || t.attrs.Id !== relId || !t.attrs.Target) continue;
      const target = t.attrs.Target;
      return target.startsWith('/') ? target.slice(1) : `xl/${target.replace(/^\.\//, '')}`;
    }
  }
  return 'xl/worksheets/sheet1.xml';
}

/** The shared strings table: each <si> is the concatenation of its <t> runs (phonetic hints left out). */
export function sharedStrings(xml: string): string[] {
  const out: string[] = [];
  let current: string | null = null;
  let inText = false;
  let phonetic = 0;
  for (const t of tokens(xml)) {
    if (t.type === 'open') {
      if (t.name === 'si' && t.selfClosing) out.push('');
      else if (t.name === 'si') current = '';
      else if (t.name === 'rPh') phonetic += t.selfClosing ? 0 : 1;
      else if (t.name === 't') inText = !t.selfClosing;
    } else if (t.type === 'close') {
      if (t.name === 'si' && current !== null) {
        out.push(current);
        current = null;
      } else if (t.name === 'rPh') phonetic--;
      else if (t.name === 't') inText = false;
    } else if (inText && current !== null && phonetic === 0) current += t.text;
  }
  return out;
}

/** "BC12" -> 54 (0-based column). */
function columnOf(ref: string): number {
  let col = 0;
  for (const ch of ref.toUpperCase()) {
    const c = ch.charCodeAt(0);
    if (c < 65 || c > 90) break;
    col = col * 26 + (c - 64);
  }
  return col - 1;
}

/** A numeric cell as people typed it: 79161234567, not 7.9161234567E10. */
function numberText(v: string): string {
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) ? String(n) : v;
}

function cellText(type: string | undefined, value: string, inline: string, shared: string[]): string {
  if (type === 's') {
    const i = Number(value);
    if (!Number.isInteger(i) || i < 0 || i >= shared.length) throw badZip('a cell refers to a missing shared string');
    return shared[i];
  }
  if (type === 'inlineStr') return inline;
  if (type === 'b') return value === '1' ? 'TRUE' : 'FALSE';
  if (type === 'e') return '';
  if (type === 'str' || type === 'd') return value;
  return numberText(value);
}

/** The rows of a worksheet. */
export function sheetRows(xml: string, shared: string[], limits: SheetLimits): string[][] {
  const rows: string[][] = [];
  let row: string[] | null = null;
  let rowIndex = -1;
  let cell: { col: number; type: string | undefined; value: string; inline: string } | null = null;
  let col = -1;
  let into: 'v' | 'is' | null = null;
  for (const t of tokens(xml)) {
    if (t.type === 'open') {
      if (t.name === 'row') {
        rowIndex = t.attrs.r ? Number(t.attrs.r) - 1 : rowIndex + 1;
        if (!Number.isInteger(rowIndex) || rowIndex < 0) throw badZip('a row without a valid number');
        if (rowIndex > limits.rows) throw badZip(`more than ${limits.rows.toLocaleString('en')} rows`);
        col = -1;
        row = [];
        if (t.selfClosing) {
          rows[rowIndex] = [];
          row = null;
        }
      } else if (t.name === 'c' && row) {
        col = t.attrs.r ? columnOf(t.attrs.r) : col + 1;
        if (col < 0) throw badZip('a cell without a valid reference');
        if (col >= limits.columns) throw badZip(`more than ${limits.columns} columns`);
        cell = t.selfClosing ? null : { col, type: t.attrs.t, value: '', inline: '' };
      } else if (cell && (t.name === 'v' || t.name === 'is')) into = t.selfClosing ? null : t.name;
    } else if (t.type === 'close') {
      if (t.name === 'v' || t.name === 'is') into = null;
      else if (t.name === 'c' && cell && row) {
        row[cell.col] = cellText(cell.type, cell.value, cell.inline, shared);
        cell = null;
      } else if (t.name === 'row' && row) {
        rows[rowIndex] = Array.from(row, (v) => v ?? '');
        row = null;
      }
    } else if (cell && into === 'v') cell.value += t.text;
    else if (cell && into === 'is') cell.inline += t.text;
  }
  return rows;
}

/** The first sheet of a workbook, within the limits; refuses anything it cannot read, saying why. */
export function readXlsx(buf: Buffer, limits: SheetLimits): string[][] {
  const entries = new Map<string, ZipEntry>(readDirectory(buf).map((e) => [e.name, e]));
  const budget: Budget = { left: CRM_LIMITS.importInflatedBytes };
  const part = (name: string) => {
    const e = entries.get(name);
    return e ? text(extract(buf, e, budget)) : null;
  };
  const workbook = part('xl/workbook.xml');
  if (workbook === null) throw badZip('it has no xl/workbook.xml (is it an Excel file?)');
  const sheetPath = firstSheetPath(workbook, part('xl/_rels/workbook.xml.rels'));
  const shared = sharedStrings(part('xl/sharedStrings.xml') ?? '');
  const sheet = part(sheetPath);
  if (sheet === null) throw badZip(`its first sheet (${sheetPath}) is missing`);
  return sheetRows(sheet, shared, limits);
}
