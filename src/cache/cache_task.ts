/**
 * A cache task run by the engine like a download (`POST /api/v1/cache/verify`): the same
 * progress events, the same run record. Verification fails the run `checksum_mismatch`
 * naming the bad blobs, unless `repair` fetched them again.
 *
 * @example
 * ```ts
 * const outcome = await runCacheTask({ kind: "cache-verify", repos: [], repair: true }, ctx);
 * ```
 * @module
 */
import { NightpullError } from "../errors.ts";
import type { PullContext, PullEvent } from "../download/pull/pull.ts";
import type { CacheTask } from "../store/records.ts";
import { repairBlobs, verifyCache, verifyProgressEvents } from "./cache_verify.ts";
import { parseRepoArg, repoLabel } from "../download/cache/repo_arg.ts";

/** What a cache task reports as its run's outcome (the shape of a pull's). */
interface CacheTaskOutcome {
  commit: null;
  files: { total: number; done: number; skipped: number };
  bytes: number;
}

/** Runs `task` against the hub cache of `ctx.config`. */
export async function runCacheTask(task: CacheTask, ctx: PullContext): Promise<CacheTaskOutcome> {
  const emit = (e: PullEvent) => ctx.onEvent?.(e);
  const result = await verifyCache({
    root: ctx.config.hubCache,
    repos: task.repos.map((r) => parseRepoArg(r, false)),
    signal: ctx.signal,
    ...verifyProgressEvents(emit),
  });
  const bad = result.bad.map((b) => `${repoLabel(b.type, b.repo)} blobs/${b.blob}`);
  ctx.logger?.info("cache.verified", {
    blobs: result.blobs,
    bad: bad.length,
    busy: result.busy.length,
  });
  if (bad.length > 0 && !task.repair) {
    throw new NightpullError(
      "checksum_mismatch",
      `${bad.length} blob(s) do not match their names: ${bad.join(", ")}; run verify with ` +
        '"repair": true to fetch them again',
      { blobs: bad },
    );
  }
  const repaired = bad.length > 0 ? await repairBlobs(result.bad, ctx) : [];
  if (repaired.length > 0) {
    ctx.logger?.info("cache.repaired", { blobs: repaired.map((r) => r.blob) });
  }
  return {
    commit: null,
    files: {
      total: result.blobs + result.busy.length,
      done: result.blobs,
      skipped: result.busy.length,
    },
    bytes: repaired.reduce((sum, r) => sum + (r.bytes ?? 0), 0),
  };
}
