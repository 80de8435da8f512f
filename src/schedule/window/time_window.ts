/**
 * Time windows: when a schedule may download. Windows are wall-clock `HH:MM` ranges in a zone,
 * start inclusive, end exclusive; `end < start` crosses midnight and `days` name the day a
 * window starts on. Several windows are open if any is open. DST: a start in a spring-forward
 * gap opens at the first valid instant after it; in a fall-back fold the first occurrence of a
 * boundary counts.
 *
 * {@link isOpenAt} is the hot check: it allocates nothing and costs a few nanoseconds, because
 * the window is compiled once and zone offsets are cached (see zone_offsets.ts).
 *
 * @example
 * ```ts
 * const w = compileTimeWindow({ windows: [{ start: "22:00", end: "07:00" }] }, "UTC");
 * isOpenAt(w, Date.parse("2026-11-23T23:00:00Z")); // true
 * ```
 * @module
 */
import type { TimeWindow, Weekday } from "../../store/records.ts";
import { type ZoneOffsets, zoneOffsets } from "../../time/zone_offsets.ts";
import { parseClock, WEEKDAYS } from "./time_window_input.ts";

const DAY = 86_400_000;
const MINUTE = 60_000;
/** How many days ahead transitions are searched (a week, plus room for DST-swallowed ones). */
const HORIZON_DAYS = 16;

interface CompiledRange {
  start: number; // ms into the day
  end: number; // ms into the day (may be 24h)
  crosses: boolean;
  /** Bit i set = the window starts on weekday i (0 = Monday). */
  days: number;
}

/** A window ready for fast checks; build with {@link compileTimeWindow}. */
export interface CompiledTimeWindow {
  readonly window: TimeWindow;
  readonly timezone: string;
  readonly ranges: readonly CompiledRange[];
  readonly zone: ZoneOffsets;
}

/** Compiles a normalized window (its zone, else `defaultTz`). */
export function compileTimeWindow(window: TimeWindow, defaultTz = "UTC"): CompiledTimeWindow {
  const timezone = window.timezone ?? defaultTz;
  const ranges = window.windows.map((r) => {
    const start = parseClock(r.start, "start") * MINUTE;
    const end = parseClock(r.end, "end") * MINUTE;
    const days = (r.days ?? WEEKDAYS).reduce((m, d: Weekday) => m | (1 << WEEKDAYS.indexOf(d)), 0);
    return { start, end, crosses: end < start, days };
  });
  return { window, timezone, ranges, zone: zoneOffsets(timezone) };
}

/** Monday-based weekday (0..6) of a local day number (days since 1970-01-01, a Thursday). */
function weekday(dayNumber: number): number {
  return (((dayNumber + 3) % 7) + 7) % 7;
}

/** True when wall-clock time `local` (ms since the local epoch) is inside any range. */
function isOpenLocal(ranges: readonly CompiledRange[], local: number): boolean {
  const day = Math.floor(local / DAY);
  const inDay = local - day * DAY;
  const wd = weekday(day);
  const prev = wd === 0 ? 6 : wd - 1;
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i];
    if (r.crosses) {
      if (
        (inDay >= r.start && (r.days & (1 << wd)) !== 0) ||
        (inDay < r.end && (r.days & (1 << prev)) !== 0)
      ) {
        return true;
      }
    } else if (inDay >= r.start && inDay < r.end && (r.days & (1 << wd)) !== 0) {
      return true;
    }
  }
  return false;
}

/** True when the window is open at `instant` (UTC ms). Allocation-free. */
export function isOpenAt(window: CompiledTimeWindow, instant: number): boolean {
  return isOpenLocal(window.ranges, window.zone.localMs(instant));
}

/** Local boundary points (range starts and ends) after `fromLocal`, in order. */
function boundariesAfter(window: CompiledTimeWindow, fromLocal: number): number[] {
  const firstDay = Math.floor(fromLocal / DAY) - 1;
  const points: number[] = [];
  for (let day = firstDay; day <= firstDay + HORIZON_DAYS; day++) {
    for (const r of window.ranges) {
      if ((r.days & (1 << weekday(day))) === 0) continue;
      const start = day * DAY + r.start;
      const end = (r.crosses ? day + 1 : day) * DAY + r.end;
      if (start > fromLocal) points.push(start);
      if (end > fromLocal) points.push(end);
    }
  }
  return [...new Set(points)].sort((a, b) => a - b);
}

/** A change of the window's state. */
export interface WindowTransition {
  /** Instant (UTC ms) of the change. */
  at: number;
  /** State from that instant on. */
  open: boolean;
}

/** The next `n` state changes strictly after `instant`. */
export function nextTransitions(
  window: CompiledTimeWindow,
  instant: number,
  n: number,
): WindowTransition[] {
  const out: WindowTransition[] = [];
  let state = isOpenAt(window, instant);
  let from = instant;
  while (out.length < n) {
    const local = window.zone.localMs(from);
    let found = false;
    for (const point of boundariesAfter(window, local)) {
      if (isOpenLocal(window.ranges, point) === state) continue;
      const at = window.zone.firstInstantAtOrAfter(point);
      // a range swallowed by a DST gap maps both of its edges to one instant: no change there
      if (at <= from || isOpenAt(window, at) === state) continue;
      state = !state;
      out.push({ at, open: state });
      from = at;
      found = true;
      break;
    }
    if (!found) break; // always open, or never open
  }
  return out;
}

/** The next instant after `instant` at which the window opens; null if it never does. */
export function nextOpening(window: CompiledTimeWindow, instant: number): number | null {
  return nextTransitions(window, instant, 2).find((t) => t.open)?.at ?? null;
}

/** The next instant after `instant` at which the window closes; null if it never does. */
export function nextClosing(window: CompiledTimeWindow, instant: number): number | null {
  return nextTransitions(window, instant, 2).find((t) => !t.open)?.at ?? null;
}
