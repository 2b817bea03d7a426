import { AppError } from '../../../../shared/errors';

/**
 * A small XML tokenizer for the parts of an XLSX file: start and end tags with attributes, text with the
 * predefined and numeric entities, CDATA; comments and processing instructions skipped. No DTDs (so no
 * entity expansion, the classic XML bomb), no namespaces beyond dropping a prefix from element names.
 * Linear in its input, which the ZIP reader has already bounded.
 */

export type XmlToken =
  | { type: 'open'; name: string; attrs: Record<string, string>; selfClosing: boolean }
  | { type: 'close'; name: string }
  | { type: 'text'; text: string };

const badXml = (why: string) => new AppError('bad_request', `The file is not a readable XLSX workbook: ${why}`, { fields: { file: why } });

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9A-Fa-f]{1,6}|#\d{1,7}|[A-Za-z]{2,4});/g, (whole, ref: string) => {
    if (ref[0] !== '#') return NAMED[ref] ?? whole;
    const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** "x:row" -> "row". */
const local = (name: string) => name.slice(name.indexOf(':') + 1);

const ATTR = /([^\s=/]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

function openTag(body: string): XmlToken {
  const selfClosing = body.endsWith('/');
  const inner = selfClosing ? body.slice(0, -1) : body;
  const m = /^[^\s/>]+/.exec(inner);
  if (!m) throw badXml('a tag without a name');
  const attrs: Record<string, string> = {};
  for (const a of inner.slice(m[0].length).matchAll(ATTR)) attrs[a[1]] = decodeEntities(a[2] ?? a[3] ?? '');
  return { type: 'open', name: local(m[0]), attrs, selfClosing };
}

/** The end of a tag that starts at `from`, skipping '>' inside quoted attribute values. */
function tagEnd(xml: string, from: number): number {
  let quote = '';
  for (let i = from; i < xml.length; i++) {
    const c = xml[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i;
  }
  throw badXml('an unterminated tag');
}

function skipTo(xml: string, from: number, marker: string, what: string): number {
  const end = xml.indexOf(marker, from);
  if (end < 0) throw badXml(`an unterminated ${what}`);
  return end + marker.length;
}

export function* tokens(xml: string): Generator<XmlToken> {
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    if (lt < 0) {
      yield { type: 'text', text: decodeEntities(xml.slice(i)) };
      return;
    }
    if (lt > i) yield { type: 'text', text: decodeEntities(xml.slice(i, lt)) };
    if (xml.startsWith('<!--', lt)) i = skipTo(xml, lt + 4, '-->', 'comment');
    else if (xml.startsWith('<![CDATA[', lt)) {
      i = skipTo(xml, lt + 9, ']]>', 'CDATA section');
      yield { type: 'text', text: xml.slice(lt + 9, i - 3) };
    } else if (xml.startsWith('<?', lt)) i = skipTo(xml, lt + 2, '?>', 'processing instruction');
    else if (xml.startsWith('<!', lt)) throw badXml('document type declarations are not allowed');
    else if (xml.startsWith('</', lt)) {
      i = skipTo(xml, lt + 2, '>', 'end tag');
      yield { type: 'close', name: local(xml.slice(lt + 2, i - 1).trim()) };
    } else {
      const end = tagEnd(xml, lt + 1);
      yield openTag(xml.slice(lt + 1, end).trim());
      i = end + 1;
    }
  }
}

/** An attribute by its local name ("id" finds "r:id"). */
export function attr(attrs: Record<string, string>, name: string): string | undefined {
  if (name in attrs) return attrs[name];
  for (const [k, v] of Object.entries(attrs)) if (k.endsWith(`:${name}`)) return v;
  return undefined;
}
