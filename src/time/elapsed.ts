/**
 * How long something took, as people read it: `850ms`, `12.3s`, `4m10s`, `2h03m`; and how long
 * something still takes (an ETA): `7s`, `1m05s`.
 * The one formatter of elapsed time for the CLI and the dashboard (schedule durations such as
 * `1h30m` that must parse back are `formatDuration` in `duration.ts`).
 *
 * @example
 * ```ts
 * formatElapsed(250_000); // "4m10s"
 * formatElapsed(null); // "-"
 * ```
 * @module
 */

/** Remaining time: `7s`, `1m05s`, `2h03m`, `--` when unknown or absurd (over 99 hours). */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0 || seconds > 99 * 3600) {
    return "--";
  }
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** Milliseconds as `850ms`, `12.3s`, `4m10s` or `2h03m`; `-` when unknown or negative. */
export function formatElapsed(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return "-";
  if (ms < 999.5) return `${Math.round(ms)}ms`;
  // below 59.95 s one decimal cannot round up to "60.0s"
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
