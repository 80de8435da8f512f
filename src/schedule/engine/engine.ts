/**
 * The scheduler engine: one timer armed for the earliest due time (schedules and pending
 * runs in one min-heap), occurrences claimed exactly once across processes (batched claim
 * commits, reads and planning done `prepareMs` ahead), misfire coalescing, and a
 * {@link RunDispatcher} that executes runs with a lease, retries and sends webhooks.
 *
 * Other processes sharing the KV are noticed by polling two version counters (schedule
 * writes, startable runs) every `pollMs`; every few polls the same loop also sweeps runs
 * whose lease expired (their process died).
 *
 * @example
 * ```ts
 * const engine = new Engine({ kv, config, execute: (job) => pull(job.spec, { config, kv }) });
 * await engine.start();
 * // ...
 * await engine.stop();
 * ```
 * @module
 */
import type { Config } from "../../config.ts";
import { NightpullError, toNightpullError } from "../../errors.ts";
import { type Logger, silentLogger } from "../../log.ts";
import {
  CLAIM_BATCH,
  claimOccurrences,
  findRun,
  getScheduleEntries,
  getScheduleEntry,
  isFinal,
  listActiveRuns,
  listScheduleStates,
  newId,
  RUNS_VERSION_KEY,
  type ScheduleEntry,
  SCHEDULES_VERSION_KEY,
} from "../../store/mod.ts";
import { type Clock, MAX_TIMER_DELAY_MS, systemClock } from "../../time/clock.ts";
import type { DownloadSpec, Run, Schedule } from "../../store/records.ts";
import { type CompiledTimeWindow, compileTimeWindow, isOpenAt } from "../window/time_window.ts";
import { reopensAt } from "../window/run_window.ts";
import { planClaim, type PlannedClaim } from "../trigger/occurrence_plan.ts";
import { RunDispatcher, specOf } from "./run_dispatcher.ts";
import { TimerHeap } from "./timer_heap.ts";

/** What the engine calls to perform a run; the serve command passes one built on `pull()`. */
export type Executor = (job: {
  run: Run;
  schedule: Schedule | null;
  spec: DownloadSpec;
  signal: AbortSignal;
  onEvent?: (e: unknown) => void;
}) => Promise<{
  commit: string | null;
  files: { total: number; done: number; skipped: number };
  bytes: number;
}>;

/** Something that happened to a run, for live views (SSE) and tests. */
export type EngineEvent =
  | { type: "run"; run: Run }
  | { type: "progress"; runId: string; event: unknown };

/** Options of {@link Engine}. */
export interface EngineOptions {
  kv: Deno.Kv;
  config: Config;
  execute: Executor;
  clock?: Clock;
  logger?: Logger;
  /** Identifies this process in claims and leases (default: a new id). */
  instanceId?: string;
  /** Random source for backoff jitter. */
  random?: () => number;
  /** Webhooks use the real fetch; there is no injection point on purpose. */
  webhookFetch?: never;
  /** Lease length (default 15 s); renewed every third of it. */
  leaseMs?: number;
  /** How early before a due time its schedules are read and planned (default 300 ms). */
  prepareMs?: number;
  /** How often other processes' changes are polled (default 1 s). */
  pollMs?: number;
  /** Waits between webhook attempts (default 1 s, 5 s, 30 s). */
  webhookDelaysMs?: number[];
}

const SWEEP_EVERY_POLLS = 5;

/** The scheduler; see the module doc. */
export class Engine {
  readonly #kv: Deno.Kv;
  readonly #config: Config;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #owner: string;
  readonly #leaseMs: number;
  readonly #prepareMs: number;
  readonly #pollMs: number;
  readonly #historyMs: number;
  readonly #runs: RunDispatcher;

  readonly #heap = new TimerHeap();
  #timer: number | null = null;
  #timerAt: number | null = null;
  #pollTimer: number | null = null;
  #polls = 0;
  #versions: [bigint, bigint] = [-1n, -1n];
  #started = false;
  #stopping = false;
  readonly #firing = new Set<string>();
  /** Wake-ups of claims waiting for their due time (woken early by stop()). */
  readonly #sleepers = new Set<() => void>();
  readonly #work = new Set<Promise<unknown>>();
  readonly #listeners = new Set<(e: EngineEvent) => void>();
  readonly #windows = new Map<string, { key: string; window: CompiledTimeWindow }>();

