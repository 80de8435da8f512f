/**
 * Bytes still to be written per file job of a pull, and their sum, kept as files land or fail,
 * so the free-space check before each file does not add up 100,000 numbers again.
 *
 * @example
 * ```ts
 * const remaining = new RemainingBytes();
 * remaining.set(job, job.size);
 * remaining.total; // what the disk must still take
 * ```
 * @module
 */
import type { BlobJob } from "./pull_plan.ts";

/** Bytes still to be written per job, and their sum (kept, not summed per file). */
export class RemainingBytes {
  readonly #byJob = new Map<BlobJob, number>();
  #total = 0;

  /** The sum over all jobs. */
  get total(): number {
    return this.#total;
  }

  /** Sets what `job` still has to write. */
  set(job: BlobJob, bytes: number): void {
    this.#total += bytes - (this.#byJob.get(job) ?? 0);
    this.#byJob.set(job, bytes);
  }

  /** Forgets `job` (finished, or failed and left for the next run). */
  delete(job: BlobJob): void {
    this.#total -= this.#byJob.get(job) ?? 0;
    this.#byJob.delete(job);
  }
}
