/**
 * The browser's idle watcher: idle after the threshold without input or with the page hidden that long,
 * active again at once on input or when the page is shown; it reports changes only.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdleWatcher, idleThresholdMs } from '../../web/src/lib/idle';

class FakeDocument extends EventTarget {
  hidden = false;
  setHidden(hidden: boolean) {
    this.hidden = hidden;
    this.dispatchEvent(new Event('visibilitychange'));
  }
}

describe('IdleWatcher', () => {
  let win: EventTarget;
  let doc: FakeDocument;
  let changes: boolean[];
  let watcher: IdleWatcher;
  const input = (type = 'pointermove') => win.dispatchEvent(new Event(type));

  beforeEach(() => {
    vi.useFakeTimers();
    win = new EventTarget();
    doc = new FakeDocument();
    changes = [];
    watcher = new IdleWatcher((idle) => changes.push(idle), 1_000, { win, doc });
    watcher.start();
  });
  afterEach(() => {
    watcher.stop();
    vi.useRealTimers();
  });

  it('goes idle after the threshold without input, and active on the next input', () => {
    vi.advanceTimersByTime(999);
    expect(watcher.idle).toBe(false);
    vi.advanceTimersByTime(1);
    expect(watcher.idle).toBe(true);
    expect(changes).toEqual([true]);
    input('keydown');
    expect(watcher.idle).toBe(false);
    expect(changes).toEqual([true, false]);
  });

  it('input keeps it active; each kind of input counts', () => {
    for (const type of ['pointermove', 'pointerdown', 'keydown', 'touchstart', 'wheel', 'scroll']) {
      vi.advanceTimersByTime(800);
      input(type);
    }
    expect(changes).toEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(changes).toEqual([true]);
    // Repeated input while active reports nothing more.
    input();
    input();
    vi.advanceTimersByTime(500);
    input();
    expect(changes).toEqual([true, false]);
  });

  it('a hidden page goes idle once hidden for the threshold; shown again, it is active', () => {
    vi.advanceTimersByTime(900);
    doc.setHidden(true);
    vi.advanceTimersByTime(900);
    expect(watcher.idle).toBe(false);
    vi.advanceTimersByTime(100);
    expect(watcher.idle).toBe(true);
    doc.setHidden(false);
    expect(changes).toEqual([true, false]);
  });

  it('stops listening when stopped', () => {
    watcher.stop();
    vi.advanceTimersByTime(5_000);
    input();
    expect(changes).toEqual([]);
  });

  it('the threshold is five minutes unless a test shortens it', () => {
    expect(idleThresholdMs()).toBe(5 * 60_000);
  });
});
