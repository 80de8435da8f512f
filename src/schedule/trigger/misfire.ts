/**
 * What to do with the occurrences that came due since a schedule was last handled (pure).
 * Occurrences late by less than `misfireGrace` coalesce into one run (the latest of them);
 * older ones become one `skipped`/`missed` record carrying their count.
 *
 * @example
 * ```ts
 * const plan = planDueOccurrences(trigger, "UTC", firstDue, now, 600_000);
 * ```
 * @module
 */
import { nextOccurrence } from "./trigger.ts";
import type { Trigger } from "../../store/records.ts";

/** Lateness up to which a single occurrence counts as fired on time (timer jitter, load). */
const ON_TIME_MS = 5_000;
/** Most occurrences counted one by one; beyond it the count stops growing. */
export const MAX_COUNTED = 10_000;

/** The handling of the due occurrences of one schedule. */
export interface DuePlan {
  /** The occurrence to run, or null when every due one is past the grace. */
  fire: { plannedAt: number; catchup: boolean } | null;
  /** Occurrences too late to run. */
  missed: { count: number; first: number; last: number } | null;
  /** The latest due occurrence: the schedule's new cursor. */
  cursor: number;
  /** The first occurrence after `now`, or null when the trigger has ended. */
  next: number | null;
}

/**
 * Plans the occurrences from `firstDue` (the armed next time, ≤ now) up to `now`. Counting
 * stops at {@link MAX_COUNTED} missed occurrences; the plan then jumps to the grace boundary.
 */
export function planDueOccurrences(
  trigger: Trigger,
  timezone: string,
  firstDue: number,
  now: number,
  graceMs: number,
): DuePlan {
  const boundary = now - graceMs;
  let missed: DuePlan["missed"] = null;
  let at: number | null = firstDue;
  while (at !== null && at < boundary) {
    if (!missed) missed = { count: 0, first: at, last: at };
    missed.count++;
    missed.last = at;
    at = missed.count >= MAX_COUNTED
      ? nextOccurrence(trigger, timezone, boundary - 1)
      : nextOccurrence(trigger, timezone, at);
  }
  let eligible = 0;
  let latest: number | null = null;
  while (at !== null && at <= now) {
    eligible++;
    latest = at;
    at = nextOccurrence(trigger, timezone, at);
  }
  const fire = latest === null ? null : {
    plannedAt: latest,
    catchup: eligible > 1 || missed !== null || now - latest > ON_TIME_MS,
  };
  return { fire, missed, cursor: latest ?? missed?.last ?? firstDue, next: at };
}
