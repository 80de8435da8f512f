/**
 * Durations as people write them in schedules: `30s`, `10m`, `6h`, `1d`, `1h30m`.
 *
 * @example
 * ```ts
 * parseDuration("1h30m", "trigger.every"); // 5_400_000
 * formatDuration(5_400_000); // "1h30m"
 * ```
 * @module
 */
import { NightpullError } from "../errors.ts";

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const WHOLE = /^(?:\d+(?:ms|[smhdw]))+$/;
const PART = /(\d+)(ms|[smhdw])/g;
/** Ten years: anything longer is a typo, and stays far from float precision limits. */
const MAX_MS = 10 * 365 * 86_400_000;

/**
 * Parses a duration into milliseconds; throws `invalid_input` naming `field` when the text is
 * not one or more `<number><unit>` parts (units ms, s, m, h, d, w), or is zero.
 */
export function parseDuration(text: unknown, field = "duration"): number {
  const bad = (why: string) =>
    new NightpullError(
      "invalid_input",
      `invalid ${field} ${
        JSON.stringify(text)
      }: ${why}; expected e.g. "30s", "10m", "6h", "1d" or "1h30m"`,
      { field },
    );
  if (typeof text !== "string") throw bad("not a string");
  const trimmed = text.trim();
  if (!WHOLE.test(trimmed)) throw bad("not a duration");
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(PART)) total += Number(amount) * UNITS[unit];
  if (total <= 0) throw bad("must be longer than zero");
  if (total > MAX_MS) throw bad("longer than ten years");
  return total;
}

/** Formats milliseconds in the largest units that divide it exactly: 5_400_000 -> "1h30m". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return "0s";
  let rest = Math.round(ms);
  let out = "";
  for (const unit of ["d", "h", "m", "s", "ms"]) {
    const size = UNITS[unit];
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}
