/**
 * The file phase of an online hub pull: record files found present, then fetch the others a
 * few at a time under their locks (a file another process finished meanwhile is skipped), each
 * verified and recorded as it lands. One failing file lets the others finish.
 *
 * @example
 * ```ts
 * const files = new HubPullFiles(run, presence, recorder, todo.length);
 * await files.skipAll(present);
 * await files.fetchAll(todo);
 * ```
 * @module
 */
import { type NightpullError, toNightpullError } from "../../errors.ts";
import { metrics } from "../../metrics.ts";
import {
  adoptLeftoverPart,
  clearLeftoverParts,
  removeLeftoverParts,
} from "../layout/leftover_parts.ts";
import type { VerifiedFileRecorder } from "../layout/verified_file.ts";
import type { FileLock } from "../part/file_lock.ts";
import { discardPart } from "../part/part_file.ts";
import type { FetchFileResult } from "../transfer/fetcher.ts";
import { eachLimited } from "./each_limited.ts";
import { describeFileError } from "./file_error.ts";
import { landedStamp, tellLockWait, transferJob } from "./hub_file_transfer.ts";
import { guardJobPaths, type HubPull } from "./hub_pull_setup.ts";
import { KnownFiles, type Presence, UNCHANGED, type Verified } from "./known_files.ts";
import type { SymlinkGuard } from "../layout/symlink_guard.ts";
import { PartsIn } from "../layout/leftover_parts.ts";
import type { RecordOptions } from "../layout/verified_file.ts";
import { runLockedJobs } from "./locked_jobs.ts";
import { type BlobJob, ConnectionBudget, connectionsFor } from "./pull_plan.ts";
import {
  defaultWorkers,
  initialWorkers,
  WorkerController,
  workOrder,
} from "./worker_controller.ts";
import { RemainingBytes } from "./remaining_bytes.ts";
import { GuardSweeps } from "./guard_sweeps.ts";
import { SpaceChecks } from "./space_checks.ts";

/** Present files recorded at once. */
const PRESENT_CONCURRENCY = 8;
/** Present files recorded per batch (one guard sweep; records written in one commit). */
const PRESENT_BATCH = 1000;

type Present = Extract<Presence, { state: "present" }>;

