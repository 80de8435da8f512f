/**
 * How a run meets its time window (pure): whether a run about to start must wait for the window
 * to open instead, and when a running run of an `onEnd: "pause"` window is checked next. A run
 * forced outside its window ignores the window altogether.
 *
 * Rules: with `pause`, transfers happen only while the window is open; with `continue`, a run
 * that has begun goes on to its end (retries and restarts included), but one that never began
 * (queued, or waiting for a slot) still starts only inside the window.
 *
 * @example
 * ```ts
 * const until = holdUntil(run, compileTimeWindow(schedule.timeWindow, "UTC"), Date.now());
 * if (until !== null) { // store the run as waiting_window, due at `until` }
 * ```
 * @module
 */
import type { Run } from "../../store/records.ts";
import { type CompiledTimeWindow, isOpenAt, nextClosing, nextOpening } from "./time_window.ts";

/** A window that never reopens (cannot happen with a valid window) is retried after a week. */
const NEVER_REOPENS_MS = 7 * 86_400_000;
/** A paused-window run re-reads its window at least this often, so edits take effect. */
export const WINDOW_RECHECK_MS = 60_000;

/** The next opening after `now`, or a week from now when the window never opens. */
export function reopensAt(window: CompiledTimeWindow, now: number): number {
  return nextOpening(window, now) ?? now + NEVER_REOPENS_MS;
}

/**
 * When run `run`, about to start at `now`, must instead wait for `window` to open: the instant
 * to resume at, or null when it may start now.
 */
export function holdUntil(
  run: Run,
  window: CompiledTimeWindow | null,
  now: number,
): number | null {
  if (!window || run.forced || isOpenAt(window, now)) return null;
  const began = run.startedAt !== null || run.attempt > 1;
  if (began && window.window.onEnd !== "pause") return null;
  return reopensAt(window, now);
}

/** True when a running `run` stops at the end of `window` (a `pause` window, not forced). */
export function pausesAtEnd(run: Run, window: CompiledTimeWindow | null): boolean {
  return window !== null && window.window.onEnd === "pause" && !run.forced;
}

/**
 * Delay until a running pause-window run is checked next: its window's closing, or
 * {@link WINDOW_RECHECK_MS} when that is sooner. Null when the window is closed at `now`.
 */
export function nextWindowCheck(window: CompiledTimeWindow, now: number): number | null {
  if (!isOpenAt(window, now)) return null;
  const close = nextClosing(window, now);
  return Math.min(WINDOW_RECHECK_MS, close === null ? Infinity : Math.max(0, close - now));
}
