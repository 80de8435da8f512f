/**
 * The engine's only source of time. Production uses {@link systemClock}; tests pass a
 * {@link ManualClock} (./manual_clock.ts) and move time themselves.
 *
 * @example
 * ```ts
 * const id = systemClock.setTimer(() => console.log("due"), 1000);
 * systemClock.clearTimer(id);
 * ```
 * @module
 */

/** Wall-clock time and one-shot timers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once after `delayMs`; returns an id for {@link Clock.clearTimer}. */
  setTimer(fn: () => void, delayMs: number): number;
  /** Cancels a timer; unknown or fired ids are ignored. */
  clearTimer(id: number): void;
}

/** setTimeout's limit: longer delays fire at once, so longer waits are re-armed in steps. */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** The real clock: `Date.now()` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  // Deno's setTimeout returns a number; the Node typings in scope say Timeout
  setTimer: (fn, delayMs) =>
    setTimeout(fn, Math.min(Math.max(0, delayMs), MAX_TIMER_DELAY_MS)) as unknown as number,
  clearTimer: (id) => clearTimeout(id),
};
