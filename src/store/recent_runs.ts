/**
 * Runs across every schedule, newest first, by their time-sortable ids: what the dashboard's
 * "failed in the last 7 days" list reads without one query per schedule.
 *
 * @example
 * ```ts
 * const runs = await listRecentRuns(kv, Date.now() - 7 * 86_400_000, 1000);
 * ```
 * @module
 */
import type { Run } from "./records.ts";
import { idTimePrefix } from "./ids.ts";
import { runKey, RUNS_PREFIX } from "./keys.ts";

/**
 * Runs whose ids were made at or after `sinceMs`, newest first, at most `limit` of them;
 * `capped` says whether older ones in the period were left unread.
 */
export async function listRecentRuns(
  kv: Deno.Kv,
  sinceMs: number,
  limit: number,
): Promise<{ runs: Run[]; capped: boolean }> {
  const runs: Run[] = [];
  const iter = kv.list<Run>(
    { prefix: RUNS_PREFIX, start: runKey(idTimePrefix(sinceMs)) },
    { reverse: true, limit: limit + 1, batchSize: Math.min(500, limit + 1) },
  );
  for await (const { value } of iter) runs.push(value);
  const capped = runs.length > limit;
  return { runs: capped ? runs.slice(0, limit) : runs, capped };
}
