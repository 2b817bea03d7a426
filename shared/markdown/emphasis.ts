/** Emphasis: CommonMark's delimiter-run algorithm for em, strong and del, linear in the input. */

type Tag = 'em' | 'strong' | 'del';

/** A run of `*`, `_` or `~~` that may open or close emphasis; also an inline token. */
export interface Delim {
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

/** Matches delimiter runs above `bottom` into em/strong/del (CommonMark's "process emphasis"). */
export class DelimStack {
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
