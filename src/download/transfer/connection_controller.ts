/**
 * How many connections a split download uses: it starts with a few and adds more while the
 * total rate still rises the way more connections should make it (a CDN capping each
 * connection), stops adding when it does not (the link is full), and drops back to the
 * count before when adding made it slower. Pure: samples in, decisions out.
 *
 * Each step doubles the count (up to the most allowed). A step's rate is measured over
 * `windowMs` after `settleMs` (new connections pay a round trip, a first byte and a slow start
 * first); the step is kept when the rate grew by at least half of what the added connections
 * would add at the earlier per-connection rate.
 *
 * @example
 * ```ts
 * const control = new ConnectionController({ max: 8 });
 * const decision = control.observe(performance.now(), bytesReceived);
 * if (decision.add) openConnections(decision.add);
 * ```
 * @module
 */

/** Connections a split download starts with. */
const INITIAL_CONNECTIONS = 2;
/** Time new connections get before their rate counts. */
const SETTLE_MS = 250;
/** Length of one rate measurement. */
const WINDOW_MS = 500;
/** Share of the expected gain that must show for a step to be kept. */
const REQUIRED_GAIN = 0.5;

/** Options of {@link ConnectionController}. */
interface ControllerOptions {
  /** Most connections (the `--connections` limit, or fewer for a small file). */
  max: number;
  /** Connections to start with (default {@link INITIAL_CONNECTIONS}). */
  initial?: number;
  settleMs?: number;
  windowMs?: number;
}

/** What to do after a sample: open `add` more connections, or retire `drop` of them. */
export interface Decision {
  add: number;
  drop: number;
}

const HOLD: Decision = { add: 0, drop: 0 };

/** The adaptive connection count of one download. */
export class ConnectionController {
  readonly #max: number;
  readonly #settleMs: number;
  readonly #windowMs: number;
  #target: number;
  /** The count and rate (bytes/ms) of the last kept step. */
  #kept: { count: number; rate: number } | undefined;
  /** Where the current measurement started; undefined until the first sample. */
  #from: { ms: number; bytes: number } | undefined;
  #changedMs: number | undefined;
  #done: boolean;

  /** Starts at `initial` (at most `max`) connections. */
  constructor(options: ControllerOptions) {
    this.#max = Math.max(1, Math.floor(options.max));
    this.#target = Math.min(this.#max, Math.max(1, options.initial ?? INITIAL_CONNECTIONS));
    this.#settleMs = options.settleMs ?? SETTLE_MS;
    this.#windowMs = options.windowMs ?? WINDOW_MS;
    this.#done = this.#target >= this.#max;
  }

  /** The most connections this download may use. */
  get max(): number {
    return this.#max;
  }

  /** Connections wanted now. */
  get target(): number {
    return this.#target;
  }

  /** True once the count is settled for good. */
  get settled(): boolean {
    return this.#done;
  }

  /** Takes a sample (`bytes`: all received so far, over all connections) and decides. */
  observe(nowMs: number, bytes: number): Decision {
    if (this.#done) return HOLD;
    this.#changedMs ??= nowMs;
    if (nowMs - this.#changedMs < this.#settleMs) return HOLD;
    if (!this.#from) {
      this.#from = { ms: nowMs, bytes };
      return HOLD;
    }
    const elapsed = nowMs - this.#from.ms;
    if (elapsed < this.#windowMs) return HOLD;
    return this.#judge((bytes - this.#from.bytes) / elapsed, nowMs);
  }

  /** Keeps or undoes the current step given its measured `rate`, and takes the next one. */
  #judge(rate: number, nowMs: number): Decision {
    const kept = this.#kept;
    if (kept) {
      const added = this.#target - kept.count;
      const expected = kept.rate * (1 + REQUIRED_GAIN * added / kept.count);
      if (rate < expected) {
        this.#done = true;
        if (rate >= kept.rate) return HOLD; // a little better: keep what is open
        this.#target = kept.count;
        return { add: 0, drop: added };
      }
    }
    this.#kept = { count: this.#target, rate };
    if (this.#target >= this.#max) {
      this.#done = true;
      return HOLD;
    }
    const add = Math.min(this.#target, this.#max - this.#target);
    this.#target += add;
    this.#changedMs = nowMs;
    this.#from = undefined;
    return { add, drop: 0 };
  }
}
