/**
 * Draws {@link RunProgress} snapshots on a terminal: the one renderer of progress bars, for a
 * local `pull` (snapshots of its own tracker) and for `run watch` (snapshots the server sent,
 * whose rate and ETA are shown as sent). On a TTY: one bar per active file plus a total line,
 * redrawn in place at most 10 times a second. Elsewhere (logs, pipes): plain lines, one per
 * file start and finish plus a total every few seconds. Quiet: nothing.
 *
 * @example
 * ```ts
 * const view = new ProgressView({ mode: "plain", write: (s) => Deno.stderr.writeSync(enc.encode(s)) });
 * view.update(snapshot); // the plan line, then start/done lines and totals
 * view.finish();
 * ```
 * @module
 */
import type { FileProgress, RunProgress } from "../schedule/engine/run_progress.ts";
import {
  doneLine,
  fileLine,
  filesToFetch,
  planLine,
  startLine,
  totalLine,
} from "./progress_text.ts";

/** How progress is shown. */
export type ProgressMode = "tty" | "plain" | "quiet";

/** Options of {@link ProgressView}. */
export interface ProgressOptions {
  mode: ProgressMode;
  /** Receives rendered text (with ANSI codes in tty mode). */
  write: (text: string) => void;
  /** Milliseconds since the epoch; default `Date.now()`. */
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

type Settings = Required<ProgressOptions>;

/** Renders progress snapshots; see the module doc for the three modes. */
export class ProgressView {
  #opts: Settings;
  #latest: RunProgress | null = null;
  /** Files started and not yet done, in the order they started. */
  #active = new Map<string, FileProgress>();
  #drawnLines = 0;
  #lastDraw = -Infinity;
  #lastPlainTotal: number;

  constructor(options: ProgressOptions) {
    this.#opts = {
      now: () => Date.now(),
      redrawMs: 100,
      plainTotalMs: 5000,
      maxBars: 6,
      ...options,
      columns: Math.max(40, options.columns ?? 100),
    };
    this.#lastPlainTotal = this.#opts.now();
  }

  /** The snapshot shown last, or null before the first. */
  get latest(): RunProgress | null {
    return this.#latest;
  }

  /**
   * Shows one snapshot: the plan line the first time, a line per file that started or finished
   * (a file that left the list finished in a snapshot not seen), then the bars or a total.
   */
  update(p: RunProgress): void {
    if (this.#opts.mode === "quiet") return;
    const first = this.#latest === null;
    this.#latest = p;
    if (first) this.line(planLine(p));
    const listed = new Set<string>();
    for (const f of p.files) {
      listed.add(f.path);
      const known = this.#active.has(f.path);
      if (!known && !f.elsewhere && this.#opts.mode === "plain") this.#write(startLine(f));
      if (f.done) this.#finished(f);
      else this.#active.set(f.path, f);
    }
    for (const [path, f] of this.#active) {
      if (!listed.has(path)) this.#finished({ ...f, bytes: f.total ?? f.bytes, done: true });
    }
    const now = this.#opts.now();
    if (this.#opts.mode === "tty") {
      if (now - this.#lastDraw >= this.#opts.redrawMs) this.#draw();
    } else if (now - this.#lastPlainTotal >= this.#opts.plainTotalMs) {
      this.#lastPlainTotal = now;
      this.#write(totalLine(p));
    }
  }

  /** Writes a permanent line; in tty mode above the live block, which is then redrawn. */
  line(text: string): void {
    if (this.#opts.mode === "quiet") return;
    if (this.#opts.mode !== "tty") return this.#write(text);
    this.#opts.write(this.#clearBlock() + "\x1b[2K" + text + "\n");
    this.#drawnLines = 0;
    const p = this.#latest;
    if (p && filesToFetch(p) > 0 && p.totals.files.done < filesToFetch(p)) this.#draw();
  }

  /** Draws the final state (tty) and stops touching the lines drawn so far. */
  finish(): void {
    const p = this.#latest;
    if (this.#opts.mode === "tty" && p && filesToFetch(p) > 0) this.#draw();
    this.#drawnLines = 0;
  }

  #finished(f: FileProgress): void {
    this.#active.delete(f.path);
    this.line(doneLine(f));
  }

  #write(text: string): void {
    this.#opts.write(text + "\n");
  }

  #clearBlock(): string {
    return this.#drawnLines > 0 ? `\x1b[${this.#drawnLines}A\r` : "\r";
  }

  #draw(): void {
    this.#lastDraw = this.#opts.now();
    const width = this.#opts.columns - 1;
    const shown = [...this.#active.values()].slice(0, this.#opts.maxBars);
    const lines = shown.map((f) => fileLine(f, width));
    if (this.#active.size > shown.length) {
      lines.push(`… and ${this.#active.size - shown.length} more`);
    }
    lines.push(totalLine(this.#latest!));
    const body = lines.map((l) => "\x1b[2K" + l.slice(0, width)).join("\n") + "\n";
    // Shrinking blocks leave old lines below; erase to the end of the screen.
    this.#opts.write(this.#clearBlock() + body + "\x1b[J");
    this.#drawnLines = lines.length;
  }
}
