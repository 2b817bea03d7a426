/** A growable array of doubles (latencies in µs), cheap to fill in a hot loop and to send to another thread. */
export class Samples {
  private buf: Float64Array;
  n = 0;

  constructor(initial = 1024) {
    this.buf = new Float64Array(Math.max(1024, initial));
  }

  push(v: number): void {
    if (this.n === this.buf.length) {
      const bigger = new Float64Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.n++] = v;
  }

  /** A copy of the samples so far. */
  take(): Float64Array {
    return this.buf.slice(0, this.n);
  }
}
