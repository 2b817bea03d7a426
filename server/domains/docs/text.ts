import * as Y from 'yjs';

/** Longest page text kept for search (a tsvector holds at most 1 MiB). */
export const SEARCH_TEXT_MAX = 200_000;

/**
 * The plain text of a document, whatever its shared types are (Y.Text, or the editor's XmlFragment of
 * paragraphs and headings): the live strings in order, nested elements separated by spaces. Types on
 * the server are often not instantiated by name, so this walks their items instead of calling toString().
 */
export function docText(doc: Y.Doc, max = SEARCH_TEXT_MAX): string {
  const parts: string[] = [];
  let size = 0;
  const walk = (type: Y.AbstractType<any>) => {
    for (let item = type._start; item && size < max; item = item.right) {
      if (item.deleted) continue;
      const c = item.content;
      if (c instanceof Y.ContentString) {
        parts.push(c.str);
        size += c.str.length;
      } else if (c instanceof Y.ContentType) {
        parts.push(' ');
        walk(c.type as Y.AbstractType<any>);
        parts.push(' ');
      }
    }
  };
  for (const type of doc.share.values()) {
    walk(type);
    parts.push('\n');
  }
  // Control characters go: PostgreSQL text holds no NUL, and search marks its matches with \u0002/\u0003.
  return parts.join('').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ').replace(/[ \t]+/g, ' ').trim().slice(0, max);
}
