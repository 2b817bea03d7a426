/**
 * HTML mail bodies to safe Markdown-ish text.
 *
 * The output is text for Artel's Markdown subset (shared/markdown.ts), never HTML: paragraphs and <br> become
 * line breaks, <b>/<strong> **x**, <i>/<em> _x_, <s>/<del> ~~x~~, links [text](url) for http(s) and mailto
 * only, lists "- " / "1. ", quotes "> ", <pre> a ``` fence and <code> backticks. Scripts, styles, the head,
 * comments, images (tracking pixels included) and hidden elements (newsletter preheaders) are dropped, except
 * that an <img src="cid:…"> the caller names in `images` is replaced by the text it gives (the feed marks
 * where a kept inline picture stood; nothing is ever fetched). Whatever text a hostile mail carries stays
 * text; the renderer escapes it.
 */

import { classList, parseHtml, type HtmlElement, type HtmlNode } from './html-tree';
import { TextWriter } from './text-writer';

export interface HtmlToTextOptions {
  /** Cut the quoted history of a reply (Gmail, Outlook, Yahoo containers) before converting. */
  dropHistory?: boolean;
  /**
   * Inline pictures to show as text where they stand: Content-ID (lowercased, no angle brackets) to the
   * text written in the <img>'s place. Other images are dropped.
   */
  images?: ReadonlyMap<string, string>;
}

/** What the walk carries besides the writer. */
interface Walk {
  images: ReadonlyMap<string, string> | null;
}

/**
 * HTML beyond this many characters is not read. Real mail bodies stay far below it (a heavy newsletter is a
 * few hundred kilobytes); the cap bounds the time and memory a hostile one can cost.
 */
export const MAX_HTML_CHARS = 4_000_000;

/** Convert an HTML body to Markdown-ish plain text. */
export function htmlToText(html: string, opts: HtmlToTextOptions = {}): string {
  const root = parseHtml(html.length > MAX_HTML_CHARS ? html.slice(0, MAX_HTML_CHARS) : html);
  if (opts.dropHistory) cutHistory(root);
  const w = new TextWriter();
  walkChildren(root, w, { images: opts.images?.size ? opts.images : null });
  return w.finish();
}

