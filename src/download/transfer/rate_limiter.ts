/**
 * A token bucket that holds transfers to a bandwidth limit. One limiter is shared by all
 * connections of a transfer (and a global one by all transfers), so the limit holds for the
 * sum. A timetable limit is re-evaluated when its step changes, also in the middle of a wait.
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter(parseBandwidth("10M"), "UTC");
 * await limiter.take(chunk.byteLength, signal); // before writing each chunk
 * ```
 * @module
 */
import { type BandwidthTable, nextStepAt, parseBandwidth, rateAt } from "../../time/bandwidth.ts";
import type { BandwidthLimiter } from "./transfer.ts";
import { sleep } from "../../time/sleep.ts";

/** Longest single sleep, so a timetable step or an abort is noticed promptly. */
const MAX_SLEEP_MS = 200;

/** A shared token bucket following a bandwidth table. */
export class RateLimiter implements BandwidthLimiter {
  #table: BandwidthTable | null;
  readonly #timezone: string;
  readonly #now: () => number;
  #rate: number | null = null;
  #nextStep: number | null = null;
  #tokens = 0;
  #last = performance.now();

  /**
   * `table` null means unlimited; `timezone` places timetable steps; `now` is the wall clock
   * that picks the step (tests pass one; the bucket itself always runs on real elapsed time).
   */
  constructor(table: BandwidthTable | null, timezone: string, now: () => number = Date.now) {
    this.#table = table;
    this.#timezone = timezone;
    this.#now = now;
    this.#refreshRate(now());
  }

  /** The rate in force now, bytes/s (`null` = unlimited). */
  get rate(): number | null {
    this.#refreshRate(this.#now());
    return this.#rate;
  }

  /** Replaces the table (e.g. after the schedule was edited). */
  setTable(table: BandwidthTable | null): void {
    this.#table = table;
    this.#nextStep = null;
    this.#refreshRate(this.#now());
  }

  #refreshRate(now: number): void {
    if (this.#nextStep !== null && now < this.#nextStep) return;
    const before = this.#rate;
    this.#rate = this.#table ? rateAt(this.#table, now, this.#timezone) : null;
    this.#nextStep = this.#table ? nextStepAt(this.#table, now, this.#timezone) : null;
    if (this.#nextStep === null) this.#nextStep = Infinity;
    if (before !== this.#rate) {
      // a new step keeps the debt of the old one (so no burst slips through) but no savings
      this.#tokens = this.#rate === null ? 0 : Math.min(this.#tokens, this.#burst());
      this.#last = performance.now();
    }
  }

  #burst(): number {
    return Math.max(64 * 1024, (this.#rate ?? 0) / 10);
  }

  /** Waits until `bytes` may pass under the limit. Rejects with the signal's reason on abort. */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    this.#refreshRate(this.#now());
    if (this.#rate === null) return;
    const now = performance.now();
    this.#tokens = Math.min(this.#burst(), this.#tokens + (now - this.#last) / 1000 * this.#rate);
    this.#last = now;
    this.#tokens -= bytes;
    while (this.#tokens < 0) {
      const rate: number = this.#rate;
      await sleep(Math.min(MAX_SLEEP_MS, (-this.#tokens / rate) * 1000), signal);
      this.#refreshRate(this.#now());
      if (this.#rate === null) return;
      const t = performance.now();
      this.#tokens = Math.min(this.#burst(), this.#tokens + (t - this.#last) / 1000 * this.#rate);
      this.#last = t;
    }
  }
}

/**
 * A limiter for `text` (rclone syntax, validated) with timetable steps placed in `timezone`;
 * undefined for no limit or `off`.
 */
export function rateLimiterFor(
  text: string | undefined,
  timezone: string,
  now?: () => number,
): RateLimiter | undefined {
  if (text === undefined || text.trim() === "" || text.trim().toLowerCase() === "off") {
    return undefined;
  }
  return new RateLimiter(parseBandwidth(text), timezone, now);
}

/**
 * One limiter that takes every byte from each of `limiters` in turn, so the strictest one sets
 * the pace (a transfer's own limit under the process-wide one). Undefined when there are none.
 */
export function chainLimiters(
  limiters: readonly (BandwidthLimiter | undefined)[],
): BandwidthLimiter | undefined {
  const present = limiters.filter((l): l is BandwidthLimiter => l !== undefined);
  if (present.length <= 1) return present[0];
  return {
    async take(bytes, signal) {
      for (const limiter of present) await limiter.take(bytes, signal);
    },
  };
}
