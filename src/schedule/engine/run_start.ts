/**
 * Starting a due pending run: its lease is taken in the same checked step that reads what it
 * executes (its schedule, or its one-off download) and its window, so a run whose window is
 * closed is stored as `waiting_window` instead of starting.
 *
 * @example
 * ```ts
 * const started = await startDueRun({ kv, clock, owner, leaseMs, timezone }, runId);
 * if (started?.run.status === "running" && started.job) launch(started.run, started.job);
 * ```
 * @module
 */
import { getOneOff, getScheduleEntry, startRun } from "../../store/mod.ts";
import type { DownloadSpec, RetryPolicy, Run, Schedule, TimeWindow } from "../../store/records.ts";
import type { Clock } from "../../time/clock.ts";
import { waitingRecord } from "../runs/run_records.ts";
import { specOf } from "../runs/schedule_spec.ts";
import { holdUntil } from "../window/run_window.ts";
import { compileRunWindow } from "./window_watch.ts";

/** What a run executes: its schedule (null for a one-off), spec and retry policy. */
interface RunJob {
  schedule: Schedule | null;
  spec: DownloadSpec;
  retry: RetryPolicy;
}

/** What starting a run needs. */
interface RunStartDeps {
  kv: Deno.Kv;
  clock: Clock;
  /** This process's id, the lease's owner. */
  owner: string;
  leaseMs: number;
  /** Zone of windows that name none. */
  timezone: string;
}

/** A started (or held) run with what it executes; `job` null when its spec vanished. */
interface StartedRun {
  run: Run;
  job: RunJob | null;
  window: TimeWindow | undefined;
}

/**
 * Takes the lease of pending run `id` and marks it running, or stores it as `waiting_window`
 * when its window is closed; null when another process started it or it is no longer pending.
 */
export async function startDueRun(deps: RunStartDeps, id: string): Promise<StartedRun | null> {
  const { kv, owner } = deps;
  const now = deps.clock.now();
  let job = null as RunJob | null;
  let window: TimeWindow | undefined;
  // Read in the same checked step as the start: whether the run may start depends on the
  // window of its schedule (or one-off download).
  const run = await startRun(kv, id, owner, now, now + deps.leaseMs, async (r) => {
    const found = await jobOf(kv, r);
    if (!found) return null;
    ({ job, window } = found);
    const until = holdUntil(r, compileRunWindow(window, deps.timezone), now);
    return until === null ? null : waitingRecord(r, until);
  });
  return run ? { run, job, window } : null;
}

/** What run `r` executes and the window it obeys; null when its schedule or spec is gone. */
async function jobOf(
  kv: Deno.Kv,
  r: Run,
): Promise<{ job: RunJob; window: TimeWindow | undefined } | null> {
  if (r.scheduleId) {
    const entry = await getScheduleEntry(kv, r.scheduleId);
    if (!entry) return null;
    const { schedule } = entry;
    return {
      job: { schedule, spec: specOf(schedule), retry: schedule.retry },
      window: schedule.timeWindow,
    };
  }
  const oneOff = await getOneOff(kv, r.id);
  if (!oneOff) return null;
  return {
    job: { schedule: null, spec: oneOff.spec, retry: oneOff.retry },
    window: oneOff.timeWindow,
  };
}
