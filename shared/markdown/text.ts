/** Plain-text output: blocks and inline tokens as text for previews, notifications and search. */

import type { Block } from './blocks';
import { parseInline, type Tok } from './inline';
import type { NameOf } from './options';

/** Inline tokens as plain text (mentions as @Name), not HTML-escaped. */
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

/** Blocks as plain-text lines, not HTML-escaped. */
export function blocksText(blocks: Block[], nameOf: NameOf): string[] {
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
