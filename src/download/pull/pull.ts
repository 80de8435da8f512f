/**
 * One pull: a hub repo (one commit, resolved at start) or a URL, downloaded resumably and
 * verified into its layout, with a manifest record per file. Files already present and
 * verified are skipped without transferring a body; one failing file lets the others finish
 * before its error is thrown, so a retry resumes only what is missing.
 *
 * @example
 * ```ts
 * const report = await pull({ source: "hf:acme/tiny-model@main" }, { config, kv });
 * ```
 * @module
 */
import { dirname, join, resolve } from "node:path";
import type { Config } from "../../config.ts";
import { resolveHfToken } from "../../hf_env.ts";
import { NightpullError, toNightpullError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { type BandwidthLimiter, fetchFile } from "../transfer/fetcher.ts";
import { parseBandwidth } from "../../time/bandwidth.ts";
import { chainLimiters, rateLimiterFor } from "../transfer/rate_limiter.ts";
import { ensureFreeSpace } from "../layout/disk_space.ts";
import { hfCacheRepo, repoFolderName, writeRef } from "../layout/hf_cache.ts";
import { applyRetention } from "./pull_retention.ts";
import { recordCommitSeen } from "../../store/commits_seen.ts";
import { HubClient } from "../hub/hub_client.ts";
import { downloadMetadataPath } from "../layout/local_dir_metadata.ts";
import { type SymlinkGuard, symlinkGuard } from "../layout/symlink_guard.ts";
import { type FileLock, lockWaitMessage } from "../part/file_lock.ts";
import { fileStamp, KnownFiles, type Presence } from "./known_files.ts";
import { discardPart } from "../part/part_file.ts";
import {
  adoptLeftoverPart,
  clearLeftoverParts,
  removeLeftoverParts,
} from "../layout/leftover_parts.ts";
import { runLockedJobs } from "./locked_jobs.ts";
import { RateLimitBudget } from "../hub/rate_limit_budget.ts";
import {
  type BlobJob,
  ConnectionBudget,
  connectionsFor,
  planJobs,
  type PullTarget,
  selectFiles,
} from "./pull_plan.ts";
import { manifestSourceKey } from "../source/source_key.ts";
import { parseSource, type Source } from "../source/source.ts";
import { pullUrl } from "./pull_url.ts";
import { resumableBytes } from "../part/resume_point.ts";
import { TransferMeter } from "../transfer/transfer_meter.ts";
import { eachLimited } from "./each_limited.ts";
import { pullOffline } from "./pull_offline.ts";
import { writeTreeCache } from "../hub/tree_cache.ts";
import { describeFileError } from "./file_error.ts";
import { verifiedFileRecorder } from "../layout/verified_file.ts";
import { type DryRunPlan, dryRunPlan } from "./dry_run.ts";
import { metrics } from "../../metrics.ts";

/** What to pull (the schedule's DownloadSpec, minus scheduling). */
export interface PullRequest {
  source: string;
  include?: string[];
  exclude?: string[];
  layout?: "hf-cache" | "local-dir";
  /** local-dir target, or hf-cache root (else config.hubCache); for URLs the downloads dir. */
  dir?: string;
  /** Expected SHA-256 (hex) of a URL source. */
  sha256?: string;
  /** File name of a URL source (else Content-Disposition or the URL). */
  filename?: string;
  /** Connections per large file (else config.connections). */
  connections?: number;
  /** Only these repo paths (a file, or a folder for all under it), as `hf download REPO PATH...`. */
  paths?: string[];
  /** Fetch every selected file again, even when present and verified (`--force-download`). */
  force?: boolean;
  /** Plan only: resolve, list and check presence, write and transfer nothing (`--dry-run`). */
  dryRun?: boolean;
  /**
   * This pull's own bandwidth limit (rclone syntax; timetable steps in `config.timezone`),
   * shared by all its files and connections.
   */
  bandwidth?: string;
  /** `"always"`: re-hash every present file, not only those whose stamp changed (`--verify`). */
  verify?: "changed" | "always";
  /**
   * hf-cache: after success, keep only this many snapshots of the repo (newest by when first
   * seen, plus any a ref names) and the blobs they use. Absent: keep all.
   */
  keepRevisions?: number;
  /** local-dir: after success, delete the files nightpull wrote earlier that this pull lacks. */
  prune?: boolean;
}

/** What a pull reports while it runs. */
export type PullEvent =
  | {
    type: "plan";
    commit: string | null;
    files: { path: string; size: number | null; skip: boolean }[];
  }
  | { type: "progress"; path: string; bytes: number; total: number | null }
  | { type: "file"; path: string; status: "done" | "skipped"; bytes: number }
  /** Another process (or run) holds the file's lock; this pull waits for it. */
  | { type: "waiting"; path: string; message: string }
  | {
    /** Waiting on a 429 until `until` (ISO); `by` is "the hub" or the URL's host. */
    type: "wait";
    reason: "rate_limited";
    by: string;
    seconds: number;
    until: string;
  };

/** Everything a pull needs from its caller. */
export interface PullContext {
  config: Config;
  kv: Deno.Kv;
  /** For HF_TOKEN; default `Deno.env.toObject()`. */
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  onEvent?: (e: PullEvent) => void;
  logger?: Logger;
  /** Files downloaded at once (default 8, as huggingface_hub's snapshot_download). */
  fileConcurrency?: number;
  /** Limiters shared beyond this pull (the process-wide `--bwlimit`); every byte takes from each. */
  limiters?: BandwidthLimiter[];
  /** Total time this pull may wait on rate limits (default 10 min), then `rate_limited`. */
  rateLimitBudgetMs?: number;
}

/**
 * The pull's one budget for 429 waits, shared by its API calls and file transfers; each wait
 * becomes a `wait` event ("rate limited by the hub, resuming in 55 s") and a log event.
 */
export function pullRateLimits(ctx: PullContext, source: string, by: string): RateLimitBudget {
  return new RateLimitBudget({
    budgetMs: ctx.rateLimitBudgetMs,
    onWait: (wait) => {
      ctx.logger?.warn("pull.rate_limited", { source, ...wait });
      ctx.onEvent?.({ type: "wait", reason: "rate_limited", by, ...wait });
    },
  });
}

/** The outcome of a successful pull. */
export interface PullReport {
  source: string;
  commit: string | null;
  files: { total: number; done: number; skipped: number };
  /** Body bytes transferred by this call. */
  bytes: number;
  /** Final local paths (largest file first). */
  paths: string[];
  /** With `dryRun`: what the pull would do; nothing was written or transferred. */
  plan?: DryRunPlan;
}

/** Default number of files downloaded at once. */
export const DEFAULT_FILE_CONCURRENCY = 8;
const PRESENCE_CONCURRENCY = 8;

/** Pulls a source; throws a NightpullError (first file error, or `interrupted`). */
export async function pull(request: PullRequest, ctx: PullContext): Promise<PullReport> {
  const source = parseSource(request.source);
  checkRequest(request, source);
  const own = rateLimiterFor(request.bandwidth, ctx.config.timezone);
  const inner = own ? { ...ctx, limiters: [...(ctx.limiters ?? []), own] } : ctx;
  if (source.kind === "url") return await pullUrl(request, source.url, inner);
  return await pullHub(request, source, inner);
}

function checkRequest(request: PullRequest, source: Source): void {
  const bad = (message: string) => {
    throw new NightpullError("invalid_input", message);
  };
  if (request.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(request.sha256)) {
    bad(`invalid sha256 "${request.sha256}": expected 64 hex characters`);
  }
  if (source.kind === "hf" && (request.sha256 !== undefined || request.filename !== undefined)) {
    bad("sha256 and filename apply to URL sources only; hub files are verified from the listing");
  }
  if (source.kind === "url" && (request.paths?.length || request.dryRun || request.force)) {
    bad("paths, dryRun and force apply to hub sources only");
  }
  if (request.layout === "local-dir" && source.kind === "hf" && !request.dir) {
    bad('layout "local-dir" needs a target directory (--local-dir DIR)');
  }
  if (request.bandwidth !== undefined) parseBandwidth(request.bandwidth);
  const c = request.connections;
  if (c !== undefined && (!Number.isInteger(c) || c < 1 || c > 32)) {
    bad(`invalid connections ${c}: expected a whole number from 1 to 32`);
  }
}

/** Throws `interrupted` when the pull was aborted. */
export function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new NightpullError(
      "interrupted",
      "interrupted; partial files are kept, run the same pull again to resume",
    );
  }
}

