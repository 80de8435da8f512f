/**
 * What a successful pull does to older content: a schedule's `keepRevisions` prunes the
 * repo's old snapshots in the hub cache, `prune` the stale files of a local dir.
 *
 * @example
 * ```ts
 * await applyRetention(request, ctx, target, { source: sourceKey, paths: report.paths });
 * ```
 * @module
 */
import { toNightpullError } from "../../errors.ts";
import { metrics } from "../../metrics.ts";
import { pruneRepoDir } from "../cache/retention.ts";
import { pruneLocalDir } from "../layout/local_dir_prune.ts";
import type { PullContext, PullRequest } from "./pull_types.ts";
import type { PullTarget } from "./pull_plan.ts";

/**
 * After a successful pull: `keepRevisions` prunes the repo's old snapshots, `prune` the stale
 * files of a local dir. A failure here is logged, not thrown: the pull itself succeeded.
 */
export async function applyRetention(
  request: PullRequest,
  ctx: PullContext,
  target: PullTarget,
  pulled: { source: string; paths: string[] },
): Promise<void> {
  try {
    if (target.layout === "hf-cache" && request.keepRevisions !== undefined) {
      await pruneRepoDir(target.repo.dir, {
        keep: request.keepRevisions,
        kv: ctx.kv,
        logger: ctx.logger,
      });
    } else if (target.layout === "local-dir" && request.prune) {
      const done = await pruneLocalDir(ctx.kv, { ...pulled, dir: target.dir, keep: pulled.paths });
      if (done.removed.length > 0) {
        metrics.cachePrunedBytes.inc(undefined, done.bytes);
        ctx.logger?.info("cache.pruned", {
          source: pulled.source,
          dir: target.dir,
          files: done.removed.length,
          bytesFreed: done.bytes,
        });
      }
    }
  } catch (err) {
    ctx.logger?.warn("cache.prune_failed", {
      source: pulled.source,
      message: toNightpullError(err).message,
    });
  }
}
