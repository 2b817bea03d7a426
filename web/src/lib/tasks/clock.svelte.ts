/**
 * Reactive "now" for running clocks and deadlines that pass while a page is open: reading `now` inside
 * an effect or a template re-runs it every tick, for as long as something reads it.
 */
import { createSubscriber } from 'svelte/reactivity';

class Clock {
  readonly #subscribe: () => void;

  constructor(ms: number) {
    this.#subscribe = createSubscriber((update) => {
      const id = setInterval(update, ms);
      return () => clearInterval(id);
    });
  }

  get now(): number {
    this.#subscribe();
    return Date.now();
  }
}

/** Ticks every second (timers). */
export const seconds = new Clock(1000);
/** Ticks every 20 seconds (deadlines turning overdue). */
export const minutes = new Clock(20_000);