type HubSource = Extract<Source, { kind: "hf" }>;

async function pullHub(request: PullRequest, source: HubSource, ctx: PullContext) {
  // HF_HUB_OFFLINE: not a single hub request; the cache alone answers.
  if (ctx.config.offline) return await pullOffline(request, source, ctx);
  const { config, kv, signal } = ctx;
  const limiter = chainLimiters(ctx.limiters ?? []);
  const env = ctx.env ?? Deno.env.toObject();
  const sourceKey = manifestSourceKey(source);
  const rateLimits = pullRateLimits(ctx, sourceKey, "the hub");
  const client = new HubClient({
    endpoint: config.hfEndpoint,
    token: resolveHfToken(config, env),
    ...(config.etagTimeoutMs ? { timeoutMs: config.etagTimeoutMs } : {}),
    rateLimits,
    signal,
  });
  const commit = await client.resolveRevision(source);
  throwIfInterrupted(signal);
  await recordCommitSeen(kv, repoFolderName(source.repoType, source.repoId), commit, Date.now());
  const listing = await client.listFiles(source, commit);
  throwIfInterrupted(signal);
  const selected = selectFiles(listing, request.include, request.exclude, request.paths);
  const layout = request.layout ?? "hf-cache";
  // Absolute, because manifest records name files by their absolute local path.
  const repo = hfCacheRepo(resolve(request.dir ?? config.hubCache), source.repoType, source.repoId);
  const target: PullTarget = layout === "hf-cache"
    ? { layout, repo, commit }
    : { layout, dir: request.dir! };
  // no write through a symlink someone else put below the target (checked again per file)
  const guard = symlinkGuard(layout === "hf-cache" ? dirname(repo.dir) : request.dir!);
  if (!request.dryRun) {
    // huggingface_hub's tree cache: it (and an offline pull) then knows the commit's files
    const treeFolder = layout === "hf-cache"
      ? repo.dir
      : join(request.dir!, ".cache", "huggingface");
    await guard.check(join(treeFolder, "x"));
    await writeTreeCache(treeFolder, commit, listing);
  }
  const jobs = planJobs(selected, target);
  const guardJob = (job: BlobJob) => guardJobPaths(guard, job, target);
  for (const job of jobs) await guardJob(job);
  const listed = new Set(listing.map((f) => f.path));
  const known = await KnownFiles.load(kv, sourceKey);
  const verify = request.verify === "always";

  // Checking presence is a stat per file (and a re-hash for unrecorded or changed files): run
  // a few at once so a no-op pull of a large repo stays quick. --force-download: nothing counts
  // as present, and no partial file is resumed.
  const presence = new Map<BlobJob, Presence>();
  if (request.force) { for (const job of jobs) presence.set(job, { state: "absent" }); }
  await eachLimited(request.force ? [] : jobs, PRESENCE_CONCURRENCY, async (job) => {
    throwIfInterrupted(signal);
    presence.set(job, await known.presence(job, target, { verify, signal }));
  });
  if (request.dryRun) {
    const plan = await dryRunPlan(request.source, commit, jobs, (job) => presence.get(job)!.state);
    return { ...emptyReport(request.source, commit, plan.totals.files), plan };
  }
  const present = jobs.filter((job) => presence.get(job)!.state === "present");
  // Preflight: what is still to be written, plus the reserve, must fit before any transfer.
  const todo = jobs.filter((job) => presence.get(job)!.state !== "present");
  const remaining = new Map<BlobJob, number>();
  for (const job of todo) {
    remaining.set(job, Math.max(0, job.size - await resumableBytes(job.partPath)));
  }
  const spaceAt = target.layout === "hf-cache" ? target.repo.dir : target.dir;
  const checkSpace = () =>
    ensureFreeSpace({
      path: spaceAt,
      needed: [...remaining.values()].reduce((a, b) => a + b, 0),
      reserve: config.minFree,
    });
  if (todo.length > 0) await checkSpace();
  ctx.onEvent?.({
    type: "plan",
    commit,
    files: jobs.flatMap((job) =>
      job.files.map((f) => ({
        path: f.path,
        size: job.size,
        skip: presence.get(job)!.state === "present",
      }))
    ),
  });

  const recorder = await verifiedFileRecorder({
    kv,
    known,
    target,
    commit,
    sourceKey,
    revision: source.revision,
    disableSymlinks: config.disableSymlinks,
  });
  const record: typeof recorder.record = async (job, hashes, stamp) => {
    for (const file of job.files) await guard.check(file.localPath);
    await recorder.record(job, hashes, stamp);
  };

  let skipped = 0;
  const skip = async (job: BlobJob, found: Extract<Presence, { state: "present" }>) => {
    await record(job, found.hashes, found.stamp);
    for (const file of job.files) {
      skipped++;
      metrics.filesSkipped.inc();
      ctx.onEvent?.({ type: "file", path: file.path, status: "skipped", bytes: job.size });
    }
  };
  await eachLimited(present, PRESENCE_CONCURRENCY, async (job) => {
    await skip(job, presence.get(job) as Extract<Presence, { state: "present" }>);
    await removeLeftoverParts(job, target.layout, listed);
  });

  const perFile = request.connections ?? config.connections;
  const fileConcurrency = Math.max(1, ctx.fileConcurrency ?? DEFAULT_FILE_CONCURRENCY);
  // The big file gets its connections while the other workers still get one each.
  const budget = new ConnectionBudget(perFile + fileConcurrency - 1);
  const errors: NightpullError[] = [];
  let bytes = 0;
  let done = 0;

  const runJob = async (job: BlobJob, lock: FileLock) => {
    const first = job.files[0];
    const before = presence.get(job)!.state;
    let meter: TransferMeter | undefined;
    let connections = 0;
    try {
      // Whoever held the lock may have finished (or repaired) the file meanwhile.
      if (!request.force && (before === "absent" || lock.waited)) {
        const now = await known.presence(job, target, {
          verify: verify || before === "changed",
          signal,
        });
        if (now.state === "present") {
          await clearLeftoverParts(job, target.layout, listed);
          return await skip(job, now);
        }
      }
      // Again before each file: another writer may have filled the disk since the preflight,
      // or swapped a folder for a link since the last file.
      await checkSpace();
      await guardJob(job);
      await adoptLeftoverPart(job, target.layout, listed);
      // --force-download starts over (with the lock held: the part is nobody else's now)
      if (request.force) await discardPart(job.partPath);
      connections = await budget.acquire(connectionsFor(job.size, perFile));
      // What a resume starts from, so progress shows it as present rather than as transfer.
      const resumed = await resumableBytes(job.partPath);
      ctx.onEvent?.({ type: "progress", path: first.path, bytes: resumed, total: job.size });
      meter = new TransferMeter(resumed);
      const resolveUrl = client.fileUrl(source, commit, first.path);
      const result = await fetchFile({
        url: resolveUrl,
        headers: client.authHeaders(),
        // An expired signed CDN URL (403 after about an hour) is replaced by asking the
        // resolve URL again for a freshly signed redirect.
        reresolve: () => Promise.resolve(resolveUrl),
        // Pinned by commit and hash: a CDN ETag change (e.g. a move to Xet storage) is not a
        // content change, and the hash check at the end stands guard anyway.
        pinned: true,
        rateLimits,
        partPath: job.partPath,
        finalPath: job.dataPath,
        guardPath: (path, options) => guard.check(path, options),
        expected: { size: job.size, sha256: job.sha256, gitSha1: job.gitSha1 },
        connections,
        signal,
        limiter,
        ...(config.downloadTimeoutMs ? { stallTimeoutMs: config.downloadTimeoutMs } : {}),
        onProgress: (b, total) => {
          meter!.progress(b);
          remaining.set(job, Math.max(0, job.size - b));
          ctx.onEvent?.({ type: "progress", path: first.path, bytes: b, total: total ?? job.size });
        },
        mapHttpError: (res: Response) =>
          client.mapHttpError(res, { source, path: first.path, revision: commit }),
      });
      meter.finished(result.bytesTransferred);
      bytes += result.bytesTransferred;
      const hashes = { sha256: result.sha256, gitSha1: result.gitSha1 ?? job.gitSha1 };
      await record(job, hashes, await fileStamp(job.dataPath));
      for (const file of job.files) {
        done++;
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
    } catch (err) {
      meter?.failed(err);
      const e = describeFileError(toNightpullError(err), first.path, job);
      errors.push(e);
      if (e.code !== "interrupted") {
        // info, not warn: the run's own failure reports it (the CLI's one line, run.failed)
        ctx.logger?.info("pull.file_failed", { source: sourceKey, path: first.path, code: e.code });
      }
    } finally {
      // finished, or failed and left for the next run: no longer needed by this one
      remaining.delete(job);
      if (connections > 0) budget.release(connections);
    }
  };

  await runLockedJobs(todo, {
    workers: fileConcurrency,
    lockPath: (job) => job.lockPath,
    signal,
    run: runJob,
    onWait: (job) => {
      const path = job.files[0].path;
      const message = lockWaitMessage(path);
      ctx.onEvent?.({ type: "waiting", path, message });
      ctx.logger?.info("file.lock_wait", { source: sourceKey, path, lock: job.lockPath, message });
    },
  }).catch((err) => {
    if (!signal?.aborted) throw err;
  });

  throwIfInterrupted(signal);
  if (errors.length > 0) throw errors[0];
  // The ref moves only once the whole snapshot is there: until then, offline users keep
  // resolving the revision to the last complete one.
  if (target.layout === "hf-cache") {
    await guard.check(join(target.repo.dir, "refs", source.revision));
    await writeRef(target.repo, source.revision, commit);
  }
  const paths = jobs.flatMap((job) => job.files.map((f) => f.localPath));
  await applyRetention(request, ctx, target, { source: sourceKey, paths });
  return {
    source: request.source,
    commit,
    files: { total: skipped + done, done, skipped },
    bytes,
    paths,
  };
}

function emptyReport(source: string, commit: string, total: number): PullReport {
  return { source, commit, files: { total, done: 0, skipped: 0 }, bytes: 0, paths: [] };
}

/** Every path a job writes (lock, part, blob or file, snapshot links, local-dir metadata). */
async function guardJobPaths(guard: SymlinkGuard, job: BlobJob, target: PullTarget) {
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
