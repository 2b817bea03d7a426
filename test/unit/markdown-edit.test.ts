import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../shared/markdown';
import {
  applyToText,
  formatEdit,
  insertLink,
  shortcutAction,
  shortcutLabel,
  toggleCodeBlock,
  toggleInline,
  toggleLines,
  type Edit,
  type FormatAction,
  type KeyLike,
} from '../../web/src/lib/markdown-edit';

/**
 * Text with the selection marked: `[` and `]` around it, or `|` for a caret. The result is written back
 * the same way, so each case reads as before -> after.
 */
function parse(marked: string): { value: string; start: number; end: number } {
  const caret = marked.indexOf('|');
  if (caret >= 0) return { value: marked.replace('|', ''), start: caret, end: caret };
  const start = marked.indexOf('[');
  const end = marked.indexOf(']') - 1;
  return { value: marked.replace('[', '').replace(']', ''), start, end };
}

function show(value: string, e: Edit): string {
  const text = applyToText(value, e);
  if (e.selStart === e.selEnd) return text.slice(0, e.selStart) + '|' + text.slice(e.selStart);
  return text.slice(0, e.selStart) + '[' + text.slice(e.selStart, e.selEnd) + ']' + text.slice(e.selEnd);
}

const run = (action: FormatAction, marked: string) => {
  const sel = parse(marked);
  return show(sel.value, formatEdit(action, sel, 'text'));
};

describe('inline markers', () => {
  it('wraps the selection and keeps it selected', () => {
    expect(run('bold', 'a [word] here')).toBe('a **[word]** here');
    expect(run('italic', 'a [word] here')).toBe('a _[word]_ here');
    expect(run('strike', 'a [word] here')).toBe('a ~~[word]~~ here');
    expect(run('code', 'a [x = 1] here')).toBe('a `[x = 1]` here');
  });

  it('unwraps markers around or inside the selection', () => {
    expect(run('bold', 'a **[word]** here')).toBe('a [word] here');
    expect(run('bold', 'a [**word**] here')).toBe('a [word] here');
    expect(run('italic', 'a [_word_] here')).toBe('a [word] here');
    expect(run('code', '`[x]`')).toBe('[x]');
  });

  it('keeps spaces at the edges outside the markers', () => {
    expect(run('bold', 'a[ word ]b')).toBe('a **[word]** b');
  });

  it('wraps the word under the caret, or inserts an empty pair', () => {
    expect(run('bold', 'say hel|lo now')).toBe('say **[hello]** now');
    expect(run('bold', 'say | now')).toBe('say **|** now');
    expect(run('strike', '|')).toBe('~~|~~');
    // Again inside the empty pair: it goes away.
    expect(run('bold', 'say **|** now')).toBe('say | now');
  });

  it('toggles italics off with the caret in an italic word', () => {
    expect(run('italic', 'an _it|alic_ word')).toBe('an [italic] word');
    expect(run('bold', 'a **bo|ld** word')).toBe('a [bold] word');
  });

  it('wraps a selection over several lines line by line, leaving blank lines', () => {
    expect(run('bold', '[one\n\ntwo]')).toBe('[**one**\n\n**two**]');
  });

  it('produces Markdown the renderer formats', () => {
    const sel = parse('a [word] b');
    const html = renderMarkdown(applyToText(sel.value, toggleInline(sel, '~~')));
    expect(html).toContain('<del>word</del>');
  });
});

describe('line prefixes', () => {
  it('makes the touched lines a bulleted list and back', () => {
    expect(run('bullet', 'o[ne\ntw]o')).toBe('[- one\n- two]');
    expect(run('bullet', '[- one\n- two]')).toBe('[one\ntwo]');
  });

  it('numbers lines, skipping blank ones, and turns bullets into numbers', () => {
    expect(run('number', '[a\n\nb\nc]')).toBe('[1. a\n\n2. b\n3. c]');
    expect(run('number', '[- a\n- b]')).toBe('[1. a\n2. b]');
    expect(run('number', '[1. a\n2. b]')).toBe('[a\nb]');
  });

  it('quotes lines and unquotes them', () => {
    expect(run('quote', 'x\n[said this\nand that]\ny')).toBe('x\n[> said this\n> and that]\ny');
    expect(run('quote', '[> said this]')).toBe('[said this]');
  });

  it('keeps the caret in place after the new marker', () => {
    expect(run('bullet', 'ab|c')).toBe('- ab|c');
    expect(run('bullet', '|')).toBe('- |');
    expect(run('bullet', '- ab|c')).toBe('ab|c');
    expect(run('number', 'first\nsec|ond')).toBe('first\n1. sec|ond');
  });

  it('does not take in the line after a selection that ends with its newline', () => {
    const sel = { value: 'one\ntwo', start: 0, end: 4 };
    expect(applyToText(sel.value, toggleLines(sel, 'quote'))).toBe('> one\ntwo');
  });

  it('renders as a list', () => {
    const sel = parse('[a\nb]');
    expect(renderMarkdown(applyToText(sel.value, toggleLines(sel, 'number')))).toContain('<ol>');
  });
});

