/**
 * A schedule's lifecycle: soft delete (status `deleted`, history kept) or hard delete
 * (everything removed), pause (no more occurrences planned; runs in progress go on), resume
 * (planned again from now; what was missed while paused is not run), and a manual trigger
 * (also while paused; refused outside the schedule's window unless forced).
 *
 * @example
 * ```ts
 * await pauseSchedule(ctx, id);
 * const run = await triggerSchedule(ctx, id, { force: true });
 * ```
 * @module
 */
import { checkOutboundTargets } from "../../download/net/outbound_guard.ts";
import { NightpullError } from "../../errors.ts";
import {
  addManualRun,
  getSchedule,
  getScheduleEntry,
  hardDeleteSchedule,
  newId,
  updateSchedule,
} from "../../store/mod.ts";
import type { Run, Schedule } from "../../store/records.ts";
import { newRun } from "../runs/run_records.ts";
import { nextOccurrence } from "../trigger/trigger.ts";
import { compileTimeWindow, isOpenAt, nextOpening } from "../window/time_window.ts";
import { conflict, type ServiceContext } from "./service_context.ts";

const iso = (ms: number) => new Date(ms).toISOString();

/** Soft delete (status `deleted`, history kept) or hard delete (everything removed). */
export async function deleteSchedule(
  ctx: ServiceContext,
  id: string,
  opts: { hard?: boolean } = {},
): Promise<void> {
  if (opts.hard) {
    await hardDeleteSchedule(ctx.kv, id);
    ctx.log.info("schedule.deleted", { scheduleId: id, hard: true });
  } else {
    await updateSchedule(
      ctx.kv,
      id,
      ({ schedule, state }) =>
        schedule.status === "deleted" ? null : {
          schedule: { ...schedule, status: "deleted", updatedAt: iso(ctx.clock.now()) },
          state: { ...state, nextAt: null },
        },
    );
    ctx.log.info("schedule.deleted", { scheduleId: id, hard: false });
  }
  ctx.changed(id);
}

/** Stops planning occurrences; runs in progress go on. `conflict` when completed/deleted. */
export async function pauseSchedule(ctx: ServiceContext, id: string): Promise<Schedule> {
  const entry = await updateSchedule(ctx.kv, id, ({ schedule, state }) => {
    if (schedule.status === "paused") return null;
    if (schedule.status !== "active") {
      throw conflict(`cannot pause schedule "${id}": it is ${schedule.status}`, id);
    }
    return {
      schedule: { ...schedule, status: "paused", updatedAt: iso(ctx.clock.now()) },
      state: { ...state, nextAt: null },
    };
  });
  ctx.log.info("schedule.paused", { scheduleId: id });
  ctx.changed(id);
  return entry?.schedule ?? await getSchedule(ctx.kv, id);
}

/** Plans again from now (occurrences missed while paused are not run). */
export async function resumeSchedule(ctx: ServiceContext, id: string): Promise<Schedule> {
  const entry = await updateSchedule(ctx.kv, id, ({ schedule, state }) => {
    if (schedule.status === "active") return null;
    if (schedule.status !== "paused") {
      throw conflict(
        `cannot resume schedule "${id}": it is ${schedule.status}` +
          (schedule.status === "completed" ? "; give it a new trigger with PUT or PATCH" : ""),
        id,
      );
    }
    const now = ctx.clock.now();
    const next = nextOccurrence(schedule.trigger, ctx.config.timezone, now);
    if (next === null) {
      throw conflict(
        `cannot resume schedule "${id}": its trigger has no future occurrence; give it a new one`,
        id,
      );
    }
    return {
      schedule: { ...schedule, status: "active", updatedAt: iso(now) },
      state: { ...state, cursor: now, nextAt: next },
    };
  });
  ctx.log.info("schedule.resumed", { scheduleId: id });
  ctx.changed(id);
  return entry?.schedule ?? await getSchedule(ctx.kv, id);
}

/**
 * Runs the schedule now (also while paused). Returns the new run, or the run already pending
 * or running. Outside the schedule's window: `outside_window` (409) unless `force`.
 */
export async function triggerSchedule(
  ctx: ServiceContext,
  id: string,
  opts: { force?: boolean } = {},
): Promise<Run> {
  const schedule = await getSchedule(ctx.kv, id);
  if (schedule.status === "deleted") {
    throw conflict(`cannot trigger schedule "${id}": it is deleted`, id);
  }
  // the allow-list may have changed since the schedule was stored
  await checkOutboundTargets(ctx.config, schedule);
  const now = ctx.clock.now();
  const closed = closedWindow(ctx, schedule, now, opts.force);
  const run: Run = newRun({
    id: newId(now),
    scheduleId: id,
    source: schedule.source,
    plannedAt: now,
    trigger: "manual",
    now,
    priority: schedule.priority,
  });
  // forced past a closed window: the run ignores the window (never held, never paused)
  if (closed) run.forced = true;
  const active = await addManualRun(ctx.kv, () => getScheduleEntry(ctx.kv, id), run);
  if (!active) throw new NightpullError("not_found", `schedule "${id}" not found`, { id });
  if (active.id === run.id) {
    ctx.log.info("run.planned", { runId: run.id, scheduleId: id, trigger: "manual" });
    ctx.changed(id);
  }
  return active;
}

/**
 * True when the schedule's window is closed at `now`; throws `outside_window` (with the next
 * opening) then, unless `force`.
 */
function closedWindow(
  ctx: ServiceContext,
  schedule: Schedule,
  now: number,
  force: boolean | undefined,
): boolean {
  const window = schedule.timeWindow &&
    compileTimeWindow(schedule.timeWindow, ctx.config.timezone);
  const closed = window !== undefined && !isOpenAt(window, now);
  if (closed && !force) {
    const open = nextOpening(window, now);
    throw new NightpullError(
      "outside_window",
      `schedule "${schedule.id}" is outside its time window` +
        (open === null ? "" : ` (next opening ${iso(open)})`) + "; use force to run anyway",
      { id: schedule.id, nextOpen: open === null ? null : iso(open) },
    );
  }
  return closed;
}
