/**
 * How many files a pull fetches at once: it starts with a few workers and adds more while the
 * rate of finished files (or of bytes, for big files) still rises the way more workers should
 * make it (every request paying a round trip), stops adding when it does not (the link, the
 * disk or the CPU is full), and drops back to the count before when adding made it slower.
 * Never more than `max` (`--max-workers`). Pure: samples in, decisions out.
 *
 * The ramp is the one the transfer's connections use (transfer/adaptive_ramp.ts), fitted to
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
import { AdaptiveRamp, RampedCount } from "../transfer/adaptive_ramp.ts";

/** Workers a pull starts with. */
export const INITIAL_WORKERS = 2;
/** Time new workers get before their rate counts. */
export const WORKER_SETTLE_MS = 50;
/** Shortest rate measurement. */
export const WORKER_WINDOW_MS = 150;
/** Longest rate measurement when few files finish (big files): judged on bytes then. */
export const WORKER_LONG_WINDOW_MS = 1500;

/**
 * Default number of files downloaded at once; a pull of at most twice as many files to fetch
 * starts them all (see {@link defaultWorkers}).
 */
export const DEFAULT_FILE_CONCURRENCY = 16;

/**
 * Files fetched at once when `--max-workers` is not given: {@link DEFAULT_FILE_CONCURRENCY},
 * or every file of a pull of up to twice that. Every file pays its own first byte, so a pull of
 * few files is fastest with all of them in flight; many small files crowd a 2-core machine past
 * 16 (2,000 64-byte files: 16 workers 2.6-4.0 s, 32 workers 4.0-4.2 s), and they ramp from 8.
 * Measured process to process, 20-file repo over a 50 ms first byte, 6 interleaved rounds:
 * 16 workers 585-716 ms (median 663), 20 workers 585-685 ms (median 615).
 */
export function defaultWorkers(toFetch: number): number {
  return toFetch <= 2 * DEFAULT_FILE_CONCURRENCY
    ? Math.max(DEFAULT_FILE_CONCURRENCY, toFetch)
    : DEFAULT_FILE_CONCURRENCY;
}

/** Workers a pull of many files starts with (see {@link initialWorkers}). */
export const MANY_FILES_INITIAL_WORKERS = 8;

/**
 * Workers a pull of `files` files starts with, at most `max`. Every file pays its own first
 * byte, so files in flight hide round trips; the ramp judges a step on at least twice its
 * workers in finished files, so with fewer files than that it could never step: all start at
 * once then. Many files start with {@link MANY_FILES_INITIAL_WORKERS} and ramp from there.
 * Measured in process, 20-file repo (~34 MiB) over a 50 ms first byte on a loaded 2-core
 * machine, best of 7: starting 4 of 8 367 ms, 8 of 8 308 ms, 16 of 16 267 ms, 20 of 20 169 ms.
 */
export function initialWorkers(files: number, max: number): number {
  return files <= 2 * max ? max : Math.min(max, MANY_FILES_INITIAL_WORKERS);
}

/** Files up to this size are mostly their first byte's wait (see {@link workOrder}). */
export const SMALL_FILE_BYTES = 1024 * 1024;

/**
 * The order workers take `jobs` in (given largest first). When every file gets a worker within
 * two rounds (at most twice `workers` files), the small files go first: a small file is
 * mostly its first byte's wait, which is hidden while the big files' bytes flow; taken last,
 * they add a round of waits with the link idle at the end. Many files keep their order.
 */
export function workOrder<T extends { size: number }>(jobs: T[], workers: number): T[] {
  if (jobs.length > 2 * workers) return jobs;
  const small = jobs.filter((job) => job.size <= SMALL_FILE_BYTES);
  return small.length === 0
    ? jobs
    : [...small, ...jobs.filter((job) => job.size > SMALL_FILE_BYTES)];
}

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

/** The adaptive worker count of one pull. */
export class WorkerController extends RampedCount {
  /** Starts at `initial` (at most `max`) workers. */
  constructor(options: WorkerControllerOptions) {
    super(
      new AdaptiveRamp({
        max: options.max,
        initial: options.initial ?? INITIAL_WORKERS,
        settleMs: options.settleMs ?? WORKER_SETTLE_MS,
        windowMs: options.windowMs ?? WORKER_WINDOW_MS,
        longWindowMs: options.longWindowMs ?? WORKER_LONG_WINDOW_MS,
        requiredGain: 0.25,
        dropBelow: 0.75,
        // files finished in the window: at least twice the workers, else wait for the long window
        enough: (_ms, [files], workers) => files >= 2 * workers,
      }),
    );
  }

  /**
   * Takes a sample — `files`: jobs finished so far, `bytes`: bytes received so far — and
   * returns the workers wanted now.
   */
  observe(nowMs: number, files: number, bytes: number): number {
    return this.ramp.observe(nowMs, [files, bytes]).target;
  }
}
