/**
 * A schedule's time window as its own resource (DESIGN.md, Time windows): read with its state
 * (open now, next opening, next closing), set, cleared, every window's status, and validation
 * of a window without storing it. Setting or clearing a window moves the resume time of a run
 * waiting for the old window. Bad input writes nothing.
 *
 * @example
 * ```ts
 * const windows = new WindowService({ kv, config, clock });
 * await windows.set(id, { windows: ["22:00-07:00"], timezone: "Europe/Berlin" });
 * ```
 * @module
 */
import type { Config } from "../../config.ts";
import { NightpullError } from "../../errors.ts";
import { type Logger, silentLogger } from "../../log.ts";
import {
  findRun,
  getSchedule,
  listSchedules,
  retimeWaitingRun,
  type ScheduleEntry,
  updateSchedule,
} from "../../store/mod.ts";
import { type Clock, systemClock } from "../../time/clock.ts";
import type { Schedule, TimeWindow } from "../../store/records.ts";
import {
  compileTimeWindow,
  isOpenAt,
  nextTransitions,
  type WindowTransition,
} from "./time_window.ts";
import { normalizeTimeWindow } from "./time_window_input.ts";
import { reopensAt } from "./run_window.ts";

/** A window's state at one instant. */
interface WindowState {
  /** The zone the window's times are read in (its own, else the server's). */
  timezone: string;
  open: boolean;
  nextOpen: string | null;
  nextClose: string | null;
}

/** A schedule's window with its state. */
export interface ScheduleWindow extends WindowState {
  scheduleId: string;
  name: string;
  status: Schedule["status"];
  timeWindow: TimeWindow;
}

/** The answer of {@link WindowService.validate}: the normalized window and what comes next. */
export interface WindowCheck extends WindowState {
  window: TimeWindow;
  /** The next three changes of state. */
  transitions: { at: string; open: boolean }[];
}

/** Dependencies of {@link WindowService}. */
interface WindowServiceDeps {
  kv: Deno.Kv;
  config: Config;
  clock?: Clock;
  /** Told after a window of schedule `id` was written (the engine re-arms, caches drop it). */
  changed?: (id: string) => void;
  logger?: Logger;
}

const iso = (ms: number) => new Date(ms).toISOString();

function when(transitions: WindowTransition[], open: boolean): string | null {
  const t = transitions.find((x) => x.open === open);
  return t ? iso(t.at) : null;
}

/** The state of `window` at `now`, its zone defaulting to `timezone`. */
export function windowState(window: TimeWindow, timezone: string, now: number): WindowState {
  const compiled = compileTimeWindow(window, timezone);
  const transitions = nextTransitions(compiled, now, 2);
  return {
    timezone: compiled.timezone,
    open: isOpenAt(compiled, now),
    nextOpen: when(transitions, true),
    nextClose: when(transitions, false),
  };
}

/** Time windows of schedules; see the module doc. */
export class WindowService {
  readonly #kv: Deno.Kv;
  readonly #config: Config;
  readonly #clock: Clock;
  readonly #changed: (id: string) => void;
  readonly #log: Logger;

  constructor(deps: WindowServiceDeps) {
    this.#kv = deps.kv;
    this.#config = deps.config;
    this.#clock = deps.clock ?? systemClock;
    this.#changed = deps.changed ?? (() => {});
    this.#log = deps.logger ?? silentLogger;
  }

