/**
 * What `pull --dry-run` reports: every selected file with its size and what a pull would do
 * with it (present, fetch, or repair a file on disk that fails its check), with totals and the
 * commit. Built from the pull's own plan, so it says exactly what the pull would transfer.
 *
 * @example
 * ```ts
 * const plan = await dryRunPlan("hf:acme/m@main", commit, jobs, present);
 * ```
 * @module
 */
import type { BlobJob } from "./pull_plan.ts";

/** What a pull would do with one file. */
type PlannedAction = "present" | "fetch" | "repair";

/** One file of the plan. */
interface PlannedFile {
  path: string;
  size: number;
  action: PlannedAction;
}

/** Files and bytes of one action. */
interface PlanCount {
  files: number;
  bytes: number;
}

/** The whole plan of a dry run. */
export interface DryRunPlan {
  source: string;
  commit: string;
  files: PlannedFile[];
  totals: PlanCount & Record<PlannedAction, PlanCount>;
}

/**
 * The plan for `jobs` given each one's state on disk. A job not present whose file is on disk
 * is a repair (changed, or wrong size or content); one whose file is absent is a fetch. Files
 * sharing one blob are fetched once: only the first counts its bytes.
 */
export async function dryRunPlan(
  source: string,
  commit: string,
  jobs: BlobJob[],
  stateOf: (job: BlobJob) => "present" | "changed" | "absent",
): Promise<DryRunPlan> {
  const files: PlannedFile[] = [];
  const totals = {
    files: 0,
    bytes: 0,
    present: { files: 0, bytes: 0 },
    fetch: { files: 0, bytes: 0 },
    repair: { files: 0, bytes: 0 },
  };
  for (const job of jobs) {
    const state = stateOf(job);
    const action: PlannedAction = state === "present"
      ? "present"
      : state === "changed" || await exists(job.dataPath)
      ? "repair"
      : "fetch";
    job.files.forEach((file, i) => {
      files.push({ path: file.path, size: job.size, action });
      const bytes = i === 0 ? job.size : 0;
      totals.files++;
      totals.bytes += bytes;
      totals[action].files++;
      totals[action].bytes += bytes;
    });
  }
  files.sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  return { source, commit, files, totals };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
