import { AppError } from '../../../../shared/errors';

/**
 * CSV as spreadsheets and CRMs export it: RFC 4180 quoting (fields in double quotes may hold the
 * separator, line breaks and "" for a quote), any of CRLF, LF or CR between records, and the separator
 * guessed from the header line among ";" (Excel where the decimal separator is a comma, as in Russia),
 * "," and tab. Text is UTF-8 (with or without a byte order mark), UTF-16 with a mark, or else
 * windows-1251, the Cyrillic code page older Excel writes.
 */

const badCsv = (why: string) => new AppError('bad_request', `The file is not a readable CSV table: ${why}`, { fields: { file: why } });

export type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1251';

const BOMS: [number[], Encoding][] = [
  [[0xef, 0xbb, 0xbf], 'utf-8'],
  [[0xff, 0xfe], 'utf-16le'],
  [[0xfe, 0xff], 'utf-16be'],
];

export function decodeText(buf: Buffer): { text: string; encoding: Encoding } {
  const bom = BOMS.find(([bytes]) => bytes.every((b, i) => buf[i] === b));
  let encoding: Encoding = bom ? bom[1] : 'utf-8';
  let text: string;
  try {
    text = new TextDecoder(encoding, { fatal: true }).decode(buf.subarray(bom ? bom[0].length : 0));
  } catch {
    if (bom) throw badCsv(`it is not valid ${encoding}`);
    encoding = 'windows-1251';
    text = new TextDecoder(encoding).decode(buf);
  }
  // Text files have no NULs; a binary file decoded as windows-1251 would "succeed" otherwise.
  if (text.includes('\u0000')) throw badCsv('it looks like a binary file, not text');
  return { text, encoding };
}

/** The separator that splits the first record into the most fields (quoted parts ignored). */
export function detectSeparator(text: string): string {
  const counts = new Map<string, number>([[';', 0], [',', 0], ['\t', 0]]);
  let quoted = false;
  for (let i = 0; i < text.length && i < 65_536; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && counts.has(c)) counts.set(c, counts.get(c)! + 1);
  }
  let best = ',';
  let max = 0;
  for (const [sep, n] of counts) {
    if (n > max) {
      best = sep;
      max = n;
    }
  }
  return best;
}

/**
 * Split CSV text into records of fields. Lenient where it is harmless (a quote inside an unquoted field
 * is kept as is), strict where data would be lost: an unterminated quoted field is refused, naming the
 * line it starts on. `maxRows`/`maxColumns` stop the parse early.
 */
export function parseCsv(text: string, sep: string, limits: { rows: number; columns: number }): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  const endRow = () => {
    rows.push(row);
    row = [];
    if (rows.length > limits.rows) throw badCsv(`more than ${(limits.rows - 1).toLocaleString('en')} rows`);
  };
  const push = (field: string) => {
    row.push(field);
    if (row.length > limits.columns) throw badCsv(`more than ${limits.columns} columns`);
  };
  while (i < n) {
    let field = '';
    if (text[i] === '"') {
      const startLine = line;
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw badCsv(`a quoted field starting on line ${startLine} is never closed`);
        const chunk = text.slice(i, q);
        for (const ch of chunk) if (ch === '\n') line++;
        field += chunk;
        if (text[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    }
    // The unquoted field, or what follows a closing quote up to the separator.
    let j = i;
    while (j < n && text[j] !== sep && text[j] !== '\n' && text[j] !== '\r') j++;
    field += text.slice(i, j);
    push(field);
    i = j;
    if (i >= n) break;
    if (text[i] === sep) {
      i++;
      if (i >= n) push('');
      continue;
    }
    // A record ends: CRLF, LF or CR.
    i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
    line++;
    endRow();
  }
  if (row.length) endRow();
  return rows;
}

/** Decode, guess the separator, parse. */
export function readCsv(buf: Buffer, limits: { rows: number; columns: number }): string[][] {
  const { text } = decodeText(buf);
  return parseCsv(text, detectSeparator(text), limits);
}