  /** The window of schedule `id` with its state; `not_found` when it has none. */
  async get(id: string): Promise<ScheduleWindow> {
    const schedule = await getSchedule(this.#kv, id);
    if (!schedule.timeWindow) {
      throw new NightpullError(
        "not_found",
        `schedule "${id}" has no time window; set one with PUT /api/v1/schedules/${id}/time-window`,
        { id },
      );
    }
    return this.#view(schedule, schedule.timeWindow);
  }

  /**
   * Validates and sets the window of schedule `id` (replacing any); a run waiting for the old
   * window is moved to the new one's opening. `conflict` when the schedule is deleted.
   */
  async set(id: string, input: unknown): Promise<ScheduleWindow> {
    const window = normalizeTimeWindow(input, "timeWindow");
    const entry = await this.#change(id, window);
    this.#log.info("schedule.window_set", { scheduleId: id, onEnd: window.onEnd });
    return this.#view(entry.schedule, window);
  }

  /** Removes the window of schedule `id`; `not_found` when it has none. */
  async clear(id: string): Promise<void> {
    const schedule = await getSchedule(this.#kv, id);
    if (!schedule.timeWindow) {
      throw new NightpullError("not_found", `schedule "${id}" has no time window to remove`, {
        id,
      });
    }
    await this.#change(id, undefined);
    this.#log.info("schedule.window_cleared", { scheduleId: id });
  }

  /** Every schedule (not deleted) that has a window, with its state, in creation order. */
  async status(): Promise<ScheduleWindow[]> {
    const out: ScheduleWindow[] = [];
    let cursor: string | undefined;
    do {
      const page = await listSchedules(this.#kv, { limit: 100, cursor });
      for (const s of page.items) if (s.timeWindow) out.push(this.#view(s, s.timeWindow));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return out;
  }

  /**
   * Normalizes `input` and tells its state now and its next three transitions. `input` is a
   * window (`{"windows": [...]}`) or one range as the whole body (`{"start", "end", "days"?,
   * "timezone"?, "onEnd"?}`), answered alike.
   */
  validate(input: unknown): WindowCheck {
    const window = normalizeTimeWindow(asWindows(input), "window");
    const now = this.#clock.now();
    const compiled = compileTimeWindow(window, this.#config.timezone);
    const transitions = nextTransitions(compiled, now, 3);
    return {
      window,
      ...windowState(window, this.#config.timezone, now),
      transitions: transitions.map((t) => ({ at: iso(t.at), open: t.open })),
    };
  }

  #view(s: Schedule, window: TimeWindow): ScheduleWindow {
    return {
      scheduleId: s.id,
      name: s.name,
      status: s.status,
      timeWindow: window,
      ...windowState(window, this.#config.timezone, this.#clock.now()),
    };
  }

  /** Stores the schedule with `window` (or without one) and retimes a waiting run. */
  async #change(id: string, window: TimeWindow | undefined): Promise<ScheduleEntry> {
    const now = this.#clock.now();
    const entry = await updateSchedule(this.#kv, id, ({ schedule, state }) => {
      if (schedule.status === "deleted") {
        throw new NightpullError(
          "conflict",
          `cannot change the time window of schedule "${id}": it is deleted`,
          { id },
        );
      }
      const { timeWindow: _old, ...rest } = schedule;
      const next: Schedule = {
        ...rest,
        ...(window ? { timeWindow: window } : {}),
        updatedAt: iso(now),
      };
      return { schedule: next, state };
    });
    await retimeWaitingRuns(this.#kv, entry!, this.#config.timezone, now);
    this.#changed(id);
    return entry!;
  }
}

/**
 * After a schedule's window changed: its run waiting for the window resumes at the new
 * window's opening, or at once when the new window is open or gone.
 */
export async function retimeWaitingRuns(
  kv: Deno.Kv,
  entry: Pick<ScheduleEntry, "schedule" | "state">,
  timezone: string,
  now: number,
): Promise<void> {
  const runId = entry.state.activeRunId;
  if (!runId) return;
  const found = await findRun(kv, runId);
  if (found?.run.status !== "waiting_window") return;
  const window = entry.schedule.timeWindow;
  const compiled = window ? compileTimeWindow(window, timezone) : null;
  const dueAt = !compiled || isOpenAt(compiled, now) ? now : reopensAt(compiled, now);
  await retimeWaitingRun(kv, runId, dueAt);
}

/** One range sent as the whole body, as `{"windows": [range], "timezone"?, "onEnd"?}`. */
function asWindows(input: unknown): unknown {
  if (input === null || typeof input !== "object" || Array.isArray(input)) return input;
  const { windows, timezone, onEnd, ...range } = input as Record<string, unknown>;
  if (windows !== undefined || !("start" in range || "end" in range)) return input;
  const out: Record<string, unknown> = { windows: [range] };
  if (timezone !== undefined) out.timezone = timezone;
  if (onEnd !== undefined) out.onEnd = onEnd;
  return out;
}
