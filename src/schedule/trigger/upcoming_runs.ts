/**
 * Memoized upcoming occurrences of cron triggers. Computing five cron occurrences with croner
 * costs ~150 µs, and a schedule's detail asks for them on every read; the occurrences of a
 * (expression, zone) pair never change, so they are computed once, dropped as they pass, and
 * extended when fewer than asked remain. Other trigger kinds are cheap arithmetic and are
 * computed directly.
 *
 * @example
 * ```ts
 * const upcoming = new UpcomingRuns();
 * upcoming.next(trigger, "Europe/Berlin", Date.now(), 5); // epoch ms, strictly after now
 * ```
 * @module
 */
import type { Trigger } from "../../store/records.ts";
import { nextOccurrence, triggerZone } from "./trigger.ts";

/** How many (expression, zone) pairs are remembered before the memo starts over. */
const MAX_ENTRIES = 10_000;

interface Memo {
  /** The instant the list was computed from: it holds every occurrence after it, in order. */
  from: number;
  times: number[];
}

/** Upcoming occurrences per cron (expression, zone); see the module doc. */
export class UpcomingRuns {
  readonly #memo = new Map<string, Memo>();

  /** The next `n` occurrences strictly after `now` (fewer when the trigger ends). */
  next(trigger: Trigger, timezone: string, now: number, n: number): number[] {
    if (trigger.type !== "cron") return compute(trigger, timezone, now, n);
    const key = `${trigger.expression}\u0000${triggerZone(trigger, timezone)}`;
    let memo = this.#memo.get(key);
    // a list computed from a later instant may miss occurrences before it (clocks in tests)
    if (memo === undefined || memo.from > now) memo = { from: now, times: [] };
    let passed = 0;
    while (passed < memo.times.length && memo.times[passed] <= now) passed++;
    let times = passed > 0 ? memo.times.slice(passed) : memo.times;
    const from = passed > 0 ? now : memo.from;
    if (times.length < n) {
      const last = times.length ? times[times.length - 1] : from;
      times = times.concat(compute(trigger, timezone, last, n - times.length));
    }
    if (this.#memo.size >= MAX_ENTRIES && !this.#memo.has(key)) this.#memo.clear();
    this.#memo.set(key, { from, times });
    return times.slice(0, n);
  }
}

function compute(trigger: Trigger, timezone: string, from: number, n: number): number[] {
  const out: number[] = [];
  let cursor = from;
  while (out.length < n) {
    const next = nextOccurrence(trigger, timezone, cursor);
    if (next === null) break;
    out.push(next);
    cursor = next;
  }
  return out;
}