/** The Content-ID an <img> shows (`src="cid:…"`), lowercased and decoded; null for other sources. */
export function cidOf(img: HtmlElement): string | null {
  const m = /^\s*cid:(\S{1,256})\s*$/i.exec(img.attrs.src ?? '');
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]).replace(/^<|>$/g, '').toLowerCase();
  } catch {
    return m[1].replace(/^<|>$/g, '').toLowerCase();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Quoted history in HTML replies: the containers clients wrap it in. Everything from the first one on is cut;
// attribution lines and Outlook header blocks that are plain markup are left to the text-level trimming.

const HISTORY_CLASSES = new Set(['gmail_quote', 'gmail_quote_container', 'yahoo_quoted']);
const HISTORY_IDS = new Set(['divrplyfwdmsg', 'appendonsend', 'mail-editor-reference-message-container']);

function isHistoryStart(el: HtmlElement): boolean {
  if (HISTORY_IDS.has((el.attrs.id ?? '').toLowerCase())) return true;
  return classList(el).some((c) => HISTORY_CLASSES.has(c));
}

function findHistory(el: HtmlElement): HtmlElement | null {
  for (const child of el.children) {
    if (typeof child === 'string') continue;
    if (isHistoryStart(child)) return child;
    const found = findHistory(child);
    if (found) return found;
  }
  return null;
}

/** Remove the first history container and everything after it in document order (and an <hr> just before it). */
function cutHistory(root: HtmlElement): void {
  const marker = findHistory(root);
  if (!marker) return;
  for (let node: HtmlElement = marker; node.parent; node = node.parent) {
    const siblings = node.parent.children;
    siblings.length = siblings.indexOf(node) + (node === marker ? 0 : 1);
  }
  const siblings = marker.parent!.children;
  while (siblings.length && typeof siblings[siblings.length - 1] === 'string' && !(siblings[siblings.length - 1] as string).trim()) siblings.pop();
  const last = siblings[siblings.length - 1];
  if (last && typeof last !== 'string' && last.tag === 'hr') siblings.pop();
}

// ---------------------------------------------------------------------------------------------------------
// The walk.

/** Elements whose content is never shown as text. */
const DROPPED = new Set([
  'head', 'script', 'style', 'title', 'template', 'svg', 'math', 'object', 'iframe', 'frameset', 'noembed',
  'noframes', 'select', 'img', 'picture', 'video', 'audio', 'canvas', 'map', 'input', 'button', 'meta', 'link',
  'base', 'applet', 'embed',
]);
const PARAGRAPHS = new Set(['p', 'blockquote', 'table', 'ul', 'ol', 'dl', 'address', 'figure', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
const BLOCKS = new Set([
  'div', 'tr', 'section', 'article', 'header', 'footer', 'li', 'dt', 'dd', 'form', 'fieldset', 'nav', 'aside',
  'main', 'details', 'summary', 'caption', 'center', 'figcaption', 'legend', 'textarea', 'xmp', 'html', 'body',
]);
const EMPHASIS: Record<string, string> = { b: '**', strong: '**', i: '_', em: '_', cite: '_', s: '~~', strike: '~~', del: '~~' };
const HEADINGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
const CODE = new Set(['code', 'kbd', 'samp', 'tt']);

function walkChildren(el: HtmlElement, w: TextWriter, ctx: Walk): void {
  for (const child of el.children) walk(child, w, ctx);
}

function walk(node: HtmlNode, w: TextWriter, ctx: Walk): void {
  if (typeof node === 'string') return w.text(node);
  const tag = node.tag;
  if (isHidden(node)) return;
  if (tag === 'img' && ctx.images) {
    const cid = cidOf(node);
    const shown = cid === null ? undefined : ctx.images.get(cid);
    return shown ? w.atom(shown) : undefined;
  }
  if (DROPPED.has(tag)) return;
  switch (tag) {
    case 'br':
      return w.hardBreak();
    case 'a': {
      const text = linkText(node);
      // A linked picture has no text: the picture itself, when it is one to show.
      return text || !ctx.images ? w.atom(text) : walkChildren(node, w, ctx);
    }
    case 'pre':
      return w.verbatim(preLines(node));
    case 'ul':
    case 'ol':
      return list(node, w, ctx);
    case 'blockquote':
      w.paragraph();
      w.pushPrefix('> ');
      walkChildren(node, w, ctx);
      w.popPrefix();
      return w.paragraph();
    case 'td':
    case 'th':
      walkChildren(node, w, ctx);
      return w.text(' ');
  }
  if (CODE.has(tag)) return w.atom(codeSpan(textContent(node)));
  const marker = EMPHASIS[tag] ?? (HEADINGS.has(tag) ? '**' : null);
  const edge = boundary(node);
  if (edge) w[edge]();
  if (marker) w.openEmphasis(marker);
  walkChildren(node, w, ctx);
  if (marker) w.closeEmphasis(marker);
  if (edge) w[edge]();
}

/** What an element starts and ends with: a blank line, a line break or nothing (inline). */
function boundary(el: HtmlElement): 'paragraph' | 'block' | null {
  // Outlook writes every line as <p class=MsoNormal> with zero margins (blank lines are <p>&nbsp;</p>),
  // so its paragraphs are lines.
  if (el.tag === 'p' && classList(el).some((c) => c.startsWith('mso'))) return 'block';
  if (PARAGRAPHS.has(el.tag)) return 'paragraph';
  if (BLOCKS.has(el.tag)) return 'block';
  return null;
}

/** Inline styles and attributes that hide an element (preheaders, tracking blocks, Outlook-only fallbacks). */
function isHidden(el: HtmlElement): boolean {
  if ('hidden' in el.attrs) return true;
  const style = el.attrs.style;
  if (!style) return false;
  const s = style.toLowerCase().replace(/\s+/g, '');
  return /(?:^|;)display:none/.test(s) || /(?:^|;)visibility:hidden/.test(s) || /(?:^|;)mso-hide:all/.test(s);
}

function list(el: HtmlElement, w: TextWriter, ctx: Walk): void {
  // A list nested in a list item continues that item; a top-level list is a paragraph of its own.
  const nested = hasAncestor(el, 'li');
  const edge = () => (nested ? w.block() : w.paragraph());
  edge();
  const ordered = el.tag === 'ol';
  let n = ordered ? Math.max(0, parseInt(el.attrs.start ?? '1', 10) || 1) : 0;
  for (const child of el.children) {
    if (typeof child === 'string' || child.tag !== 'li') {
      walk(child, w, ctx);
      continue;
    }
    if (isHidden(child)) continue;
    const marker = ordered ? `${n++}. ` : '- ';
    w.block();
    w.pushPrefix(' '.repeat(marker.length));
    w.listMarker(marker);
    walkChildren(child, w, ctx);
    w.popPrefix();
    w.block();
  }
  edge();
}

function hasAncestor(el: HtmlElement, tag: string): boolean {
  for (let p = el.parent; p; p = p.parent) if (p.tag === tag) return true;
  return false;
}

/** The text of an element as shown: whitespace collapsed, dropped and hidden content left out. */
function textContent(el: HtmlElement): string {
  const parts: string[] = [];
  const visit = (n: HtmlNode) => {
    if (typeof n === 'string') parts.push(n);
    else if (n.tag === 'br') parts.push(' ');
    else if (!DROPPED.has(n.tag) && !isHidden(n)) n.children.forEach(visit);
  };
  el.children.forEach(visit);
  return parts.join('').replace(/[\u200b\u2060\ufeff\u00ad\u034f]/g, '').replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim();
}

const SAFE_SCHEME = /^(?:https?:\/\/|mailto:)/i;
// Characters that would end or break a Markdown link destination.
const DEST_ESCAPES: Record<string, string> = { '(': '%28', ')': '%29', '<': '%3C', '>': '%3E' };

/** A safe href, or null: whitespace and control characters removed (as browsers do), then http(s)/mailto only. */
export function safeUrl(href: string | undefined): string | null {
  if (!href) return null;
  // eslint-disable-next-line no-control-regex
  const cleaned = href.replace(/[\s\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g, '');
  return SAFE_SCHEME.test(cleaned) ? cleaned : null;
}

/** A link as Markdown; its text alone when the target is not allowed or the link has no text (an image). */
function linkText(a: HtmlElement): string {
  const text = textContent(a).replace(/\[/g, '(').replace(/]/g, ')');
  const url = safeUrl(a.attrs.href);
  if (!url || !text) return text;
  const dest = url.replace(/[()<>]/g, (c) => DEST_ESCAPES[c]);
  const bare = url.replace(/^mailto:/i, '');
  if (text === url || text === bare || text + '/' === url) return /^mailto:/i.test(url) ? bare : dest;
  // A link whose text is some other address misleads ("https://bank.example" pointing elsewhere): show both.
  if (/^(?:https?:\/\/|www\.)/i.test(text)) return `${text} (${dest})`;
  return `[${text}](${dest})`;
}

/** Inline code with a fence longer than any backtick run inside it. */
function codeSpan(text: string): string {
  if (!text) return '';
  const longest = longestRun(text, /`+/g, 0);
  const fence = '`'.repeat(longest + 1);
  return longest ? `${fence} ${text} ${fence}` : `${fence}${text}${fence}`;
}

/** The lines of a <pre>, fenced; whitespace kept, markup inside reduced to its text. */
function preLines(pre: HtmlElement): string[] {
  const parts: string[] = [];
  const visit = (n: HtmlNode) => {
    if (typeof n === 'string') parts.push(n);
    else if (n.tag === 'br') parts.push('\n');
    else if (!DROPPED.has(n.tag) && !isHidden(n)) n.children.forEach(visit);
  };
  pre.children.forEach(visit);
  // eslint-disable-next-line no-control-regex
  const body = parts.join('').replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').replace(/^\n/, '').trimEnd();
  if (!body.trim()) return [];
  const longest = longestRun(body, /`{3,}/g, 2);
  const fence = '`'.repeat(longest + 1);
  return [fence, ...body.split('\n').map((l) => l.replace(/\t/g, '    ')), fence];
}

/** The length of the longest match of a global regex (at least `min`), without spreading a huge array. */
function longestRun(s: string, re: RegExp, min: number): number {
  let longest = min;
  for (const m of s.matchAll(re)) longest = Math.max(longest, m[0].length);
  return longest;
}
