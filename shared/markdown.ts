/**
 * Message bodies: a chat-style Markdown subset rendered to safe HTML or to plain text.
 *
 * Blocks: paragraphs (a single newline is a line break), fenced code blocks (```lang), `> ` quotes (nested
 * up to MAX_QUOTE_DEPTH), bullet lists (`- `, `* `) and numbered lists (`1. `, flat). Inline: **strong**,
 * *em* / _em_, ~~del~~, `code`, bare and <bracketed> http(s) URLs, [text](url), `<@uuid>` mentions and
 * `@all` / `@все`.
 * Everything else is text, HTML-escaped; there are no raw HTML, entities or backslash escapes.
 *
 * Safety: the only tags produced are p br strong em del code pre blockquote ul ol li a span, the only
 * attributes href rel target class data-user-id; links only for http:, https: and mailto:. Every step is
 * linear in the input (emphasis uses CommonMark's delimiter algorithm with its openers-bottom bound, link
 * destinations and code spans use precomputed indexes), so hostile bodies cannot make rendering slow.
 *
 * Pure and DOM-free: used by the server and by the browser client.
 */

/** Options for rendering: how a mentioned user's id becomes a display name (null when unknown). */
export interface MarkdownOptions {
  mentionName?: (userId: string) => string | null;
}

/** How deep `>` quotes may nest; deeper markers stay literal text (keeps the work linear). */
const MAX_QUOTE_DEPTH = 8;
/** A user id in a mention; the same form as MENTION_PATTERN in shared/mentions.ts (lowercase UUID). */
const MENTION_AT = /<@([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})>/y;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LINK_ATTRS = 'rel="noopener noreferrer nofollow" target="_blank"';

// ---------------------------------------------------------------------------------------------------------
// Characters

const WS = /\s/u;
const PUNCT = /[\p{P}\p{S}]/u;
const WORD = /[\p{L}\p{N}]/u;

/** How a character counts for emphasis flanking: 0 other, 1 whitespace (or the text edge), 2 punctuation. */
function kind(ch: string): 0 | 1 | 2 {
  if (ch === '') return 1;
  const c = ch.charCodeAt(0);
  if (c < 0x80) {
    if (c <= 0x20) return 1;
    return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x7f ? 0 : 2;
  }
  return WS.test(ch) ? 1 : PUNCT.test(ch) ? 2 : 0;
}

/** The code point just before index i ('' at the start). */
function charBefore(s: string, i: number): string {
  if (i <= 0) return '';
  const lo = s.charCodeAt(i - 1);
  if (lo >= 0xdc00 && lo <= 0xdfff && i >= 2) {
    const hi = s.charCodeAt(i - 2);
    if (hi >= 0xd800 && hi <= 0xdbff) return s.slice(i - 2, i);
  }
  return s[i - 1];
}

/** The code point at index i ('' at the end). */
function charAt(s: string, i: number): string {
  if (i >= s.length) return '';
  const hi = s.charCodeAt(i);
  return hi >= 0xd800 && hi <= 0xdbff && i + 1 < s.length ? s.slice(i, i + 2) : s[i];
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c]);
}

/** Characters that end a bare URL: whitespace, controls and those RFC 3986 never allows unencoded. */
function endsUrl(ch: string): boolean {
  const c = ch.charCodeAt(0);
  return c <= 0x20 || (c >= 0x7f && c <= 0x9f) || '<>"`[]{}|\\^'.includes(ch) || WS.test(ch);
}

// ---------------------------------------------------------------------------------------------------------
// Link destinations

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', AMP: '&', lt: '<', LT: '<', gt: '>', GT: '>', quot: '"', QUOT: '"', apos: "'", nbsp: '\u00a0',
  colon: ':', Tab: '\t', NewLine: '\n', sol: '/', lpar: '(', rpar: ')', period: '.', comma: ',', num: '#',
  excl: '!', quest: '?', equals: '=', plus: '+', percnt: '%', commat: '@', lsqb: '[', rsqb: ']', semi: ';',
  lowbar: '_', hyphen: '-', dash: '-', bsol: '\\', grave: '`',
};

