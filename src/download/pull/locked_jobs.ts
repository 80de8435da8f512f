/**
 * Runs a pull's file jobs a few at a time, each while holding its file's lock. A job whose lock
 * is held elsewhere (another `pull`, a `serve` run, huggingface_hub) is put back while other jobs
 * can start, so concurrent pullers of one repo spread over its files instead of queueing behind
 * each other; once nothing else is left, the worker waits for the lock, saying so once. The
 * number of workers may follow a pace (an adaptive count, worker_controller.ts), never above
 * `workers`.
 *
 * @example
 * ```ts
 * await runLockedJobs(jobs, {
 *   workers: 8,
 *   lockPath: (job) => job.lockPath,
 *   onWait: (job) => log.info("file.lock_wait", { path: job.files[0].path }),
 *   run: async (job, lock) => { if (!await isDone(job)) await download(job); },
 * });
 * ```
 * @module
 */
import { acquireFileLock, type FileLock, tryFileLock } from "../part/file_lock.ts";

/** How often a paced run asks for the workers wanted, besides after each job. */
const PACE_MS = 50;

/** Options of {@linkcode runLockedJobs}. */
interface LockedJobsOptions<T> {
  /** Most jobs run at once. */
  workers: number;
  /**
   * Workers wanted now (clamped to 1..`workers`), asked after each job and every
   * 50 ms (e.g. the target of worker_controller.ts); default: `workers` at once.
   * Above it, a worker stops once its job is done.
   */
  pace?: (nowMs: number) => number;
  /** The lock file guarding a job's target. */
  lockPath: (job: T) => string;
  /** Runs a job with its lock held (released afterwards); must not throw for job errors. */
  run: (job: T, lock: FileLock) => Promise<void>;
  /** A job's lock is held elsewhere and this worker now waits for it. */
  onWait?: (job: T) => void;
  /** Stops starting jobs and stops waiting (the wait rejects with the signal's reason). */
  signal?: AbortSignal;
}

/** Runs every job under its lock; see the module doc. Rejects only when a lock cannot be had. */
export async function runLockedJobs<T>(jobs: T[], options: LockedJobsOptions<T>): Promise<void> {
  const { signal } = options;
  const fresh = [...jobs];
  const deferred: T[] = [];
  const max = Math.max(1, Math.min(options.workers, jobs.length));
  const wanted = () => Math.max(1, Math.min(max, options.pace?.(performance.now()) ?? max));
  let target = wanted();
  let running = 0;
  const runs: Promise<void>[] = [];
  const worker = async () => {
    try {
      while (!signal?.aborted && running <= target) {
        const job = fresh.shift() ?? deferred.shift();
        if (job === undefined) return;
        const path = options.lockPath(job);
        let lock = await tryFileLock(path);
        if (!lock && fresh.length > 0) {
          deferred.push(job); // something else can start now; come back to this one
          continue;
        }
        lock ??= await acquireFileLock(path, { signal, onWait: () => options.onWait?.(job) });
        try {
          await options.run(job, lock);
        } finally {
          await lock.release();
        }
        if (options.pace) pace();
      }
    } finally {
      running--;
    }
  };
  const grow = () => {
    while (!signal?.aborted && running < target && fresh.length + deferred.length > 0) {
      running++;
      runs.push(worker());
    }
  };
  const pace = () => {
    target = wanted();
    grow();
  };
  grow();
  const timer = options.pace ? setInterval(pace, PACE_MS) : undefined;
  // Settle every worker (those started meanwhile too) before rejecting, so no job still runs
  // once this returns.
  const results: PromiseSettledResult<void>[] = [];
  try {
    for (let seen = 0; seen < runs.length;) {
      const batch = runs.slice(seen);
      seen = runs.length;
      results.push(...await Promise.allSettled(batch));
    }
  } finally {
    clearInterval(timer);
  }
  const failed = results.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
}
