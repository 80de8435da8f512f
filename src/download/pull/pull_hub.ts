/**
 * An online (or `HF_HUB_OFFLINE`) pull of one hub repo at one commit: open it (resolve, list,
 * plan, guard), learn which files are present, check free space, then skip the present files
 * and fetch the rest. The ref moves only once every file is there.
 *
 * @example
 * ```ts
 * const report = await pullHub(request, source, ctx);
 * ```
 * @module
 */
import { join } from "node:path";
import { writeRef } from "../layout/hf_cache.ts";
import { verifiedFileRecorder } from "../layout/verified_file.ts";
import { resumableBytes } from "../part/resume_point.ts";
import { PartsIn } from "../layout/leftover_parts.ts";
import { eachLimited } from "./each_limited.ts";
import { dryRunPlan } from "./dry_run.ts";
import { HubPullFiles } from "./hub_pull_files.ts";
import { guardPlan, type HubPull, type HubSource, openHubPull } from "./hub_pull_setup.ts";
import { type Presence, UNCHANGED } from "./known_files.ts";
import { pullOffline } from "./pull_offline.ts";
import type { UnchangedSnapshot } from "./unchanged_snapshot.ts";
import { metrics } from "../../metrics.ts";
import type { BlobJob } from "./pull_plan.ts";
import { applyRetention } from "./pull_retention.ts";
import { throwIfInterrupted } from "./pull_signals.ts";
import { scanPresence } from "./presence_scan.ts";
import type { PullContext, PullReport, PullRequest } from "./pull_types.ts";

/** Pulls a hub source; throws the first file error, or `interrupted`. */
export async function pullHub(
  request: PullRequest,
  source: HubSource,
  ctx: PullContext,
): Promise<PullReport> {
  // HF_HUB_OFFLINE: not a single hub request; the cache alone answers.
  if (ctx.config.offline) return await pullOffline(request, source, ctx);
  const run = await openHubPull(request, source, ctx);
  if (run.unchanged) return await finishUnchanged(run, run.unchanged);
  const { jobs, commit, target } = run;
  const { presence, copied } = await scanPresence(run);
  // no write through a symlink someone else put below the target (checked again per file)
  await guardPlan(run, (job) => presence.get(job) !== UNCHANGED);
  if (request.dryRun) {
    const plan = await dryRunPlan(request.source, commit, jobs, (job) => presence.get(job)!.state);
    const total = plan.totals.files;
    const files = { total, done: 0, skipped: 0 };
    return { source: request.source, commit, files, bytes: 0, paths: [], plan };
  }
  const present = jobs.filter((job) => presence.get(job)!.state === "present");
  const todo = jobs.filter((job) => presence.get(job)!.state !== "present");
  const recorder = await verifiedFileRecorder({
    kv: ctx.kv,
    target,
    commit,
    sourceKey: run.sourceKey,
    revision: source.revision,
    disableSymlinks: ctx.config.disableSymlinks,
  });
  const files = new HubPullFiles(run, presence, recorder, todo.length);
  // Preflight: what is still to be written, plus the reserve, must fit before any transfer.
  const partsIn = target.layout === "hf-cache" && todo.length > 0
    ? await PartsIn.list(`${target.repo.dir}/blobs`)
    : undefined;
  await eachLimited(todo, 8, async (job) => {
    // a part the listing of blobs/ did not show is not there: no stat needed
    const resumed = partsIn?.mayHold(job.partPath) === false
      ? 0
      : await resumableBytes(job.partPath);
    files.remaining.set(job, Math.max(0, job.size - resumed));
  });
  if (todo.length > 0) await files.checkSpace();
  emitPlan(run, presence);
  try {
    await files.skipAll(present);
    await files.fetchAll(todo);
  } finally {
    await recorder.flush();
  }
  throwIfInterrupted(ctx.signal);
  if (files.errors.length > 0) throw files.errors[0];
  const report = await finish(run, files);
  if (!copied) await copySnapshot(run);
  return report;
}

/**
 * After a pull that fetched or recorded files: one more scan (every file unchanged now) saves
 * the snapshot's stamp copy, so the next no-op re-pull needs neither the listing nor the
 * records. Best effort: the pull has succeeded whatever happens here.
 */
async function copySnapshot(run: HubPull): Promise<void> {
  if (run.target.layout !== "hf-cache" || run.request.verify === "always") return;
  try {
    await scanPresence({ ...run, request: { ...run.request, force: false } });
  } catch (err) {
    run.ctx.logger?.debug("pull.copy_failed", { source: run.sourceKey, message: String(err) });
  }
}

function emitPlan(run: HubPull, presence: Map<BlobJob, Presence>): void {
  run.ctx.onEvent?.({
    type: "plan",
    commit: run.commit,
    files: run.jobs.flatMap((job) =>
      job.files.map((f) => ({
        path: f.path,
        size: job.size,
        skip: presence.get(job)!.state === "present",
      }))
    ),
  });
}

/** A snapshot found unchanged without a listing: told as one plan, then the usual ending. */
async function finishUnchanged(run: HubPull, unchanged: UnchangedSnapshot): Promise<PullReport> {
  const { request, source, target, guard, commit, ctx } = run;
  const total = unchanged.paths.length;
  ctx.onEvent?.({ type: "plan", commit, files: [], present: total });
  metrics.filesSkipped.inc(undefined, total);
  if (target.layout === "hf-cache") {
    await guard.check(join(target.repo.dir, "refs", source.revision));
    await writeRef(target.repo, source.revision, commit);
  }
  const paths = unchanged.paths;
  await applyRetention(request, ctx, target, { source: run.sourceKey, paths });
  const files = { total, done: 0, skipped: total };
  return { source: request.source, commit, files, bytes: 0, paths };
}

/**
 * The ref moves only once the whole snapshot is there: until then, offline users keep
 * resolving the revision to the last complete one. Then retention, then the report.
 */
async function finish(run: HubPull, files: HubPullFiles): Promise<PullReport> {
  const { request, source, target, guard, commit, jobs } = run;
  if (target.layout === "hf-cache") {
    await guard.check(join(target.repo.dir, "refs", source.revision));
    await writeRef(target.repo, source.revision, commit);
  }
  const paths = jobs.flatMap((job) => job.files.map((f) => f.localPath));
  await applyRetention(request, run.ctx, target, { source: run.sourceKey, paths });
  const { skipped, done, bytes } = files;
  return {
    source: request.source,
    commit,
    files: { total: skipped + done, done, skipped },
    bytes,
    paths,
  };
}