/** Decodes numeric and common named character references (unknown names stay as written). */
function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(?:#(\d{1,8})|#[xX]([0-9a-fA-F]{1,8})|([A-Za-z][A-Za-z0-9]{0,31}));/g, (m, dec, hex, name) => {
    if (name !== undefined) return Object.prototype.hasOwnProperty.call(NAMED_ENTITIES, name) ? NAMED_ENTITIES[name] : m;
    const cp = dec !== undefined ? parseInt(dec, 10) : parseInt(hex, 16);
    if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return '\ufffd';
    return String.fromCodePoint(cp);
  });
}

const INVISIBLE = /[\s\p{Cc}\p{Cf}]/gu;
const SAFE_SCHEME = /^(?:https?|mailto):/;

/**
 * The href for a `[text](dest)` destination, or null when it is not an allowed link. The destination is
 * entity-decoded and stripped of whitespace, control and format characters; the result must start with
 * http:, https: or mailto: (ASCII case-insensitive). That same string is what the attribute carries, so the
 * browser sees exactly the value that was checked.
 */
function safeHref(dest: string): string | null {
  const cleaned = decodeEntities(dest).replace(INVISIBLE, '');
  const lower = cleaned.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return SAFE_SCHEME.test(lower) ? cleaned : null;
}

// ---------------------------------------------------------------------------------------------------------
// Inline parsing

type Tag = 'em' | 'strong' | 'del';

interface Delim {
  k: 'delim';
  ch: '*' | '_' | '~';
  /** Characters of the run not (yet) used as markup; what is left is literal text. */
  n: number;
  orig: number;
  canOpen: boolean;
  canClose: boolean;
  /** Closing tags this run stands for, innermost first (they come before any literal rest). */
  closes: string;
  /** Opening tags this run stands for, outermost first (they come after any literal rest). */
  opens: string;
  prev: Delim | null;
  next: Delim | null;
}

type Tok =
  | { k: 'text'; v: string }
  | { k: 'br' }
  | { k: 'code'; v: string }
  | { k: 'mention'; id: string }
  | { k: 'all'; v: string }
  | { k: 'auto'; url: string }
  /** A `[`: literal unless it became the start of a link. */
  | { k: 'lopen'; href: string | null }
  | { k: 'lclose' }
  | Delim;

/** Matches delimiter runs above `bottom` into em/strong/del (CommonMark's "process emphasis"). */
class DelimStack {
  top: Delim | null = null;

  push(d: Delim): void {
    d.prev = this.top;
    d.next = null;
    if (this.top) this.top.next = d;
    this.top = d;
  }

  remove(d: Delim): void {
    if (d.prev) d.prev.next = d.next;
    if (d.next) d.next.prev = d.prev;
    else this.top = d.prev;
    d.prev = d.next = null;
  }

  process(bottom: Delim | null): void {
    // Per closer kind: the lowest delimiter worth looking at again (everything below failed already).
    // Indexed by closer character, whether the closer can also open, and its run length mod 3.
    const openersBottom: (Delim | null)[] = new Array(18).fill(bottom);
    let closer: Delim | null = this.top;
    while (closer && closer.prev !== bottom) closer = closer.prev;
    if (closer === bottom) closer = null;
    while (closer) {
      if (!closer.canClose) {
        closer = closer.next;
        continue;
      }
      const key = (closer.ch === '*' ? 0 : closer.ch === '_' ? 6 : 12) + (closer.canOpen ? 3 : 0) + (closer.orig % 3);
      const floor = openersBottom[key];
      let opener = closer.prev;
      let found = false;
      while (opener && opener !== bottom && opener !== floor) {
        const oddMatch =
          closer.ch !== '~' && (closer.canOpen || opener.canClose) && closer.orig % 3 !== 0 && (opener.orig + closer.orig) % 3 === 0;
        if (opener.ch === closer.ch && opener.canOpen && !oddMatch) {
          found = true;
          break;
        }
        opener = opener.prev;
      }
      const oldCloser: Delim = closer;
      if (found && opener) {
        const use = closer.ch === '~' ? 2 : closer.n >= 2 && opener.n >= 2 ? 2 : 1;
        const tag: Tag = closer.ch === '~' ? 'del' : use === 2 ? 'strong' : 'em';
        opener.n -= use;
        closer.n -= use;
        opener.opens = `<${tag}>${opener.opens}`;
        closer.closes += `</${tag}>`;
        // Unmatched delimiters between the two can no longer match anything: they stay literal.
        for (let d = closer.prev; d && d !== opener; ) {
          const p: Delim | null = d.prev;
          this.remove(d);
          d = p;
        }
        if (opener.n === 0) this.remove(opener);
        if (closer.n === 0) {
          const next: Delim | null = closer.next;
          this.remove(closer);
          closer = next;
        }
      } else {
        closer = closer.next;
        openersBottom[key] = oldCloser.prev;
        if (!oldCloser.canOpen) this.remove(oldCloser);
      }
    }
    while (this.top && this.top !== bottom) this.remove(this.top);
  }
}

