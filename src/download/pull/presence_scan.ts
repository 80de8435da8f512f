/**
 * Which jobs of a hub pull are on disk and verified, learnt a batch at a time: the jobs are
 * taken in path order, 1000 at once, and only that batch's manifest records are read (a key
 * range or two), compared and let go before the next batch. A no-op re-pull of 100,000 files
 * so never holds the source's whole manifest, and costs about one `stat` per file.
 *
 * @example
 * ```ts
 * const { presence } = await scanPresence(run);
 * presence.get(job)?.state; // "present" | "absent" | "changed"
 * ```
 * @module
 */
import { join } from "node:path";
import { SHA1_HEX } from "../hub/hub_file.ts";
import { eachLimited } from "./each_limited.ts";
import type { HubPull } from "./hub_pull_setup.ts";
import { KnownFiles, type Presence, type RecordedAt, UNCHANGED } from "./known_files.ts";
import type { BlobJob, PullTarget } from "./pull_plan.ts";
import { throwIfInterrupted } from "./pull_signals.ts";
import { StampCopy } from "./stamp_copy.ts";

/** Jobs whose records are read and compared at once. */
const SCAN_BATCH = 1000;
/** Presence checks (a stat, or a re-hash) run at once. */
const PRESENCE_CONCURRENCY = 16;

/** What the scan found, and how it read the manifest. */
interface PresenceScan {
  presence: Map<BlobJob, Presence>;
  /** Batches read. */
  batches: number;
  /** Manifest records read in all. */
  records: number;
  /** Most records held at once. */
  largestBatch: number;
  /** A current stamp copy of the snapshot is there (found, or saved by this scan). */
  copied: boolean;
}

/**
 * The presence of every job (all absent with `force`). A present job whose records already say
 * everything is marked `recorded`, so the skip writes nothing.
 */
export async function scanPresence(run: HubPull): Promise<PresenceScan> {
  const { request, jobs, target, ctx, commit } = run;
  const scan: PresenceScan = {
    presence: new Map(),
    batches: 0,
    records: 0,
    largestBatch: 0,
    copied: false,
  };
  if (request.force) {
    for (const job of jobs) scan.presence.set(job, { state: "absent" });
    return scan;
  }
  const others = await otherCommits(target, commit);
  const order = [...jobs].sort((a, b) => firstPath(a) < firstPath(b) ? -1 : 1);
  const at = { commit, revision: run.source.revision, layout: target.layout };
  const quick = request.verify !== "always" && target.layout === "hf-cache";
  // a current stamp copy vouches for unchanged files without their records
  const copy = quick ? await StampCopy.open(run, order, at) : undefined;
  for (let i = 0; i < order.length; i += SCAN_BATCH) {
    throwIfInterrupted(ctx.signal);
    const all = order.slice(i, i + SCAN_BATCH);
    const starts = new Map(copy?.place(all).map((start, k) => [all[k], start]));
    const batch = copy?.current ? all.filter((job) => !vouched(scan, copy, job, starts)) : all;
    if (batch.length === 0) continue;
    const known = await KnownFiles.forJobs(ctx.kv, run.sourceKey, batch, target, others);
    scan.batches++;
    scan.records += known.size;
    scan.largestBatch = Math.max(scan.largestBatch, known.size);
    // The common case of a re-pull, answered with one synchronous stat per file; the rest
    // (absent, changed, unrecorded, re-linked, `--verify`) take the full async check.
    const rest = quick
      ? batch.filter((job) => !markUnchanged(scan, known, job, at, copy, starts.get(job)))
      : batch;
    if (copy && rest.length > 0) copy.complete = false;
    await eachLimited(rest, PRESENCE_CONCURRENCY, async (job) => {
      throwIfInterrupted(ctx.signal);
      const found = await known.presence(job, target, {
        verify: request.verify === "always",
        signal: ctx.signal,
      });
      if (found.state === "present" && !found.unchanged) {
        found.recorded = known.says(job, found, at);
      }
      scan.presence.set(job, found);
    });
  }
  scan.copied = await copy?.save(run) ?? false;
  ctx.logger?.debug("pull.manifest_read", {
    source: run.sourceKey,
    jobs: jobs.length,
    batches: scan.batches,
    records: scan.records,
    largestBatch: scan.largestBatch,
  });
  return scan;
}

/** True (and the job marked {@linkcode UNCHANGED}) when the stamp copy vouches for it. */
function vouched(scan: PresenceScan, copy: StampCopy, job: BlobJob, starts: Map<BlobJob, number>) {
  if (!copy.vouches(job, starts.get(job)!)) return false;
  scan.presence.set(job, UNCHANGED);
  return true;
}

/** True (and the job marked {@linkcode UNCHANGED}) when its records vouch for it. */
function markUnchanged(
  scan: PresenceScan,
  known: KnownFiles,
  job: BlobJob,
  at: RecordedAt,
  copy?: StampCopy,
  start = 0,
) {
  if (!known.unchangedSync(job, at, (i, stamp) => copy?.keep(start, i, stamp))) return false;
  scan.presence.set(job, UNCHANGED);
  return true;
}

/** The job's first repo path: in path order, a batch's records are one key range. */
function firstPath(job: BlobJob): string {
  return job.files[0].path;
}

/** The hf cache's other snapshot commits (their records vouch for the same blobs). */
async function otherCommits(target: PullTarget, commit: string): Promise<string[]> {
  if (target.layout !== "hf-cache") return [];
  const found: string[] = [];
  try {
    for await (const entry of Deno.readDir(join(target.repo.dir, "snapshots"))) {
      if (entry.isDirectory && entry.name !== commit && SHA1_HEX.test(entry.name)) {
        found.push(entry.name);
      }
    }
  } catch {
    // no snapshots yet
  }
  return found;
}
