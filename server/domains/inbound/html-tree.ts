/**
 * A small, forgiving HTML reader for mail bodies: enough of the HTML parsing rules to get the structure of
 * what Outlook, Gmail, Apple Mail and newsletter tools produce, never a full HTML5 parser.
 *
 * Bounded by construction: one left-to-right scan (every search moves forward), a nesting limit so hostile
 * input cannot build a tree deep enough to overflow the converter's recursion, and only the attributes the
 * converter reads are kept (in a null-prototype object, so names like __proto__ are plain data).
 */

import { decodeEntities } from './entities';

/** An element with the attributes the converter needs. */
export interface HtmlElement {
  tag: string;
  attrs: Record<string, string>;
  children: HtmlNode[];
  parent: HtmlElement | null;
}

/** A text node (entities decoded) or an element. */
export type HtmlNode = HtmlElement | string;

/** Deeper elements are flattened into their ancestor at this depth (their text is kept). */
export const MAX_DEPTH = 200;

/** Past this many elements further tags are ignored (their text is kept): a bound on memory for hostile mail. */
export const MAX_ELEMENTS = 100_000;

// `src` only for <img src="cid:…">: which inline picture stands where (html.ts); no URL is ever fetched.
const KEPT_ATTRS = new Set(['href', 'class', 'id', 'style', 'type', 'hidden', 'start', 'src']);

const VOID = new Set([
  'br', 'hr', 'img', 'meta', 'link', 'input', 'col', 'area', 'base', 'wbr', 'source', 'track', 'embed', 'param',
  'keygen', 'frame', 'basefont', 'isindex',
]);

/** Elements whose content is not markup: read to their end tag and kept as one text child (or dropped). */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'plaintext']);

/** An open element of one of these closes when another one starts (a <p> inside a <p> is a sibling). */
const SELF_CLOSING_SIBLINGS = new Set(['p', 'li', 'td', 'th', 'tr', 'option', 'dt', 'dd']);

/** Where the search for an implied sibling close stops: a <li> inside a nested <ul> is not a sibling. */
const SIBLING_SCOPE: Record<string, Set<string>> = {
  li: new Set(['ul', 'ol']),
  td: new Set(['tr', 'table']),
  th: new Set(['tr', 'table']),
  tr: new Set(['table', 'tbody', 'thead', 'tfoot']),
  dt: new Set(['dl']),
  dd: new Set(['dl']),
  option: new Set(['select']),
  p: new Set(['div', 'td', 'th', 'li', 'blockquote', 'table', 'body']),
};

/** What may stand in a <head>; anything else starts the body. */
const HEAD_CONTENT = new Set(['meta', 'link', 'title', 'style', 'script', 'base', 'noscript', 'xml', 'o:officedocumentsettings']);

const TAG_NAME = /[a-zA-Z][a-zA-Z0-9:-]*/y;

/** Parse HTML into a tree under a synthetic root element. */
export function parseHtml(html: string): HtmlElement {
  const root: HtmlElement = { tag: '#root', attrs: Object.create(null), children: [], parent: null };
  const stack = new OpenElements(root);
  const n = html.length;
  let i = 0;

  const top = () => stack.top();
  let elements = 0;
  const addText = (raw: string) => {
    if (!raw) return;
    const children = top().children;
    const last = children.length - 1;
    // Adjacent text (around ignored tags) is one node, so node count stays bounded by element count.
    if (last >= 0 && typeof children[last] === 'string') children[last] += decodeEntities(raw);
    else children.push(decodeEntities(raw));
  };

  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      addText(html.slice(i));
      break;
    }
    addText(html.slice(i, lt));
    // Comments (Outlook's conditional ones included), doctypes, CDATA and processing instructions: skipped.
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      i = end < 0 ? n : end + 3;
      continue;
    }
    const next = html[lt + 1];
    if (next === '!' || next === '?') {
      const end = html.indexOf('>', lt);
      i = end < 0 ? n : end + 1;
      continue;
    }
    const closing = next === '/';
    TAG_NAME.lastIndex = lt + (closing ? 2 : 1);
    const m = TAG_NAME.exec(html);
    if (!m) {
      addText('<');
      i = lt + 1;
      continue;
    }
    const tag = m[0].toLowerCase();
    const { attrs, end } = readAttributes(html, TAG_NAME.lastIndex);
    i = end;
    // Past the element cap tags are skipped, but raw-text content is still consumed (and dropped).
    const over = (!closing || tag === 'br') && ++elements > MAX_ELEMENTS;
    if (closing) {
      if (tag !== 'br') closeElement(stack, tag);
      else if (!over) openElement(stack, 'br', Object.create(null)); // browsers read </br> as <br>
      continue;
    }
    if (RAW_TEXT.has(tag)) {
      const close = findEndTag(html, tag, i);
      if (!over) {
        const el = openElement(stack, tag, attrs);
        const body = html.slice(i, close < 0 ? n : close);
        if (tag === 'textarea' || tag === 'xmp') el.children.push(tag === 'textarea' ? decodeEntities(body) : body);
        if (top() === el) stack.truncate(stack.length - 1);
      }
      const gt = close < 0 ? -1 : html.indexOf('>', close);
      i = gt < 0 ? n : gt + 1;
      continue;
    }
    if (!over) openElement(stack, tag, attrs);
  }
  return root;
}