/**
 * For `[text](dest)`: where each destination starting at q ends. The destination runs to the first `)` that
 * is not balanced by a `(` after q and must not contain whitespace or control characters. Built in linear
 * time: with depth[k] = (count of `(`) − (count of `)`) in s[0, k), the closing `)` is at k − 1 for the first
 * k > q with depth[k] = depth[q] − 1.
 */
class DestIndex {
  private readonly nextLower: Int32Array;
  private readonly nextBad: Int32Array;

  constructor(s: string) {
    const n = s.length;
    const depth = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) depth[i + 1] = depth[i] + (s[i] === '(' ? 1 : s[i] === ')' ? -1 : 0);
    // lastSeen[v + n] = smallest index > k seen so far with depth v.
    const lastSeen = new Int32Array(2 * n + 3).fill(-1);
    this.nextLower = new Int32Array(n + 1);
    for (let k = n; k >= 0; k--) {
      this.nextLower[k] = lastSeen[depth[k] - 1 + n + 1];
      lastSeen[depth[k] + n + 1] = k;
    }
    this.nextBad = new Int32Array(n + 1);
    this.nextBad[n] = n;
    for (let i = n - 1; i >= 0; i--) {
      const c = s.charCodeAt(i);
      const bad = c <= 0x20 || (c >= 0x7f && c <= 0x9f) || WS.test(s[i]);
      this.nextBad[i] = bad ? i : this.nextBad[i + 1];
    }
  }

  /** Index of the `)` closing a destination that starts at q, or -1. */
  end(q: number): number {
    const k = this.nextLower[q];
    if (k < 0) return -1;
    const e = k - 1;
    return this.nextBad[q] >= e ? e : -1;
  }
}

/**
 * Code spans: a run of n backticks up to the next run of exactly n. Runs are indexed once by length; the
 * lookup pointers only move forward, as the scan does.
 */
class CodeRuns {
  private readonly byLen = new Map<number, number[]>();
  private readonly ptr = new Map<number, number>();

  constructor(s: string) {
    for (let i = 0; i < s.length; ) {
      if (s[i] !== '`') {
        i++;
        continue;
      }
      let j = i;
      while (s[j] === '`') j++;
      const len = j - i;
      let list = this.byLen.get(len);
      if (!list) this.byLen.set(len, (list = []));
      list.push(i);
      i = j;
    }
  }

  /** Start of the first maximal run of exactly `len` backticks starting after `after`, or -1. */
  next(len: number, after: number): number {
    const list = this.byLen.get(len);
    if (!list) return -1;
    let p = this.ptr.get(len) ?? 0;
    while (p < list.length && list[p] <= after) p++;
    this.ptr.set(len, p);
    return p < list.length ? list[p] : -1;
  }
}

