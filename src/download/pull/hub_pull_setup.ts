/**
 * The start of an online hub pull: resolve the revision to one commit, list and select its
 * files, choose where they land, write huggingface_hub's tree cache and plan one job per blob;
 * once presence is known, {@linkcode guardPlan} checks every path a job will write before
 * anything is transferred.
 *
 * @example
 * ```ts
 * const run = await openHubPull(request, source, ctx);
 * run.jobs; // largest first
 * ```
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { resolveHfToken } from "../../hf_env.ts";
import { recordCommitSeen } from "../../store/commits_seen.ts";
import { HubClient } from "../hub/hub_client.ts";
import type { HubFile } from "../hub/hub_file.ts";
import type { RateLimitBudget } from "../hub/rate_limit_budget.ts";
import { writeTreeCache } from "../hub/tree_cache.ts";
import { hfCacheRepo, repoFolderName } from "../layout/hf_cache.ts";
import { downloadMetadataPath } from "../layout/local_dir_metadata.ts";
import { type SymlinkGuard, symlinkGuard } from "../layout/symlink_guard.ts";
import { manifestSourceKey } from "../source/source_key.ts";
import type { Source } from "../source/source.ts";
import { type BlobJob, planJobs, type PullTarget, selectFiles } from "./pull_plan.ts";
import { pullRateLimits, throwIfInterrupted } from "./pull_signals.ts";
import { type UnchangedSnapshot, unchangedSnapshot } from "./unchanged_snapshot.ts";
import type { PullContext, PullRequest } from "./pull_types.ts";

/** An hf source. */
export type HubSource = Extract<Source, { kind: "hf" }>;

/** One online hub pull once its commit, files and target are known. */
export interface HubPull {
  request: PullRequest;
  source: HubSource;
  ctx: PullContext;
  client: HubClient;
  /** The pull's one 429 budget (API calls and transfers). */
  rateLimits: RateLimitBudget;
  /** The manifest's source key (`hf:org/name`). */
  sourceKey: string;
  commit: string;
  target: PullTarget;
  guard: SymlinkGuard;
  /** One job per blob (hf-cache) or file (local-dir), largest first. */
  jobs: BlobJob[];
  /** Every path of the commit's listing (leftover parts of other paths are left alone). */
  listed: Set<string>;
  /** Set when the snapshot was found unchanged without a listing (`jobs` is then empty). */
  unchanged?: UnchangedSnapshot;
}

/** Resolves, lists and plans a hub pull; writes only the tree cache (not on dry runs). */
export async function openHubPull(
  request: PullRequest,
  source: HubSource,
  ctx: PullContext,
): Promise<HubPull> {
  const { config, kv, signal } = ctx;
  const sourceKey = manifestSourceKey(source);
  const rateLimits = pullRateLimits(ctx, sourceKey, "the hub");
  const client = new HubClient({
    endpoint: config.hfEndpoint,
    token: resolveHfToken(config, ctx.env ?? Deno.env.toObject()),
    ...(config.etagTimeoutMs ? { timeoutMs: config.etagTimeoutMs } : {}),
    rateLimits,
    signal,
  });
  const commit = await client.resolveRevision(source);
  throwIfInterrupted(signal);
  await recordCommitSeen(kv, repoFolderName(source.repoType, source.repoId), commit, Date.now());
  const target = pullTarget(request, source, commit, config.hubCache);
  // no write through a symlink someone else put below the target (checked again per file)
  const guard = symlinkGuard(
    target.layout === "hf-cache" ? dirname(target.repo.dir) : target.dir,
  );
  const base = { request, source, ctx, client, rateLimits, sourceKey, commit, target, guard };
  // the same request at the same commit, every file as the last pull left it: no listing
  const unchanged = await unchangedSnapshot(request, ctx, sourceKey, target);
  if (unchanged) return { ...base, jobs: [], listed: new Set(), unchanged };
  const listing = await client.listFiles(source, commit);
  throwIfInterrupted(signal);
  const selected = selectFiles(listing, request.include, request.exclude, request.paths);
  if (!request.dryRun) await writeTreeCacheGuarded(guard, target, commit, listing);
  const jobs = planJobs(selected, target);
  const listed = new Set(listing.map((f) => f.path));
  return { ...base, jobs, listed };
}

function pullTarget(
  request: PullRequest,
  source: HubSource,
  commit: string,
  hubCache: string,
): PullTarget {
  if ((request.layout ?? "hf-cache") === "local-dir") {
    return { layout: "local-dir", dir: request.dir! };
  }
  // Absolute, because manifest records name files by their absolute local path.
  const repo = hfCacheRepo(resolve(request.dir ?? hubCache), source.repoType, source.repoId);
  return { layout: "hf-cache", repo, commit };
}

/** huggingface_hub's tree cache: it (and an offline pull) then knows the commit's files. */
async function writeTreeCacheGuarded(
  guard: SymlinkGuard,
  target: PullTarget,
  commit: string,
  listing: HubFile[],
): Promise<void> {
  const treeFolder = target.layout === "hf-cache"
    ? target.repo.dir
    : join(target.dir, ".cache", "huggingface");
  await guard.check(join(treeFolder, "x"));
  await writeTreeCache(treeFolder, commit, listing);
}

/**
 * Checks every path the jobs that `write` write, in one sweep, before anything is written or
 * transferred. A job a re-pull found unchanged writes nothing, so it is left out: a no-op
 * re-pull of 100,000 files spends no `lstat` and lists no folder here.
 */
export async function guardPlan(run: HubPull, write: (job: BlobJob) => boolean): Promise<void> {
  const sweep = run.guard.sweep({ listLeaves: true });
  for (const job of run.jobs) if (write(job)) await guardJobPaths(sweep, job, run.target);
}

/** Every path a job writes (lock, part, blob or file, snapshot links, local-dir metadata). */
export async function guardJobPaths(guard: SymlinkGuard, job: BlobJob, target: PullTarget) {
  await guard.check(job.lockPath, { leaf: true });
  await guard.check(job.partPath, { leaf: true });
  await guard.check(job.dataPath);
  for (const file of job.files) {
    await guard.check(file.localPath);
    const metadata = target.layout === "local-dir"
      ? downloadMetadataPath(target.dir, file.path)
      : null;
    if (metadata) await guard.check(metadata, { leaf: true });
  }
}
