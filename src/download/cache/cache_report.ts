/**
 * The facts `nightpull cache ls` and `GET /api/v1/cache` show: per repo its type, size on disk
 * and revisions (commit, refs, files, size, last modified), the total, and the free and total
 * space of the cache's filesystem. Read from the cache itself, so repos other tools downloaded
 * appear too.
 *
 * @example
 * ```ts
 * const report = await cacheReport("/home/me/.cache/huggingface/hub");
 * ```
 * @module
 */
import { resolve } from "node:path";
import { diskSpace } from "../layout/disk_space.ts";
import type { Logger } from "../../log.ts";
import { metrics } from "../../metrics.ts";
import { type CachedRepo, scanCache } from "./cache_scan.ts";
import { type RepoArg, repoArgFolder } from "./repo_arg.ts";

/** One revision as reported. */
interface RevisionReport {
  commit: string;
  refs: string[];
  files: number;
  size: number;
  lastModified: string | null;
}

/** One repo as reported. */
interface RepoReport {
  repo: string;
  type: CachedRepo["type"];
  size: number;
  lastModified: string | null;
  revisions: RevisionReport[];
}

/** The whole report. */
export interface CacheReport {
  cacheDir: string;
  /** Bytes of every blob of the listed repos. */
  size: number;
  repos: RepoReport[];
  disk: { free: number; total: number };
}

/** The repos of `root` (only those of `filter` when given). */
export async function scanSelected(root: string, filter: RepoArg[] = []): Promise<CachedRepo[]> {
  const wanted = new Set(filter.map(repoArgFolder));
  const repos = await scanCache(root);
  return filter.length === 0
    ? repos
    : repos.filter((r) => wanted.has(repoArgFolder({ type: r.type, repo: r.repo })));
}

/** Reads the cache and the disk; updates the cache and disk gauges as a side effect. */
export async function cacheReport(root: string, filter: RepoArg[] = []): Promise<CacheReport> {
  const cacheDir = resolve(root);
  const repos = await scanSelected(cacheDir, filter);
  const space = await diskSpace(cacheDir);
  const size = repos.reduce((sum, r) => sum + r.size, 0);
  if (filter.length === 0) metrics.cacheBytes.set(size);
  metrics.diskFree.set(space.free);
  return {
    cacheDir,
    size,
    repos: repos.map((r) => ({
      repo: r.repo,
      type: r.type,
      size: r.size,
      lastModified: r.lastModified,
      revisions: r.revisions.map((v) => ({
        commit: v.commit,
        refs: v.refs,
        files: v.files,
        size: v.size,
        lastModified: v.lastModified,
      })),
    })),
    disk: { free: space.free, total: space.total },
  };
}

/**
 * Re-reads the cache so `nightpull_cache_bytes` and `nightpull_disk_free_bytes` follow runs;
 * never rejects (a failure is logged at debug level).
 */
export async function refreshCacheGauges(root: string, logger?: Logger): Promise<void> {
  await cacheReport(root).catch((err) =>
    logger?.debug("cache.scan_failed", { root, message: (err as Error).message })
  );
}