/** Splits one paragraph's (or list item's) text into inline tokens with emphasis resolved. */
function parseInline(s: string): Tok[] {
  const n = s.length;
  const toks: Tok[] = [];
  const delims = new DelimStack();
  const brackets: { tok: { k: 'lopen'; href: string | null }; index: number; bottom: Delim | null }[] = [];
  let codeRuns: CodeRuns | null = null;
  let dests: DestIndex | null = null;
  let buf = '';
  const flush = () => {
    if (buf) toks.push({ k: 'text', v: buf });
    buf = '';
  };

  let i = 0;
  while (i < n) {
    const c = s[i];
    switch (c) {
      case '\n':
        flush();
        toks.push({ k: 'br' });
        i++;
        continue;

      case '`': {
        let j = i;
        while (s[j] === '`') j++;
        const len = j - i;
        codeRuns ??= new CodeRuns(s);
        const close = codeRuns.next(len, i);
        if (close < 0) {
          buf += s.slice(i, j);
          i = j;
          continue;
        }
        let code = s.slice(j, close).replace(/\n/g, ' ');
        if (code.length >= 2 && code[0] === ' ' && code[code.length - 1] === ' ' && code.trim() !== '') code = code.slice(1, -1);
        flush();
        toks.push({ k: 'code', v: code });
        i = close + len;
        continue;
      }

      case '<': {
        MENTION_AT.lastIndex = i;
        const m = MENTION_AT.exec(s);
        if (m) {
          flush();
          toks.push({ k: 'mention', id: m[1] });
          i += m[0].length;
          continue;
        }
        // <https://…> (the form many clients paste): the brackets go, the URL is linked.
        const url = s[i + 1] === 'h' || s[i + 1] === 'H' ? autolinkAt(s, i + 1, false) : null;
        if (!url || s[i + 1 + url.length] !== '>') break;
        flush();
        toks.push({ k: 'auto', url });
        i += url.length + 2;
        continue;
      }

      case '@': {
        // Same rule as ALL_PATTERN in shared/mentions.ts, so what renders as @all is what notifies everyone.
        const before = i === 0 ? '' : s[i - 1];
        const word = s.slice(i + 1, i + 4);
        const lower = word.toLowerCase();
        const after = i + 4 < n ? s[i + 4] : '';
        if (
          (before === '' || before === '(' || WS.test(before)) &&
          (lower === 'all' || lower === 'все') &&
          (after === '' || WS.test(after) || '.,!?:;)'.includes(after))
        ) {
          flush();
          toks.push({ k: 'all', v: s.slice(i, i + 4) });
          i += 4;
          continue;
        }
        break;
      }

      case 'h':
      case 'H': {
        const url = autolinkAt(s, i);
        if (!url) break;
        flush();
        toks.push({ k: 'auto', url });
        i += url.length;
        continue;
      }

      case '*':
      case '_':
      case '~': {
        let j = i;
        while (s[j] === c) j++;
        const len = j - i;
        if (c === '~' && len !== 2) {
          buf += s.slice(i, j);
          i = j;
          continue;
        }
        const before = kind(charBefore(s, i));
        const after = kind(charAt(s, j));
        const beforeWs = before === 1;
        const afterWs = after === 1;
        const beforePunct = before === 2;
        const afterPunct = after === 2;
        const left = !afterWs && (!afterPunct || beforeWs || beforePunct);
        const right = !beforeWs && (!beforePunct || afterWs || afterPunct);
        const d: Delim = {
          k: 'delim', ch: c, n: len, orig: len,
          canOpen: c === '_' ? left && (!right || beforePunct) : left,
          canClose: c === '_' ? right && (!left || afterPunct) : right,
          closes: '', opens: '', prev: null, next: null,
        };
        flush();
        toks.push(d);
        if (d.canOpen || d.canClose) delims.push(d);
        i = j;
        continue;
      }

      case '[': {
        flush();
        const tok: { k: 'lopen'; href: string | null } = { k: 'lopen', href: null };
        toks.push(tok);
        brackets.push({ tok, index: toks.length - 1, bottom: delims.top });
        i++;
        continue;
      }

      case ']': {
        const opener = brackets.pop();
        if (!opener || s[i + 1] !== '(') break;
        dests ??= new DestIndex(s);
        const e = dests.end(i + 2);
        const href = e > i + 2 ? safeHref(s.slice(i + 2, e)) : null;
        if (href === null) break;
        flush();
        if (toks.length === opener.index + 1) toks.push({ k: 'text', v: href });
        opener.tok.href = href;
        toks.push({ k: 'lclose' });
        delims.process(opener.bottom);
        // No links inside links: every earlier `[` is now literal.
        brackets.length = 0;
        i = e + 1;
        continue;
      }
    }
    buf += c === '\0' ? '\ufffd' : c;
    i++;
  }
  flush();
  delims.process(null);
  return toks;
}

