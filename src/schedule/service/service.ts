/**
 * The schedule service behind the API and CLI: validates input (bad input writes nothing),
 * persists schedules and their engine state atomically, drives the lifecycle (pause, resume,
 * trigger, soft/hard delete), and reads history and stats. The engine is told about local
 * changes; other processes notice them through the store's version counter.
 *
 * @example
 * ```ts
 * const service = new ScheduleService({ kv, config, engine });
 * const s = await service.create({ source: "hf:openai-community/gpt2", trigger: { type: "cron", expression: "0 2 * * *" } });
 * ```
 * @module
 */
import type { Config } from "../../config.ts";
import { checkOutboundTargets } from "../../download/net/outbound_guard.ts";
import { parseSource } from "../../download/source/source.ts";
import { NightpullError } from "../../errors.ts";
import { type Logger, silentLogger } from "../../log.ts";
import {
  addManualRun,
  addOneOffRun,
  createSchedule,
  getNextTimes,
  getRun,
  getSchedule,
  getScheduleEntry,
  getScheduleWithCounters,
  hardDeleteSchedule,
  listRuns,
  listSchedules,
  newId,
  type Page,
  type RunCounters,
  type ScheduleListOptions,
  type ScheduleState,
  updateSchedule,
} from "../../store/mod.ts";
import { type Clock, systemClock } from "../../time/clock.ts";
import type { Engine } from "../engine/engine.ts";
import { newRun } from "../runs/run_records.ts";
import type { CacheTask, DownloadSpec, RetryPolicy, Run, Schedule } from "../../store/records.ts";
import {
  DEFAULT_PRIORITY,
  DEFAULT_RETRY,
  normalizeDownloadInput,
  normalizeScheduleInput,
  type ScheduleFields,
  type ScheduleInput,
} from "./schedule_input.ts";
import { compileTimeWindow, isOpenAt, nextOpening } from "../window/time_window.ts";
import { UpcomingRuns } from "../trigger/upcoming_runs.ts";
import { retimeWaitingRuns, WindowService, windowState } from "../window/window_service.ts";
import { nextOccurrence } from "../trigger/trigger.ts";

export type { Page, ScheduleInput };

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

/** Dependencies of {@link ScheduleService}. */
export interface ScheduleServiceDeps {
  kv: Deno.Kv;
  config: Config;
  clock?: Clock;
  engine?: Engine;
  logger?: Logger;
}

/** A copy of the schedule with its webhook secret shown as `"***"`. */
export function maskSchedule<T extends Schedule>(s: T): T {
  if (!s.webhook?.secret) return s;
  return { ...s, webhook: { ...s.webhook, secret: "***" } };
}

const iso = (ms: number) => new Date(ms).toISOString();

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

function conflict(message: string, id: string): NightpullError {
  return new NightpullError("conflict", message, { id });
}

/** The input fields of a stored schedule (what a PATCH is merged onto). */
function inputOf(s: Schedule): Record<string, unknown> {
  const { id: _i, status: _s, createdAt: _c, updatedAt: _u, ...fields } = s;
  const out: Record<string, unknown> = { ...fields };
  // a URL's stored layout is implied, not something the user sent
  if (parseSource(s.source).kind === "url") delete out.layout;
  return out;
}

/** Schedules, runs and one-off downloads; see the module doc. */
export class ScheduleService {
  readonly #kv: Deno.Kv;
  readonly #config: Config;
  readonly #clock: Clock;
  readonly #engine?: Engine;
  readonly #log: Logger;
  readonly #historyMs: number;
  /** The time-window resource of schedules (GET/PUT/DELETE …/time-window, status, validate). */
  readonly windows: WindowService;
  readonly #upcoming = new UpcomingRuns();
  readonly #listeners = new Set<(scheduleId?: string) => void>();

