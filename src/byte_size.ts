/**
 * Byte counts as people write and read them: `1G`, `512M`, `1.5GiB` in, `14.20 GiB` out
 * (binary units throughout, as `du -h` and huggingface_hub's cache listing).
 *
 * @example
 * ```ts
 * parseByteSize("1G", "--min-free"); // 1073741824
 * formatBytes(15_246_037_196); // "14.20 GiB"
 * ```
 * @module
 */
import { NightpullError } from "./errors.ts";

const FACTORS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

/**
 * A byte count in binary units with about three significant digits: `0 B`, `1023 B`,
 * `1.5 KiB`, `12.3 MiB`, `512 MiB`, `1.50 GiB`; `?` for a negative or non-finite count.
 */
export function formatBytes(bytes: number): string {
  // self-contained (no module constants): the dashboard's script embeds its source
  const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  if (!Number.isFinite(bytes) || bytes < 0) return "?";
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let unit = 0;
  let value = bytes;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = value >= 100 ? 0 : unit >= 3 ? 2 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** Transfer rate, e.g. `12.3 MiB/s`; `--/s` when unknown. */
export function formatRate(bytesPerSecond: number | null): string {
  if (bytesPerSecond === null || !Number.isFinite(bytesPerSecond) || bytesPerSecond < 0) {
    return "--/s";
  }
  return `${formatBytes(bytesPerSecond)}/s`;
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
