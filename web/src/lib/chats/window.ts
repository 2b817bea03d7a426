/**
 * The message list renders a window of the loaded messages, never all of them: a chat scrolled back
 * through 10,000 messages keeps about WINDOW of them in the DOM. The window is named by the key of its
 * first message (so pages prepended above do not move it), or follows the newest messages.
 *
 * Pure, so it is tested without a browser.
 */

/** Messages rendered at once. */
export const WINDOW = 120;
/** Messages the window moves by when the reader nears one of its edges. */
export const STEP = 40;

/** Where the window starts: the key of its first message, or null to follow the newest. */
export type WindowStart = string | null;

export interface Range {
  from: number;
  /** Exclusive. */
  to: number;
}

/** The rendered range of `keys` for a window start; an unknown key (the list was replaced) follows the end. */
export function windowRange(keys: readonly string[], start: WindowStart, size = WINDOW): Range {
  const last = Math.max(0, keys.length - size);
  let from = last;
  if (start !== null) {
    const i = keys.indexOf(start);
    if (i >= 0) from = Math.min(i, last);
  }
  return { from, to: Math.min(keys.length, from + size) };
}

/** The window start after moving by `step` messages (negative: toward older); null once it reaches the end. */
export function moveWindow(keys: readonly string[], range: Range, step: number, size = WINDOW): WindowStart {
  const last = Math.max(0, keys.length - size);
  const from = Math.max(0, Math.min(last, range.from + step));
  return from >= last && step > 0 ? null : (keys[from] ?? null);
}

/** A window start that shows `index` about a third from the top (a search hit, a jump). */
export function windowAround(keys: readonly string[], index: number, size = WINDOW): WindowStart {
  const last = Math.max(0, keys.length - size);
  const from = Math.max(0, Math.min(last, index - Math.floor(size / 3)));
  return from >= last ? null : keys[from];
}

/** Freeze a following window where it is (the reader scrolled up: new messages must not move the view). */
export function freezeWindow(keys: readonly string[], range: Range): WindowStart {
  return keys[range.from] ?? null;
}
