/**
 * The text of progress on a terminal, all pure: bars, rates, ETAs, and the plan, file and total
 * lines drawn from a {@link RunProgress} snapshot (the one progress model, local or remote).
 *
 * @example
 * ```ts
 * totalLine(progress); // "total [#####.....] 1.2 MiB/4.0 MiB  3.1 MiB/s  ETA 1s  2/5 files"
 * ```
 * @module
 */
import { formatBytes, formatRate } from "../byte_size.ts";
import { formatEta } from "../time/elapsed.ts";
import type { FileProgress, RunProgress } from "../schedule/engine/run_progress.ts";

/** Width of every bar, brackets included. */
const BAR_WIDTH = 22;

/** A bar of exactly `width` characters: `[#####.....]`; all dots when the fraction is unknown. */
export function renderBar(fraction: number | null, width: number): string {
  const inner = Math.max(1, width - 2);
  if (fraction === null || !Number.isFinite(fraction)) return `[${".".repeat(inner)}]`;
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * inner);
  return `[${"#".repeat(filled)}${".".repeat(inner - filled)}]`;
}

/** Fits `text` into `width` columns, cutting the middle so both ends of a path stay visible. */
export function fitText(text: string, width: number): string {
  if (text.length <= width) return text.padEnd(width);
  if (width <= 1) return text.slice(0, width);
  const head = Math.ceil((width - 1) / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (width - 1 - head))}`;
}

/** `1 file`, `3 files`. */
export function countText(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** A size, `?` when unknown. */
function sizeText(size: number | null): string {
  return size === null ? "?" : formatBytes(size);
}

/** Files the run downloads: all but those already present. */
export function filesToFetch(p: RunProgress): number {
  return p.totals.files.total - p.totals.files.skipped;
}

/** `2 files at 0123456789ab: 1 to download, 2.0 KiB, 1 already present`. */
export function planLine(p: RunProgress): string {
  const { total, skipped } = p.totals.files;
  const commit = p.commit ? ` at ${p.commit.slice(0, 12)}` : "";
  const size = p.totals.total === null ? "" : `, ${formatBytes(p.totals.total)}`;
  return `${countText(total, "file")}${commit}: ${filesToFetch(p)} to download${size}, ` +
    `${skipped} already present`;
}

/** `total [###...] 1.2 MiB/4.0 MiB  3.1 MiB/s  ETA 1s  2/5 files`, rate and ETA as given. */
export function totalLine(p: RunProgress): string {
  const t = p.totals;
  const fraction = t.total ? t.bytes / t.total : null;
  return `total ${renderBar(fraction, BAR_WIDTH)} ${formatBytes(t.bytes)}/${sizeText(t.total)}  ` +
    `${formatRate(t.rate)}  ETA ${formatEta(t.eta)}  ${t.files.done}/${filesToFetch(p)} files`;
}

/** One file's bar in `width` columns: `path [####......]  40% 40 B/100 B`. */
export function fileLine(f: FileProgress, width: number): string {
  const fraction = f.total ? f.bytes / f.total : null;
  const pct = fraction === null ? "  ?%" : `${Math.floor(fraction * 100)}%`.padStart(4);
  const tail = ` ${renderBar(fraction, BAR_WIDTH)} ${pct} ${formatBytes(f.bytes)}/${
    sizeText(f.total)
  }`;
  return fitText(f.path, Math.max(8, width - tail.length)) + tail;
}

/** `start path (size)`, with ` from N` when the file already held bytes (a resume). */
export function startLine(f: FileProgress): string {
  const from = f.bytes > 0 && !f.done ? ` from ${formatBytes(f.bytes)}` : "";
  return `start ${f.path} (${sizeText(f.total)})${from}`;
}

/** `done  path (size)`, or who finished it when another process did. */
export function doneLine(f: FileProgress): string {
  return f.elsewhere
    ? `done  ${f.path} (downloaded by another process)`
    : `done  ${f.path} (${formatBytes(f.bytes)})`;
}
