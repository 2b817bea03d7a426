import { describe, expect, it } from 'vitest';
import { freezeWindow, moveWindow, windowAround, windowRange } from '../../web/src/lib/chats/window';

const keys = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `k${from + i}`);

describe('the rendered window of a long message list', () => {
  it('follows the newest messages when it has no start', () => {
    expect(windowRange(keys(10_000), null, 120)).toEqual({ from: 9_880, to: 10_000 });
    expect(windowRange(keys(30), null, 120)).toEqual({ from: 0, to: 30 });
    expect(windowRange([], null, 120)).toEqual({ from: 0, to: 0 });
  });

  it('stays on its first message while older pages are prepended and newer messages arrive', () => {
    const list = keys(500, 1000);
    const start = freezeWindow(list, windowRange(list, null, 120));
    expect(start).toBe('k1380');
    const grown = [...keys(100, 900), ...list, ...keys(5, 1500)];
    expect(windowRange(grown, start, 120)).toEqual({ from: 480, to: 600 });
  });

  it('moves by steps toward older messages, stopping at the first', () => {
    const list = keys(1000);
    let range = windowRange(list, null, 120);
    let start = moveWindow(list, range, -40, 120);
    expect(start).toBe('k840');
    range = windowRange(list, 'k20', 120);
    start = moveWindow(list, range, -40, 120);
    expect(start).toBe('k0');
    expect(windowRange(list, start, 120)).toEqual({ from: 0, to: 120 });
  });

  it('follows the newest again when a move toward newer reaches the end', () => {
    const list = keys(1000);
    expect(moveWindow(list, windowRange(list, 'k500', 120), 40, 120)).toBe('k540');
    expect(moveWindow(list, windowRange(list, 'k860', 120), 40, 120)).toBeNull();
  });

  it('an unknown start (the list was replaced) follows the end', () => {
    expect(windowRange(keys(300), 'gone', 120)).toEqual({ from: 180, to: 300 });
  });

  it('puts a jumped-to message a third of the way down, or follows when it is among the newest', () => {
    const list = keys(1000);
    expect(windowAround(list, 500, 120)).toBe('k460');
    expect(windowAround(list, 10, 120)).toBe('k0');
    expect(windowAround(list, 990, 120)).toBeNull();
  });

  it('never renders more than the window, whatever the start', () => {
    const list = keys(10_000);
    for (const start of [null, 'k0', 'k5000', 'k9999', 'nope']) {
      const r = windowRange(list, start, 120);
      expect(r.to - r.from).toBe(120);
    }
  });
});
