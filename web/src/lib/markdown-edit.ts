/**
 * Editing helpers behind the formatting toolbar: each takes the text and the selection and returns one
 * replacement (a range of the old text, the new text for it, and the selection afterwards). Returning a
 * single replacement rather than a whole new text lets the caller apply it with the browser's own
 * "insert text" command, so Ctrl+Z undoes a toolbar click like any typing.
 *
 * The syntax is the subset shared/markdown.ts renders: **strong**, _em_, ~~del~~, `code`, ``` fences,
 * `> ` quotes, `- ` and `1. ` lists, [text](url) links.
 *
 * Pure (no DOM) apart from applyEdit, so the logic is unit-tested without a browser.
 */

/** The text and its selection (start <= end, as a textarea reports them). */
export interface Selection {
  value: string;
  start: number;
  end: number;
}

/** Replace value[from, to) with `text`, then select [selStart, selEnd) of the new value. */
export interface Edit {
  from: number;
  to: number;
  text: string;
  selStart: number;
  selEnd: number;
}

export type InlineMarker = '**' | '_' | '~~' | '`';
export type LineKind = 'bullet' | 'number' | 'quote';

export type FormatAction = 'bold' | 'italic' | 'strike' | 'code' | 'codeBlock' | 'bullet' | 'number' | 'quote' | 'link';

const INLINE: Partial<Record<FormatAction, InlineMarker>> = { bold: '**', italic: '_', strike: '~~', code: '`' };

/** The whole value after an edit (what the textarea will hold). */
export function applyToText(value: string, e: Edit): string {
  return value.slice(0, e.from) + e.text + value.slice(e.to);
}

/** The edit a toolbar button or a shortcut makes; `linkText` is the placeholder of a link with no text. */
export function formatEdit(action: FormatAction, sel: Selection, linkText = 'link'): Edit {
  const marker = INLINE[action];
  if (marker) return toggleInline(sel, marker);
  switch (action) {
    case 'bullet':
    case 'number':
    case 'quote':
      return toggleLines(sel, action);
    case 'codeBlock':
      return toggleCodeBlock(sel);
    default:
      return insertLink(sel, linkText);
  }
}

// ---- inline markers --------------------------------------------------------------------------------

/** Letters and digits make a word (and `_`, except for italics, whose marker it is). */
const isWordChar = (c: string | undefined, marker: InlineMarker) => !!c && (marker === '_' ? /[\p{L}\p{N}]/u : /[\p{L}\p{N}_]/u).test(c);

/**
 * Wrap the selection in `marker`, or unwrap it when it is wrapped already (the markers inside the
 * selection or right around it). Spaces at the selection's edges stay outside the markers (Markdown does
 * not emphasise "** text **"); a selection over several lines is wrapped line by line (emphasis does not
 * cross paragraphs). With nothing selected, the word under the caret is toggled; elsewhere an empty pair
 * is inserted with the caret between (or removed, when the caret is inside an empty pair).
 */
export function toggleInline(sel: Selection, marker: InlineMarker): Edit {
  const { value } = sel;
  const m = marker.length;
  const around = (a: number, b: number) => a >= m && value.slice(a - m, a) === marker && value.slice(b, b + m) === marker;
  let { start, end } = sel;

  if (start === end) {
    if (around(start, end)) return { from: start - m, to: end + m, text: '', selStart: start - m, selEnd: start - m };
    while (start > 0 && isWordChar(value[start - 1], marker)) start--;
    while (end < value.length && isWordChar(value[end], marker)) end++;
    if (start === end) return { from: start, to: end, text: marker + marker, selStart: start + m, selEnd: start + m };
  }

  const selected = value.slice(start, end);
  const lead = selected.length - selected.trimStart().length;
  const core = selected.trim();
  const cs = start + lead;
  const ce = cs + core.length;
  if (!core) return { from: start, to: end, text: selected + marker + marker, selStart: end + m, selEnd: end + m };

  // Already wrapped around the selection: **|text|** -> text.
  if (around(cs, ce)) return { from: cs - m, to: ce + m, text: core, selStart: cs - m, selEnd: ce - m };
  // The markers are inside the selection: |**text**| -> text.
  if (core.length >= 2 * m && core.startsWith(marker) && core.endsWith(marker) && !core.includes('\n')) {
    const inner = core.slice(m, core.length - m);
    return { from: cs, to: ce, text: inner, selStart: cs, selEnd: cs + inner.length };
  }
  if (core.includes('\n')) {
    const text = core.split('\n').map((line) => wrapTrimmed(line, marker)).join('\n');
    return { from: cs, to: ce, text, selStart: cs, selEnd: cs + text.length };
  }
  return { from: cs, to: ce, text: marker + core + marker, selStart: cs + m, selEnd: ce + m };
}

