/**
 * Runs a pull's file jobs a few at a time, each while holding its file's lock. A job whose lock
 * is held elsewhere (another `pull`, a `serve` run, huggingface_hub) is put back while other jobs
 * can start, so concurrent pullers of one repo spread over its files instead of queueing behind
 * each other; once nothing else is left, the worker waits for the lock, saying so once.
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

/** Options of {@linkcode runLockedJobs}. */
export interface LockedJobsOptions<T> {
  /** Jobs run at once. */
  workers: number;
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
  const worker = async () => {
    while (!signal?.aborted) {
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
    }
  };
  const count = Math.max(1, Math.min(options.workers, jobs.length));
  // Settle every worker before rejecting, so no job still runs once this returns.
  const results = await Promise.allSettled(Array.from({ length: count }, worker));
  const failed = results.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
}
