/** HTML output: blocks and inline tokens as markup that is safe to put into innerHTML. */

import type { Block } from './blocks';
import { esc } from './escape';
import { parseInline, type Tok } from './inline';
import type { NameOf } from './options';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LINK_ATTRS = 'rel="noopener noreferrer nofollow" target="_blank"';

/** Inline tokens as safe HTML. */
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

/** Blocks as safe HTML. */
export function blocksHtml(blocks: Block[], nameOf: NameOf): string {
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