/** `  text ` -> `  **text** `; a blank line stays blank. */
function wrapTrimmed(line: string, marker: string): string {
  const core = line.trim();
  if (!core) return line;
  const lead = line.length - line.trimStart().length;
  return line.slice(0, lead) + marker + core + marker + line.slice(lead + core.length);
}

// ---- line prefixes ---------------------------------------------------------------------------------

const BULLET = /^(\s*)[-*] /;
const NUMBER = /^(\s*)\d{1,9}[.)] /;
const QUOTE = /^> ?/;

/** The start of the line holding `i` and the end of the line holding `j`. */
function lineSpan(value: string, i: number, j: number): { from: number; to: number } {
  // A selection ending right after a newline does not take in the next line.
  const endAt = j > i && value[j - 1] === '\n' ? j - 1 : j;
  const from = value.lastIndexOf('\n', i - 1) + 1;
  const nl = value.indexOf('\n', endAt);
  return { from, to: nl < 0 ? value.length : nl };
}

function hasPrefix(line: string, kind: LineKind): boolean {
  return kind === 'bullet' ? BULLET.test(line) : kind === 'number' ? NUMBER.test(line) : QUOTE.test(line);
}

/** A line without its list marker (either kind) or its quote marker. */
function stripPrefix(line: string, kind: LineKind): string {
  if (kind === 'quote') return line.replace(QUOTE, '');
  return line.replace(BULLET, '$1').replace(NUMBER, '$1');
}

/**
 * Make the selected lines a bulleted list, a numbered list (1., 2., …) or a quote; when every non-empty
 * line already is one, remove it instead. A list of the other kind becomes this kind. Blank lines inside
 * the selection stay as they are. The selection then covers the changed lines.
 */
export function toggleLines(sel: Selection, kind: LineKind): Edit {
  const { from, to } = lineSpan(sel.value, sel.start, sel.end);
  const lines = sel.value.slice(from, to).split('\n');
  const filled = lines.filter((l) => l.trim());
  const remove = filled.length > 0 && filled.every((l) => hasPrefix(l, kind));
  let n = 0;
  const out = lines.map((line) => {
    if (remove) return stripPrefix(line, kind);
    if (!line.trim() && lines.length > 1) return line;
    const bare = stripPrefix(line, kind);
    if (kind === 'quote') return `> ${bare}`;
    const indent = /^\s*/.exec(bare)?.[0] ?? '';
    return `${indent}${kind === 'bullet' ? '-' : `${++n}.`} ${bare.slice(indent.length)}`;
  });
  const text = out.join('\n');
  // A caret (no selection) keeps its place in the text, after the marker at least.
  if (sel.start === sel.end) {
    const min = remove ? from : from + text.length - stripPrefix(text, kind).trimStart().length;
    const caret = Math.min(from + text.length, Math.max(min, sel.start + text.length - lines[0].length));
    return { from, to, text, selStart: caret, selEnd: caret };
  }
  return { from, to, text, selStart: from, selEnd: from + text.length };
}

// ---- code blocks -----------------------------------------------------------------------------------

const FENCE = /^```/;

/**
 * Put the selected lines in a ``` fence (on lines of their own), or take the fence away when the lines
 * are fenced already (the fence lines selected, or right around the selection). With nothing selected on
 * an empty line, an empty fence is inserted with the caret inside.
 */
export function toggleCodeBlock(sel: Selection): Edit {
  const { value } = sel;
  const { from, to } = lineSpan(value, sel.start, sel.end);
  const lines = value.slice(from, to).split('\n');

  // The fence lines are part of the selection.
  if (lines.length >= 2 && FENCE.test(lines[0]) && lines[lines.length - 1].trim() === '```') {
    const text = lines.slice(1, -1).join('\n');
    return { from, to, text, selStart: from, selEnd: from + text.length };
  }
  // The fence lines are right around the selected lines.
  const before = from > 0 ? lineSpan(value, from - 1, from - 1) : null;
  const after = to < value.length ? lineSpan(value, to + 1, to + 1) : null;
  if (before && after && FENCE.test(value.slice(before.from, before.to)) && value.slice(after.from, after.to).trim() === '```') {
    const text = value.slice(from, to);
    return { from: before.from, to: after.to, text, selStart: before.from, selEnd: before.from + text.length };
  }

  // The fences take lines of their own around the whole lines the selection touches.
  const body = value.slice(from, to);
  if (sel.start === sel.end && !body.trim()) {
    const text = '```\n\n```';
    return { from, to, text, selStart: from + 4, selEnd: from + 4 };
  }
  const text = '```\n' + body + '\n```';
  return { from, to, text, selStart: from + 4, selEnd: from + 4 + body.length };
}

