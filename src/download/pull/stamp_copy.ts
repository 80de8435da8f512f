/**
 * The presence scan's shortcut past the manifest (see store/snapshot_stamps.ts): when the
 * snapshot's stamp copy is current, a file whose `stat` still shows the stamp the copy holds is
 * unchanged, without reading its record; only the others are looked up. A scan that found every
 * file unchanged saves a new copy for the next pull.
 *
 * @example
 * ```ts
 * const copy = await StampCopy.open(run, order, at);
 * const starts = copy.place(batch);
 * batch.filter((job, k) => !copy.vouches(job, starts[k]));
 * await copy.save(run);
 * ```
 * @module
 */
import { createHash } from "node:crypto";
import {
  manifestVersion,
  readSnapshotStamps,
  STAMP_FIELDS,
  writeSnapshotStamps,
} from "../../store/snapshot_stamps.ts";
import { snapshotFilePath } from "../layout/hf_cache.ts";
import type { HubPull } from "./hub_pull_setup.ts";
import { type FileStamp, fileStampSync, type RecordedAt } from "./known_files.ts";
import type { BlobJob } from "./pull_plan.ts";
import { snapshotRequestKey } from "./unchanged_snapshot.ts";

/** The stamp copy of one hf-cache snapshot while a scan runs. */
export class StampCopy {
  /** True while every file so far was found unchanged (so the copy may be saved). */
  complete = true;
  readonly #place: string;
  readonly #digest: string;
  readonly #version: string | null;
  /** The saved copy, when current. */
  readonly #known: Float64Array | undefined;
  /** The stamps found in this scan, in scan order. */
  readonly #seen: Float64Array;
  readonly #order: BlobJob[];
  #next = 0;

  private constructor(
    place: string,
    digest: string,
    version: string | null,
    known: Float64Array | undefined,
    order: BlobJob[],
  ) {
    const files = order.reduce((n, job) => n + job.files.length, 0);
    this.#order = order;
    this.#place = place;
    this.#digest = digest;
    this.#version = version;
    this.#known = known?.length === files * STAMP_FIELDS ? known : undefined;
    this.#seen = new Float64Array(files * STAMP_FIELDS);
  }

  /** Reads the version (before any record), then the copy of this snapshot if current. */
  static async open(run: HubPull, order: BlobJob[], at: RecordedAt): Promise<StampCopy> {
    const { ctx, sourceKey, target } = run;
    if (target.layout !== "hf-cache") throw new Error("stamp copies are of hf-cache snapshots");
    const place = snapshotFilePath(target.repo, target.commit, "x").slice(0, -1);
    const version = await manifestVersion(ctx.kv, sourceKey);
    const digest = digestOf(order, at, place);
    const known = await readSnapshotStamps(ctx.kv, sourceKey, place, digest);
    return new StampCopy(place, digest, version, known, order);
  }

  /** Whether a current copy was found. */
  get current(): boolean {
    return this.#known !== undefined;
  }

  /** The index of each job's first file in the copy, for the next batch in scan order. */
  place(batch: BlobJob[]): number[] {
    return batch.map((job) => {
      const start = this.#next;
      this.#next += job.files.length;
      return start;
    });
  }

  /** True when each file of the job still has the stamp the current copy holds for it. */
  vouches(job: BlobJob, start: number): boolean {
    const known = this.#known;
    if (!known) return false;
    for (const [i, file] of job.files.entries()) {
      const stamp = fileStampSync(file.localPath);
      const at = (start + i) * STAMP_FIELDS;
      if (
        !stamp || known[at] !== (stamp.ino ?? -1) || known[at + 1] !== stamp.mtimeMs ||
        known[at + 2] !== stamp.size
      ) return false;
    }
    this.#seen.set(
      known.subarray(start * STAMP_FIELDS, (start + job.files.length) * STAMP_FIELDS),
      start * STAMP_FIELDS,
    );
    return true;
  }

  /** Keeps the stamp of file `i` of a job found unchanged by its records. */
  keep(start: number, i: number, stamp: FileStamp): void {
    const at = (start + i) * STAMP_FIELDS;
    this.#seen[at] = stamp.ino ?? -1;
    this.#seen[at + 1] = stamp.mtimeMs;
    this.#seen[at + 2] = stamp.size;
  }

  /**
   * Saves what this scan found when every file was unchanged and the copy was not current.
   * True when a current copy of every file as found is there now (a copy that vouched for
   * only some files is about to go stale: the pull records the others).
   */
  async save(run: HubPull): Promise<boolean> {
    if (this.current) return this.complete;
    if (!this.complete || run.request.dryRun) return false;
    return await writeSnapshotStamps(run.ctx.kv, {
      source: run.sourceKey,
      place: this.#place,
      digest: this.#digest,
      version: this.#version,
      stamps: this.#seen,
      // what lets the next no-op of the same request skip the listing (unchanged_snapshot.ts)
      request: snapshotRequestKey(run.request),
      paths: this.#order.flatMap((job) => job.files.map((f) => f.path)).join("\n"),
    });
  }
}

/** What the copy is of: every file's path, etag and size in scan order, and where and how. */
function digestOf(order: BlobJob[], at: RecordedAt, place: string): string {
  const hash = createHash("sha256").update(JSON.stringify([place, at]));
  let text = "";
  for (const job of order) {
    for (const file of job.files) text += `\n${file.path}\0${job.etag}\0${job.size}`;
    if (text.length > 65_536) {
      hash.update(text);
      text = "";
    }
  }
  return hash.update(text).digest("hex");
}
