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
 * Pure and DOM-free: used by the server and by the browser client. This file is the public entry; the parts
 * live in shared/markdown/: chars and escape (characters, HTML escaping, link safety), emphasis, indexes and
 * inline (inline parsing), blocks (block parsing), html and text (output), options (mention names).
 */

import { parseBlocks, toLines } from './markdown/blocks';
import { blocksHtml } from './markdown/html';
import { nameResolver, type MarkdownOptions } from './markdown/options';
import { blocksText } from './markdown/text';

/** Options for rendering: how a mentioned user's id becomes a display name (null when unknown). */
export type { MarkdownOptions } from './markdown/options';

/** Render a message body (a Markdown subset) to HTML that is safe to put into innerHTML. */
export function renderMarkdown(src: string, opts?: MarkdownOptions): string {
  return blocksHtml(parseBlocks(toLines(src), 0), nameResolver(opts));
}

/** The plain text of a body, for previews, notifications and search snippets (mentions as @Name); not HTML-escaped. */
export function markdownToText(src: string, opts?: MarkdownOptions): string {
  return blocksText(parseBlocks(toLines(src), 0), nameResolver(opts)).join('\n').trim();
}
