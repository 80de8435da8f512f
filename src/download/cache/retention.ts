/**
 * The retention rule applied to repos of a cache: after a run (a schedule's `keepRevisions`),
 * on demand (`nightpull cache prune`, `POST /api/v1/cache/prune`), or as a dry run that only
 * reports. Each repo's snapshots are ordered by when nightpull first saw the commit (KV), else
 * by when the snapshot folder appeared. Logs `cache.pruned` with the bytes freed.
 *
 * @example
 * ```ts
 * const outcome = await pruneCache({ root, keep: 1, kv, logger });
 * console.log(outcome.bytesFreed);
 * ```
 * @module
 */
import { basename } from "node:path";
import type { Logger } from "../../log.ts";
import { metrics } from "../../metrics.ts";
import { commitsSeen, forgetCommitsSeen } from "../../store/commits_seen.ts";
import { applyRemoval, planKeepNewest, type RemovalPlan } from "./cache_prune.ts";
import { scanSelected } from "./cache_report.ts";
import { type CachedRepo, scanRepo } from "./cache_scan.ts";
import { type RepoArg, repoLabel } from "./repo_arg.ts";

/** What was (or, in a dry run, would be) removed from one repo. */
interface RepoPruneOutcome {
  repo: string;
  type: CachedRepo["type"];
  /** Snapshots removed. */
  revisions: string[];
  refs: string[];
  blobs: string[];
  /** Bytes freed (dry run: that would be freed). */
  bytes: number;
  /** Blobs left because another process held their lock or uses them again. */
  kept: string[];
}

/** The outcome over every repo considered. */
export interface PruneOutcome {
  dryRun: boolean;
  keep: number;
  repos: RepoPruneOutcome[];
  bytesFreed: number;
}

/** What a prune needs. */
interface PruneOptions {
  root: string;
  keep: number;
  /** Only these repos (default: every repo of the cache). */
  repos?: RepoArg[];
  dryRun?: boolean;
  /** For the first sightings of commits; without it, snapshot folder times order them. */
  kv?: Deno.Kv;
  logger?: Logger;
}

/** Applies (or with `dryRun` plans) the retention rule to the selected repos. */
export async function pruneCache(options: PruneOptions): Promise<PruneOutcome> {
  const repos = await scanSelected(options.root, options.repos);
  const outcomes: RepoPruneOutcome[] = [];
  for (const repo of repos) {
    const outcome = await pruneRepo(repo, options);
    if (outcome.revisions.length > 0 || outcome.blobs.length > 0) outcomes.push(outcome);
  }
  return {
    dryRun: options.dryRun ?? false,
    keep: options.keep,
    repos: outcomes,
    bytesFreed: outcomes.reduce((sum, o) => sum + o.bytes, 0),
  };
}

/** The retention rule for one repo folder (a run's `keepRevisions`). */
export async function pruneRepoDir(
  dir: string,
  options: Omit<PruneOptions, "root" | "repos">,
): Promise<RepoPruneOutcome> {
  return await pruneRepo(await scanRepo(dir), options);
}

async function pruneRepo(
  repo: CachedRepo,
  options: Omit<PruneOptions, "root" | "repos">,
): Promise<RepoPruneOutcome> {
  const folder = basename(repo.dir);
  const seen = options.kv ? await commitsSeen(options.kv, folder) : new Map<string, number>();
  const plan = planKeepNewest(repo, options.keep, seen);
  if (options.dryRun || plan.commits.length === 0) return planned(plan);
  const done = await applyRemoval(plan);
  if (options.kv) await forgetCommitsSeen(options.kv, folder, done.commits);
  return recordRemoval(repo, done, options.logger, { keep: options.keep });
}

/** The outcome a plan promises (a dry run). */
export function planned(plan: RemovalPlan): RepoPruneOutcome {
  return {
    repo: plan.repo.repo,
    type: plan.repo.type,
    revisions: plan.commits,
    refs: plan.refs,
    blobs: plan.blobs,
    bytes: plan.bytes,
    kept: [],
  };
}

/** Logs `cache.pruned`, counts the bytes, and shapes a removal's outcome. */
export function recordRemoval(
  repo: CachedRepo,
  done: Awaited<ReturnType<typeof applyRemoval>>,
  logger: Logger | undefined,
  extra: Record<string, unknown> = {},
): RepoPruneOutcome {
  metrics.cachePrunedBytes.inc(undefined, done.bytesFreed);
  logger?.info("cache.pruned", {
    repo: repoLabel(repo.type, repo.repo),
    ...extra,
    revisions: done.commits.length,
    blobs: done.blobs.length,
    bytesFreed: done.bytesFreed,
    ...(done.kept.length > 0 ? { keptLocked: done.kept.length } : {}),
  });
  return {
    repo: repo.repo,
    type: repo.type,
    revisions: done.commits,
    refs: done.refs,
    blobs: done.blobs,
    bytes: done.bytesFreed,
    kept: done.kept,
  };
}
