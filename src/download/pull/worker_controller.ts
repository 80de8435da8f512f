/**
 * How many files a pull fetches at once: it starts with a few workers and adds more while the
 * rate of finished files (or of bytes, for big files) still rises the way more workers should
 * make it (every request paying a round trip), stops adding when it does not (the link, the
 * disk or the CPU is full), and drops back to the count before when adding made it slower.
 * Never more than `max` (`--max-workers`). Pure: samples in, decisions out.
 *
 * The approach of the transfer's connection controller (connection_controller.ts), fitted to
 * files: each step doubles the count; a step's rates are measured after `settleMs` (new
 * workers pay a first request) over at least `windowMs` and at least twice as many finished
 * files as there are workers (a few tiny files say little about a rate); a window with few
 * files ends after `longWindowMs` anyway, judged on bytes. A step is kept, and the next one
 * taken, when the file or the byte rate grew by at least a quarter of what the added workers
 * would add at the earlier rate per worker. Workers cost little, and a loaded machine makes
 * rates noisy: a step that did not pay is kept unless both rates clearly fell (below
 * three quarters of the earlier ones), which drops back to the count before.
 *
 * @example
 * ```ts
 * const control = new WorkerController({ max: 8 });
 * control.observe(performance.now(), filesDone, bytesMoved);
 * startWorkersUpTo(control.target);
 * ```
 * @module
 */

/** Workers a pull starts with. */
export const INITIAL_WORKERS = 2;
/** Time new workers get before their rate counts. */
export const WORKER_SETTLE_MS = 50;
/** Shortest rate measurement. */
export const WORKER_WINDOW_MS = 150;
/** Longest rate measurement when few files finish (big files): judged on bytes then. */
export const WORKER_LONG_WINDOW_MS = 1500;
/** Share of the expected gain that must show for the next step to be taken. */
const WORKER_REQUIRED_GAIN = 0.25;
/** Both rates below this share of the earlier step's: drop back to its count. */
const WORKER_DROP_BELOW = 0.75;

/** Options of {@link WorkerController}. */
interface WorkerControllerOptions {
  /** Most workers (`--max-workers`, or fewer when there are fewer files). */
  max: number;
  /** Workers to start with (default {@link INITIAL_WORKERS}). */
  initial?: number;
  settleMs?: number;
  windowMs?: number;
  longWindowMs?: number;
}

interface Point {
  ms: number;
  files: number;
  bytes: number;
}

/** Rates of one step: files and bytes per ms. */
interface Rates {
  count: number;
  files: number;
  bytes: number;
}

/** The adaptive worker count of one pull. */
export class WorkerController {
  readonly #max: number;
  readonly #settleMs: number;
  readonly #windowMs: number;
  readonly #longWindowMs: number;
  #target: number;
  #kept: Rates | undefined;
  #from: Point | undefined;
  #changedMs: number | undefined;
  #done: boolean;

  /** Starts at `initial` (at most `max`) workers. */
  constructor(options: WorkerControllerOptions) {
    this.#max = Math.max(1, Math.floor(options.max));
    this.#target = Math.min(this.#max, Math.max(1, options.initial ?? INITIAL_WORKERS));
    this.#settleMs = options.settleMs ?? WORKER_SETTLE_MS;
    this.#windowMs = options.windowMs ?? WORKER_WINDOW_MS;
    this.#longWindowMs = Math.max(this.#windowMs, options.longWindowMs ?? WORKER_LONG_WINDOW_MS);
    this.#done = this.#target >= this.#max;
  }

  /** The most workers this pull may use. */
  get max(): number {
    return this.#max;
  }

  /** Workers wanted now (1..max). */
  get target(): number {
    return this.#target;
  }

  /** True once the count is settled for good. */
  get settled(): boolean {
    return this.#done;
  }

  /**
   * Takes a sample — `files`: jobs finished so far, `bytes`: bytes received so far — and
   * returns the workers wanted now.
   */
  observe(nowMs: number, files: number, bytes: number): number {
    if (this.#done) return this.#target;
    this.#changedMs ??= nowMs;
    if (nowMs - this.#changedMs < this.#settleMs) return this.#target;
    if (!this.#from) {
      this.#from = { ms: nowMs, files, bytes };
      return this.#target;
    }
    const elapsed = nowMs - this.#from.ms;
    const finished = files - this.#from.files;
    const enough = elapsed >= this.#windowMs && finished >= 2 * this.#target;
    if (!enough && elapsed < this.#longWindowMs) return this.#target;
    this.#judge({
      count: this.#target,
      files: finished / elapsed,
      bytes: (bytes - this.#from.bytes) / elapsed,
    }, nowMs);
    return this.#target;
  }

  /** Keeps or undoes the current step given its measured rates, and takes the next one. */
  #judge(now: Rates, nowMs: number): void {
    const kept = this.#kept;
    if (kept) {
      const factor = 1 + WORKER_REQUIRED_GAIN * (now.count - kept.count) / kept.count;
      const grew = (now.files > 0 && now.files >= kept.files * factor) ||
        (now.bytes > 0 && now.bytes >= kept.bytes * factor);
      if (!grew) {
        this.#done = true;
        // not clearly worse on either count: keep what runs; else back to the count before
        // (a measure with nothing in the earlier step cannot say it is not worse)
        const fell = (rate: number, before: number) =>
          before === 0 || rate < before * WORKER_DROP_BELOW;
        if (fell(now.files, kept.files) && fell(now.bytes, kept.bytes)) {
          this.#target = kept.count;
        }
        return;
      }
    }
    this.#kept = now;
    if (this.#target >= this.#max) {
      this.#done = true;
      return;
    }
    this.#target = Math.min(this.#max, this.#target * 2);
    this.#changedMs = nowMs;
    this.#from = undefined;
  }
}
