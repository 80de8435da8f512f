/**
 * Re-hashes every blob of a hub cache against its name — SHA-256 for LFS blobs (64 hex), the
 * git blob SHA-1 otherwise (40 hex) — and repairs the bad ones by fetching them again through
 * a normal (resumable, verified) pull of the files that use them. A blob whose lock another
 * process holds (a download in progress) is skipped, not reported.
 *
 * @example
 * ```ts
 * const result = await verifyCache({ root, onProgress: (done, total) => {} });
 * if (result.bad.length > 0) await repairBlobs(result.bad, { config, kv });
 * ```
 * @module
 */
import { join } from "node:path";
import { hfCacheLockPath, tryFileLock } from "../download/part/file_lock.ts";
import { pull, type PullContext, type PullEvent } from "../download/pull/pull.ts";
import { hashFile } from "../download/verify/verify.ts";
import { scanSelected } from "../download/cache/cache_report.ts";
import { type CachedRepo, cacheRepoOf, walkFiles } from "../download/cache/cache_scan.ts";
import { type RepoArg, repoLabel } from "../download/cache/repo_arg.ts";

/** A blob whose content does not match its name. */
export interface BadBlob {
  repo: string;
  type: CachedRepo["type"];
  dir: string;
  blob: string;
  algorithm: "sha256" | "git-sha1";
  actual: string;
  size: number;
}

/** What a verification found. */
export interface CacheVerifyResult {
  blobs: number;
  bytes: number;
  ok: number;
  bad: BadBlob[];
  /** Blobs left alone because another process holds their lock. */
  busy: { repo: string; type: CachedRepo["type"]; blob: string }[];
}

/** What to verify, and where progress goes. */
interface CacheVerifyOptions {
  root: string;
  repos?: RepoArg[];
  signal?: AbortSignal;
  /** Called once with every blob about to be hashed. */
  onPlan?: (blobs: { repo: string; blob: string; size: number }[]) => void;
  /** Called after each blob (hashed, or skipped as busy). */
  onBlob?: (event: { repo: string; blob: string; size: number }) => void;
}

/**
 * Verification progress as a pull's events, for the run record and the CLI's progress display
 * alike: a `plan` of every blob, then `progress` and `file` done per blob, each named
 * `<repo> <first 12 hex of the blob>`.
 */
export function verifyProgressEvents(
  emit: (event: PullEvent) => void,
): Pick<CacheVerifyOptions, "onPlan" | "onBlob"> {
  const name = (repo: string, blob: string) => `${repo} ${blob.slice(0, 12)}`;
  return {
    onPlan: (blobs) =>
      emit({
        type: "plan",
        commit: null,
        files: blobs.map((b) => ({ path: name(b.repo, b.blob), size: b.size, skip: false })),
      }),
    onBlob: (b) => {
      const path = name(b.repo, b.blob);
      emit({ type: "progress", path, bytes: b.size, total: b.size });
      emit({ type: "file", path, status: "done", bytes: b.size });
    },
  };
}

/** Hashes every complete blob of the selected repos. */
export async function verifyCache(options: CacheVerifyOptions): Promise<CacheVerifyResult> {
  const repos = await scanSelected(options.root, options.repos);
  options.onPlan?.(
    repos.flatMap((r) =>
      Object.entries(r.blobs).map(([blob, size]) => ({ repo: r.repo, blob, size }))
    ),
  );
  const result: CacheVerifyResult = { blobs: 0, bytes: 0, ok: 0, bad: [], busy: [] };
  for (const repo of repos) {
    for (const [blob, size] of Object.entries(repo.blobs)) {
      options.signal?.throwIfAborted();
      const algorithm = blob.length === 64 ? "sha256" : blob.length === 40 ? "git-sha1" : null;
      if (algorithm === null || !/^[0-9a-f]+$/.test(blob)) continue;
      const lock = await tryFileLock(hfCacheLockPath(cacheRepoOf(repo), blob));
      if (!lock) {
        result.busy.push({ repo: repo.repo, type: repo.type, blob });
        options.onBlob?.({ repo: repo.repo, blob, size });
        continue;
      }
      try {
        const hashes = await hashFile(join(repo.dir, "blobs", blob), options.signal)
          .catch((err) => {
            if (err instanceof Deno.errors.NotFound) return null; // removed meanwhile
            throw err;
          });
        if (!hashes) continue;
        const actual = algorithm === "sha256" ? hashes.sha256 : hashes.gitSha1;
        result.blobs++;
        result.bytes += hashes.size;
        if (actual === blob) result.ok++;
        else {
          result.bad.push({
            repo: repo.repo,
            type: repo.type,
            dir: repo.dir,
            blob,
            algorithm,
            actual,
            size: hashes.size,
          });
        }
      } finally {
        await lock.release();
      }
      options.onBlob?.({ repo: repo.repo, blob, size });
    }
  }
  return result;
}

/** What a repair did for one bad blob. */
export interface BlobRepair {
  repo: string;
  type: CachedRepo["type"];
  blob: string;
  /** `refetched` from a commit that uses it, or `removed` when no snapshot uses it. */
  action: "refetched" | "removed";
  commit?: string;
  paths?: string[];
  bytes?: number;
}

/**
 * Fetches each bad blob again: the bad copy is deleted, then the files of one snapshot that
 * use it are pulled at that commit (only they: the other blobs are present and verified). An
 * interrupted repair leaves the usual partial blob, which the next repair resumes.
 */
export async function repairBlobs(bad: BadBlob[], ctx: PullContext): Promise<BlobRepair[]> {
  const out: BlobRepair[] = [];
  for (const b of bad) {
    const user = await snapshotUsing(b.dir, b.blob);
    const lock = await tryFileLock(hfCacheLockPath({ dir: b.dir }, b.blob));
    if (lock) {
      try {
        await Deno.remove(join(b.dir, "blobs", b.blob)).catch(() => {});
      } finally {
        await lock.release();
      }
    }
    if (!user) {
      out.push({ repo: b.repo, type: b.type, blob: b.blob, action: "removed" });
      continue;
    }
    const root = join(b.dir, "..");
    const report = await pull({
      source: `hf:${repoLabel(b.type, b.repo)}@${user.commit}`,
      include: user.paths.map(escapeGlob),
      layout: "hf-cache",
      dir: root,
    }, ctx);
    out.push({
      repo: b.repo,
      type: b.type,
      blob: b.blob,
      action: "refetched",
      commit: user.commit,
      paths: user.paths,
      bytes: report.bytes,
    });
  }
  return out;
}

/** A snapshot whose files point at `blob`: its commit and those files' repo paths. */
async function snapshotUsing(
  dir: string,
  blob: string,
): Promise<{ commit: string; paths: string[] } | null> {
  const snapshots = join(dir, "snapshots");
  const commits = await Array.fromAsync(Deno.readDir(snapshots)).catch(() => []);
  for (const c of commits) {
    const paths: string[] = [];
    for (const file of await walkFiles(join(snapshots, c.name))) {
      const target = await Deno.readLink(file).catch(() => null);
      if (target && target.split(/[\\/]/).pop() === blob) {
        paths.push(file.slice(join(snapshots, c.name).length + 1).split("\\").join("/"));
      }
    }
    if (paths.length > 0) return { commit: c.name, paths };
  }
  return null;
}

/** A repo path as an fnmatch pattern matching exactly that path. */
function escapeGlob(path: string): string {
  return path.replace(/[[*?]/g, (c) => `[${c}]`);
}