  constructor(deps: ScheduleServiceDeps) {
    this.#kv = deps.kv;
    this.#config = deps.config;
    this.#clock = deps.clock ?? systemClock;
    this.#engine = deps.engine;
    this.#log = deps.logger ?? silentLogger;
    this.#historyMs = deps.config.historyDays * 86_400_000;
    this.windows = new WindowService({ ...deps, changed: (id) => this.#changed(id) });
  }

  /**
   * Registers a listener told after every write made through this service (the schedule's id;
   * none for one-off runs), e.g. to drop a cached detail; returns the unsubscribe function.
   */
  onChanged(fn: (scheduleId?: string) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Tells the engine (it re-arms) and the listeners that schedule `id` was written. */
  #changed(id?: string): void {
    this.#engine?.notifyChanged(id);
    for (const fn of this.#listeners) fn(id);
  }

  /**
   * Validates and stores a new active schedule; throws `invalid_*` with `details.field`. With
   * `declared`, also records it as the config file's schedule of that name, atomically
   * (`conflict` when another process declared the name first).
   */
  async create(
    input: ScheduleInput,
    declared?: { name: string; versionstamp: string | null },
  ): Promise<ScheduleView> {
    const now = this.#clock.now();
    const fields = normalizeScheduleInput(input, new Date(now), this.#config);
    await checkOutboundTargets(this.#config, fields);
    const schedule: Schedule = {
      ...fields,
      id: newId(now),
      status: "active",
      createdAt: iso(now),
      updatedAt: iso(now),
    };
    const state = this.#freshState(schedule, now, null);
    // a name the user did not choose gets a suffix when taken: "gpt2", "gpt2-2", ...
    for (let n = 2;; n++) {
      try {
        await createSchedule(this.#kv, schedule, state, declared);
        break;
      } catch (err) {
        const taken = err instanceof NightpullError && err.details?.field === "name";
        if (!taken || input?.name !== undefined || n > 22) throw err;
        // past 20 numbered copies, the id's random tail makes the name unique
        schedule.name = n <= 21 ? `${fields.name}-${n}` : `${fields.name}-${schedule.id.slice(-8)}`;
      }
    }
    this.#log.info("schedule.created", { scheduleId: schedule.id, name: schedule.name });
    this.#changed(schedule.id);
    return { ...schedule, nextRunAt: state.nextAt === null ? null : iso(state.nextAt) };
  }

  /**
   * Lists schedules (deleted ones only with `status: "deleted"`), each with the engine's next
   * run; `labels` keeps those carrying every given label.
   */
  async list(opts: ScheduleListOptions = {}): Promise<Page<ScheduleView>> {
    const page = await listSchedules(this.#kv, opts);
    const next = await getNextTimes(this.#kv, page.items.map((s) => s.id));
    return {
      items: page.items.map((s) => {
        const at = s.status === "active" ? next.get(s.id) ?? null : null;
        return { ...s, nextRunAt: at === null ? null : iso(at) };
      }),
      nextCursor: page.nextCursor,
    };
  }

  /** A schedule with its next 5 runs and stats; `not_found`. */
  async get(id: string): Promise<ScheduleDetail> {
    const { schedule: s, counters: c } = await getScheduleWithCounters(this.#kv, id);
    const nextAt = s.status === "active"
      ? (await getNextTimes(this.#kv, [id])).get(id) ?? null
      : null;
    const now = this.#clock.now();
    const detail: ScheduleDetail = {
      ...s,
      priority: s.priority ?? DEFAULT_PRIORITY,
      nextRunAt: nextAt === null ? null : iso(nextAt),
      nextRuns: s.status === "active" ? this.#nextRuns(s, nextAt, now).map(iso) : [],
      stats: statsOf(c),
    };
    if (s.timeWindow) {
      const { open, nextOpen, nextClose } = windowState(s.timeWindow, this.#config.timezone, now);
      detail.window = { open, nextOpen, nextClose };
    }
    return detail;
  }

  /**
   * The next five runs as the engine will fire them: from its planned next time (an interval
   * without `startAt` counts from when it was planned, not from now), else from now.
   */
  #nextRuns(s: Schedule, nextAt: number | null, now: number): number[] {
    const tz = this.#config.timezone;
    if (nextAt === null || nextAt <= now) return this.#upcoming.next(s.trigger, tz, now, 5);
    return [nextAt, ...this.#upcoming.next(s.trigger, tz, nextAt, 4)];
  }

  /** PUT: replaces every input field and reschedules from now; without a name, keeps it. */
  async replace(id: string, input: ScheduleInput): Promise<Schedule> {
    const existing = await getSchedule(this.#kv, id);
    const named = input?.name === undefined && typeof input === "object" && input !== null
      ? { ...input, name: existing.name }
      : input;
    return await this.#rewrite(id, this.#keepSecret(named, existing), true);
  }

  /** PATCH: merges the given fields (null removes an optional one); reschedules on a new trigger. */
  async patch(id: string, partial: Partial<ScheduleInput>): Promise<Schedule> {
    if (typeof partial !== "object" || partial === null || Array.isArray(partial)) {
      throw new NightpullError("invalid_input", "a schedule patch must be a JSON object", {
        field: "",
      });
    }
    const existing = await getSchedule(this.#kv, id);
    const merged = { ...inputOf(existing), ...partial } as Record<string, unknown>;
    for (const [key, value] of Object.entries(partial)) if (value === null) delete merged[key];
    if ("source" in partial && !("layout" in partial)) delete merged.layout;
    if ("source" in partial && parseSource(String(partial.source)).kind === "hf") {
      if (!("sha256" in partial)) delete merged.sha256;
      if (!("filename" in partial)) delete merged.filename;
    }
    const retrigger = "trigger" in partial &&
      JSON.stringify(partial.trigger) !== JSON.stringify(existing.trigger);
    const input = this.#keepSecret(merged as unknown as ScheduleInput, existing);
    return await this.#rewrite(id, input, retrigger);
  }

  /** Soft delete (status `deleted`, history kept) or hard delete (everything removed). */
  async delete(id: string, opts: { hard?: boolean } = {}): Promise<void> {
    if (opts.hard) {
      await hardDeleteSchedule(this.#kv, id);
      this.#log.info("schedule.deleted", { scheduleId: id, hard: true });
    } else {
      await updateSchedule(
        this.#kv,
        id,
        ({ schedule, state }) =>
          schedule.status === "deleted" ? null : {
            schedule: { ...schedule, status: "deleted", updatedAt: iso(this.#clock.now()) },
            state: { ...state, nextAt: null },
          },
      );
      this.#log.info("schedule.deleted", { scheduleId: id, hard: false });
    }
    this.#changed(id);
  }

  /** Stops planning occurrences; runs in progress go on. `conflict` when completed/deleted. */
  async pause(id: string): Promise<Schedule> {
    const entry = await updateSchedule(this.#kv, id, ({ schedule, state }) => {
      if (schedule.status === "paused") return null;
      if (schedule.status !== "active") {
        throw conflict(`cannot pause schedule "${id}": it is ${schedule.status}`, id);
      }
      return {
        schedule: { ...schedule, status: "paused", updatedAt: iso(this.#clock.now()) },
        state: { ...state, nextAt: null },
      };
    });
    this.#log.info("schedule.paused", { scheduleId: id });
    this.#changed(id);
    return entry?.schedule ?? await getSchedule(this.#kv, id);
  }

  /** Plans again from now (occurrences missed while paused are not run). */
  async resume(id: string): Promise<Schedule> {
    const entry = await updateSchedule(this.#kv, id, ({ schedule, state }) => {
      if (schedule.status === "active") return null;
      if (schedule.status !== "paused") {
        throw conflict(
          `cannot resume schedule "${id}": it is ${schedule.status}` +
            (schedule.status === "completed" ? "; give it a new trigger with PUT or PATCH" : ""),
          id,
        );
      }
      const now = this.#clock.now();
      const next = nextOccurrence(schedule.trigger, this.#config.timezone, now);
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
    this.#log.info("schedule.resumed", { scheduleId: id });
    this.#changed(id);
    return entry?.schedule ?? await getSchedule(this.#kv, id);
  }

  /**
   * Runs the schedule now (also while paused). Returns the new run, or the run already pending
   * or running. Outside the schedule's window: `outside_window` (409) unless `force`.
   */
  async trigger(id: string, opts: { force?: boolean } = {}): Promise<Run> {
    const schedule = await getSchedule(this.#kv, id);
    if (schedule.status === "deleted") {
      throw conflict(`cannot trigger schedule "${id}": it is deleted`, id);
    }
    // the allow-list may have changed since the schedule was stored
    await checkOutboundTargets(this.#config, schedule);
    const now = this.#clock.now();
    const window = schedule.timeWindow &&
      compileTimeWindow(schedule.timeWindow, this.#config.timezone);
    const closed = window !== undefined && !isOpenAt(window, now);
    if (closed && !opts.force) {
      const open = nextOpening(window, now);
      throw new NightpullError(
        "outside_window",
        `schedule "${id}" is outside its time window` +
          (open === null ? "" : ` (next opening ${iso(open)})`) + "; use force to run anyway",
        { id, nextOpen: open === null ? null : iso(open) },
      );
    }
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
    const active = await addManualRun(this.#kv, () => getScheduleEntry(this.#kv, id), run);
    if (!active) throw new NightpullError("not_found", `schedule "${id}" not found`, { id });
    if (active.id === run.id) {
      this.#log.info("run.planned", { runId: run.id, scheduleId: id, trigger: "manual" });
      this.#changed(id);
    }
    return active;
  }

  /** A schedule's runs, newest first (20 by default); `not_found` for unknown schedules. */
  async listRuns(
    scheduleId: string,
    opts: { limit?: number; cursor?: string } = {},
  ): Promise<Page<Run>> {
    await getSchedule(this.#kv, scheduleId);
    return await listRuns(this.#kv, scheduleId, opts);
  }

  /** One run; `not_found`. */
  async getRun(runId: string): Promise<Run> {
    return await getRun(this.#kv, runId);
  }

  /** POST /downloads: a one-off run (scheduleId null), pending until a slot (and window) opens. */
  async startDownload(
    spec: Partial<DownloadSpec> & {
      source: string;
      webhook?: { url: string; secret?: string };
      retry?: Partial<RetryPolicy>;
      priority?: number;
    },
  ): Promise<Run> {
    const input = normalizeDownloadInput(spec);
    await checkOutboundTargets(this.#config, { source: input.spec.source, webhook: input.webhook });
    const now = this.#clock.now();
    let dueAt = now;
    if (input.timeWindow) {
      const w = compileTimeWindow(input.timeWindow, this.#config.timezone);
      if (!isOpenAt(w, now)) dueAt = nextOpening(w, now) ?? now;
    }
    const run = newRun({
      id: newId(now),
      scheduleId: null,
      source: input.spec.source,
      plannedAt: dueAt,
      trigger: "manual",
      now,
      dueAt,
      priority: input.priority,
    });
    await addOneOffRun(this.#kv, run, input, this.#historyMs);
    this.#log.info("run.planned", { runId: run.id, scheduleId: null, trigger: "manual" });
    this.#changed();
    return run;
  }

  /**
   * Starts a cache verification as a one-off run (history, SSE, the run's outcome): source
   * `cache:verify`, one attempt, no window. `repos` must already be validated.
   */
  async startCacheVerify(task: Omit<CacheTask, "kind">): Promise<Run> {
    const now = this.#clock.now();
    const source = "cache:verify";
    const run = newRun({
      id: newId(now),
      scheduleId: null,
      source,
      plannedAt: now,
      trigger: "manual",
      now,
      dueAt: now,
    });
    const spec: DownloadSpec = {
      source,
      include: [],
      exclude: [],
      layout: "hf-cache",
      task: { kind: "cache-verify", ...task },
    };
    await addOneOffRun(
      this.#kv,
      run,
      { spec, retry: { ...DEFAULT_RETRY, attempts: 1 } },
      this.#historyMs,
    );
    this.#log.info("run.planned", { runId: run.id, scheduleId: null, trigger: "manual", source });
    this.#changed();
    return run;
  }

  /** A webhook secret shown as "***" and sent back unchanged means "keep the stored one". */
  #keepSecret(input: ScheduleInput, existing: Schedule): ScheduleInput {
    if (input?.webhook?.secret === "***" && existing.webhook?.secret) {
      return { ...input, webhook: { ...input.webhook, secret: existing.webhook.secret } };
    }
    return input;
  }

  async #rewrite(id: string, input: ScheduleInput, retrigger: boolean): Promise<Schedule> {
    const now = this.#clock.now();
    const fields: ScheduleFields = normalizeScheduleInput(input, new Date(now), this.#config);
    await checkOutboundTargets(this.#config, fields);
    let windowChanged = false;
    const entry = await updateSchedule(this.#kv, id, ({ schedule, state }) => {
      if (schedule.status === "deleted") {
        throw conflict(`cannot update schedule "${id}": it is deleted`, id);
      }
      windowChanged = JSON.stringify(schedule.timeWindow) !== JSON.stringify(fields.timeWindow);
      // a completed `once` given a new trigger is active again
      const status = schedule.status === "completed" && retrigger ? "active" : schedule.status;
      const next: Schedule = {
        ...fields,
        id,
        status,
        createdAt: schedule.createdAt,
        updatedAt: iso(now),
      };
      return { schedule: next, state: retrigger ? this.#freshState(next, now, state) : state };
    });
    // a run waiting for the old window resumes at the new one's opening
    if (windowChanged) await retimeWaitingRuns(this.#kv, entry!, this.#config.timezone, now);
    this.#log.info("schedule.updated", { scheduleId: id });
    this.#changed(id);
    return entry!.schedule;
  }

  /** State that plans from `now`: the next occurrence if active, keeping runs in flight. */
  #freshState(s: Schedule, now: number, prev: ScheduleState | null): ScheduleState {
    return {
      cursor: now,
      nextAt: s.status === "active" ? nextOccurrence(s.trigger, this.#config.timezone, now) : null,
      activeRunId: prev?.activeRunId ?? null,
      queuedRunId: prev?.queuedRunId ?? null,
    };
  }
}