describe('code blocks', () => {
  it('fences whole lines and unfences them', () => {
    expect(run('codeBlock', 'x\nle[t a = 1]\ny')).toBe('x\n```\n[let a = 1]\n```\ny');
    expect(run('codeBlock', '[```\nlet a = 1\n```]')).toBe('[let a = 1]');
    expect(run('codeBlock', 'x\n```\n[let a = 1]\n```\ny')).toBe('x\n[let a = 1]\ny');
  });

  it('inserts an empty fence with the caret inside on an empty line', () => {
    expect(run('codeBlock', 'text\n|')).toBe('text\n```\n|\n```');
  });

  it('renders as preformatted code', () => {
    const sel = parse('[a < b]');
    expect(renderMarkdown(applyToText(sel.value, toggleCodeBlock(sel)))).toContain('<pre>');
  });
});

describe('links', () => {
  it('makes the selected text a link and selects the address to type', () => {
    expect(run('link', 'see [the docs] now')).toBe('see [the docs]([https://]) now');
  });

  it('takes a selected address as the address and selects the text to type', () => {
    expect(run('link', 'see [https://example.com/a] now')).toBe('see [[text]](https://example.com/a) now');
  });

  it('inserts placeholders with nothing selected', () => {
    expect(run('link', 'go |')).toBe('go [[text]](https://)');
  });

  it('drops square brackets from the text so the link stays one link', () => {
    const e = insertLink({ value: 'a [b] c', start: 0, end: 7 }, 'text');
    expect(applyToText('a [b] c', e)).toBe('[a b c](https://)');
  });

  it('renders as a safe link once an address is typed', () => {
    const value = 'see the docs';
    const e = insertLink({ value, start: 4, end: 12 }, 'text');
    const text = applyToText(value, e);
    const typed = text.slice(0, e.selStart) + 'https://example.com' + text.slice(e.selEnd);
    expect(typed).toBe('see [the docs](https://example.com)');
    expect(renderMarkdown(typed)).toContain('href="https://example.com"');
  });
});

describe('shortcuts', () => {
  const key = (code: string, mods: Partial<KeyLike> = {}): KeyLike => ({ code, ctrlKey: true, metaKey: false, shiftKey: false, altKey: false, ...mods });

  it('maps physical keys, whatever the layout', () => {
    expect(shortcutAction(key('KeyB'))).toBe('bold');
    expect(shortcutAction(key('KeyI', { ctrlKey: false, metaKey: true }))).toBe('italic');
    expect(shortcutAction(key('KeyK'))).toBe('link');
    expect(shortcutAction(key('KeyE'))).toBe('code');
    expect(shortcutAction(key('Digit7', { shiftKey: true }))).toBe('number');
    expect(shortcutAction(key('Digit8', { shiftKey: true }))).toBe('bullet');
    expect(shortcutAction(key('Digit9', { shiftKey: true }))).toBe('quote');
    expect(shortcutAction(key('KeyX', { shiftKey: true }))).toBe('strike');
  });

  it('ignores keys without Ctrl/Cmd, with Alt, and unknown ones', () => {
    expect(shortcutAction(key('KeyB', { ctrlKey: false }))).toBeNull();
    expect(shortcutAction(key('KeyB', { altKey: true }))).toBeNull();
    expect(shortcutAction(key('KeyC', { shiftKey: true }))).toBeNull();
    expect(shortcutAction(key('Enter'))).toBeNull();
    expect(shortcutAction(key('Digit7'))).toBeNull();
  });

  it('labels shortcuts for the platform', () => {
    expect(shortcutLabel('bold', false)).toBe('Ctrl+B');
    expect(shortcutLabel('bullet', true)).toBe('⌘Shift+8');
    expect(shortcutLabel('codeBlock', false)).toBeNull();
  });
});
