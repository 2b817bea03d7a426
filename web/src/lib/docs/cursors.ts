/**
 * Co-editors' carets and selections in the editor, drawn from their awareness state. That state is whatever
 * their client sent (any JSON), and the cursor extension's own builders paste its colour into a style
 * attribute, where `#d9480f;background:url(…)` would make every reader fetch a URL. These draw the same
 * caret, label and selection, with the colour only when it is a plain hex colour and the name only as text.
 */
import { colourFor, safeColour } from './model';

/** The part of an awareness state the cursors use. */
interface Who {
  name?: unknown;
  color?: unknown;
}

const colourOf = (user: Who, clientId: number | undefined) => safeColour(user.color, colourFor(String(clientId ?? '')));

/** A co-editor's caret with their name above it (the classes the editor's styles expect). */
export function caretOf(user: Who, clientId?: number): HTMLElement {
  const colour = colourOf(user, clientId);
  const caret = document.createElement('span');
  caret.classList.add('collaboration-cursor__caret');
  caret.style.borderColor = colour;
  const label = document.createElement('div');
  label.classList.add('collaboration-cursor__label');
  label.style.backgroundColor = colour;
  label.textContent = typeof user.name === 'string' ? user.name : '';
  caret.append(label);
  return caret;
}

/** A co-editor's selection: their colour, translucent. */
export function selectionOf(user: Who, clientId?: number): { style: string; class: string } {
  return { style: `background-color: ${colourOf(user, clientId)}70`, class: 'ProseMirror-yjs-selection' };
}
