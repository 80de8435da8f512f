/**
 * What a verified hub file leaves behind, whether fetched now or found present: in the hf
 * cache its snapshot entry (a link to the blob, or a copy where symlinks are off or unsupported),
 * in a local dir huggingface_hub's metadata record; then its manifest record, written only when
 * it says something new.
 *
 * @example
 * ```ts
 * const recorder = await verifiedFileRecorder({ kv, known, target, commit, sourceKey, revision, disableSymlinks });
 * await recorder.record(job, hashes, stamp);
 * ```
 * @module
 */
import { dirname } from "node:path";
import { type ManifestEntry, putManifestEntry } from "../../store/manifest.ts";
import { linkSnapshotFile, symlinksSupported } from "./hf_cache.ts";
import type { ContentHashes, FileStamp, KnownFiles } from "../pull/known_files.ts";
import { refreshDownloadMetadata } from "./local_dir_metadata.ts";
import type { BlobJob, PullTarget } from "../pull/pull_plan.ts";

/** Where one pull records its verified files. */
export interface RecorderOptions {
  kv: Deno.Kv;
  known: KnownFiles;
  target: PullTarget;
  commit: string;
  /** The manifest's source key (`hf:org/name`). */
  sourceKey: string;
  revision: string;
  /** `HF_HUB_DISABLE_SYMLINKS`. */
  disableSymlinks: boolean;
}

/** Records verified files of one pull; see the module doc. */
export interface VerifiedFileRecorder {
  record(job: BlobJob, hashes: ContentHashes, stamp: FileStamp | undefined): Promise<void>;
}

/** A recorder for one pull; probes symlink support of the cache once. */
export async function verifiedFileRecorder(o: RecorderOptions): Promise<VerifiedFileRecorder> {
  const { target, commit } = o;
  // Copies where symlinks are disabled or cannot be made, as huggingface_hub does.
  const copy = target.layout === "hf-cache" &&
    (o.disableSymlinks || !(await symlinksSupported(dirname(target.repo.dir))));
  return {
    async record(job, hashes, stamp) {
      for (const file of job.files) {
        if (target.layout === "hf-cache") {
          await linkSnapshotFile(target.repo, commit, file.path, job.etag, { copy });
        } else {
          // what `hf download --local-dir` reads to trust the file without a request
          await refreshDownloadMetadata(target.dir, file.path, commit, job.etag);
        }
        const entry: ManifestEntry = {
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
        };
        const old = o.known.atLocalPath(file.localPath);
        if (!old || !sameContent(old, entry)) await putManifestEntry(o.kv, entry);
      }
    },
  };
}

function sameContent(a: ManifestEntry, b: ManifestEntry): boolean {
  return a.sha256 === b.sha256 && a.size === b.size && a.etag === b.etag &&
    a.mtimeMs === b.mtimeMs && (a.ino ?? null) === (b.ino ?? null) &&
    a.commit === b.commit && a.revision === b.revision && a.layout === b.layout;
}
