/**
 * Triggers (`cron`, `interval`, `once`) as pure functions of (trigger, zone, instant): the next
 * occurrences after an instant, and validation of what a user sent.
 *
 * An `interval` without `startAt` is anchored at the instant it is computed from, so the
 * engine, which always computes from the last planned occurrence, keeps a steady cadence.
 *
 * @example
 * ```ts
 * const t = validateTrigger({ type: "cron", expression: "0 2 * * *" }, new Date(), "Europe/Berlin");
 * nextRuns(t, "Europe/Berlin", new Date("2026-03-28T12:00:00Z"), 3);
 * ```
 * @module
 */
import { isValidTimezone } from "../../time/time_zone.ts";
import { NightpullError } from "../../errors.ts";
import { nextCronRun, parseCron } from "./cron.ts";
import { parseDuration } from "../../time/duration.ts";
import type { Trigger } from "../../store/records.ts";

/** Shortest allowed interval. */
const MIN_INTERVAL_MS = 60_000;
const ISO_WITH_OFFSET =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/** The zone a trigger is computed in: its own for cron, else `fallback`. */
export function triggerZone(trigger: Trigger, fallback: string): string {
  return trigger.type === "cron" && trigger.timezone ? trigger.timezone : fallback;
}

/** The first occurrence strictly after `fromMs` (epoch ms), or null when there is none. */
export function nextOccurrence(trigger: Trigger, timezone: string, fromMs: number): number | null {
  switch (trigger.type) {
    case "cron":
      return nextCronRun(trigger.expression, triggerZone(trigger, timezone), fromMs);
    case "interval": {
      const every = parseDuration(trigger.every, "trigger.every");
      const anchor = trigger.startAt ? Date.parse(trigger.startAt) : fromMs;
      if (fromMs < anchor) return anchor;
      return anchor + (Math.floor((fromMs - anchor) / every) + 1) * every;
    }
    case "once": {
      const at = Date.parse(trigger.at);
      return at > fromMs ? at : null;
    }
  }
}

/** The next `n` occurrences strictly after `from`, in order (fewer when the trigger ends). */
export function nextRuns(trigger: Trigger, timezone: string, from: Date, n: number): Date[] {
  const out: Date[] = [];
  let cursor = from.getTime();
  while (out.length < n) {
    const next = nextOccurrence(trigger, timezone, cursor);
    if (next === null) break;
    out.push(new Date(next));
    cursor = next;
  }
  return out;
}

function invalid(field: string, message: string, code: "invalid_input" = "invalid_input") {
  return new NightpullError(code, message, { field });
}

function onlyKeys(value: Record<string, unknown>, allowed: string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new NightpullError(
        "unknown_field",
        `unknown field "trigger.${key}" for a ${value.type} trigger; allowed: ${
          allowed.join(", ")
        }`,
        { field: `trigger.${key}` },
      );
    }
  }
}

function isoInstant(value: unknown, field: string): string {
  if (typeof value !== "string" || !ISO_WITH_OFFSET.test(value) || isNaN(Date.parse(value))) {
    throw invalid(
      field,
      `invalid ${field} ${JSON.stringify(value)}: expected an ISO 8601 time with offset, ` +
        `e.g. "2026-12-24T18:00:00+01:00" or "2026-12-24T17:00:00Z"`,
    );
  }
  return value;
}

/**
 * Checks a user's trigger and returns its normalized form (a cron trigger gets its effective
 * zone, `defaultTz` when it names none). Throws `invalid_cron`, `invalid_timezone`,
 * `invalid_interval` or `invalid_input` with `details.field` such as "trigger.expression".
 */
export function validateTrigger(trigger: unknown, now: Date, defaultTz: string): Trigger {
  if (typeof trigger !== "object" || trigger === null || Array.isArray(trigger)) {
    throw invalid(
      "trigger",
      'trigger must be an object such as {"type": "cron", "expression": "0 2 * * *"}',
    );
  }
  const t = trigger as Record<string, unknown>;
  switch (t.type) {
    case "cron":
      return validateCron(t, now, defaultTz);
    case "interval":
      return validateInterval(t);
    case "once":
      return validateOnce(t, now);
    default:
      throw invalid(
        "trigger.type",
        `invalid trigger.type ${JSON.stringify(t.type)}: expected "cron", "interval" or "once"`,
      );
  }
}

/** A cron trigger: expression required, zone known (else `defaultTz`), fires at least once. */
function validateCron(t: Record<string, unknown>, now: Date, defaultTz: string): Trigger {
  onlyKeys(t, ["type", "expression", "timezone"]);
  if (typeof t.expression !== "string" || !t.expression.trim()) {
    throw new NightpullError(
      "invalid_cron",
      'trigger.expression is required for a cron trigger, e.g. "0 2 * * *"',
      { field: "trigger.expression" },
    );
  }
  const timezone = t.timezone ?? defaultTz;
  if (typeof timezone !== "string" || !isValidTimezone(timezone)) {
    throw new NightpullError(
      "invalid_timezone",
      `unknown timezone ${JSON.stringify(timezone)}: expected an IANA zone such as ` +
        `"Europe/Berlin" or "UTC"`,
      { field: "trigger.timezone" },
    );
  }
  const expression = t.expression.trim();
  parseCron(expression, timezone);
  if (nextCronRun(expression, timezone, now.getTime()) === null) {
    throw new NightpullError(
      "invalid_cron",
      `invalid cron ${JSON.stringify(expression)}: it never fires (no date matches)`,
      { field: "trigger.expression" },
    );
  }
  return { type: "cron", expression, timezone };
}

/** An interval trigger: `every` at least 1m, optional ISO `startAt`. */
function validateInterval(t: Record<string, unknown>): Trigger {
  onlyKeys(t, ["type", "every", "startAt"]);
  let every: number;
  try {
    every = parseDuration(t.every, "trigger.every");
  } catch (err) {
    throw new NightpullError("invalid_interval", (err as Error).message, {
      field: "trigger.every",
    });
  }
  if (every < MIN_INTERVAL_MS) {
    throw new NightpullError(
      "invalid_interval",
      `invalid trigger.every ${JSON.stringify(t.every)}: shorter than the minimum "1m"`,
      { field: "trigger.every" },
    );
  }
  const out: Trigger = { type: "interval", every: (t.every as string).trim() };
  if (t.startAt !== undefined) out.startAt = isoInstant(t.startAt, "trigger.startAt");
  return out;
}

/** A once trigger: `at` an ISO time with offset, in the future. */
function validateOnce(t: Record<string, unknown>, now: Date): Trigger {
  onlyKeys(t, ["type", "at"]);
  const at = isoInstant(t.at, "trigger.at");
  if (Date.parse(at) <= now.getTime()) {
    throw invalid(
      "trigger.at",
      `invalid trigger.at "${at}": it is in the past (now is ${now.toISOString()})`,
    );
  }
  return { type: "once", at };
}
