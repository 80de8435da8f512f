/**
 * When nightpull first saw each commit of a repo, so retention can order snapshots by "the
 * commit's time as seen by us" (the hub's commit dates can be rewritten or missing; ours only
 * move forward). Keyed `["np", "commits_seen", <repo folder>, <commit>]` -> epoch ms; written
 * once per commit, never overwritten.
 *
 * @example
 * ```ts
 * await recordCommitSeen(kv, "models--acme--tiny", commit, Date.now());
 * const seen = await commitsSeen(kv, "models--acme--tiny"); // Map<commit, ms>
 * ```
 * @module
 */
import { commitWithRetry, retryWhileLocked } from "./commit.ts";
import { commitSeenKey, commitsSeenPrefix } from "./keys.ts";

/** Records `at` as the first sighting of `commit`, unless one is recorded already. */
export async function recordCommitSeen(
  kv: Deno.Kv,
  repoFolder: string,
  commit: string,
  at: number,
): Promise<void> {
  const key = commitSeenKey(repoFolder, commit);
  // a lost race means another writer recorded it first, which is what we want
  await commitWithRetry(() => kv.atomic().check({ key, versionstamp: null }).set(key, at));
}

/** Every recorded first sighting of a repo's commits. */
export async function commitsSeen(kv: Deno.Kv, repoFolder: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for await (const e of kv.list<number>({ prefix: commitsSeenPrefix(repoFolder) })) {
    out.set(String(e.key[3]), e.value);
  }
  return out;
}

/** Forgets the sightings of removed commits. */
export async function forgetCommitsSeen(
  kv: Deno.Kv,
  repoFolder: string,
  commits: string[],
): Promise<void> {
  for (const commit of commits) {
    await retryWhileLocked(() => kv.delete(commitSeenKey(repoFolder, commit)));
  }
}
