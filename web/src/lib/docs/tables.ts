/**
 * Tables in a page. The table extension writes its columns' widths into inline styles straight from the
 * cells' `colwidth` and `colspan` attributes, and in a shared page those come from the Yjs document, where
 * a co-editor may have put any JSON: a "width" such as `1px;background:url(…)` would make every reader
 * fetch a URL, and a huge span would hang their tab. This renders the same markup from whole numbers only.
 * (Resizing is off, so the editor itself never sets widths; pasted tables may carry them.)
 */
import { mergeAttributes } from '@tiptap/core';
import Table from '@tiptap/extension-table';
import type { DOMOutputSpec } from '@tiptap/pm/model';

/** More columns than any table of ours has: a span beyond it is not believed. */
const MAX_SPAN = 100;

/** A positive whole number from an attribute, or 0. */
const whole = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.round(v) : 0);

export const DocTable = Table.extend({
  renderHTML({ node, HTMLAttributes }) {
    const min = this.options.cellMinWidth;
    const cols: DOMOutputSpec[] = [];
    let total = 0;
    let fixed = node.childCount > 0;
    node.firstChild?.forEach((cell) => {
      const widths: unknown[] = Array.isArray(cell.attrs.colwidth) ? cell.attrs.colwidth : [];
      const span = Math.min(whole(cell.attrs.colspan) || 1, MAX_SPAN);
      for (let j = 0; j < span; j++) {
        const width = whole(widths[j]);
        if (!width) fixed = false;
        total += width || min;
        cols.push(['col', { style: width ? `width: ${Math.max(width, min)}px` : `min-width: ${min}px` }]);
      }
    });
    const style = fixed ? `width: ${total}px` : `min-width: ${total}px`;
    const table: DOMOutputSpec = ['table', mergeAttributes(this.options.HTMLAttributes, HTMLAttributes, { style }), ['colgroup', {}, ...cols], ['tbody', 0]];
    return this.options.renderWrapper ? ['div', { class: 'tableWrapper' }, table] : table;
  },
});
