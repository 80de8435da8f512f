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

/** True when `tz` is an IANA zone name this runtime knows. */
export function isValidTimezone(tz: string): boolean {
  if (!tz) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