const ATTR_NAME = /[^\s/>=]+/y;
const SPACES = /\s*/y;
const UNQUOTED = /[^\s>]*/y;

/** Match a sticky regex at i and return the index after the match. */
function skip(re: RegExp, s: string, i: number): number {
  re.lastIndex = i;
  return re.exec(s) ? re.lastIndex : i;
}

const END_TAGS = new Map([...RAW_TEXT].map((t) => [t, new RegExp(`</${t}`, 'gi')]));

/** Where the end tag of a raw-text element starts (case-insensitively), or -1. */
function findEndTag(html: string, tag: string, from: number): number {
  const re = END_TAGS.get(tag) as RegExp;
  re.lastIndex = from;
  return re.exec(html)?.index ?? -1;
}

/** Read attributes from just after the tag name to the closing `>`; quotes may contain `>`. */
function readAttributes(html: string, from: number): { attrs: Record<string, string>; end: number } {
  const attrs: Record<string, string> = Object.create(null);
  const n = html.length;
  let i = from;
  while (i < n) {
    const c = html[i];
    if (c === '>') return { attrs, end: i + 1 };
    if (c === '/' || c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    let j = skip(ATTR_NAME, html, i);
    if (j === i) j++; // a stray '=': step over it
    const name = html.slice(i, j).toLowerCase();
    i = skip(SPACES, html, j);
    let value = '';
    if (html[i] === '=') {
      i = skip(SPACES, html, i + 1);
      const q = html[i];
      if (q === '"' || q === "'") {
        const close = html.indexOf(q, i + 1);
        value = html.slice(i + 1, close < 0 ? n : close);
        i = close < 0 ? n : close + 1;
      } else {
        const k = skip(UNQUOTED, html, i);
        value = html.slice(i, k);
        i = k;
      }
    }
    if (KEPT_ATTRS.has(name) && !(name in attrs)) attrs[name] = decodeEntities(value);
  }
  return { attrs, end: n };
}

/**
 * The open elements, innermost last, with a count per tag name so that an end tag or implied close for an
 * element that is not open costs nothing (and the scans that do run pop what they pass, or stop at a scope).
 */
class OpenElements {
  private readonly items: HtmlElement[];
  private readonly open = new Map<string, number>();

  constructor(root: HtmlElement) {
    this.items = [root];
  }

  get length(): number {
    return this.items.length;
  }

  at(k: number): HtmlElement {
    return this.items[k];
  }

  top(): HtmlElement {
    return this.items[this.items.length - 1];
  }

  has(tag: string): boolean {
    return (this.open.get(tag) ?? 0) > 0;
  }

  push(el: HtmlElement): void {
    this.items.push(el);
    this.open.set(el.tag, (this.open.get(el.tag) ?? 0) + 1);
  }

  /** Close every element from index k inwards. */
  truncate(k: number): void {
    while (this.items.length > Math.max(1, k)) {
      const el = this.items.pop() as HtmlElement;
      this.open.set(el.tag, (this.open.get(el.tag) ?? 1) - 1);
    }
  }
}

function openElement(stack: OpenElements, tag: string, attrs: Record<string, string>): HtmlElement {
  if (SELF_CLOSING_SIBLINGS.has(tag)) closeImpliedSibling(stack, tag);
  // Body content ends a <head> that was never closed (else the whole mail would be dropped with the head).
  if (!HEAD_CONTENT.has(tag) && stack.has('head')) closeElement(stack, 'head');
  const parent = stack.top();
  const el: HtmlElement = { tag, attrs, children: [], parent };
  parent.children.push(el);
  // Past the depth limit the element stays a childless leaf and its content goes to the ancestor.
  if (!VOID.has(tag) && stack.length < MAX_DEPTH) stack.push(el);
  return el;
}

function closeImpliedSibling(stack: OpenElements, tag: string): void {
  if (!stack.has(tag)) return;
  const scope = SIBLING_SCOPE[tag];
  for (let k = stack.length - 1; k > 0; k--) {
    const t = stack.at(k).tag;
    if (t === tag) {
      stack.truncate(k);
      return;
    }
    if (scope?.has(t)) return;
  }
}

/** Close the nearest open element with this name, and everything opened inside it; a stray end tag is ignored. */
function closeElement(stack: OpenElements, tag: string): void {
  if (!stack.has(tag)) return;
  for (let k = stack.length - 1; k > 0; k--) {
    if (stack.at(k).tag === tag) {
      stack.truncate(k);
      return;
    }
  }
}

/** The class names of an element, lowercased. */
export function classList(el: HtmlElement): string[] {
  return (el.attrs.class ?? '').toLowerCase().split(/\s+/).filter(Boolean);
}
