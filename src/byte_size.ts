/**
 * Byte counts as people write and read them: `1G`, `512M`, `1.5GiB` in, `14.2 GiB` out
 * (binary units throughout, as `du -h` and huggingface_hub's cache listing).
 *
 * @example
 * ```ts
 * parseByteSize("1G", "--min-free"); // 1073741824
 * formatBytes(15_246_037_196); // "14.2 GiB"
 * ```
 * @module
 */
import { NightpullError } from "./errors.ts";

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];
const FACTORS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

/** A byte count as `1.5 GiB` (one decimal), `512 B` below 1 KiB. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/**
 * Parses `0`, `1024`, `512k`, `1G`, `1.5GiB`, `2 TB` (binary units; a bare number is bytes).
 * Throws `usage` naming `what` and the expected form.
 */
export function parseByteSize(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?$/i.exec(text.trim());
  const bytes = m ? Number(m[1]) * FACTORS[m[2].toLowerCase()] : NaN;
  if (!Number.isFinite(bytes) || bytes > Number.MAX_SAFE_INTEGER) {
    throw new NightpullError(
      "usage",
      `invalid ${what} "${text}": expected a size such as 0, 500M, 1G or 2.5GiB`,
    );
  }
  return Math.floor(bytes);
}
