/**
 * Leases of running runs and the transitions that end or pause a run: finish (final state,
 * stats and schedule state in one operation), requeue (retry after backoff, or interrupted by
 * a shutdown) and recovery of runs whose lease expired because their process died.
 *
 * @example
 * ```ts
 * await transitionRun(kv, runId, { owner }, (run) => ({ ...run, status: "succeeded" }), opts);
 * ```
 * @module
 */
import type { Run } from "./records.ts";
import { updateWithCheck } from "./commit.ts";
import { leaseKey, runKey, RUNS_VERSION_KEY, scheduleStateKey } from "./keys.ts";
import { type Lease, setLease } from "./claims.ts";
import { isFinal, putRunOps } from "./runs.ts";
import type { ScheduleState } from "./schedules.ts";

/** Extends a lease held by `owner`; false when the lease is lost (another process took over). */
export async function renewLease(
  kv: Deno.Kv,
  runId: string,
  owner: string,
  expiresAt: number,
): Promise<boolean> {
  const ok = await updateWithCheck(async () => {
    const lease = await kv.get<Lease>(leaseKey(runId));
    if (lease.value?.owner !== owner) return null;
    const op = kv.atomic().check(lease);
    setLease(op, runId, owner, expiresAt);
    return { op, result: true };
  });
  return ok === true;
}

/** Whose run may be transitioned: the lease holder's, or an abandoned one. */
type TransitionGuard = { owner: string } | { abandonedBefore: number };

/**
 * Moves a run on from `running` to what `next` returns, atomically with its consequences:
 * - final: lease and active-index entry removed, stats summed, the schedule's active run
 *   cleared and a queued run promoted (due `now`);
 * - pending or waiting_window: lease removed, due time indexed, other processes told to
 *   rescan.
 * Returns the stored run and the id of a queued run it promoted, or null when the guard
 * failed (the run moved on elsewhere).
 */
export async function transitionRun(
  kv: Deno.Kv,
  runId: string,
  guard: TransitionGuard,
  next: (run: Run) => Run,
  opts: { now: number; historyMs: number },
): Promise<{ run: Run; promoted: string | null } | null> {
  return await updateWithCheck(async () => {
    const [runEntry, leaseEntry] = await kv.getMany<[Run, Lease]>([runKey(runId), leaseKey(runId)]);
    const current = runEntry.value;
    if (!current || isFinal(current)) return null;
    if (current.status !== "running") return null;
    if ("owner" in guard) {
      if (leaseEntry.value?.owner !== guard.owner) return null;
    } else if (leaseEntry.value && leaseEntry.value.expiresAt > guard.abandonedBefore) {
      return null;
    }
    const run = next(current);
    const op = kv.atomic().check(runEntry).check(leaseEntry).delete(leaseKey(runId));
    putRunOps(op, run, opts.historyMs);
    if (run.status === "pending" || run.status === "waiting_window") {
      op.sum(RUNS_VERSION_KEY, 1n);
    }
    const promoted = isFinal(run) && run.scheduleId
      ? await releaseScheduleSlot(kv, op, run, opts.now)
      : null;
    return { op, result: { run, promoted } };
  });
}

/**
 * Adds to `op` the schedule-state change of `run` ending: clear it and promote the queued
 * run (due `now`), whose id is returned.
 */
async function releaseScheduleSlot(
  kv: Deno.Kv,
  op: Deno.AtomicOperation,
  run: Run,
  now: number,
): Promise<string | null> {
  const stateEntry = await kv.get<ScheduleState>(scheduleStateKey(run.scheduleId!));
  const state = stateEntry.value;
  if (!state) return null;
  op.check(stateEntry);
  if (state.queuedRunId === run.id) {
    op.set(scheduleStateKey(run.scheduleId!), { ...state, queuedRunId: null });
    return null;
  }
  if (state.activeRunId !== run.id) return null;
  const queuedId = state.queuedRunId;
  op.set(scheduleStateKey(run.scheduleId!), { ...state, activeRunId: queuedId, queuedRunId: null });
  if (!queuedId) return null;
  const queued = await kv.get<Run>(runKey(queuedId));
  if (!queued.value || isFinal(queued.value)) return null;
  op.check(queued).sum(RUNS_VERSION_KEY, 1n);
  putRunOps(op, { ...queued.value, dueAt: new Date(now).toISOString() }, 0);
  return queuedId;
}

/** Leases of every run (for the abandoned-run sweep). */
export async function getLeases(kv: Deno.Kv, runIds: string[]): Promise<Map<string, Lease>> {
  const out = new Map<string, Lease>();
  for (let i = 0; i < runIds.length; i += 10) {
    const chunk = runIds.slice(i, i + 10);
    const entries = await kv.getMany<Lease[]>(chunk.map(leaseKey));
    entries.forEach((e, j) => e.value && out.set(chunk[j], e.value));
  }
  return out;
}
