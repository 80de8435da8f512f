/**
 * How schedules are shown: with the engine's next planned run, and one at a time with its
 * next five runs as the engine will fire them, its stats and its window's state; webhook
 * secrets masked.
 *
 * @example
 * ```ts
 * const page = await listScheduleViews(ctx, { status: "active" });
 * const detail = await getScheduleDetail(ctx, upcoming, id);
 * ```
 * @module
 */
import {
  getNextTimes,
  getScheduleWithCounters,
  listSchedules,
  type Page,
  type RunCounters,
  type ScheduleListOptions,
} from "../../store/mod.ts";
import type { Schedule } from "../../store/records.ts";
import { DEFAULT_PRIORITY } from "../runs/run_defaults.ts";
import type { UpcomingRuns } from "../trigger/upcoming_runs.ts";
import { windowState } from "../window/window_service.ts";
import type { ServiceContext } from "./service_context.ts";

/** Outcome counters of a schedule's runs. */
export interface ScheduleStats {
  runs: number;
  succeeded: number;
  failed: number;
  skipped: number;
  /** succeeded / (succeeded + failed); null before the first finished run. */
  successRate: number | null;
  /** Mean duration (ms) of runs that started and finished; null before the first. */
  meanDurationMs: number | null;
}

/** A schedule with the engine's next planned run (null when paused, ended or deleted). */
export interface ScheduleView extends Schedule {
  nextRunAt: string | null;
}

/** A schedule with its next runs, stats and (when it has a window) the window's state. */
export interface ScheduleDetail extends ScheduleView {
  nextRuns: string[];
  stats: ScheduleStats;
  window?: { open: boolean; nextOpen: string | null; nextClose: string | null };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A copy of the schedule with its webhook secret shown as `"***"`. */
export function maskSchedule<T extends Schedule>(s: T): T {
  if (!s.webhook?.secret) return s;
  return { ...s, webhook: { ...s.webhook, secret: "***" } };
}

/** The stats of a schedule from its stored run counters. */
export function statsOf(c: RunCounters): ScheduleStats {
  const finished = c.succeeded + c.failed;
  return {
    runs: c.runs,
    succeeded: c.succeeded,
    failed: c.failed,
    skipped: c.skipped,
    successRate: finished ? c.succeeded / finished : null,
    meanDurationMs: c.timed ? Math.round(c.durationMs / c.timed) : null,
  };
}

/**
 * Lists schedules (deleted ones only with `status: "deleted"`), each with the engine's next
 * run; `labels` keeps those carrying every given label.
 */
export async function listScheduleViews(
  ctx: ServiceContext,
  opts: ScheduleListOptions,
): Promise<Page<ScheduleView>> {
  const page = await listSchedules(ctx.kv, opts);
  const next = await getNextTimes(ctx.kv, page.items.map((s) => s.id));
  return {
    items: page.items.map((s) => {
      const at = s.status === "active" ? next.get(s.id) ?? null : null;
      return { ...s, nextRunAt: at === null ? null : iso(at) };
    }),
    nextCursor: page.nextCursor,
  };
}

/** A schedule with its next 5 runs and stats; `not_found`. */
export async function getScheduleDetail(
  ctx: ServiceContext,
  upcoming: UpcomingRuns,
  id: string,
): Promise<ScheduleDetail> {
  const { schedule: s, counters: c } = await getScheduleWithCounters(ctx.kv, id);
  const nextAt = s.status === "active" ? (await getNextTimes(ctx.kv, [id])).get(id) ?? null : null;
  const now = ctx.clock.now();
  const tz = ctx.config.timezone;
  const detail: ScheduleDetail = {
    ...s,
    priority: s.priority ?? DEFAULT_PRIORITY,
    nextRunAt: nextAt === null ? null : iso(nextAt),
    nextRuns: s.status === "active" ? nextRuns(upcoming, s, tz, nextAt, now).map(iso) : [],
    stats: statsOf(c),
  };
  if (s.timeWindow) {
    const { open, nextOpen, nextClose } = windowState(s.timeWindow, tz, now);
    detail.window = { open, nextOpen, nextClose };
  }
  return detail;
}

/**
 * The next five runs as the engine will fire them: from its planned next time (an interval
 * without `startAt` counts from when it was planned, not from now), else from now.
 */
function nextRuns(
  upcoming: UpcomingRuns,
  s: Schedule,
  tz: string,
  nextAt: number | null,
  now: number,
): number[] {
  if (nextAt === null || nextAt <= now) return upcoming.next(s.trigger, tz, now, 5);
  return [nextAt, ...upcoming.next(s.trigger, tz, nextAt, 4)];
}
