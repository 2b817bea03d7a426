/**
 * Builds Markdown-ish text line by line while the HTML tree is walked: collapses whitespace the way a
 * browser does, turns block boundaries into line breaks or blank lines, prefixes quoted and listed lines,
 * and keeps emphasis markers balanced on every line (a marker is never left open across a line break, so the
 * renderer never shows a stray `**`).
 */

const COLLAPSIBLE = /[ \t\n\r\f]+/g;
// Invisible characters that newsletters pad with or that only break words; the zero-width joiner stays
// because emoji sequences need it.
const INVISIBLE = /[\u200b\u2060\ufeff\u00ad\u034f]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000e-\u001f\u007f]/g;

export class TextWriter {
  private readonly lines: string[] = [];
  private line = '';
  private started = false;
  private space = false;
  /** 0: nothing pending, 1: the next content starts a new line, 2: it starts a new paragraph. */
  private breaks = 0;
  /** The blank line a pending paragraph break writes, fixed when it was asked for (inside or outside a quote). */
  private blank = '';
  /** Emphasis markers waiting for the first content inside them. */
  private pendingOpens: string[] = [];
  /** Emphasis markers written on the current line and not yet closed. */
  private active: string[] = [];
  /** How deep inside each kind of emphasis the walk is. */
  private readonly depth = new Map<string, number>();
  private readonly prefixes: string[] = [];
  private readonly blanks: string[] = [];
  private markerAt = -1;
  private markerText = '';

  /** Text from a text node: whitespace collapsed, invisible and control characters removed. */
  text(raw: string): void {
    const s = raw.replace(INVISIBLE, '').replace(CONTROL, '').replace(COLLAPSIBLE, ' ');
    if (!s) return;
    // Only collapsible spaces are trimmed: a no-break space is content (Outlook's empty lines are one).
    const lead = s[0] === ' ';
    const trail = s.length > 1 && s[s.length - 1] === ' ';
    if (lead) this.space = true;
    const body = s.slice(lead ? 1 : 0, trail ? -1 : undefined);
    if (body) this.write(body);
    if (trail) this.space = true;
  }

  /** A piece of inline content that must be written as is (a link, a code span). */
  atom(s: string): void {
    if (s) this.write(s);
  }

  /** Ask for a line break before the next content (a block boundary). */
  block(): void {
    this.breaks = Math.max(this.breaks, 1);
  }

  /** Ask for a blank line before the next content (a paragraph boundary). */
  paragraph(): void {
    // Of several requests in a row (</p></blockquote>, or <blockquote><p>) the outermost level wins: the
    // blank line between a quote and what surrounds it is not part of the quote.
    const blank = this.blankLine();
    if (this.breaks < 2 || blank.length < this.blank.length) this.blank = blank;
    this.breaks = 2;
  }

  /** A hard line break (<br>): ends the current line, or adds an empty one. */
  hardBreak(): void {
    this.applyBreaks();
    if (this.started) this.endLine();
    else if (this.lines.length) this.lines.push(this.blankLine());
  }

  /** Start emphasis; nested emphasis of the same kind (<b> in <strong>) adds no markers. */
  openEmphasis(marker: string): void {
    const depth = this.depth.get(marker) ?? 0;
    this.depth.set(marker, depth + 1);
    if (depth === 0) this.pendingOpens.push(marker);
  }

  closeEmphasis(marker: string): void {
    const depth = this.depth.get(marker) ?? 0;
    this.depth.set(marker, Math.max(0, depth - 1));
    if (depth !== 1) return;
    const p = this.pendingOpens.lastIndexOf(marker);
    if (p >= 0) {
      this.pendingOpens.splice(p, 1); // nothing was written inside: no markers at all
      return;
    }
    const a = this.active.lastIndexOf(marker);
    if (a >= 0) {
      this.active.splice(a, 1);
      this.line += marker;
    }
  }

  /** Lines written from now on carry this prefix (a quote level `> ` or a list indent). */
  pushPrefix(prefix: string): void {
    this.prefixes.push(prefix);
    // The blank line of each level is kept ready, so deep nesting costs nothing per paragraph.
    this.blanks.push(prefix.startsWith('>') ? (this.blankLine() + ' ' + prefix.trimEnd()).trim() : this.blankLine());
  }

  popPrefix(): void {
    if (this.markerAt === this.prefixes.length - 1) this.markerAt = -1;
    this.prefixes.pop();
    this.blanks.pop();
  }

  /** The next line started at the current prefix level shows this list marker instead of the indent. */
  listMarker(text: string): void {
    this.markerAt = this.prefixes.length - 1;
    this.markerText = text;
  }

  /** Lines that are copied verbatim (the inside of a <pre>), each with the current prefix. */
  verbatim(lines: string[]): void {
    this.paragraph();
    this.applyBreaks();
    if (this.started) this.endLine();
    for (const l of lines) {
      this.lines.push((this.prefix() + l).trimEnd());
      this.markerAt = -1; // a list marker goes on the first line only
    }
    this.paragraph();
  }

  /** The finished text: trailing spaces and repeated blank lines removed. */
  finish(): string {
    if (this.started) this.endLine();
    const out: string[] = [];
    for (const raw of this.lines) {
      const l = raw.replace(/\u00a0/g, ' ').trimEnd();
      const blank = /^[> ]*$/.test(l);
      if (blank && (out.length === 0 || /^[> ]*$/.test(out[out.length - 1]))) continue;
      out.push(l);
    }
    while (out.length && /^[> ]*$/.test(out[out.length - 1])) out.pop();
    return out.join('\n');
  }

  private write(content: string): void {
    this.applyBreaks();
    if (!this.started) {
      this.line = this.prefix();
      this.started = true;
      this.markerAt = -1;
    } else if (this.space) {
      this.line += ' ';
    }
    this.space = false;
    this.line += this.pendingOpens.join('') + content;
    this.active.push(...this.pendingOpens);
    this.pendingOpens = [];
  }

  private applyBreaks(): void {
    if (!this.breaks) return;
    const blank = this.breaks === 2;
    this.breaks = 0;
    if (this.started) this.endLine();
    if (blank && this.lines.length) this.lines.push(this.blank);
  }

  /** End the current line, closing its emphasis; the markers reopen with the next content. */
  private endLine(): void {
    for (let k = this.active.length - 1; k >= 0; k--) this.line += this.active[k];
    this.pendingOpens = [...this.active, ...this.pendingOpens];
    this.active = [];
    this.lines.push(this.line);
    this.line = '';
    this.started = false;
    this.space = false;
  }

  private prefix(): string {
    let p = '';
    for (let k = 0; k < this.prefixes.length; k++) p += k === this.markerAt ? this.markerText : this.prefixes[k];
    return p;
  }

  /** A blank line at the current level: the quote markers only ('>', '> >'), or nothing. */
  private blankLine(): string {
    return this.blanks.length ? this.blanks[this.blanks.length - 1] : '';
  }
}
