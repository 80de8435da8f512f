/**
 * The schedule service behind the API and CLI: one entry point over the modules that do the
 * work — schedule views (./schedule_views.ts), edits (./schedule_edits.ts), the lifecycle
 * (./schedule_lifecycle.ts), one-off runs (./download_runs.ts) and windows
 * (../window/window_service.ts). Bad input writes nothing; schedules and their engine state
 * are written atomically. The engine is told about local changes; other processes notice
 * them through the store's version counter.
 *
 * @example
 * ```ts
 * const service = new ScheduleService({ kv, config, engine });
 * const s = await service.create({ source: "hf:openai-community/gpt2", trigger: { type: "cron", expression: "0 2 * * *" } });
 * ```
 * @module
 */
import type { Config } from "../../config.ts";
import { type Logger, silentLogger } from "../../log.ts";
import {
  getRun,
  getSchedule,
  listRuns,
  type Page,
  type ScheduleListOptions,
} from "../../store/mod.ts";
import { type Clock, systemClock } from "../../time/clock.ts";
import type { Engine } from "../engine/engine.ts";
import type { CacheTask, Run, Schedule } from "../../store/records.ts";
import type { ScheduleInput } from "./schedule_input.ts";
import { UpcomingRuns } from "../trigger/upcoming_runs.ts";
import { WindowService } from "../window/window_service.ts";
import { type DownloadRequest, startCacheVerify, startDownload } from "./download_runs.ts";
import { createScheduleFromInput, patchSchedule, replaceSchedule } from "./schedule_edits.ts";
import {
  deleteSchedule,
  pauseSchedule,
  resumeSchedule,
  triggerSchedule,
} from "./schedule_lifecycle.ts";
import {
  getScheduleDetail,
  listScheduleViews,
  type ScheduleDetail,
  type ScheduleView,
} from "./schedule_views.ts";
import type { ServiceContext } from "./service_context.ts";

/** A page of results and a schedule body, as the service's callers use them. */
export type { Page, ScheduleInput };
/** How schedules are shown (./schedule_views.ts), for the API, CLI and dashboard. */
export { maskSchedule, type ScheduleDetail, type ScheduleView } from "./schedule_views.ts";

/** Dependencies of {@link ScheduleService}. */
interface ScheduleServiceDeps {
  kv: Deno.Kv;
  config: Config;
  clock?: Clock;
  engine?: Engine;
  logger?: Logger;
}

/** Schedules, runs and one-off downloads; see the module doc. */
export class ScheduleService {
  readonly #ctx: ServiceContext;
  /** The time-window resource of schedules (GET/PUT/DELETE …/time-window, status, validate). */
  readonly windows: WindowService;
  readonly #upcoming = new UpcomingRuns();
  readonly #listeners = new Set<(scheduleId?: string) => void>();

  constructor(deps: ScheduleServiceDeps) {
    const engine = deps.engine;
    this.#ctx = {
      kv: deps.kv,
      config: deps.config,
      clock: deps.clock ?? systemClock,
      log: deps.logger ?? silentLogger,
      historyMs: deps.config.historyDays * 86_400_000,
      changed: (id, opts) => {
        engine?.notifyChanged(id, opts);
        for (const fn of this.#listeners) fn(id);
      },
    };
    this.windows = new WindowService({ ...deps, changed: (id) => this.#ctx.changed(id) });
  }

  /**
   * Registers a listener told after every write made through this service (the schedule's id;
   * none for one-off runs), e.g. to drop a cached detail; returns the unsubscribe function.
   */
  onChanged(fn: (scheduleId?: string) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /**
   * Validates and stores a new active schedule; throws `invalid_*` with `details.field`. With
   * `declared`, also records it as the config file's schedule of that name, atomically
   * (`conflict` when another process declared the name first).
   */
  create(
    input: ScheduleInput,
    declared?: { name: string; versionstamp: string | null },
  ): Promise<ScheduleView> {
    return createScheduleFromInput(this.#ctx, input, declared);
  }

  /**
   * Lists schedules (deleted ones only with `status: "deleted"`), each with the engine's next
   * run; `labels` keeps those carrying every given label.
   */
  list(opts: ScheduleListOptions = {}): Promise<Page<ScheduleView>> {
    return listScheduleViews(this.#ctx, opts);
  }

  /** A schedule with its next 5 runs and stats; `not_found`. */
  get(id: string): Promise<ScheduleDetail> {
    return getScheduleDetail(this.#ctx, this.#upcoming, id);
  }

  /** PUT: replaces every input field and reschedules from now; without a name, keeps it. */
  replace(id: string, input: ScheduleInput): Promise<Schedule> {
    return replaceSchedule(this.#ctx, id, input);
  }

  /** PATCH: merges the given fields (null removes an optional one); reschedules on a new trigger. */
  patch(id: string, partial: Partial<ScheduleInput>): Promise<Schedule> {
    return patchSchedule(this.#ctx, id, partial);
  }

  /** Soft delete (status `deleted`, history kept) or hard delete (everything removed). */
  delete(id: string, opts: { hard?: boolean } = {}): Promise<void> {
    return deleteSchedule(this.#ctx, id, opts);
  }

  /** Stops planning occurrences; runs in progress go on. `conflict` when completed/deleted. */
  pause(id: string): Promise<Schedule> {
    return pauseSchedule(this.#ctx, id);
  }

  /** Plans again from now (occurrences missed while paused are not run). */
  resume(id: string): Promise<Schedule> {
    return resumeSchedule(this.#ctx, id);
  }

  /**
   * Runs the schedule now (also while paused). Returns the new run, or the run already pending
   * or running. Outside the schedule's window: `outside_window` (409) unless `force`.
   */
  trigger(id: string, opts: { force?: boolean } = {}): Promise<Run> {
    return triggerSchedule(this.#ctx, id, opts);
  }

  /** A schedule's runs, newest first (20 by default); `not_found` for unknown schedules. */
  async listRuns(
    scheduleId: string,
    opts: { limit?: number; cursor?: string } = {},
  ): Promise<Page<Run>> {
    await getSchedule(this.#ctx.kv, scheduleId);
    return await listRuns(this.#ctx.kv, scheduleId, opts);
  }

  /** One run; `not_found`. */
  async getRun(runId: string): Promise<Run> {
    return await getRun(this.#ctx.kv, runId);
  }

  /** POST /downloads: a one-off run (scheduleId null), pending until a slot (and window) opens. */
  startDownload(spec: DownloadRequest): Promise<Run> {
    return startDownload(this.#ctx, spec);
  }

  /**
   * Starts a cache verification as a one-off run (history, SSE, the run's outcome): source
   * `cache:verify`, one attempt, no window. `repos` must already be validated.
   */
  startCacheVerify(task: Omit<CacheTask, "kind">): Promise<Run> {
    return startCacheVerify(this.#ctx, task);
  }
}
