/**
 * Recovery of runs whose process died: a `running` run whose lease expired is retried at once
 * (reason `interrupted`) while attempts remain, else failed; the run it held back (overlap
 * "queue") is promoted.
 *
 * @example
 * ```ts
 * await recoverAbandoned({ kv, clock, log, historyMs, enqueue, emit, afterFinal }, ids);
 * ```
 * @module
 */
import type { Logger } from "../../log.ts";
import { findRun, getLeases, getOneOff, getScheduleEntry, transitionRun } from "../../store/mod.ts";
import type { Run, Schedule } from "../../store/records.ts";
import type { Clock } from "../../time/clock.ts";
import { DEFAULT_RETRY } from "../runs/run_defaults.ts";
import { finishedRecord, retryRecord } from "../runs/run_records.ts";
import type { EngineEvent } from "./engine_types.ts";

/** What recovery needs from the dispatcher. */
interface RecoveryDeps {
  kv: Deno.Kv;
  clock: Clock;
  log: Logger;
  historyMs: number;
  /** Queues a pending run (see RunDispatcher.enqueue). */
  enqueue: (id: string, at: number, priority?: number) => void;
  emit: (event: EngineEvent) => void;
  /** Webhook and pruning after a run reached its final state. */
  afterFinal: (run: Run, schedule: Schedule | null) => void;
}

const LEASE_EXPIRED = {
  code: "interrupted",
  message: "the process running this attempt stopped without finishing it (lease expired)",
};

/** Retries (or fails) the runs of `ids` whose lease expired: their process died. */
export async function recoverAbandoned(deps: RecoveryDeps, ids: string[]): Promise<void> {
  const now = deps.clock.now();
  const leases = await getLeases(deps.kv, ids);
  for (const id of ids) {
    const lease = leases.get(id);
    if (lease && lease.expiresAt > now) continue;
    await recoverOne(deps, id, now);
  }
}

async function recoverOne(deps: RecoveryDeps, id: string, now: number): Promise<void> {
  const { kv } = deps;
  const found = await findRun(kv, id);
  if (!found) return;
  const retry = found.run.scheduleId
    ? (await getScheduleEntry(kv, found.run.scheduleId))?.schedule.retry
    : (await getOneOff(kv, id))?.retry;
  const policy = retry ?? DEFAULT_RETRY;
  const error = LEASE_EXPIRED;
  const moved = await transitionRun(
    kv,
    id,
    { abandonedBefore: now },
    (run) =>
      run.attempt >= policy.attempts
        ? finishedRecord(run, now, { ok: false, error })
        : { ...retryRecord(run, error, now, now), reason: "interrupted" },
    { now, historyMs: deps.historyMs },
  );
  if (!moved) return;
  const stored = moved.run;
  if (moved.promoted) deps.enqueue(moved.promoted, now);
  deps.log.warn("run.abandoned", { runId: id, status: stored.status, attempt: stored.attempt });
  deps.emit({ type: "run", run: stored });
  if (stored.status === "pending") deps.enqueue(id, now, stored.priority);
  else {
    const schedule = stored.scheduleId
      ? (await getScheduleEntry(kv, stored.scheduleId))?.schedule ?? null
      : null;
    deps.afterFinal(stored, schedule);
  }
}