/** A bare http(s) URL starting at i (not inside a word), trailing punctuation excluded unless `trim` is off; or null. */
function autolinkAt(s: string, i: number, trim = true): string | null {
  const head = s.slice(i, i + 8).toLowerCase();
  const prefix = head.startsWith('https://') ? 8 : head.startsWith('http://') ? 7 : 0;
  if (!prefix) return null;
  if (WORD.test(charBefore(s, i))) return null;
  if (!WORD.test(charAt(s, i + prefix))) return null;
  let j = i + prefix;
  let opens = 0;
  let closes = 0;
  while (j < s.length && !endsUrl(s[j])) {
    if (s[j] === '(') opens++;
    else if (s[j] === ')') closes++;
    j++;
  }
  while (trim && j > i + prefix) {
    const ch = s[j - 1];
    if (".,:;!?'*_~".includes(ch)) j--;
    else if (ch === ')' && closes > opens) {
      closes--;
      j--;
    } else break;
  }
  return s.slice(i, j);
}

// ---------------------------------------------------------------------------------------------------------
// Inline output

type NameOf = (userId: string) => string;

function nameResolver(opts: MarkdownOptions | undefined): NameOf {
  return (id) => {
    const name = opts?.mentionName?.(id);
    return typeof name === 'string' && name !== '' ? name : 'unknown';
  };
}

function inlineHtml(toks: Tok[], nameOf: NameOf): string {
  let out = '';
  let inLink = 0;
  for (const t of toks) {
    switch (t.k) {
      case 'text':
        out += esc(t.v);
        break;
      case 'br':
        out += '<br>';
        break;
      case 'code':
        out += `<code>${esc(t.v)}</code>`;
        break;
      case 'mention':
        out += UUID.test(t.id)
          ? `<span class="mention" data-user-id="${esc(t.id)}">@${esc(nameOf(t.id))}</span>`
          : esc(`<@${t.id}>`);
        break;
      case 'all':
        out += `<span class="mention mention-all">${esc(t.v)}</span>`;
        break;
      case 'auto':
        out += inLink ? esc(t.url) : `<a href="${esc(t.url)}" ${LINK_ATTRS}>${esc(t.url)}</a>`;
        break;
      case 'lopen':
        if (t.href === null) out += '[';
        else {
          inLink++;
          out += `<a href="${esc(t.href)}" ${LINK_ATTRS}>`;
        }
        break;
      case 'lclose':
        inLink--;
        out += '</a>';
        break;
      case 'delim':
        out += t.closes + (t.n ? t.ch.repeat(t.n) : '') + t.opens;
        break;
    }
  }
  return out;
}

