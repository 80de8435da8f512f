/**
 * What the manifest already knows about one source's files, indexed for a pull: is a job's
 * content on disk and verified (so its body need not move), and which record a local path
 * has. Files found on disk without a record (left by huggingface_hub, or a lost KV) are
 * re-hashed and adopted when they match the listing.
 *
 * @example
 * ```ts
 * const known = await KnownFiles.load(kv, "hf:acme/tiny-model");
 * const hashes = await known.verifiedContent(job, target); // null: must be fetched
 * ```
 * @module
 */
import { sep } from "node:path";
import { allManifestEntries, type ManifestEntry } from "../store/manifest.ts";
import type { BlobJob, PullTarget } from "./pull_plan.ts";
import { readDownloadMetadata } from "./local_dir_metadata.ts";
import { hashFile } from "./verify.ts";

/** Hashes of verified content, as recorded in the manifest. */
export interface ContentHashes {
  sha256: string;
  gitSha1?: string;
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

  /** Reads every record of `sourceKey`. */
  static async load(kv: Deno.Kv, sourceKey: string): Promise<KnownFiles> {
    return new KnownFiles(await allManifestEntries(kv, sourceKey));
  }

  /** The record of one local path. */
  atLocalPath(localPath: string): ManifestEntry | undefined {
    return this.#byLocalPath.get(localPath);
  }

  /**
   * The job's content is on disk with the right size and known good: in a local dir, an
   * unchanged huggingface_hub record of the same etag (as huggingface_hub trusts it); else a
   * manifest record of the same content at that place; else a re-hash matching the listing.
   * Null when it must be fetched.
   */
  async verifiedContent(job: BlobJob, target: PullTarget): Promise<ContentHashes | null> {
    try {
      const info = await Deno.stat(job.dataPath);
      if (!info.isFile || info.size !== job.size) return null;
    } catch {
      return null;
    }
    let changedSince = false;
    if (target.layout === "local-dir") {
      const meta = await readDownloadMetadata(target.dir, job.files[0].path);
      // An LFS etag is the sha256 itself: nothing to hash. A plain git file is small; its
      // sha256 (which the manifest keeps) comes from a record or a quick hash below.
      if (meta?.fresh && meta.etag === job.etag && job.sha256) return { sha256: job.sha256 };
      // modified after its record: no record of ours can vouch for it either
      changedSince = meta !== null && !meta.fresh;
    }
    const recorded = !changedSince &&
      (this.#byEtag.get(job.etag) ?? []).find((e) =>
        e.size === job.size && (job.sha256 === undefined || e.sha256 === job.sha256) &&
        (target.layout === "hf-cache"
          ? e.layout === "hf-cache" && e.localPath.startsWith(target.repo.dir + sep)
          : e.localPath === job.dataPath)
      );
    if (recorded) return { sha256: recorded.sha256, gitSha1: recorded.gitSha1 };
    const hashes = await hashFile(job.dataPath);
    if (job.sha256 !== undefined) {
      return hashes.sha256 === job.sha256 ? { sha256: hashes.sha256 } : null;
    }
    return hashes.gitSha1 === job.gitSha1
      ? { sha256: hashes.sha256, gitSha1: hashes.gitSha1 }
      : null;
  }
}