// ---- links -----------------------------------------------------------------------------------------

const URL_LIKE = /^(https?:\/\/|mailto:)\S+$/i;

/**
 * Insert a link. Selected text becomes the link's text and the `https://` placeholder is selected for the
 * address; a selected address becomes the link's address and the text placeholder is selected; with
 * nothing selected both are placeholders, the text selected first.
 */
export function insertLink(sel: Selection, placeholder: string): Edit {
  const selected = sel.value.slice(sel.start, sel.end);
  const core = selected.trim();
  const lead = selected.length - selected.trimStart().length;
  const from = sel.start + lead;
  const to = from + core.length;
  if (core && URL_LIKE.test(core)) {
    const text = `[${placeholder}](${core})`;
    return { from, to, text, selStart: from + 1, selEnd: from + 1 + placeholder.length };
  }
  if (core && !core.includes('\n')) {
    const label = core.replace(/[[\]]/g, '');
    const text = `[${label}](https://)`;
    const url = from + label.length + 3;
    return { from, to, text, selStart: url, selEnd: url + 'https://'.length };
  }
  const text = `[${placeholder}](https://)`;
  return { from: sel.end, to: sel.end, text, selStart: sel.end + 1, selEnd: sel.end + 1 + placeholder.length };
}

// ---- shortcuts -------------------------------------------------------------------------------------

/** The parts of a keyboard event a shortcut depends on. */
export interface KeyLike {
  code: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/**
 * The action of a formatting shortcut, by physical key (`code`), so the shortcuts work on any keyboard
 * layout (on a Russian one Ctrl+B types "и"): Ctrl/Cmd+B bold, +I italic, +E inline code, +K link,
 * +Shift+X strikethrough, +Shift+7 numbered list, +Shift+8 bulleted list, +Shift+9 quote. A code block has
 * no shortcut: the usual candidates (Ctrl+Shift+C) belong to the browser.
 */
export function shortcutAction(e: KeyLike): FormatAction | null {
  if (!(e.ctrlKey || e.metaKey) || e.altKey) return null;
  if (!e.shiftKey) {
    const plain: Record<string, FormatAction> = { KeyB: 'bold', KeyI: 'italic', KeyE: 'code', KeyK: 'link' };
    return plain[e.code] ?? null;
  }
  const shifted: Record<string, FormatAction> = { KeyX: 'strike', Digit7: 'number', Digit8: 'bullet', Digit9: 'quote' };
  return shifted[e.code] ?? null;
}

/** The shortcut of an action as the toolbar's tooltips show it (⌘ on Apple systems); null when it has none. */
export function shortcutLabel(action: FormatAction, apple: boolean): string | null {
  const keys: Partial<Record<FormatAction, string>> = {
    bold: 'B', italic: 'I', code: 'E', link: 'K',
    strike: 'Shift+X', number: 'Shift+7', bullet: 'Shift+8', quote: 'Shift+9',
  };
  const key = keys[action];
  return key ? `${apple ? '⌘' : 'Ctrl+'}${key}` : null;
}

// ---- applying (DOM) --------------------------------------------------------------------------------

/**
 * Apply an edit to a textarea as typing would: through execCommand('insertText'), which the browser
 * records in its undo history and which fires `input` (so bound values follow). Where that command is not
 * available, setRangeText and a synthetic `input` event do the same without undo.
 */
export function applyEdit(area: HTMLTextAreaElement, e: Edit): void {
  const expected = applyToText(area.value, e);
  area.focus();
  area.setSelectionRange(e.from, e.to);
  let done = false;
  try {
    // Inserting an empty string is a no-op in some browsers: an empty replacement deletes instead.
    done = e.text ? document.execCommand('insertText', false, e.text) : e.from === e.to || document.execCommand('delete', false);
  } catch {
    done = false;
  }
  if (!done) {
    area.setRangeText(e.text, e.from, e.to, 'end');
    area.dispatchEvent(new Event('input', { bubbles: true }));
  } else if (area.value !== expected) {
    // The browser reported success but changed something else (a field it could not edit in place).
    area.value = expected;
    area.dispatchEvent(new Event('input', { bubbles: true }));
  }
  area.setSelectionRange(e.selStart, e.selEnd);
}
