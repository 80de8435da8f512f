/**
 * IANA time-zone names: the process's own zone and whether a name is one this runtime knows.
 *
 * @example
 * ```ts
 * const zone = isValidTimezone("Europe/Berlin") ? "Europe/Berlin" : systemTimezone();
 * ```
 * @module
 */

/** The process's own IANA time zone. */
export function systemTimezone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

// zones already accepted: a DateTimeFormat costs up to 1 ms to build, for every cron trigger
// checked (each create); bounded since case variants ("europe/berlin") are accepted too
const KNOWN = new Set<string>();
const KNOWN_LIMIT = 2_000;

/** True when `tz` is an IANA zone name this runtime knows. */
export function isValidTimezone(tz: string): boolean {
  if (!tz) return false;
  if (KNOWN.has(tz)) return true;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
  } catch {
    return false;
  }
  if (KNOWN.size >= KNOWN_LIMIT) KNOWN.clear();
  KNOWN.add(tz);
  return true;
}
