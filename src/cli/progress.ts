/**
 * Progress of a pull on the terminal. On a TTY: one bar per active file plus a total line
 * (bytes, rate, ETA), redrawn in place at most 10 times a second. Elsewhere (logs, pipes):
 * plain lines, one per file start and finish plus a total every few seconds. Quiet: nothing.
 * The formatting functions are pure and shared by other commands.
 *
 * @example
 * ```ts
 * const display = new ProgressDisplay({ mode: "tty", write: (s) => Deno.stderr.writeSync(enc.encode(s)) });
 * await pull(request, { ...ctx, onEvent: (e) => display.onEvent(e) });
 * display.finish();
 * ```
 * @module
 */
import { formatBytes } from "../byte_size.ts";
import type { PullEvent } from "../download/pull/pull.ts";

/** Transfer rate, e.g. `12.3 MiB/s`; `--/s` when unknown. */
export function formatRate(bytesPerSecond: number | null): string {
  if (bytesPerSecond === null || !Number.isFinite(bytesPerSecond) || bytesPerSecond < 0) {
    return "--/s";
  }
  return `${formatBytes(bytesPerSecond)}/s`;
}

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

/** A bar of exactly `width` characters: `[#####.....]`; unknown fraction -> `[?????]`-free dots. */
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

/** How progress is shown. */
export type ProgressMode = "tty" | "plain" | "quiet";

/** The mode for progress on stderr: `quiet` when asked, `tty` on a terminal, else `plain`. */
export function stderrProgressMode(quiet: boolean): ProgressMode {
  return quiet ? "quiet" : Deno.stderr.isTerminal() ? "tty" : "plain";
}

/** The terminal's width in columns, or undefined when it cannot be read. */
export function terminalColumns(): number | undefined {
  try {
    return Deno.consoleSize().columns;
  } catch {
    return undefined;
  }
}

/** Options of {@link ProgressDisplay}. */
export interface ProgressOptions {
  mode: ProgressMode;
  /** Receives rendered text (with ANSI codes in tty mode). */
  write: (text: string) => void;
  /** Monotonic milliseconds; default `performance.now()`. */
  now?: () => number;
  /** Terminal width; default 100. */
  columns?: number;
  /** Minimum time between tty redraws (default 100 ms). */
  redrawMs?: number;
  /** Time between plain total lines (default 5000 ms). */
  plainTotalMs?: number;
  /** Most per-file bars shown at once (default 6). */
  maxBars?: number;
}

interface FileState {
  size: number | null;
  bytes: number;
  seen: boolean;
  /** Planned as a download (not already present). */
  fetch: boolean;
}

const RATE_WINDOW_MS = 3000;

/** Turns pull events into a live display; see the module doc for the three modes. */
export class ProgressDisplay {
  #opts: Required<Omit<ProgressOptions, "columns">> & { columns: number };
  #files = new Map<string, FileState>();
  #active: string[] = [];
  #total: number | null = 0;
  #done = 0;
  #filesToFetch = 0;
  #filesFinished = 0;
  #transferred = 0;
  #samples: { t: number; bytes: number }[] = [];
  #drawnLines = 0;
  #lastDraw = -Infinity;
  #lastPlainTotal: number;

