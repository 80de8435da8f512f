/**
 * The handle this process keeps on a run it executes: the abort controller of its transfer,
 * the timers of its lease renewal and window watch, and why it stopped when it did.
 *
 * @example
 * ```ts
 * const handle = newRunHandle(run.scheduleId);
 * handle.controller.abort(new DOMException("shutdown", "AbortError"));
 * ```
 * @module
 */

/** A run executing in this process; see the module doc. */
export interface RunHandle {
  scheduleId: string | null;
  controller: AbortController;
  leaseTimer: number | null;
  lostLease: boolean;
  /** Set once the executor returned: a renewal still in flight then finds the lease gone. */
  finished: boolean;
  /** Next check of a pause-window run's window. */
  windowTimer: number | null;
  /** Set when the window closed on the run: the instant (ms) it reopens. */
  reopensAt: number | null;
}

/** A fresh handle for a run (of schedule `scheduleId`, null for a one-off) about to execute. */
export function newRunHandle(scheduleId: string | null): RunHandle {
  return {
    scheduleId,
    controller: new AbortController(),
    leaseTimer: null,
    lostLease: false,
    finished: false,
    windowTimer: null,
    reopensAt: null,
  };
}
