/**
 * Firing due schedules: occurrences claimed exactly once across processes, in batches (one
 * read and one claim commit per CLAIM_BATCH schedules), with reads and planning done
 * `prepareMs` before the due time; a lost race re-reads and retries alone, and a schedule
 * whose firing failed is armed again a sweep later. What a claim wrote is then armed, logged,
 * skipped or launched through the {@link RunDispatcher}.
 *
 * @example
 * ```ts
 * const firer = new OccurrenceFirer({ kv, config, clock, log, owner, heap, runs, ... });
 * firer.arm(schedule.id, state.nextAt);
 * await firer.fireAll(dueIds);
 * ```
 * @module
 */
import type { Config } from "../../config.ts";
import { toNightpullError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import {
  CLAIM_BATCH,
  claimOccurrences,
  findRun,
  getScheduleEntries,
  getScheduleEntry,
  isFinal,
  type ScheduleEntry,
} from "../../store/mod.ts";
import type { Clock } from "../../time/clock.ts";
import { planClaim, type PlannedClaim } from "../trigger/occurrence_plan.ts";
import { reopensAt } from "../window/run_window.ts";
import { isOpenAt } from "../window/time_window.ts";
import { specOf } from "../runs/schedule_spec.ts";
import type { EngineEvent } from "./engine_types.ts";
import type { RunDispatcher } from "./run_dispatcher.ts";
import type { TimerHeap } from "./timer_heap.ts";
import { CompiledWindows } from "./window_cache.ts";

/** What firing needs from its engine. */
interface OccurrenceFiringDeps {
  kv: Deno.Kv;
  config: Config;
  clock: Clock;
  log: Logger;
  owner: string;
  leaseMs: number;
  historyMs: number;
  /** How early before a due time its schedules are read and planned. */
  prepareMs: number;
  /** How long until the engine's next sweep (a failed schedule is armed again then). */
  sweepMs: number;
  /** The engine's timer heap; schedules are keyed `s:<id>`. */
  heap: TimerHeap;
  runs: RunDispatcher;
  emit: (event: EngineEvent) => void;
  /** Re-arms the engine's timer for the heap's earliest entry. */
  rearm: () => void;
  isStopping: () => boolean;
}

type Launches = (() => void)[];

/** Claims due occurrences of schedules; see the module doc. */
export class OccurrenceFirer {
  readonly #d: OccurrenceFiringDeps;
  readonly #firing = new Set<string>();
  /** Wake-ups of claims waiting for their due time (woken early by stop()). */
  readonly #sleepers = new Set<() => void>();
  readonly #windows: CompiledWindows;

  constructor(deps: OccurrenceFiringDeps) {
    this.#d = deps;
    this.#windows = new CompiledWindows(deps.config.timezone);
  }

  /** True while schedule `id` is being fired (its heap entry is then left alone). */
  isFiring(id: string): boolean {
    return this.#firing.has(id);
  }

  /**
   * Arms schedule `id` for its next occurrence `at`: the timer wakes `prepareMs` early so the
   * reads and next-time computations are done when the occurrence comes due.
   */
  arm(id: string, at: number | null): void {
    this.#d.heap.set(`s:${id}`, at === null ? null : at - this.#d.prepareMs);
  }

  /**
   * Re-arms one schedule from its stored state (`force`: even while it is being fired); false
   * when the schedule no longer exists.
   */
  async reload(id: string, force = false): Promise<boolean> {
    const entry = await getScheduleEntry(this.#d.kv, id);
    if (force || !this.#firing.has(id)) this.arm(id, entry?.state.nextAt ?? null);
    return entry !== null;
  }

  /** Wakes every claim waiting for its due time (on stop). */
  wakeAll(): void {
    for (const wake of [...this.#sleepers]) wake();
  }

  /**
   * Fires due schedules in batches: one read and one claim commit per batch. Runs start only
   * once every due occurrence is claimed, so their KV writes do not delay the other claims.
   */
  async fireAll(ids: string[]): Promise<void> {
    const fresh = ids.filter((id) => !this.#firing.has(id));
    for (const id of fresh) this.#firing.add(id);
    const launches: Launches = [];
    try {
      let retry: string[];
      try {
        retry = await this.#fireBatch(fresh, launches);
      } catch (err) {
        // one unreadable schedule or a KV hiccup must not strand the rest of the batch
        this.#d.log.warn("engine.fire_failed", {
          schedules: fresh.length,
          error: toNightpullError(err).message,
        });
        retry = fresh;
      }
      // lost races (and a failed batch) re-read and retry alone
      for (const id of retry) await this.#fireOne(id, launches);
    } finally {
      for (const id of fresh) this.#firing.delete(id);
      for (const launch of launches) launch();
    }
    this.#d.runs.dispatch();
    this.#d.rearm();
  }

  /**
   * Claims what is (about to be) due for the given schedules: reads and plans first, waits
   * for the due time, then commits in batches of CLAIM_BATCH. Returns the ids whose state
   * changed under us.
   */
  async #fireBatch(ids: string[], launches: Launches): Promise<string[]> {
    const { due, dueBy } = await this.#readDue(ids);
    const planned: PlannedClaim[] = [];
    const stale: string[] = [];
    let outcomes: ("claimed" | "taken" | "stale")[] = [];
    try {
      for (const entry of due) planned.push(await this.#planClaim(entry, dueBy));
      await this.#sleepUntil(dueBy);
      if (this.#d.isStopping()) return stale;
      // runs claimed as running start now, which is later than planned by the timer's delay
      const startedAt = new Date(this.#d.clock.now()).toISOString();
      for (const p of planned) if (p.startNow) p.startNow.startedAt = startedAt;
      outcomes = await claimOccurrences(this.#d.kv, planned.map((p) => p.claim));
    } finally {
      for (const p of planned) if (p.startNow) this.#d.runs.release();
    }
    for (let i = 0; i < planned.length; i++) {
      const outcome = outcomes[i];
      if (outcome === "stale") stale.push(planned[i].claim.entry.schedule.id);
      else await this.#afterClaim(planned[i], outcome, launches);
    }
    return stale;
  }

  /**
   * Reads the schedules of `ids` (CLAIM_BATCH per read): those due within `prepareMs` are
   * returned with the latest due time among them; the others are armed for their next time.
   */
  async #readDue(ids: string[]): Promise<{ due: ScheduleEntry[]; dueBy: number }> {
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += CLAIM_BATCH) chunks.push(ids.slice(i, i + CLAIM_BATCH));
    const read = await Promise.all(chunks.map((c) => getScheduleEntries(this.#d.kv, c)));
    const horizon = this.#d.clock.now() + this.#d.prepareMs;
    const due: ScheduleEntry[] = [];
    let dueBy = this.#d.clock.now();
    for (const [k, chunk] of chunks.entries()) {
      for (const id of chunk) {
        const entry = read[k].get(id);
        const nextAt = entry?.schedule.status === "active" ? entry.state.nextAt : null;
        if (!entry || nextAt === null) this.arm(id, null);
        else if (nextAt > horizon) this.arm(id, nextAt);
        else {
          due.push(entry);
          dueBy = Math.max(dueBy, nextAt);
        }
      }
    }
    return { due, dueBy };
  }

  /** Resolves at `at` on the engine's clock (at once when past; early on stop). */
  #sleepUntil(at: number): Promise<void> {
    const clock = this.#d.clock;
    const delay = at - clock.now();
    if (delay <= 0 || this.#d.isStopping()) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        this.#sleepers.delete(wake);
        clock.clearTimer(id);
        resolve();
      };
      const id = clock.setTimer(wake, delay);
      this.#sleepers.add(wake);
    });
  }

  /**
   * Fires one schedule, re-reading after each lost race. When that fails, the schedule is
   * armed again a sweep later: popped from the heap, it would otherwise never fire again.
   */
  async #fireOne(id: string, launches: Launches): Promise<void> {
    try {
      for (let race = 0; race < 20 && !this.#d.isStopping(); race++) {
        if ((await this.#fireBatch([id], launches)).length === 0) return;
      }
    } catch (err) {
      const retryAt = this.#d.clock.now() + this.#d.sweepMs;
      this.#d.log.error("schedule.fire_failed", {
        scheduleId: id,
        error: toNightpullError(err).message,
        retryAt: new Date(retryAt).toISOString(),
      });
      this.arm(id, retryAt + this.#d.prepareMs);
    }
  }

  /** What handling the due occurrences of `entry` writes (a slot is reserved for `startNow`). */
  async #planClaim(entry: ScheduleEntry, now: number): Promise<PlannedClaim> {
    const { schedule, state } = entry;
    const { kv, config, runs } = this.#d;
    const active = state.activeRunId ? await findRun(kv, state.activeRunId) : null;
    const window = this.#windows.of(schedule);
    const windowOpen = window === null || isOpenAt(window, now);
    const planned = planClaim(entry, {
      now,
      timezone: config.timezone,
      owner: this.#d.owner,
      leaseMs: this.#d.leaseMs,
      historyMs: this.#d.historyMs,
      activeBusy: active !== null && !isFinal(active.run),
      slotFree: runs.hasSlot(),
      windowOpen,
      nextOpen: windowOpen ? null : reopensAt(window!, now),
      offline: config.offline,
    });
    if (planned.startNow) runs.reserve();
    return planned;
  }

  /**
   * Arms, logs and skips what a claim wrote (the run to start goes to `launches`); learns the
   * new state of a lost one.
   */
  async #afterClaim(
    p: PlannedClaim,
    outcome: "claimed" | "taken",
    launches: Launches,
  ): Promise<void> {
    const schedule = p.claim.entry.schedule;
    const { log, runs } = this.#d;
    if (outcome === "taken") {
      // another process handled it; learn its new next time
      await this.reload(schedule.id, true);
      log.debug("run.claim_lost", { scheduleId: schedule.id, plannedAt: p.claim.plannedAt });
      return;
    }
    this.arm(schedule.id, p.next);
    for (const run of p.claim.runs) {
      log.info("run.planned", {
        runId: run.id,
        scheduleId: schedule.id,
        plannedAt: run.plannedAt,
        trigger: run.trigger,
      });
      this.#d.emit({ type: "run", run });
      if (run.status === "skipped") {
        log.info("run.skipped", {
          runId: run.id,
          scheduleId: schedule.id,
          reason: run.reason,
          missed: run.missed?.count,
          nextOpen: run.nextOpen,
        });
        runs.afterFinal(run, schedule);
      } else if (run.status === "pending" && run.dueAt) {
        runs.enqueue(run.id, Date.parse(run.dueAt), run.priority);
      }
    }
    const run = p.startNow;
    if (!run) return;
    log.info("run.claimed", { runId: run.id, scheduleId: schedule.id });
    // the slot stays reserved until the launch
    runs.reserve();
    launches.push(() => {
      runs.release();
      runs.launch(run, schedule, specOf(schedule), schedule.retry);
    });
  }
}
