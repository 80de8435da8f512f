/**
 * Compiled time windows of schedules, cached per version of each schedule (its `updatedAt`),
 * so planning many occurrences does not compile the same window again.
 *
 * @example
 * ```ts
 * const windows = new CompiledWindows("UTC");
 * const window = windows.of(schedule); // null when the schedule has none
 * ```
 * @module
 */
import type { Schedule } from "../../store/records.ts";
import { type CompiledTimeWindow, compileTimeWindow } from "../window/time_window.ts";

/** A cache of compiled schedule windows; see the module doc. */
export class CompiledWindows {
  readonly #timezone: string;
  readonly #windows = new Map<string, { key: string; window: CompiledTimeWindow }>();

  /** `timezone`: the zone of windows that name none. */
  constructor(timezone: string) {
    this.#timezone = timezone;
  }

  /** The schedule's compiled window, or null when it has none. */
  of(schedule: Schedule): CompiledTimeWindow | null {
    if (!schedule.timeWindow) return null;
    const key = `${schedule.id} ${schedule.updatedAt}`;
    let compiled = this.#windows.get(schedule.id);
    if (!compiled || compiled.key !== key) {
      compiled = { key, window: compileTimeWindow(schedule.timeWindow, this.#timezone) };
      this.#windows.set(schedule.id, compiled);
    }
    return compiled.window;
  }
}
