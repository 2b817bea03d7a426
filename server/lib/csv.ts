/**
 * CSV for spreadsheets, pure: RFC 4180 quoting, CRLF line ends, and a UTF-8 byte order mark so that
 * Excel reads Cyrillic as such. The default separator is ";" — what Excel expects where the decimal
 * separator is a comma (Russia among them); "," on request.
 */

export type CsvValue = string | number | null;

/** Text that a spreadsheet would run as a formula is defused with a leading apostrophe (CSV injection). */
const FORMULA = /^[=+\-@\t\r]/;

export function csvCell(value: CsvValue, sep: string): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = FORMULA.test(value) ? `'${value}` : value;
  const quote = text.includes(sep) || /["\r\n]/.test(text) || text !== text.trim();
  return quote ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: CsvValue[][], sep: ';' | ',' = ';'): Buffer {
  const body = rows.map((r) => r.map((v) => csvCell(v, sep)).join(sep)).join('\r\n') + '\r\n';
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body, 'utf8')]);
}
