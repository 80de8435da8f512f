/**
 * The ramp both adaptive counts share (connections of a split download, file workers of a
 * pull): start with a few, take a step up while the measured rates still rise the way more
 * units should make them (a CDN capping each connection, every request paying a round trip),
 * stop when they do not (the link, the disk or the CPU is full), and drop back to the count
 * before when the step made every rate clearly worse. Pure: samples in, counts out.
 *
 * A step's rates are measured over a window that opens `settleMs` after the step, once the
 * caller says the new units are under way (`ready`: a connection has its first bytes), and
 * closes after `windowMs` when the caller's `enough` agrees (a few tiny files say little
 * about a rate), after `longWindowMs` anyway. A step is kept, and the next one taken, when
 * one of the rates grew by at least `requiredGain` of what the added units would add at the
 * earlier rate per unit. The next step multiplies the count by `growth`, or by
 * `fastGrowth` when the last step brought the added units' full share (the link is far from
 * full). A step that did not pay is kept unless every rate fell below `dropBelow` of the
 * earlier ones (a loaded machine makes rates noisy; a unit too many costs little).
 *
 * @example
 * ```ts
 * const ramp = new AdaptiveRamp({ max: 16, initial: 4, settleMs: 50, windowMs: 200 });
 * const step = ramp.observe(performance.now(), [bytesReceived]);
 * if (step.add) open(step.add);
 * ```
 * @module
 */

/** How one ramp measures and steps. */
export interface RampOptions {
  /** Most units (never above). */
  max: number;
  /** Units to start with (1..max). */
  initial: number;
  /** Time after a step before its window may open. */
  settleMs: number;
  /** Shortest window. */
  windowMs: number;
  /** Longest window (default `windowMs`): it then closes even when `enough` says no. */
  longWindowMs?: number;
  /** Share of the expected gain one rate must show for the step to be kept (default 0.5). */
  requiredGain?: number;
  /** Every rate below this share of the earlier step's: back to its count (default 0.75). */
  dropBelow?: number;
  /** Factor of a step (default 2). */
  growth?: number;
  /** Factor after a step that brought its full share (default `growth`). */
  fastGrowth?: number;
  /** Whether a window of `elapsedMs` with these `deltas` (one per measure) may close early. */
  enough?: (elapsedMs: number, deltas: readonly number[], units: number) => boolean;
}

/** What a sample changed: `add` units more, or `drop` of them retired; `target` is the count. */
export interface RampStep {
  target: number;
  add: number;
  drop: number;
}

/** Share of the full expected gain above which the next step grows by `fastGrowth`. */
const FULL_SHARE = 0.9;

/** One ramp of an adaptive count. */
export class AdaptiveRamp {
  readonly #o: Required<Omit<RampOptions, "enough">> & Pick<RampOptions, "enough">;
  #target: number;
  /** The count and rates (per ms) of the last kept step. */
  #kept: { count: number; rates: number[] } | undefined;
  /** Where the current window opened; undefined until it does. */
  #from: { ms: number; values: readonly number[] } | undefined;
  #changedMs: number | undefined;
  #nextGrowth: number;
  #done: boolean;

  /** Starts at `initial` (1..max) units. */
  constructor(options: RampOptions) {
    const max = Math.max(1, Math.floor(options.max));
    const growth = Math.max(2, options.growth ?? 2);
    this.#o = {
      requiredGain: 0.5,
      dropBelow: 0.75,
      longWindowMs: options.windowMs,
      fastGrowth: growth,
      ...options,
      max,
      growth,
    };
    this.#o.longWindowMs = Math.max(this.#o.windowMs, this.#o.longWindowMs);
    this.#target = Math.min(max, Math.max(1, Math.floor(options.initial)));
    this.#nextGrowth = growth;
    this.#done = this.#target >= max;
  }

  /** The most units. */
  get max(): number {
    return this.#o.max;
  }

  /** Units wanted now (1..max). */
  get target(): number {
    return this.#target;
  }

  /** True once the count is settled for good. */
  get settled(): boolean {
    return this.#done;
  }

  /**
   * Takes a sample: `values` are running totals (bytes received, files finished, ...), in the
   * same order every time; `ready` is false while the last step's units are not under way.
   */
  observe(nowMs: number, values: readonly number[], ready = true): RampStep {
    const hold = { target: this.#target, add: 0, drop: 0 };
    if (this.#done) return hold;
    this.#changedMs ??= nowMs;
    if (!this.#from) {
      if (nowMs - this.#changedMs < this.#o.settleMs || !ready) return hold;
      this.#from = { ms: nowMs, values: [...values] };
      return hold;
    }
    const elapsed = nowMs - this.#from.ms;
    const deltas = values.map((v, i) => v - this.#from!.values[i]);
    if (elapsed < this.#o.windowMs) return hold;
    const enough = this.#o.enough?.(elapsed, deltas, this.#target) ?? true;
    if (!enough && elapsed < this.#o.longWindowMs) return hold;
    return this.#judge(deltas.map((d) => d / elapsed), nowMs);
  }

  /** Keeps or undoes the current step given its measured `rates`, and takes the next one. */
  #judge(rates: number[], nowMs: number): RampStep {
    const kept = this.#kept;
    const count = this.#target;
    if (kept) {
      const share = (count - kept.count) / kept.count;
      // the gain of each measure as a share of what the added units should bring; a measure
      // that had nothing before and has something now grew without bound
      const best = Math.max(...rates.map((r, i) => {
        if (!(r > 0)) return -Infinity;
        return kept.rates[i] > 0 ? (r / kept.rates[i] - 1) / share : Infinity;
      }));
      if (!(best >= this.#o.requiredGain)) {
        this.#done = true;
        // a measure with nothing in the earlier step cannot say it is not worse
        const fell = rates.every((r, i) =>
          kept.rates[i] === 0 || r < kept.rates[i] * this.#o.dropBelow
        );
        if (!fell) return { target: count, add: 0, drop: 0 };
        this.#target = kept.count;
        return { target: kept.count, add: 0, drop: count - kept.count };
      }
      this.#nextGrowth = best >= FULL_SHARE ? this.#o.fastGrowth : this.#o.growth;
    }
    this.#kept = { count, rates };
    if (count >= this.#o.max) {
      this.#done = true;
      return { target: count, add: 0, drop: 0 };
    }
    this.#target = Math.min(this.#o.max, count * this.#nextGrowth);
    this.#changedMs = nowMs;
    this.#from = undefined;
    return { target: this.#target, add: this.#target - count, drop: 0 };
  }
}

/**
 * The base of a controller that keeps one {@link AdaptiveRamp}: its count's bounds and state,
 * read through; the controller adds an `observe` that speaks its own samples.
 */
export abstract class RampedCount {
  protected readonly ramp: AdaptiveRamp;

  /** Keeps `ramp`. */
  constructor(ramp: AdaptiveRamp) {
    this.ramp = ramp;
  }

  /** The most units this ramp may use. */
  get max(): number {
    return this.ramp.max;
  }

  /** Units wanted now (1..max). */
  get target(): number {
    return this.ramp.target;
  }

  /** True once the count is settled for good. */
  get settled(): boolean {
    return this.ramp.settled;
  }
}
