/**
 * Stops a running run of an `onEnd: "pause"` window when the window closes: checks at the
 * window's end (and once a minute, re-reading the window so an edit takes effect), then
 * aborts the transfer, which keeps its partial files; the handle records when it reopens.
 *
 * @example
 * ```ts
 * const window = compileRunWindow(schedule.timeWindow, config.timezone);
 * if (window && pausesAtEnd(run, window)) watchWindow(deps, run, window, handle, current);
 * ```
 * @module
 */
import type { Logger } from "../../log.ts";
import { getOneOff, getScheduleEntry } from "../../store/mod.ts";
import type { Run, TimeWindow } from "../../store/records.ts";
import type { Clock } from "../../time/clock.ts";
import { nextWindowCheck, pausesAtEnd, reopensAt } from "../window/run_window.ts";
import { type CompiledTimeWindow, compileTimeWindow } from "../window/time_window.ts";
import type { RunHandle } from "./run_handle.ts";

/** What watching a window needs. */
interface WindowWatchDeps {
  kv: Deno.Kv;
  /** Zone of windows that name none. */
  timezone: string;
  clock: Clock;
  log: Logger;
  /** Registers background work (the window re-read) with the engine. */
  track: <T>(p: Promise<T>) => Promise<T>;
}

/** The compiled window (null without one), in `timezone` when it names none. */
export function compileRunWindow(
  window: TimeWindow | undefined,
  timezone: string,
): CompiledTimeWindow | null {
  return window ? compileTimeWindow(window, timezone) : null;
}

/** The window `run` obeys now (re-read: it may have been edited). */
async function currentWindow(kv: Deno.Kv, run: Run): Promise<TimeWindow | undefined> {
  if (run.scheduleId) {
    return (await getScheduleEntry(kv, run.scheduleId))?.schedule.timeWindow;
  }
  return (await getOneOff(kv, run.id))?.timeWindow;
}

/**
 * Aborts `run` (through `handle`) when `window` closes, unless `current()` says the run
 * no longer executes under this handle; see the module doc.
 */
export function watchWindow(
  deps: WindowWatchDeps,
  run: Run,
  window: CompiledTimeWindow,
  handle: RunHandle,
  current: () => boolean,
): void {
  const now = deps.clock.now();
  const delay = nextWindowCheck(window, now);
  if (delay === null) {
    handle.reopensAt = reopensAt(window, now);
    deps.log.info("run.window_closed", {
      runId: run.id,
      scheduleId: run.scheduleId,
      nextOpen: new Date(handle.reopensAt).toISOString(),
    });
    handle.controller.abort(new DOMException("time window closed", "AbortError"));
    return;
  }
  const live = () => current() && !handle.controller.signal.aborted;
  handle.windowTimer = deps.clock.setTimer(() => {
    handle.windowTimer = null;
    if (!live()) return;
    deps.track((async () => {
      const latest = compileRunWindow(await currentWindow(deps.kv, run), deps.timezone);
      if (!live()) return;
      deps.log.debug("run.window_check", {
        runId: run.id,
        window: latest ? latest.window.onEnd : "none",
      });
      // an edit that removed the window (or made it `continue`) lets the run go on
      if (latest && pausesAtEnd(run, latest)) watchWindow(deps, run, latest, handle, current);
    })());
  }, delay);
}
