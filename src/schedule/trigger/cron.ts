/**
 * Cron expressions on top of croner: validation with messages that name the wrong field, a
 * cache of parsed patterns, and the DST rule of nightpull: a cron expression names wall-clock
 * times, so a time that does not exist (spring-forward gap) is skipped and a time that occurs
 * twice (fall-back fold) fires once, at its first occurrence.
 *
 * @example
 * ```ts
 * nextCronRun("30 2 * * *", "Europe/Berlin", Date.parse("2026-03-28T12:00:00Z"));
 * // 2026-03-30T00:30:00Z: 02:30 does not exist on 2026-03-29
 * ```
 * @module
 */
import { Cron } from "croner";
import { NightpullError } from "../../errors.ts";
import { zoneOffsets } from "../../time/zone_offsets.ts";

const FIELDS_5 = ["minute", "hour", "day-of-month", "month", "day-of-week"];
const FIELDS_6 = ["second", ...FIELDS_5];
const RANGES: Record<string, [number, number]> = {
  second: [0, 59],
  minute: [0, 59],
  hour: [0, 23],
  "day-of-month": [1, 31],
  month: [1, 12],
  "day-of-week": [0, 7],
};
const NICKNAMES = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];
/** Enough candidates to step over any run of skipped DST times. */
const MAX_SKIPS = 1000;

function invalidCron(expression: string, why: string): NightpullError {
  return new NightpullError("invalid_cron", `invalid cron ${JSON.stringify(expression)}: ${why}`, {
    field: "trigger.expression",
  });
}

/** Checks the numbers of each field against its range, for messages croner does not give. */
function checkFields(expression: string, fields: string[]): void {
  const names = fields.length === 6 ? FIELDS_6 : FIELDS_5;
  fields.forEach((field, i) => {
    const name = names[i];
    const [min, max] = RANGES[name];
    for (const item of field.split(",")) {
      const [range, step] = item.split("/");
      if (step !== undefined && (!/^\d+$/.test(step) || Number(step) < 1)) {
        throw invalidCron(expression, `${name} step "${step}" must be a whole number from 1`);
      }
      for (const end of range.split("-")) {
        if (/^\d+$/.test(end) && (Number(end) < min || Number(end) > max)) {
          throw invalidCron(expression, `${name} ${end} out of range ${min}-${max}`);
        }
      }
    }
  });
}

const CACHE = new Map<string, Cron>();
const CACHE_LIMIT = 50_000;

/** A parsed pattern for (expression, timezone); throws `invalid_cron` when it cannot parse. */
export function parseCron(expression: string, timezone: string): Cron {
  const key = `${timezone} ${expression}`;
  let cron = CACHE.get(key);
  if (cron) return cron;
  const text = expression.trim();
  if (text.startsWith("@")) {
    if (!NICKNAMES.includes(text.toLowerCase())) {
      throw invalidCron(expression, `unknown nickname; expected one of ${NICKNAMES.join(", ")}`);
    }
  } else {
    const fields = text.split(/\s+/);
    if (fields.length !== 5 && fields.length !== 6) {
      throw invalidCron(
        expression,
        `expected 5 fields (minute hour day-of-month month day-of-week), 6 with seconds first, ` +
          `or a nickname such as @daily; got ${fields.length}`,
      );
    }
    checkFields(expression, fields);
  }
  try {
    // domAndDow false: day-of-month and day-of-week are OR-ed as in Vixie cron.
    cron = new Cron(text, { timezone, paused: true, mode: "5-or-6-parts", domAndDow: false });
  } catch (err) {
    throw invalidCron(expression, (err as Error).message.replace(/^\w+: /, ""));
  }
  if (CACHE.size >= CACHE_LIMIT) CACHE.clear();
  CACHE.set(key, cron);
  return cron;
}

/**
 * True when croner's candidate `utc` is a wall-clock time the pattern really names, once:
 * not a time moved out of a spring-forward gap, not the second pass of a fall-back fold.
 * Offsets a few hours apart tell whether a transition is near; only then is more checked.
 */
function isFirstWallTime(cron: Cron, timezone: string, utc: number): boolean {
  const zone = zoneOffsets(timezone);
  const now = zone.offset(utc);
  // transitions shift offsets by at most a few hours: compare with a little before
  const before = zone.offset(utc - 3 * 3_600_000);
  if (before === now) return true;
  if (before < now) return cron.match(new Date(utc)); // after a gap: croner may have moved it
  const twin = utc - (before - now);
  return zone.offset(twin) !== before; // a fold: the same wall time existed at `twin`
}

/**
 * The first occurrence of `expression` in `timezone` strictly after `fromMs`, or null if none.
 * Gap times are skipped, fold times fire once (see the module doc).
 */
export function nextCronRun(expression: string, timezone: string, fromMs: number): number | null {
  // a create asks twice for the same answer (checking the trigger fires, then planning it)
  if (
    last.fromMs === fromMs && last.expression === expression && last.timezone === timezone
  ) return last.next;
  const next = searchNext(expression, timezone, fromMs);
  last = { expression, timezone, fromMs, next };
  return next;
}

let last = { expression: "", timezone: "", fromMs: NaN, next: null as number | null };

function searchNext(expression: string, timezone: string, fromMs: number): number | null {
  const cron = parseCron(expression, timezone);
  let from = new Date(fromMs);
  for (let i = 0; i < MAX_SKIPS; i++) {
    const next = cron.nextRun(from);
    if (!next) return null;
    if (isFirstWallTime(cron, timezone, next.getTime())) return next.getTime();
    from = next;
  }
  return null;
}