  constructor(options: ProgressOptions) {
    const now = options.now ?? (() => performance.now());
    this.#opts = {
      redrawMs: 100,
      plainTotalMs: 5000,
      maxBars: 6,
      ...options,
      now,
      columns: Math.max(40, options.columns ?? 100),
    };
    this.#lastPlainTotal = now();
  }

  /** Bytes per second over the last few seconds, or null before there is data. */
  rate(): number | null {
    const s = this.#samples;
    if (s.length < 2) return null;
    const dt = s[s.length - 1].t - s[0].t;
    return dt > 0 ? ((s[s.length - 1].bytes - s[0].bytes) * 1000) / dt : null;
  }

  /** Feeds one pull event. */
  onEvent(event: PullEvent): void {
    if (this.#opts.mode === "quiet") return;
    if (event.type === "plan") this.#onPlan(event);
    else if (event.type === "progress") this.#onProgress(event);
    else if (event.type === "waiting") this.#line(event.message);
    else if (event.type === "file") this.#onFile(event);
    else this.#line(`rate limited by ${event.by}, resuming in ${event.seconds} s`);
  }

  /** Draws the final state (tty) and stops touching the lines drawn so far. */
  finish(): void {
    if (this.#opts.mode === "tty" && this.#filesToFetch > 0) this.#draw(true);
    this.#drawnLines = 0;
  }

  /** The total line: `total [###...] 1.2 MiB/4.0 MiB  3.1 MiB/s  ETA 1s  2/5 files`. */
  totalLine(): string {
    const frac = this.#total ? this.#done / this.#total : null;
    const rate = this.rate();
    const eta = this.#total !== null && rate ? (this.#total - this.#done) / rate : null;
    const of = this.#total === null ? "?" : formatBytes(this.#total);
    return `total ${renderBar(frac, 22)} ${formatBytes(this.#done)}/${of}  ${formatRate(rate)}  ` +
      `ETA ${formatEta(eta)}  ${this.#filesFinished}/${this.#filesToFetch} files`;
  }

  /**
   * Starts the display from a plan's totals alone, for views that have no file list (a run
   * followed over the API); `bytes` is the size of the files to download, null if unknown.
   */
  plan(summary: {
    commit: string | null;
    files: number;
    toFetch: number;
    skipped: number;
    bytes: number | null;
  }): void {
    if (this.#opts.mode === "quiet") return;
    this.#filesToFetch += summary.toFetch;
    this.#total = summary.bytes;
    const commit = summary.commit ? ` at ${summary.commit.slice(0, 12)}` : "";
    const size = summary.bytes === null ? "" : `, ${formatBytes(summary.bytes)}`;
    this.#line(
      `${countText(summary.files, "file")}${commit}: ${this.#filesToFetch} to download${size}, ` +
        `${summary.skipped} already present`,
    );
  }

  #onPlan(event: Extract<PullEvent, { type: "plan" }>): void {
    let total: number | null = 0;
    let skipped = 0;
    for (const f of event.files) {
      this.#files.set(f.path, { size: f.size, bytes: 0, seen: false, fetch: !f.skip });
      if (f.skip) {
        skipped++;
        continue;
      }
      total = total === null || f.size === null ? null : total + f.size;
    }
    const files = event.files.length;
    this.plan({ commit: event.commit, files, toFetch: files - skipped, skipped, bytes: total });
  }

  #onProgress(event: Extract<PullEvent, { type: "progress" }>): void {
    const now = this.#opts.now();
    const file = this.#files.get(event.path) ??
      { size: event.total, bytes: 0, seen: false, fetch: true };
    this.#files.set(event.path, file);
    if (file.size === null && event.total !== null) file.size = event.total;
    const delta = event.bytes - file.bytes;
    this.#done += delta;
    // The first report of a resumed file carries what the part already held: progress, but
    // not transfer, so it must not inflate the rate.
    if (file.seen) this.#transferred += Math.max(0, delta);
    file.bytes = event.bytes;
    if (!file.seen) {
      file.seen = true;
      this.#active.push(event.path);
      if (this.#opts.mode === "plain") {
        const from = event.bytes > 0 ? ` from ${formatBytes(event.bytes)}` : "";
        this.#line(`start ${event.path} (${sizeText(file.size)})${from}`);
      }
    }
    this.#samples.push({ t: now, bytes: this.#transferred });
    while (this.#samples.length > 2 && now - this.#samples[1].t > RATE_WINDOW_MS) {
      this.#samples.shift();
    }
    if (this.#opts.mode === "tty") {
      if (now - this.#lastDraw >= this.#opts.redrawMs) this.#draw(false);
    } else if (now - this.#lastPlainTotal >= this.#opts.plainTotalMs) {
      this.#lastPlainTotal = now;
      this.#line(this.totalLine());
    }
  }

  #onFile(event: Extract<PullEvent, { type: "file" }>): void {
    this.#active = this.#active.filter((p) => p !== event.path);
    const file = this.#files.get(event.path);
    if (event.status === "skipped") {
      if (!file?.fetch) return;
      // another writer finished it while this pull waited for its lock
      file.fetch = false;
      this.#done += Math.max(0, event.bytes - file.bytes);
      this.#filesFinished++;
      this.#line(`done  ${event.path} (downloaded by another process)`);
      return;
    }
    if (file) {
      this.#done += Math.max(0, event.bytes - file.bytes);
      file.bytes = event.bytes;
    }
    this.#filesFinished++;
    this.#line(`done  ${event.path} (${formatBytes(event.bytes)})`);
  }

  /** Writes a permanent line; in tty mode above the live block, which is then redrawn. */
  #line(text: string): void {
    if (this.#opts.mode !== "tty") {
      this.#opts.write(text + "\n");
      return;
    }
    this.#opts.write(this.#clearBlock() + "\x1b[2K" + text + "\n");
    this.#drawnLines = 0;
    if (this.#filesToFetch > 0 && this.#filesFinished < this.#filesToFetch) this.#draw(true);
  }

  #clearBlock(): string {
    return this.#drawnLines > 0 ? `\x1b[${this.#drawnLines}A\r` : "\r";
  }

  #draw(force: boolean): void {
    const now = this.#opts.now();
    if (!force && now - this.#lastDraw < this.#opts.redrawMs) return;
    this.#lastDraw = now;
    const width = this.#opts.columns - 1;
    const lines: string[] = [];
    const shown = this.#active.slice(0, this.#opts.maxBars);
    for (const path of shown) {
      const f = this.#files.get(path)!;
      const frac = f.size ? f.bytes / f.size : null;
      const pct = frac === null ? "  ?%" : `${Math.floor(frac * 100)}%`.padStart(4);
      const tail = ` ${renderBar(frac, 22)} ${pct} ${formatBytes(f.bytes)}/${sizeText(f.size)}`;
      lines.push(fitText(path, Math.max(8, width - tail.length)) + tail);
    }
    if (this.#active.length > shown.length) {
      lines.push(`… and ${this.#active.length - shown.length} more`);
    }
    lines.push(this.totalLine());
    const body = lines.map((l) => "\x1b[2K" + l.slice(0, width)).join("\n") + "\n";
    // Shrinking blocks leave old lines below; erase to the end of the screen.
    this.#opts.write(this.#clearBlock() + body + "\x1b[J");
    this.#drawnLines = lines.length;
  }
}

function sizeText(size: number | null): string {
  return size === null ? "?" : formatBytes(size);
}
