/**
 * The no-op re-pull without the listing: a commit's files never change, so when the last pull
 * of the same request at this commit found every file unchanged and saved the snapshot's stamp
 * copy with its paths (stamp_copy.ts), and no manifest record of the source changed since,
 * one `stat` per file against that copy decides it. Any file that does not match (deleted,
 * truncated, replaced, re-linked), or a missing tree cache, sends the pull down the full path:
 * list, scan, repair. What the shortcut leaves out: the per-file `skipped` events (the plan
 * tells them as one count) and the sweep for leftover parts of present blobs.
 *
 * @example
 * ```ts
 * const unchanged = await unchangedSnapshot(request, ctx, sourceKey, target);
 * if (unchanged) unchanged.paths.length; // every file present and unchanged
 * ```
 * @module
 */
import { readSnapshotCopy, STAMP_FIELDS } from "../../store/snapshot_stamps.ts";
import { hasTreeCache } from "../hub/tree_cache.ts";
import { snapshotFilePath } from "../layout/hf_cache.ts";
import { fileStampSync } from "./known_files.ts";
import type { PullTarget } from "./pull_plan.ts";
import { throwIfInterrupted } from "./pull_signals.ts";
import type { PullContext, PullRequest } from "./pull_types.ts";

/** Files checked between two turns of the event loop (signals, progress). */
const YIELD_EVERY = 5000;

/** A snapshot found unchanged: its files' local paths, largest first. */
export interface UnchangedSnapshot {
  paths: string[];
}

/** What a copy is of besides its place: the revision asked for and the selection. */
export function snapshotRequestKey(request: PullRequest): string {
  const { source, include, exclude, paths } = request;
  return JSON.stringify([source, include ?? [], exclude ?? [], paths ?? []]);
}

/** The snapshot's files when every one still has its saved stamp; else undefined. */
export async function unchangedSnapshot(
  request: PullRequest,
  ctx: PullContext,
  sourceKey: string,
  target: PullTarget,
): Promise<UnchangedSnapshot | undefined> {
  if (target.layout !== "hf-cache" || request.force || request.dryRun) return undefined;
  if (request.verify === "always") return undefined;
  const { repo, commit } = target;
  // huggingface_hub's copy of the listing is written by the full path: it must still be there
  if (!hasTreeCache(repo.dir, commit)) return undefined;
  const place = snapshotFilePath(repo, commit, "x").slice(0, -1);
  const copy = await readSnapshotCopy(ctx.kv, sourceKey, place, snapshotRequestKey(request));
  if (!copy) return undefined;
  const { stamps, paths } = copy;
  const local: string[] = [];
  for (let start = 0, i = 0; start <= paths.length; i++) {
    let end = paths.indexOf("\n", start);
    if (end < 0) end = paths.length;
    const path = snapshotFilePath(repo, commit, paths.slice(start, end));
    const stamp = fileStampSync(path);
    const at = i * STAMP_FIELDS;
    if (
      !stamp || stamps[at] !== (stamp.ino ?? -1) || stamps[at + 1] !== stamp.mtimeMs ||
      stamps[at + 2] !== stamp.size || at >= stamps.length
    ) return undefined;
    local.push(path);
    start = end + 1;
    if (local.length % YIELD_EVERY === 0) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      throwIfInterrupted(ctx.signal);
    }
  }
  if (local.length * STAMP_FIELDS !== stamps.length) return undefined;
  const size = (i: number) => stamps[i * STAMP_FIELDS + 2];
  const order = Array.from(local.keys()).sort((a, b) => size(b) - size(a) || a - b);
  return { paths: order.map((i) => local[i]) };
}
