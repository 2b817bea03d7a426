/**
 * Whether the person at this page is idle: no input (pointer, keyboard, touch, wheel, scroll) for a while,
 * or the page hidden for that long. Input, or the page shown again, makes them active at once. Colleagues
 * then see them "away" once every page of theirs is idle.
 */
// A relative import (not `$shared`), so that unit tests load this module as it is.
import { IDLE_AFTER_MINUTES } from '../../../shared/types';

/** Window events that mean someone is at the page. Scroll does not bubble: it is listened to in capture. */
const INPUT_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'touchstart', 'wheel', 'scroll'] as const;

/** What the watcher listens to; the page's window and document in the app, plain event targets in tests. */
export interface IdleTargets {
  win: EventTarget;
  doc: EventTarget & { hidden: boolean };
}

/**
 * How long without input counts as idle. Browser tests shorten it by setting `window.__artelIdleMs` before
 * the app loads (an init script); a page's own scripts could change its own idle reports anyway, so the
 * hook gives nothing away.
 */
export function idleThresholdMs(): number {
  const forTests = typeof window === 'undefined' ? undefined : (window as unknown as { __artelIdleMs?: unknown }).__artelIdleMs;
  return typeof forTests === 'number' && forTests > 0 ? forTests : IDLE_AFTER_MINUTES * 60_000;
}

export class IdleWatcher {
  private idleNow = false;
  private last = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly unlisten: (() => void)[] = [];

  constructor(
    private readonly onChange: (idle: boolean) => void,
    private readonly thresholdMs: number = idleThresholdMs(),
    private readonly targets: IdleTargets = { win: window, doc: document },
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the page is idle now. */
  get idle(): boolean {
    return this.idleNow;
  }

  /** Start watching; the page counts as active from now. */
  start(): void {
    this.stop();
    const onInput = () => this.activity();
    const onVisibility = () => {
      if (!this.targets.doc.hidden) this.activity();
      // Hidden: the countdown starts again from now, so that the page goes idle once hidden that long.
      else if (!this.idleNow) this.restart();
    };
    for (const type of INPUT_EVENTS) {
      this.targets.win.addEventListener(type, onInput, { capture: true, passive: true });
      this.unlisten.push(() => this.targets.win.removeEventListener(type, onInput, { capture: true }));
    }
    this.targets.doc.addEventListener('visibilitychange', onVisibility);
    this.unlisten.push(() => this.targets.doc.removeEventListener('visibilitychange', onVisibility));
    this.idleNow = false;
    this.restart();
  }

  stop(): void {
    for (const off of this.unlisten.splice(0)) off();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * Someone is at the page. Pointer moves come many times a second: they only note the time, and the
   * timer, when it fires, looks at how long ago the last one was.
   */
  private activity(): void {
    this.last = this.now();
    if (!this.idleNow) return;
    this.idleNow = false;
    this.schedule(this.thresholdMs);
    this.onChange(false);
  }

  private restart(): void {
    this.last = this.now();
    this.schedule(this.thresholdMs);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.check(), ms);
  }

  private check(): void {
    this.timer = null;
    const quiet = this.now() - this.last;
    if (quiet < this.thresholdMs) return this.schedule(this.thresholdMs - quiet);
    this.idleNow = true;
    this.onChange(true);
  }
}
