/**
 * What handling the due occurrences of one schedule writes (pure): the misfire plan (one run
 * for the recent ones, one `missed` record for the old ones), then the run's fate: skipped
 * outside the window, offline (`HF_HUB_OFFLINE`, hub sources) or on overlap, queued behind the active run, started at once when a slot
 * is free, else pending. The engine commits the result as one claim.
 *
 * @example
 * ```ts
 * const planned = planClaim(entry, { now, timezone: "UTC", owner, leaseMs, historyMs,
 *   activeBusy: false, slotFree: true, windowOpen: true });
 * ```
 * @module
 */
import { newId, type OccurrenceClaim, type ScheduleEntry } from "../../store/mod.ts";
import { parseDuration } from "../../time/duration.ts";
import { planDueOccurrences } from "./misfire.ts";
import { type NewRun, newRun } from "../runs/run_records.ts";
import type { Run } from "../../store/records.ts";

/** Facts about this moment and this process that decide a run's fate. */
export interface ClaimContext {
  now: number;
  /** Zone of triggers that name none. */
  timezone: string;
  owner: string;
  leaseMs: number;
  historyMs: number;
  /** The schedule's active run exists and is not final. */
  activeBusy: boolean;
  /** This process may start a run now. */
  slotFree: boolean;
  /** The schedule has no window or it is open now. */
  windowOpen: boolean;
  /** When the window is closed: when it opens next (ms), stored on the skipped run. */
  nextOpen?: number | null;
  /** `HF_HUB_OFFLINE`: scheduled runs of hub sources are skipped (reason `offline`). */
  offline?: boolean;
}

/** A claim to commit, the run to start if it commits, and the schedule's next time. */
export interface PlannedClaim {
  claim: OccurrenceClaim;
  startNow: Run | null;
  next: number | null;
}

/** Plans the handling of everything due for `entry` at `ctx.now` (its nextAt ≤ now). */
export function planClaim(entry: ScheduleEntry, ctx: ClaimContext): PlannedClaim {
  const { schedule, state } = entry;
  const { now } = ctx;
  const grace = parseDuration(schedule.misfireGrace, "misfireGrace");
  const plan = planDueOccurrences(schedule.trigger, ctx.timezone, state.nextAt!, now, grace);
  const runs: Run[] = [];
  const newState = { ...state, cursor: plan.cursor, nextAt: plan.next };
  const common: RunBase = {
    scheduleId: schedule.id,
    source: schedule.source,
    now,
    priority: schedule.priority,
  };
  if (plan.missed) runs.push(missedRun(common, plan.missed));
  let startNow: Run | null = null;
  if (plan.fire) {
    const base = {
      ...common,
      id: newId(now),
      plannedAt: plan.fire.plannedAt,
      trigger: plan.fire.catchup ? "catchup" as const : "schedule" as const,
    };
    const fate = runFate(entry, ctx, base);
    runs.push(fate.run);
    if (fate.queued) newState.queuedRunId = fate.run.id;
    if (fate.active) newState.activeRunId = fate.run.id;
    if (fate.active && ctx.slotFree) startNow = fate.run;
  }
  const completed = schedule.trigger.type === "once" && plan.next === null;
  const claim: OccurrenceClaim = {
    entry,
    plannedAt: plan.cursor,
    owner: ctx.owner,
    state: newState,
    schedule: completed
      ? { ...schedule, status: "completed", updatedAt: new Date(now).toISOString() }
      : undefined,
    runs,
    lease: startNow ? { runId: startNow.id, expiresAt: now + ctx.leaseMs } : undefined,
    historyMs: ctx.historyMs,
  };
  return { claim, startNow, next: plan.next };
}

/** What every run of this claim shares. */
type RunBase = Pick<NewRun, "scheduleId" | "source" | "now" | "priority">;

/** The one `skipped` record (reason `missed`) standing for the occurrences past the grace. */
function missedRun(common: RunBase, missed: { count: number; first: number; last: number }): Run {
  return {
    ...newRun({
      ...common,
      id: newId(common.now),
      plannedAt: missed.last,
      trigger: "schedule",
      status: "skipped",
      reason: "missed",
    }),
    missed: {
      count: missed.count,
      first: new Date(missed.first).toISOString(),
      last: new Date(missed.last).toISOString(),
    },
  };
}

/**
 * The fired occurrence's run: skipped (window closed, offline, overlap), queued behind the
 * active run, or the schedule's new active run (running when a slot is free, else pending).
 */
function runFate(
  entry: ScheduleEntry,
  ctx: ClaimContext,
  base: RunBase & Pick<NewRun, "id" | "plannedAt" | "trigger">,
): { run: Run; queued?: boolean; active?: boolean } {
  const { schedule, state } = entry;
  if (!ctx.windowOpen) {
    const next = ctx.nextOpen ?? null;
    return {
      run: {
        ...newRun({ ...base, status: "skipped", reason: "outside_window" }),
        nextOpen: next === null ? null : new Date(next).toISOString(),
      },
    };
  }
  if (ctx.offline && /^hf:/i.test(schedule.source)) {
    // nothing a run could fetch: say so in the history rather than fail every night
    return { run: newRun({ ...base, status: "skipped", reason: "offline" }) };
  }
  if (ctx.activeBusy && (schedule.overlap === "skip" || state.queuedRunId)) {
    return { run: newRun({ ...base, status: "skipped", reason: "overlap" }) };
  }
  if (ctx.activeBusy) {
    return { run: newRun({ ...base, status: "pending", dueAt: null }), queued: true };
  }
  return {
    run: newRun({ ...base, status: ctx.slotFree ? "running" : "pending" }),
    active: true,
  };
}
