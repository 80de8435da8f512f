/**
 * Read-only views over many schedules at once, for the dashboard: every schedule (for filters
 * and search), one summary per shown schedule (next run, window state, last run, stats), the
 * runs in progress, and the failures of the last days. Reads go through `store/` in batches so
 * an overview of a page of schedules costs a handful of KV round trips.
 *
 * @example
 * ```ts
 * const overview = new ScheduleOverview({ kv, config });
 * const rows = await overview.summaries((await overview.allSchedules()).slice(0, 50));
 * ```
 * @module
 */
import type { Config } from "../../config.ts";
import {
  getCounters,
  getRun,
  getScheduleEntries,
  isFinal,
  listActiveRuns,
  listRecentRuns,
  listRuns,
  listSchedules,
  PAGE_MAX,
} from "../../store/mod.ts";
import { type Clock, systemClock } from "../../time/clock.ts";
import type { Run, Schedule } from "../../store/records.ts";
import { type ScheduleStats, statsOf } from "./schedule_views.ts";
import { windowState } from "../window/window_service.ts";

/** What the overview shows of one schedule. */
export interface ScheduleSummary {
  schedule: Schedule;
  /** Next planned occurrence (ISO), null when none is planned. */
  nextAt: string | null;
  window: { open: boolean; nextOpen: string | null; nextClose: string | null } | null;
  lastRun: Run | null;
  stats: ScheduleStats;
}

/** Dependencies of {@link ScheduleOverview}. */
interface ScheduleOverviewDeps {
  kv: Deno.Kv;
  config: Pick<Config, "timezone">;
  clock?: Clock;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** See the module doc. */
export class ScheduleOverview {
  readonly #kv: Deno.Kv;
  readonly #timezone: string;
  readonly #clock: Clock;

  constructor(deps: ScheduleOverviewDeps) {
    this.#kv = deps.kv;
    this.#timezone = deps.config.timezone;
    this.#clock = deps.clock ?? systemClock;
  }

  /** Every schedule that is not deleted, in creation order. */
  async allSchedules(): Promise<Schedule[]> {
    const out: Schedule[] = [];
    let cursor: string | undefined;
    do {
      const page = await listSchedules(this.#kv, { limit: PAGE_MAX, cursor });
      out.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return out;
  }

  /** Next run, window state, last run and stats of each of `schedules`, in the same order. */
  async summaries(schedules: Schedule[]): Promise<ScheduleSummary[]> {
    const now = this.#clock.now();
    const entries = await getScheduleEntries(this.#kv, schedules.map((s) => s.id));
    return await Promise.all(schedules.map(async (schedule) => {
      const [counters, last] = await Promise.all([
        getCounters(this.#kv, schedule.id),
        listRuns(this.#kv, schedule.id, { limit: 1 }),
      ]);
      const nextAt = entries.get(schedule.id)?.state.nextAt ?? null;
      const w = schedule.timeWindow && windowState(schedule.timeWindow, this.#timezone, now);
      return {
        schedule,
        nextAt: nextAt === null ? null : iso(nextAt),
        window: w ? { open: w.open, nextOpen: w.nextOpen, nextClose: w.nextClose } : null,
        lastRun: last.items[0] ?? null,
        stats: statsOf(counters),
      };
    }));
  }

  /** Runs that are running or waiting for their window, oldest first. */
  async activeRuns(): Promise<Run[]> {
    const active = await listActiveRuns(this.#kv);
    const ids = [...active].filter(([, a]) => a.status !== "pending").map(([id]) => id);
    const runs = await Promise.all(ids.map((id) => getRun(this.#kv, id).catch(() => null)));
    return runs.filter((r): r is Run => r !== null && r.status !== "pending" && !isFinal(r));
  }

  /**
   * Failed runs made in the last `days` days, newest first (at most `limit`), looking at no
   * more than `scan` recent runs; `capped` tells when older runs of the period went unread.
   */
  async recentFailures(
    days = 7,
    limit = 20,
    scan = 1000,
  ): Promise<{ runs: Run[]; capped: boolean }> {
    const since = this.#clock.now() - days * 86_400_000;
    const { runs, capped } = await listRecentRuns(this.#kv, since, scan);
    return { runs: runs.filter((r) => r.status === "failed").slice(0, limit), capped };
  }
}