/** Skips and fetches the files of one hub pull, counting what it did. */
export class HubPullFiles {
  skipped = 0;
  done = 0;
  bytes = 0;
  readonly errors: NightpullError[] = [];
  /** Bytes still to be written per job, for the free-space checks. */
  readonly remaining = new RemainingBytes();
  readonly #run: HubPull;
  readonly #presence: Map<BlobJob, Presence>;
  readonly #recorder: VerifiedFileRecorder;
  readonly #perFile: number;
  readonly #budget: ConnectionBudget;
  /** The guard for the checks before each file (see {@link GuardSweeps}). */
  readonly #sweeps = new GuardSweeps();
  /** The preflight and the (mostly remembered) check before each file. */
  readonly #space = new SpaceChecks(() => {
    const { target, ctx } = this.#run;
    return {
      path: target.layout === "hf-cache" ? target.repo.dir : target.dir,
      needed: this.remaining.total,
      reserve: ctx.config.minFree,
    };
  });
  /** The hf cache's part-like files, listed once when fetching starts (see #prepare). */
  #partsIn?: PartsIn;
  /** Jobs fetched, skipped or failed so far, and bytes received: what the worker pace reads. */
  #finished = 0;
  #moved = 0;

  /** Files fetched at once (see {@link defaultWorkers}). */
  readonly workers: number;

  /** `toFetch`: how many of the jobs are not present (they size the default worker count). */
  constructor(
    run: HubPull,
    presence: Map<BlobJob, Presence>,
    recorder: VerifiedFileRecorder,
    toFetch: number,
  ) {
    this.#run = run;
    this.#presence = presence;
    this.workers = Math.max(1, run.ctx.fileConcurrency ?? defaultWorkers(toFetch));
    this.#recorder = recorder;
    this.#perFile = run.request.connections ?? run.ctx.config.connections;
    // The big file gets its connections while the other workers still get one each.
    this.#budget = new ConnectionBudget(this.#perFile + this.workers - 1);
  }

  /** Throws `insufficient_space` when what is still to be written, plus the reserve, does not fit. */
  async checkSpace(): Promise<void> {
    await this.#space.check();
  }

  /**
   * Records the present files (links, metadata, manifest) and tells each as skipped, a batch
   * at a time: one guard sweep and one manifest commit per batch.
   */
  async skipAll(present: BlobJob[]): Promise<void> {
    const { target, listed, guard } = this.#run;
    const partsIn = target.layout === "hf-cache"
      ? await PartsIn.list(`${target.repo.dir}/blobs`)
      : undefined;
    for (let i = 0; i < present.length; i += PRESENT_BATCH) {
      const sweep = guard.sweep();
      // unchanged, and no part of it in blobs/: nothing to write or remove, just tell it
      const rest = present.slice(i, i + PRESENT_BATCH).filter((job) => {
        if (this.#presence.get(job) !== UNCHANGED) return true;
        if (partsIn?.mayHoldPartsOf(job.etag) !== false) return true;
        this.#tellSkipped(job);
        return false;
      });
      await eachLimited(rest, PRESENT_CONCURRENCY, async (job) => {
        await this.#skip(job, this.#presence.get(job) as Present, sweep);
        await removeLeftoverParts(job, target.layout, listed, partsIn);
      });
      await this.#recorder.flush();
    }
  }

  /** Fetches `todo` under their locks; failures are collected in `errors`. */
  async fetchAll(todo: BlobJob[]): Promise<void> {
    const { ctx, sourceKey, target } = this.#run;
    const signal = ctx.signal;
    // Starts with a few workers (all, for few files) and adds more while the rates still rise.
    const max = Math.min(this.workers, todo.length);
    const control = new WorkerController({ max, initial: initialWorkers(todo.length, max) });
    if (target.layout === "hf-cache" && todo.length > 0) {
      this.#partsIn = await PartsIn.list(`${target.repo.dir}/blobs`);
    }
    await runLockedJobs(workOrder(todo, max), {
      workers: this.workers,
      pace: (now) => control.observe(now, this.#finished, this.#moved),
      lockPath: (job) => job.lockPath,
      signal,
      run: (job, lock) => this.#fetchLocked(job, lock),
      onWait: (job) => tellLockWait(this.#run, job),
    }).catch((err) => {
      if (!signal?.aborted) throw err;
    });
    if (todo.length > 0) {
      const workers = { source: sourceKey, max: control.max, workers: control.target };
      ctx.logger?.debug("pull.workers", workers);
    }
  }

  async #record(
    job: BlobJob,
    hashes: Verified["hashes"],
    stamp: Verified["stamp"] | undefined,
    guard: SymlinkGuard,
    options?: RecordOptions,
  ) {
    if (!options?.linked) { for (const file of job.files) await guard.check(file.localPath); }
    await this.#recorder.record(job, hashes, stamp, options);
  }

  async #skip(job: BlobJob, found: Present, guard: SymlinkGuard): Promise<void> {
    if (!found.unchanged) {
      const options = { linked: found.linked, recorded: found.recorded };
      await this.#record(job, found.hashes, found.stamp, guard, options);
    }
    this.#tellSkipped(job);
  }

  #tellSkipped(job: BlobJob): void {
    for (const file of job.files) {
      this.skipped++;
      metrics.filesSkipped.inc();
      this.#run.ctx.onEvent?.({
        type: "file",
        path: file.path,
        status: "skipped",
        bytes: job.size,
      });
    }
  }

  /** Runs one job with its lock held; never throws (errors are collected). */
  async #fetchLocked(job: BlobJob, lock: FileLock): Promise<void> {
    const before = this.#presence.get(job)!.state;
    let connections = 0;
    try {
      if (await this.#presentNow(job, lock, before)) return;
      const leftovers = this.#mayHaveLeftovers(job, lock);
      await this.#prepare(job, leftovers);
      connections = await this.#budget.acquire(connectionsFor(job.size, this.#perFile));
      const result = await transferJob(this.#run, job, {
        connections,
        leftovers,
        onMoved: (bytes) => {
          this.#moved += bytes;
        },
        onRemaining: (bytes) => this.remaining.set(job, bytes),
      });
      await this.#landed(job, result, before);
    } catch (err) {
      const e = describeFileError(toNightpullError(err), job.files[0].path, job);
      this.errors.push(e);
      if (e.code !== "interrupted") {
        // info, not warn: the run's own failure reports it (the CLI's one line, run.failed)
        this.#run.ctx.logger?.info("pull.file_failed", {
          source: this.#run.sourceKey,
          path: job.files[0].path,
          code: e.code,
        });
      }
    } finally {
      // finished, or failed and left for the next run: no longer needed by this one
      this.remaining.delete(job);
      this.#finished++;
      if (connections > 0) this.#budget.release(connections);
    }
  }

  /** Whoever held the lock may have finished (or repaired) the file meanwhile: skip it then. */
  async #presentNow(job: BlobJob, lock: FileLock, before: Presence["state"]): Promise<boolean> {
    const { request, target, listed, ctx } = this.#run;
    if (request.force || (before !== "absent" && !lock.waited)) return false;
    // No records: a file another writer finished is re-hashed and adopted.
    const now = await NO_RECORDS.presence(job, target, {
      verify: request.verify === "always" || before === "changed",
      signal: ctx.signal,
    });
    if (now.state !== "present") return false;
    await clearLeftoverParts(job, target.layout, listed);
    await this.#skip(job, now, this.#run.guard);
    return true;
  }

  /**
   * Again before each file: another writer may have filled the disk since the preflight, or
   * swapped a folder for a link since the last file.
   */
  async #prepare(job: BlobJob, leftovers: boolean): Promise<void> {
    const { request, guard, target, listed } = this.#run;
    await this.#space.checkSoon();
    // In the hf cache the fetcher checks the part and the blob's folders right before it writes
    // and renames, and #record the snapshot's; checked here as well: a job with leftovers to
    // adopt (moved and read first, here), and a local dir (metadata written when recorded).
    if (leftovers || target.layout !== "hf-cache") {
      await guardJobPaths(this.#sweeps.of(guard), job, target);
    }
    if (leftovers) await adoptLeftoverPart(job, target.layout, listed);
    // --force-download starts over (with the lock held: the part is nobody else's now)
    if (request.force) await discardPart(job.partPath);
  }

  /**
   * False when the listing of `blobs/` taken as fetching began showed no part of this blob and
   * nobody held its lock since: no old part to adopt, nothing to resume. A part made after the
   * listing (by a writer killed since) is still found by the fetcher, which never overwrites
   * a part it did not look at; only an old-name part made since would be left unadopted (and
   * removed by the next pull once the file is present).
   */
  #mayHaveLeftovers(job: BlobJob, lock: FileLock): boolean {
    return lock.waited || this.#partsIn === undefined || this.#partsIn.mayHoldPartsOf(job.etag);
  }

  /** A fetched and verified job: record it, tell it, log it. */
  async #landed(job: BlobJob, result: FetchFileResult, before: Presence["state"]): Promise<void> {
    const { ctx, sourceKey } = this.#run;
    const first = job.files[0];
    this.bytes += result.bytesTransferred;
    const hashes = { sha256: result.sha256, gitSha1: result.gitSha1 ?? job.gitSha1 };
    // The guard itself, not a sweep: a folder swapped for a link since the last file is caught
    // before a link is made through it (a few synchronous lstats of folders, no more).
    await this.#record(job, hashes, await landedStamp(job.dataPath), this.#run.guard, {
      written: true,
    });
    for (const file of job.files) {
      this.done++;
      ctx.onEvent?.({ type: "file", path: file.path, status: "done", bytes: job.size });
    }
    if (before === "changed") {
      metrics.filesRepaired.inc();
      ctx.logger?.warn("file.repaired", {
        source: sourceKey,
        path: first.path,
        message: `${first.path} had changed on disk; downloaded and verified again`,
      });
    }
    ctx.logger?.info("pull.file", {
      source: sourceKey,
      path: first.path,
      size: job.size,
      transferred: result.bytesTransferred,
      resumedFrom: result.resumedFrom,
    });
  }
}

const NO_RECORDS = new KnownFiles([]);
