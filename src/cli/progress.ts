/**
 * Progress of a local pull on the terminal: its pull events feed the same
 * {@link RunProgressTracker} the server keeps for a run, and the tracker's snapshots are drawn by
 * the same {@link ProgressView} that `run watch` uses for the server's snapshots, so a local and
 * a remote pull show one model the same way.
 *
 * @example
 * ```ts
 * const progress = new PullProgress({ mode: stderrProgressMode(false), write });
 * await pull(request, { ...ctx, onEvent: (e) => progress.onEvent(e) });
 * progress.finish();
 * ```
 * @module
 */
import type { PullEvent } from "../download/pull/pull.ts";
import { RunProgressTracker } from "../schedule/engine/run_progress.ts";
import { type ProgressMode, type ProgressOptions, ProgressView } from "./progress_view.ts";

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

/**
 * Turns a pull's events into snapshots of a {@link RunProgressTracker} and draws them. A
 * snapshot (which is also a rate sample) is taken on a plan, a file's first report or end, and
 * otherwise at most every `redrawMs`, so per-chunk events stay cheap.
 */
export class PullProgress {
  /** What draws the snapshots; `view.latest` is the last one drawn. */
  readonly view: ProgressView;
  #tracker = new RunProgressTracker("local");
  #seen = new Set<string>();
  #now: () => number;
  #intervalMs: number;
  #quiet: boolean;
  #lastSnapshot = -Infinity;

  constructor(options: ProgressOptions) {
    this.view = new ProgressView(options);
    this.#now = options.now ?? (() => Date.now());
    this.#intervalMs = options.redrawMs ?? 100;
    this.#quiet = options.mode === "quiet";
  }

  /** Feeds one pull event. */
  onEvent(event: PullEvent): void {
    if (this.#quiet) return;
    if (event.type === "waiting") return this.view.line(event.message);
    if (event.type === "wait") {
      return this.view.line(`rate limited by ${event.by}, resuming in ${event.seconds} s`);
    }
    this.#tracker.apply(event);
    let news = false;
    if (event.type === "plan") {
      this.#seen.clear();
      news = true;
    } else if (event.type === "progress") {
      news = !this.#seen.has(event.path);
      this.#seen.add(event.path);
    } else news = event.status === "done";
    const now = this.#now();
    if (news || now - this.#lastSnapshot >= this.#intervalMs) this.#show(now);
  }

  /** Draws the final state and stops touching the lines drawn so far. */
  finish(): void {
    if (!this.#quiet && this.view.latest) this.#show(this.#now());
    this.view.finish();
  }

  #show(now: number): void {
    this.#lastSnapshot = now;
    this.view.update(this.#tracker.snapshot(now));
  }
}
