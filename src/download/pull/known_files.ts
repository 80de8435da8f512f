/**
 * What the manifest already knows about one source's files, indexed for a pull: is a job's
 * content on disk and verified (so its body need not move), and which record a local path
 * has. A recorded file is trusted only while its stamp (size, mtime, inode at finalize) is
 * unchanged; otherwise it is re-hashed, and a file once verified whose bytes changed is
 * reported `changed` so the pull repairs it. Files found on disk without a record (left by
 * huggingface_hub, another nightpull, or a lost KV) are re-hashed and adopted when they match;
 * in a local dir, an unchanged huggingface_hub `.metadata` of the same LFS etag is trusted.
 * Records are read for a batch of jobs at a time (their own paths, and in the hf cache the same
 * paths in the other snapshots), never the whole manifest of a source at once.
 *
 * @example
 * ```ts
 * const known = await KnownFiles.forJobs(kv, "hf:acme/tiny-model", jobs, target, []);
 * const presence = await known.presence(job, target); // { state: "absent" }: fetch it
 * ```
 * @module
 */
import { sep } from "node:path";
import { manifestEntriesAt, type ManifestEntry } from "../../store/manifest.ts";
import { snapshotFilePath } from "../layout/hf_cache.ts";
import type { BlobJob, PullTarget } from "./pull_plan.ts";
import { readDownloadMetadata } from "../layout/local_dir_metadata.ts";
import { hashFile } from "../verify/verify.ts";

/** Hashes of verified content, as recorded in the manifest. */
export interface ContentHashes {
  sha256: string;
  gitSha1?: string;
}

/** A file's identity on disk when it was verified; any change means "hash it again". */
export interface FileStamp {
  size: number;
  mtimeMs: number;
  ino: number | null;
}

/**
 * Verified: by an unchanged stamp, or by a re-hash (`rehashed`). `linked`: every snapshot
 * path of the job already resolves to the recorded blob (nothing to link again).
 */
export interface Verified {
  state: "present";
  hashes: ContentHashes;
  stamp: FileStamp;
  rehashed: boolean;
  linked?: boolean;
  /** Every file's manifest record already says all this (nothing to write). */
  recorded?: boolean;
  unchanged?: false;
}

/** Whether a job's content is on disk. */
export type Presence =
  | Verified
  /**
   * Linked and recorded exactly as this pull would link and record it: nothing to write. One
   * shared value ({@linkcode UNCHANGED}), so a re-pull of 100,000 files keeps no hashes.
   */
  | { state: "present"; unchanged: true }
  /** Nothing usable there: fetch it. */
  | { state: "absent" }
  /** A file once verified at this place no longer matches: fetch it again (a repair). */
  | { state: "changed" };

/** The presence of every job found {@linkcode KnownFiles.unchangedSync}. */
export const UNCHANGED: Presence = Object.freeze({ state: "present", unchanged: true });

/** Options of {@linkcode KnownFiles.presence}. */
interface PresenceOptions {
  /** Re-hash even a file whose stamp is unchanged (`pull --verify`). */
  verify?: boolean;
  signal?: AbortSignal;
}

/** The stamp of the regular file at `path` (symlinks followed), or undefined. */
export async function fileStamp(path: string): Promise<FileStamp | undefined> {
  try {
    // a synchronous lstat first: a regular file (the common case) has no link to follow, and
    // an async stat costs a thread-pool hop and a permission walk of the path
    let info = Deno.lstatSync(path);
    if (info.isSymlink) info = await Deno.stat(path);
    if (!info.isFile) return undefined;
    return { size: info.size, mtimeMs: info.mtime?.getTime() ?? 0, ino: info.ino };
  } catch {
    return undefined;
  }
}

/**
 * {@linkcode fileStamp} without a promise: a re-pull checks 100,000 files a batch at a time,
 * where a synchronous `stat` costs a few microseconds and an async one several times more.
 */
export function fileStampSync(path: string): FileStamp | undefined {
  try {
    const info = Deno.statSync(path);
    if (!info.isFile) return undefined;
    return { size: info.size, mtimeMs: info.mtime?.getTime() ?? 0, ino: info.ino };
  } catch {
    return undefined;
  }
}

/** True when a record's stamp is the file's current one. */
export function sameStamp(entry: Pick<ManifestEntry, "mtimeMs" | "ino" | "size">, s: FileStamp) {
  return entry.mtimeMs === s.mtimeMs && (entry.ino ?? null) === s.ino && entry.size === s.size;
}

/** A source's manifest records, indexed by local path and by etag. */
export class KnownFiles {
  #byLocalPath = new Map<string, ManifestEntry>();
  #byEtag = new Map<string, ManifestEntry[]>();

  constructor(entries: ManifestEntry[]) {
    for (const e of entries) {
      this.#byLocalPath.set(e.localPath, e);
      if (e.etag === null) continue;
      const list = this.#byEtag.get(e.etag) ?? [];
      list.push(e);
      this.#byEtag.set(e.etag, list);
    }
  }

  /**
   * The records of these jobs' files: at their own local paths and, in the hf cache, for files
   * without one, at the same repo path in `otherCommits`' snapshots (a blob verified for an
   * earlier commit stays trusted). Read by key ranges, a batch at a time.
   */
  static async forJobs(
    kv: Deno.Kv,
    sourceKey: string,
    jobs: BlobJob[],
    target: PullTarget,
    otherCommits: string[],
  ): Promise<KnownFiles> {
    const paths = jobs.flatMap((job) => job.files.map((f) => f.localPath));
    const entries = await manifestEntriesAt(kv, sourceKey, paths);
    if (target.layout === "hf-cache" && otherCommits.length > 0) {
      const recorded = new Set(entries.map((e) => e.etag));
      const missing = jobs.filter((job) => !recorded.has(job.etag));
      for (const commit of otherCommits) {
        const elsewhere = missing.flatMap((job) =>
          job.files.map((f) => snapshotFilePath(target.repo, commit, f.path))
        );
        entries.push(...await manifestEntriesAt(kv, sourceKey, elsewhere));
      }
    }
    return new KnownFiles(entries);
  }