function inlineText(toks: Tok[], nameOf: NameOf): string {
  let out = '';
  for (const t of toks) {
    switch (t.k) {
      case 'text':
      case 'code':
      case 'all':
        out += t.v;
        break;
      case 'br':
        out += '\n';
        break;
      case 'mention':
        out += `@${nameOf(t.id)}`;
        break;
      case 'auto':
        out += t.url;
        break;
      case 'lopen':
        if (t.href === null) out += '[';
        break;
      case 'lclose':
        break;
      case 'delim':
        out += t.ch.repeat(t.n);
        break;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Blocks

type Block =
  | { k: 'p'; text: string }
  | { k: 'pre'; lang: string | null; text: string }
  | { k: 'quote'; body: Block[] }
  | { k: 'list'; ordered: boolean; items: string[] };

const BLANK = /^[ \t]*$/;
const FENCE_OPEN = /^ {0,3}(`{3,})([^`]*)$/;
const FENCE_CLOSE = /^ {0,3}(`{3,})[ \t]*$/;
const LANG = /^[A-Za-z0-9_+#.-]{1,32}$/;
const QUOTE = /^ {0,3}> ?/;
const BULLET = /^[ \t]*[-*][ \t]+(?=\S)/;
const NUMBERED = /^[ \t]*(\d{1,9})\.[ \t]+(?=\S)/;

function parseBlocks(lines: string[], depth: number): Block[] {
  const blocks: Block[] = [];
  let para: string[] = [];
  const flushPara = () => {
    if (para.length) blocks.push({ k: 'p', text: para.join('\n') });
    para = [];
  };

  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (BLANK.test(line)) {
      flushPara();
      i++;
      continue;
    }

    const fence = FENCE_OPEN.exec(line);
    if (fence) {
      flushPara();
      const word = fence[2].trim().split(/[ \t]/)[0];
      const body: string[] = [];
      i++;
      while (i < lines.length) {
        const close = FENCE_CLOSE.exec(lines[i]);
        if (close && close[1].length >= fence[1].length) break;
        body.push(lines[i]);
        i++;
      }
      i++; // the closing fence (an unclosed block runs to the end of the message)
      blocks.push({ k: 'pre', lang: LANG.test(word) ? word : null, text: body.join('\n') });
      continue;
    }

    if (depth < MAX_QUOTE_DEPTH && QUOTE.test(line)) {
      flushPara();
      const body: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i])) {
        body.push(lines[i].replace(QUOTE, ''));
        i++;
      }
      blocks.push({ k: 'quote', body: parseBlocks(body, depth + 1) });
      continue;
    }

    const bullet = BULLET.exec(line);
    const numbered = bullet ? null : NUMBERED.exec(line);
    // A numbered list starts at 1 (there is no `start` attribute); "2. …" on its own stays text.
    if (bullet || (numbered && Number(numbered[1]) === 1)) {
      flushPara();
      const ordered = !bullet;
      const pattern = ordered ? NUMBERED : BULLET;
      const items: string[] = [];
      while (i < lines.length) {
        const m = pattern.exec(lines[i]);
        if (!m) break;
        items.push(lines[i].slice(m[0].length));
        i++;
      }
      blocks.push({ k: 'list', ordered, items });
      continue;
    }

    para.push(line.replace(/[ \t]+$/, ''));
    i++;
  }
  flushPara();
  return blocks;
}

function blocksHtml(blocks: Block[], nameOf: NameOf): string {
  let out = '';
  for (const b of blocks) {
    switch (b.k) {
      case 'p':
        out += `<p>${inlineHtml(parseInline(b.text), nameOf)}</p>`;
        break;
      case 'pre':
        out += `<pre><code${b.lang ? ` class="language-${esc(b.lang)}"` : ''}>${esc(b.text)}</code></pre>`;
        break;
      case 'quote':
        out += `<blockquote>${blocksHtml(b.body, nameOf)}</blockquote>`;
        break;
      case 'list': {
        const tag = b.ordered ? 'ol' : 'ul';
        out += `<${tag}>`;
        for (const item of b.items) out += `<li>${inlineHtml(parseInline(item), nameOf)}</li>`;
        out += `</${tag}>`;
        break;
      }
    }
  }
  return out;
}

function blocksText(blocks: Block[], nameOf: NameOf): string[] {
  const out: string[] = [];
  for (const b of blocks) {
    switch (b.k) {
      case 'p':
        out.push(inlineText(parseInline(b.text), nameOf));
        break;
      case 'pre':
        out.push(b.text);
        break;
      case 'quote':
        out.push(...blocksText(b.body, nameOf));
        break;
      case 'list':
        b.items.forEach((item, k) => out.push(`${b.ordered ? `${k + 1}.` : '-'} ${inlineText(parseInline(item), nameOf)}`));
        break;
    }
  }
  return out;
}

function toLines(src: string): string[] {
  if (typeof src !== 'string') return [];
  return src.replace(/\r\n?/g, '\n').replace(/\0/g, '\ufffd').split('\n');
}

// ---------------------------------------------------------------------------------------------------------
// API

/** Render a message body (a Markdown subset) to HTML that is safe to put into innerHTML. */
export function renderMarkdown(src: string, opts?: MarkdownOptions): string {
  return blocksHtml(parseBlocks(toLines(src), 0), nameResolver(opts));
}

/** The plain text of a body, for previews, notifications and search snippets (mentions as @Name); not HTML-escaped. */
export function markdownToText(src: string, opts?: MarkdownOptions): string {
  return blocksText(parseBlocks(toLines(src), 0), nameResolver(opts)).join('\n').trim();
}
