/**
 * Removing revisions from a hub cache: which snapshots go (the retention rule: keep the newest
 * N by when we first saw each commit, and every snapshot some ref still names; or the ones a
 * user names), which refs go with them, and which blobs no remaining snapshot uses. Applying a
 * plan takes each blob's huggingface_hub lock without waiting: a blob someone is reading or
 * writing under its lock stays, and so does a blob that a snapshot linked meanwhile.
 *
 * @example
 * ```ts
 * const repo = await scanRepo(dir);
 * const plan = planKeepNewest(repo, 1, await commitsSeen(kv, basename(dir)));
 * const done = await applyRemoval(plan); // { bytesFreed, ... }
 * ```
 * @module
 */
import { join } from "node:path";
import { type FileLock, hfCacheLockPath, tryFileLock } from "../part/file_lock.ts";
import { type CachedRepo, cacheRepoOf, scanRepo } from "./cache_scan.ts";

/** What a removal would do (a dry run shows exactly this). */
export interface RemovalPlan {
  repo: CachedRepo;
  /** Snapshots to delete. */
  commits: string[];
  /** Refs to delete (they name a deleted snapshot). */
  refs: string[];
  /** Blobs only the deleted snapshots use. */
  blobs: string[];
  /** Bytes of those blobs. */
  bytes: number;
  /** Remove the whole repo folder when nothing is left in it. */
  wholeRepo: boolean;
}

/** What applying a plan did. */
interface RemovalResult {
  commits: string[];
  refs: string[];
  blobs: string[];
  bytesFreed: number;
  /** Blobs kept because their lock was held or a snapshot uses them again. */
  kept: string[];
}

/** Snapshots newest first by first sighting (`seen`, else when the folder appeared). */
function newestFirst(repo: CachedRepo, seen: Map<string, number>): string[] {
  const at = (commit: string, created: number) => seen.get(commit) ?? created;
  return [...repo.revisions]
    .sort((a, b) => at(b.commit, b.createdMs) - at(a.commit, a.createdMs))
    .map((r) => r.commit);
}

/** The retention rule: keep the newest `keep` snapshots and every one a ref names. */
export function planKeepNewest(
  repo: CachedRepo,
  keep: number,
  seen: Map<string, number>,
): RemovalPlan {
  const named = new Set(Object.values(repo.refs));
  const order = newestFirst(repo, seen);
  const drop = order.slice(keep).filter((c) => !named.has(c));
  return planRemoval(repo, drop, false);
}

/**
 * Removal of the named snapshots (`rm REPO@REV`: REV is a commit, a unique commit prefix of
 * 7+ characters, or a ref) with the refs naming them; all of them when `revisions` is empty.
 * Throws a message for a revision the repo does not have.
 */
export function planRemoveRevisions(repo: CachedRepo, revisions: string[]): RemovalPlan {
  if (revisions.length === 0) {
    return planRemoval(repo, repo.revisions.map((r) => r.commit), true);
  }
  const commits = new Set<string>();
  for (const rev of revisions) {
    const commit = resolveCachedRevision(repo, rev);
    if (!commit) {
      const known = repo.revisions.map((r) => r.commit.slice(0, 12)).join(", ") || "none";
      throw new Error(
        `${repo.repo} has no cached revision "${rev}" (cached: ${known}; refs: ${
          Object.keys(repo.refs).join(", ") || "none"
        })`,
      );
    }
    commits.add(commit);
  }
  return planRemoval(repo, [...commits], false);
}

/** A ref name, full commit or unique prefix (7+) -> the cached commit, or null. */
function resolveCachedRevision(repo: CachedRepo, rev: string): string | null {
  if (repo.refs[rev] && repo.revisions.some((r) => r.commit === repo.refs[rev])) {
    return repo.refs[rev];
  }
  if (rev.length < 7) return null;
  const hits = repo.revisions.filter((r) => r.commit.startsWith(rev));
  return hits.length === 1 ? hits[0].commit : null;
}

function planRemoval(repo: CachedRepo, commits: string[], wholeRepo: boolean): RemovalPlan {
  const gone = new Set(commits);
  const stillUsed = new Set(
    repo.revisions.filter((r) => !gone.has(r.commit)).flatMap((r) => r.blobs),
  );
  const candidates = wholeRepo
    ? Object.keys(repo.blobs)
    : repo.revisions.filter((r) => gone.has(r.commit)).flatMap((r) => r.blobs);
  const blobs = [...new Set(candidates)]
    .filter((b) => !stillUsed.has(b) && b in repo.blobs)
    .sort();
  return {
    repo,
    commits: [...gone].sort(),
    refs: Object.keys(repo.refs).filter((r) => gone.has(repo.refs[r])).sort(),
    blobs,
    bytes: blobs.reduce((sum, b) => sum + repo.blobs[b], 0),
    wholeRepo,
  };
}

/** Applies a plan: refs first (resolvers stop finding the snapshot), then snapshots, blobs. */
export async function applyRemoval(plan: RemovalPlan): Promise<RemovalResult> {
  const { repo } = plan;
  const locks: FileLock[] = [];
  const locked = new Set<string>();
  const kept: string[] = [];
  try {
    for (const blob of plan.blobs) {
      const lock = await tryFileLock(hfCacheLockPath(cacheRepoOf(repo), blob));
      if (lock) {
        locks.push(lock);
        locked.add(blob);
      } else kept.push(blob);
    }
    const refs: string[] = [];
    for (const ref of plan.refs) {
      const path = join(repo.dir, "refs", ...ref.split("/"));
      // only if it still names a commit being removed (a pull may have moved it meanwhile)
      const now = (await Deno.readTextFile(path).catch(() => "")).trim();
      if (!plan.commits.includes(now)) continue;
      await Deno.remove(path).catch(ignoreMissing);
      refs.push(ref);
    }
    for (const commit of plan.commits) {
      await Deno.remove(join(repo.dir, "snapshots", commit), { recursive: true })
        .catch(ignoreMissing);
    }
    // read the snapshots again under the locks: a blob linked meanwhile stays
    const fresh = await scanRepo(repo.dir);
    const used = new Set(fresh.revisions.flatMap((r) => r.blobs));
    const removed: string[] = [];
    let bytesFreed = 0;
    for (const blob of plan.blobs) {
      if (!locked.has(blob)) continue;
      if (used.has(blob)) {
        kept.push(blob);
        continue;
      }
      const size = fresh.blobs[blob] ?? 0;
      await Deno.remove(join(repo.dir, "blobs", blob)).catch(ignoreMissing);
      removed.push(blob);
      bytesFreed += size;
    }
    if (plan.wholeRepo && kept.length === 0) await removeIfEmpty(repo.dir);
    return { commits: plan.commits, refs, blobs: removed, bytesFreed, kept: kept.sort() };
  } finally {
    for (const lock of locks) await lock.release();
  }
}

/** Removes a repo folder once no snapshot, blob or partial download is left in it. */
async function removeIfEmpty(dir: string): Promise<void> {
  const fresh = await scanRepo(dir);
  if (fresh.revisions.length > 0 || Object.keys(fresh.blobs).length > 0) return;
  const entries = await Array.fromAsync(Deno.readDir(join(dir, "blobs"))).catch(() => []);
  if (entries.some((e) => e.name.endsWith(".incomplete"))) return;
  await Deno.remove(dir, { recursive: true }).catch(ignoreMissing);
}

function ignoreMissing(err: unknown): void {
  if (!(err instanceof Deno.errors.NotFound)) throw err;
}