  /** How many records this holds. */
  get size(): number {
    return this.#byLocalPath.size;
  }

  /** The record of one local path. */
  atLocalPath(localPath: string): ManifestEntry | undefined {
    return this.#byLocalPath.get(localPath);
  }

  /**
   * The re-pull's common answer without a promise: true when every snapshot path of `job`
   * resolves to a file whose stamp is the recorded one for this content, and every record
   * already says this commit, revision and layout (so the skip writes nothing). False means
   * "ask {@linkcode presence}" — it does not mean absent. `seen` gets each file's stamp.
   */
  unchangedSync(
    job: BlobJob,
    at: RecordedAt,
    seen?: (i: number, stamp: FileStamp) => void,
  ): boolean {
    for (const [i, file] of job.files.entries()) {
      const e = this.#byLocalPath.get(file.localPath);
      if (!e || !recordFits(e, job) || !recordedAt(e, at)) return false;
      const stamp = fileStampSync(file.localPath);
      if (!stamp || !sameStamp(e, stamp)) return false;
      seen?.(i, stamp);
    }
    return job.files.length > 0;
  }

  /** Is the job's content on disk and verified? See {@linkcode Presence}. */
  async presence(
    job: BlobJob,
    target: PullTarget,
    options: PresenceOptions = {},
  ): Promise<Presence> {
    const records = (this.#byEtag.get(job.etag) ?? []).filter((e) =>
      e.size === job.size && (job.sha256 === undefined || e.sha256 === job.sha256) &&
      (target.layout === "hf-cache"
        ? e.layout === "hf-cache" && e.localPath.startsWith(target.repo.dir + sep)
        : e.localPath === job.dataPath)
    );
    if (!options.verify && target.layout === "hf-cache") {
      const linked = await this.#linkedAsRecorded(job);
      if (linked) return linked;
    }
    const stamp = await fileStamp(job.dataPath);
    if (!stamp) return { state: "absent" };
    const wasVerified = records.length > 0;
    if (stamp.size !== job.size) return wasVerified ? { state: "changed" } : { state: "absent" };
    const trusted = options.verify ? undefined : records.find((e) => sameStamp(e, stamp));
    if (trusted) {
      const hashes = { sha256: trusted.sha256, gitSha1: trusted.gitSha1 };
      return { state: "present", hashes, stamp, rehashed: false };
    }
    if (!wasVerified && !options.verify && target.layout === "local-dir" && job.sha256) {
      // Written by `hf download --local-dir` and not modified since: trusted as huggingface_hub
      // trusts it (an LFS etag is the sha256 itself). A record of ours, once there, rules.
      const meta = await readDownloadMetadata(target.dir, job.files[0].path);
      if (meta?.fresh && meta.etag === job.etag) {
        return { state: "present", hashes: { sha256: job.sha256 }, stamp, rehashed: false };
      }
    }
    const hashes = await hashFile(job.dataPath, options.signal);
    const ok = hashes.size === job.size &&
      (job.sha256 !== undefined ? hashes.sha256 === job.sha256 : hashes.gitSha1 === job.gitSha1);
    if (!ok) return wasVerified ? { state: "changed" } : { state: "absent" };
    // A file replaced while it was hashed gets a new stamp: the next pull hashes it again.
    const gitSha1 = job.sha256 === undefined ? hashes.gitSha1 : undefined;
    return { state: "present", hashes: { sha256: hashes.sha256, gitSha1 }, stamp, rehashed: true };
  }

  /**
   * The re-pull's fast path: each snapshot path resolves (through its link) to a file whose
   * stamp is the one recorded for this content there. The same inode and mtime mean the link
   * leads to the very blob that was verified: one stat per file, no readlink, no blob stat.
   */
  async #linkedAsRecorded(job: BlobJob): Promise<Presence | undefined> {
    let found: Verified | undefined;
    for (const file of job.files) {
      const e = this.#byLocalPath.get(file.localPath);
      if (!e || !recordFits(e, job)) return undefined;
      const stamp = await fileStamp(file.localPath);
      if (!stamp || !sameStamp(e, stamp)) return undefined;
      const hashes = { sha256: e.sha256, gitSha1: e.gitSha1 };
      found ??= { state: "present", hashes, stamp, rehashed: false, linked: true };
    }
    return found;
  }

  /**
   * True when the record of every file of `job` already says what recording it now would:
   * this content, this stamp, this commit, revision and layout.
   */
  says(
    job: BlobJob,
    found: Verified,
    at: RecordedAt,
  ): boolean {
    return job.files.every((file) => {
      const e = this.#byLocalPath.get(file.localPath);
      return e !== undefined && e.sha256 === found.hashes.sha256 && e.size === job.size &&
        e.etag === job.etag && sameStamp(e, found.stamp) && recordedAt(e, at);
    });
  }
}

/** Where and for what a pull records its files: what a record must already say to be kept. */
export interface RecordedAt {
  commit: string;
  revision: string;
  layout: ManifestEntry["layout"];
}

/** The record is of this job's content (etag, size and, for LFS, sha256). */
function recordFits(e: ManifestEntry, job: BlobJob): boolean {
  return e.etag === job.etag && e.size === job.size &&
    (job.sha256 === undefined || e.sha256 === job.sha256);
}

function recordedAt(e: ManifestEntry, at: RecordedAt): boolean {
  return e.commit === at.commit && e.revision === at.revision && e.layout === at.layout;
}