  constructor(options: EngineOptions) {
    this.#kv = options.kv;
    this.#config = options.config;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger ?? silentLogger;
    this.#owner = options.instanceId ?? newId(Date.now());
    this.#leaseMs = options.leaseMs ?? 15_000;
    this.#prepareMs = options.prepareMs ?? 300;
    this.#pollMs = options.pollMs ?? 1000;
    this.#historyMs = this.#config.historyDays * 86_400_000;
    this.#runs = new RunDispatcher({
      kv: this.#kv,
      config: this.#config,
      execute: options.execute,
      clock: this.#clock,
      log: this.#log,
      owner: this.#owner,
      random: options.random ?? Math.random,
      leaseMs: this.#leaseMs,
      historyMs: this.#historyMs,
      webhookDelaysMs: options.webhookDelaysMs,
      armRun: (id, at) => {
        this.#heap.set(`r:${id}`, at);
        if (at !== null) this.#rearm();
      },
      emit: (event) => this.#emit(event),
      track: (p) => this.#track(p),
    });
  }

  /** Loads schedule states and pending runs, handles misfires, arms the timer, starts polling. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#stopping = false;
    this.#runs.resume();
    const [s, r] = await this.#kv.getMany<[Deno.KvU64, Deno.KvU64]>([
      SCHEDULES_VERSION_KEY,
      RUNS_VERSION_KEY,
    ]);
    this.#versions = [s.value?.value ?? 0n, r.value?.value ?? 0n];
    await this.#reloadStates();
    await this.#scanActiveRuns(true);
    this.#schedulePoll();
    this.#fireDueOrArm();
    this.#log.info("engine.started", { instance: this.#owner, armed: this.#heap.size });
  }

  /**
   * Graceful stop: no new claims, running transfers aborted (their `.part` files stay), their
   * runs put back to `pending` with reason `interrupted` so the next start resumes them.
   */
  async stop(): Promise<void> {
    if (!this.#started || this.#stopping) return;
    this.#stopping = true;
    if (this.#timer !== null) this.#clock.clearTimer(this.#timer);
    if (this.#pollTimer !== null) this.#clock.clearTimer(this.#pollTimer);
    this.#timer = this.#timerAt = this.#pollTimer = null;
    this.#runs.stop();
    for (const wake of [...this.#sleepers]) wake();
    await this.idle();
    this.#started = false;
    this.#log.info("engine.stopped", { instance: this.#owner });
  }

  /** Re-reads one schedule's state (or all) and rescans pending runs after a local change. */
  notifyChanged(scheduleId?: string): void {
    if (!this.#started || this.#stopping) return;
    this.#track((async () => {
      if (scheduleId) {
        // hard-deleted: its runs are gone from the store; stop what still runs here
        if (!(await this.#reloadState(scheduleId))) this.#runs.cancelSchedule(scheduleId);
      } else await this.#reloadStates();
      await this.#scanActiveRuns(false);
      this.#fireDueOrArm();
    })());
  }

  /**
   * Fires what is due now, for hosts that freeze idle processes (`POST /scheduler/tick`):
   * re-reads schedules and runs (recovering abandoned ones), claims due occurrences exactly
   * once as the timer would, and starts due runs. Resolves once the claims are committed;
   * the runs go on in the background.
   */
  async tick(): Promise<{ schedules: number; running: number }> {
    if (!this.#started || this.#stopping) {
      throw new NightpullError("conflict", "the scheduler is not running (starting or stopping)");
    }
    await this.#reloadStates();
    await this.#scanActiveRuns(true);
    const { schedules, claimed } = this.#fireDue();
    await claimed;
    return { schedules, running: this.#runs.runningCount };
  }

  /** True while started and a timer or poll is armed (for /readyz). */
  isArmed(): boolean {
    return this.#started && !this.#stopping && this.#pollTimer !== null;
  }

  /** Runs executing in this process. */
  runningCount(): number {
    return this.#runs.runningCount;
  }

  /** This process's id in claims and leases. */
  get instanceId(): string {
    return this.#owner;
  }

  /** Registers a listener for run changes and progress; returns the unsubscribe function. */
  subscribe(fn: (e: EngineEvent) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Resolves once no claim, start, executor or webhook of this engine is in flight. */
  async idle(): Promise<void> {
    while (this.#work.size) await Promise.allSettled([...this.#work]);
  }

  // --- arming -------------------------------------------------------------------------------

  #track<T>(p: Promise<T>): Promise<T> {
    const tracked = p.catch((err) => {
      this.#log.error("engine.error", { error: toNightpullError(err).message });
    }) as Promise<T>;
    this.#work.add(tracked);
    tracked.finally(() => this.#work.delete(tracked));
    return tracked;
  }

  #emit(event: EngineEvent): void {
    for (const fn of this.#listeners) {
      try {
        fn(event);
      } catch {
        // a listener's failure is its own business
      }
    }
  }

  #rearm(): void {
    if (!this.#started || this.#stopping) return;
    const at = this.#heap.peek();
    if (at === this.#timerAt && this.#timer !== null) return;
    if (this.#timer !== null) this.#clock.clearTimer(this.#timer);
    this.#timer = this.#timerAt = null;
    if (at === null) return;
    const delay = Math.min(Math.max(0, at - this.#clock.now()), MAX_TIMER_DELAY_MS);
    this.#timerAt = at;
    this.#timer = this.#clock.setTimer(() => {
      this.#timer = this.#timerAt = null;
      this.#onTimer();
    }, delay);
  }

  #onTimer(): void {
    if (this.#stopping) return;
    this.#fireDue();
  }

  /** Claims due schedules and queues due runs; `claimed` resolves once claims are committed. */
  #fireDue(): { schedules: number; claimed: Promise<void> } {
    const due = this.#heap.popDue(this.#clock.now());
    const schedules: string[] = [];
    for (const key of due) {
      if (key.startsWith("s:")) schedules.push(key.slice(2));
      else this.#runs.enqueue(key.slice(2), this.#clock.now());
    }
    const claimed = this.#track(this.#fireAll(schedules));
    this.#runs.dispatch();
    this.#rearm();
    return { schedules: schedules.length, claimed };
  }

  /**
   * Fires due schedules in batches: one read and one claim commit per batch. Runs start only
   * once every due occurrence is claimed, so their KV writes do not delay the other claims.
   */
  async #fireAll(ids: string[]): Promise<void> {
    const fresh = ids.filter((id) => !this.#firing.has(id));
    for (const id of fresh) this.#firing.add(id);
    const launches: (() => void)[] = [];
    try {
      let retry: string[];
      try {
        retry = await this.#fireBatch(fresh, launches);
      } catch (err) {
        // one unreadable schedule or a KV hiccup must not strand the rest of the batch
        this.#log.warn("engine.fire_failed", {
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
    this.#runs.dispatch();
    this.#rearm();
  }

  async #reloadStates(): Promise<void> {
    const states = await listScheduleStates(this.#kv);
    for (const key of [...this.#heap.keys()]) {
      if (key.startsWith("s:") && !states.has(key.slice(2))) this.#heap.set(key, null);
    }
    for (const [id, { state }] of states) {
      if (!this.#firing.has(id)) this.#armSchedule(id, state.nextAt);
    }
  }

  /**
   * Re-arms one schedule from its stored state (`force`: even while it is being fired); false
   * when the schedule no longer exists.
   */
  async #reloadState(id: string, force = false): Promise<boolean> {
    const entry = await getScheduleEntry(this.#kv, id);
    if (force || !this.#firing.has(id)) this.#armSchedule(id, entry?.state.nextAt ?? null);
    return entry !== null;
  }

  #schedulePoll(): void {
    if (this.#stopping) return;
    this.#pollTimer = this.#clock.setTimer(() => {
      this.#pollTimer = null;
      this.#track(this.#poll()).finally(() => this.#schedulePoll());
    }, this.#pollMs);
  }

  async #poll(): Promise<void> {
    if (this.#stopping) return;
    const [s, r] = await this.#kv.getMany<[Deno.KvU64, Deno.KvU64]>([
      SCHEDULES_VERSION_KEY,
      RUNS_VERSION_KEY,
    ]);
    const versions: [bigint, bigint] = [s.value?.value ?? 0n, r.value?.value ?? 0n];
    const sweep = ++this.#polls % SWEEP_EVERY_POLLS === 0;
    // schedules are swept like runs: one lost from the heap is armed again from its state
    if (versions[0] !== this.#versions[0] || sweep) await this.#reloadStates();
    if (versions[1] !== this.#versions[1] || sweep) await this.#scanActiveRuns(sweep);
    this.#versions = versions;
    // a clock that jumped ahead (suspend, NTP) leaves the timer late: fire what is due now
    this.#fireDueOrArm();
  }

  /** Handles what is already due at once (no zero-delay timer), then arms for the rest. */
  #fireDueOrArm(): void {
    const at = this.#heap.peek();
    if (at !== null && at <= this.#clock.now()) this.#onTimer();
    else this.#rearm();
  }

  // --- occurrences --------------------------------------------------------------------------

  /**
   * Arms schedule `id` for its next occurrence `at`: the timer wakes PREPARE_MS early so the
   * reads and next-time computations are done when the occurrence comes due.
   */
  #armSchedule(id: string, at: number | null): void {
    this.#heap.set(`s:${id}`, at === null ? null : at - this.#prepareMs);
  }

  /**
   * Claims what is (about to be) due for the given schedules: reads and plans first, waits
   * for the due time, then commits in batches of CLAIM_BATCH. Returns the ids whose state
   * changed under us.
   */
  async #fireBatch(ids: string[], launches: (() => void)[]): Promise<string[]> {
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += CLAIM_BATCH) chunks.push(ids.slice(i, i + CLAIM_BATCH));
    const read = await Promise.all(chunks.map((c) => getScheduleEntries(this.#kv, c)));
    const horizon = this.#clock.now() + this.#prepareMs;
    const due: ScheduleEntry[] = [];
    let dueBy = this.#clock.now();
    for (const [k, chunk] of chunks.entries()) {
      for (const id of chunk) {
        const entry = read[k].get(id);
        const nextAt = entry?.schedule.status === "active" ? entry.state.nextAt : null;
        if (!entry || nextAt === null) this.#armSchedule(id, null);
        else if (nextAt > horizon) this.#armSchedule(id, nextAt);
        else {
          due.push(entry);
          dueBy = Math.max(dueBy, nextAt);
        }
      }
    }
    const planned: PlannedClaim[] = [];
    const stale: string[] = [];
    let outcomes: ("claimed" | "taken" | "stale")[] = [];
    try {
      for (const entry of due) planned.push(await this.#planClaim(entry, dueBy));
      await this.#sleepUntil(dueBy);
      if (this.#stopping) return stale;
      // runs claimed as running start now, which is later than planned by the timer's delay
      const startedAt = new Date(this.#clock.now()).toISOString();
      for (const p of planned) if (p.startNow) p.startNow.startedAt = startedAt;
      outcomes = await claimOccurrences(this.#kv, planned.map((p) => p.claim));
    } finally {
      for (const p of planned) if (p.startNow) this.#runs.release();
    }
    for (let i = 0; i < planned.length; i++) {
      const outcome = outcomes[i];
      if (outcome === "stale") stale.push(planned[i].claim.entry.schedule.id);
      else await this.#afterClaim(planned[i], outcome, launches);
    }
    return stale;
  }

  /** Resolves at `at` on the engine's clock (at once when past; early on stop). */
  #sleepUntil(at: number): Promise<void> {
    const delay = at - this.#clock.now();
    if (delay <= 0 || this.#stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        this.#sleepers.delete(wake);
        this.#clock.clearTimer(id);
        resolve();
      };
      const id = this.#clock.setTimer(wake, delay);
      this.#sleepers.add(wake);
    });
  }

  /**
   * Fires one schedule, re-reading after each lost race. When that fails, the schedule is
   * armed again a sweep later: popped from the heap, it would otherwise never fire again.
   */
  async #fireOne(id: string, launches: (() => void)[]): Promise<void> {
    try {
      for (let race = 0; race < 20 && !this.#stopping; race++) {
        if ((await this.#fireBatch([id], launches)).length === 0) return;
      }
    } catch (err) {
      const retryAt = this.#clock.now() + this.#pollMs * SWEEP_EVERY_POLLS;
      this.#log.error("schedule.fire_failed", {
        scheduleId: id,
        error: toNightpullError(err).message,
        retryAt: new Date(retryAt).toISOString(),
      });
      this.#armSchedule(id, retryAt + this.#prepareMs);
    }
  }

  /** What handling the due occurrences of `entry` writes (a slot is reserved for `startNow`). */
  async #planClaim(entry: ScheduleEntry, now: number): Promise<PlannedClaim> {
    const { schedule, state } = entry;
    const active = state.activeRunId ? await findRun(this.#kv, state.activeRunId) : null;
    const windowOpen = this.#windowOpen(schedule, now);
    const planned = planClaim(entry, {
      now,
      timezone: this.#config.timezone,
      owner: this.#owner,
      leaseMs: this.#leaseMs,
      historyMs: this.#historyMs,
      activeBusy: active !== null && !isFinal(active.run),
      slotFree: this.#runs.hasSlot(),
      windowOpen,
      nextOpen: windowOpen ? null : reopensAt(this.#compiledWindow(schedule)!, now),
      offline: this.#config.offline,
    });
    if (planned.startNow) this.#runs.reserve();
    return planned;
  }

  /** True when the schedule has no window or its window is open at `now`. */
  #windowOpen(schedule: Schedule, now: number): boolean {
    const window = this.#compiledWindow(schedule);
    return window === null || isOpenAt(window, now);
  }

  /**
   * Arms, logs and skips what a claim wrote (the run to start goes to `launches`); learns the
   * new state of a lost one.
   */
  async #afterClaim(
    p: PlannedClaim,
    outcome: "claimed" | "taken",
    launches: (() => void)[],
  ): Promise<void> {
    const schedule = p.claim.entry.schedule;
    if (outcome === "taken") {
      // another process handled it; learn its new next time
      await this.#reloadState(schedule.id, true);
      this.#log.debug("run.claim_lost", { scheduleId: schedule.id, plannedAt: p.claim.plannedAt });
      return;
    }
    this.#armSchedule(schedule.id, p.next);
    for (const run of p.claim.runs) {
      this.#log.info("run.planned", {
        runId: run.id,
        scheduleId: schedule.id,
        plannedAt: run.plannedAt,
        trigger: run.trigger,
      });
      this.#emit({ type: "run", run });
      if (run.status === "skipped") {
        this.#log.info("run.skipped", {
          runId: run.id,
          scheduleId: schedule.id,
          reason: run.reason,
          missed: run.missed?.count,
          nextOpen: run.nextOpen,
        });
        this.#runs.afterFinal(run, schedule);
      } else if (run.status === "pending" && run.dueAt) {
        this.#runs.enqueue(run.id, Date.parse(run.dueAt), run.priority);
      }
    }
    const run = p.startNow;
    if (run) {
      this.#log.info("run.claimed", { runId: run.id, scheduleId: schedule.id });
      // the slot stays reserved until the launch
      this.#runs.reserve();
      launches.push(() => {
        this.#runs.release();
        this.#runs.launch(run, schedule, specOf(schedule), schedule.retry);
      });
    }
  }

  /** The schedule's compiled window (cached per version of the schedule), or null. */
  #compiledWindow(schedule: Schedule): CompiledTimeWindow | null {
    if (!schedule.timeWindow) return null;
    const key = `${schedule.id} ${schedule.updatedAt}`;
    let compiled = this.#windows.get(schedule.id);
    if (!compiled || compiled.key !== key) {
      compiled = { key, window: compileTimeWindow(schedule.timeWindow, this.#config.timezone) };
      this.#windows.set(schedule.id, compiled);
    }
    return compiled.window;
  }

  /** Rearms pending runs from the not-yet-final index; with `sweep`, recovers abandoned ones. */
  async #scanActiveRuns(sweep: boolean): Promise<void> {
    const active = await listActiveRuns(this.#kv);
    const abandoned: string[] = [];
    for (const [id, entry] of active) {
      if (this.#runs.isRunning(id)) continue;
      const waits = entry.status === "pending" || entry.status === "waiting_window";
      if (waits && entry.dueAt !== null) this.#runs.enqueue(id, entry.dueAt, entry.priority);
      else if (entry.status === "running" && sweep) abandoned.push(id);
    }
    for (const key of [...this.#heap.keys()]) {
      if (key.startsWith("r:") && !active.has(key.slice(2))) this.#heap.set(key, null);
    }
    this.#runs.keepReady(active);
    if (abandoned.length) await this.#runs.recoverAbandoned(abandoned);
    this.#runs.dispatch();
    this.#rearm();
  }
}
