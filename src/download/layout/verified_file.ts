/**
 * What a verified hub file leaves behind, whether fetched now or found present: in the hf
 * cache its snapshot entry (a link to the blob, or a copy where symlinks are off or unsupported),
 * in a local dir huggingface_hub's metadata record; then its manifest record, written only when
 * it says something new. Records are written in batches (one KV commit for up to 1000): call
 * `flush()` at the end of a phase, and before the pull ends, however it ends.
 *
 * @example
 * ```ts
 * const recorder = await verifiedFileRecorder({ kv, target, commit, sourceKey, revision, disableSymlinks });
 * await recorder.record(job, hashes, stamp, { recorded: false });
 * await recorder.flush();
 * ```
 * @module
 */
import { dirname } from "node:path";
import {
  MANIFEST_BATCH_RECORDS,
  type ManifestEntry,
  putManifestEntries,
} from "../../store/manifest.ts";
import { linkSnapshotFile, symlinksSupported } from "./hf_cache.ts";
import type { ContentHashes, FileStamp } from "../pull/known_files.ts";
import { refreshDownloadMetadata } from "./local_dir_metadata.ts";
import type { BlobJob, PullTarget } from "../pull/pull_plan.ts";

/** Where one pull records its verified files. */
interface RecorderOptions {
  kv: Deno.Kv;
  target: PullTarget;
  commit: string;
  /** The manifest's source key (`hf:org/name`). */
  sourceKey: string;
  revision: string;
  /** `HF_HUB_DISABLE_SYMLINKS`. */
  disableSymlinks: boolean;
}

/** How one job is recorded. */
export interface RecordOptions {
  /** The records of its files already say this: nothing to write. */
  recorded?: boolean;
  /** Every snapshot path already resolves to the verified blob: no link to make. */
  linked?: boolean;
  /** Just written by this pull: a local dir's metadata is written without reading the old. */
  written?: boolean;
}

/** Records verified files of one pull; see the module doc. */
export interface VerifiedFileRecorder {
  record(
    job: BlobJob,
    hashes: ContentHashes,
    stamp: FileStamp | undefined,
    options?: RecordOptions,
  ): Promise<void>;
  /** Writes the records still pending. */
  flush(): Promise<void>;
  /** KV commits made for records so far. */
  readonly commits: number;
}

const FLUSH_AFTER_MS = 200;

/** A recorder for one pull; probes symlink support of the cache once. */
export async function verifiedFileRecorder(o: RecorderOptions): Promise<VerifiedFileRecorder> {
  const { target, commit } = o;
  // Copies where symlinks are disabled or cannot be made, as huggingface_hub does.
  const copy = target.layout === "hf-cache" &&
    (o.disableSymlinks || !(await symlinksSupported(dirname(target.repo.dir))));
  let pending: ManifestEntry[] = [];
  let commits = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // one flush at a time, so records land in the order they were made
  let flushing: Promise<void> = Promise.resolve();
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    flushing = flushing.then(async () => {
      if (batch.length > 0) commits += await putManifestEntries(o.kv, batch);
    });
    return flushing;
  };
  return {
    get commits() {
      return commits;
    },
    flush,
    async record(job, hashes, stamp, options = {}) {
      for (const file of job.files) {
        if (target.layout === "hf-cache") {
          if (!options.linked) {
            await linkSnapshotFile(target.repo, commit, file.path, job.etag, { copy });
          }
        } else {
          // what `hf download --local-dir` reads to trust the file without a request
          await refreshDownloadMetadata(target.dir, file.path, commit, job.etag, {
            written: options.written,
          });
        }
        if (options.recorded) continue;
        pending.push({
          source: o.sourceKey,
          path: file.path,
          localPath: file.localPath,
          commit,
          revision: o.revision,
          size: job.size,
          sha256: hashes.sha256,
          ...(hashes.gitSha1 ? { gitSha1: hashes.gitSha1 } : {}),
          etag: job.etag,
          layout: target.layout,
          downloadedAt: new Date().toISOString(),
          ...(stamp ? { mtimeMs: stamp.mtimeMs, ino: stamp.ino } : {}),
        });
      }
      if (pending.length >= MANIFEST_BATCH_RECORDS) await flush();
      // a record waits at most this long: a pull killed now loses only a moment's records
      // (their files are re-hashed and adopted by the next pull)
      else if (pending.length > 0 && timer === undefined) {
        timer = setTimeout(() => flush().catch(() => {}), FLUSH_AFTER_MS);
      }
    },
  };
}
