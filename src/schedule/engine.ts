/**
 * The scheduler engine: one timer armed for the earliest due time (schedules and pending
 * runs in one min-heap), occurrences claimed exactly once across processes, runs executed
 * with a lease, retries with backoff, misfire coalescing, and webhooks at run end.
 *
 * Other processes sharing the KV are noticed by polling two version counters (schedule
 * writes, startable runs) every `pollMs`; the same poll renews nothing but sweeps runs whose
 * lease expired (their process died) every few polls.
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
import type { Config } from "../config.ts";
import { toNightpullError } from "../errors.ts";
import { type Logger, silentLogger } from "../log.ts";
import {
  CLAIM_BATCH,
  claimOccurrences,
  findRun,
  getOneOff,
  getScheduleEntries,
  getScheduleEntry,
  listActiveRuns,
  listScheduleStates,
  newId,
  type OccurrenceClaim,
  pruneRuns,
  renewLease,
  RUNS_PER_SCHEDULE_CAP,
  RUNS_VERSION_KEY,
  type ScheduleEntry,
  SCHEDULES_VERSION_KEY,
  setWebhookOutcome,
  startRun,
  transitionRun,
} from "../store/mod.ts";
import { getLeases } from "../store/leases.ts";
import { retryDelay } from "./backoff.ts";
import { type Clock, MAX_TIMER_DELAY_MS, systemClock } from "./clock.ts";
import { parseDuration } from "./duration.ts";
import { planDueOccurrences } from "./misfire.ts";
import { DEFAULT_RETRY } from "./schedule_input.ts";
import { finishedRecord, interruptedRecord, newRun, retryRecord } from "./run_records.ts";
import type { DownloadSpec, RetryPolicy, Run, Schedule } from "./schedule.ts";
import { type CompiledTimeWindow, compileTimeWindow, isOpenAt } from "./time_window.ts";
import { TimerHeap } from "./timer_heap.ts";
import { deliverWebhook, webhookEvent, webhookPayload } from "./webhook.ts";

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
  /** How often other processes' changes are polled (default 1 s). */
  pollMs?: number;
  /** Waits between webhook attempts (default 1 s, 5 s, 30 s). */
  webhookDelaysMs?: number[];
}

const SWEEP_EVERY_POLLS = 5;
const PRUNE_EVERY_FINISHES = 100;

/** A claim planned for one schedule, with the run to start when it commits. */
interface PlannedClaim {
  claim: OccurrenceClaim;
  startNow: Run | null;
  next: number | null;
}

interface Running {
  controller: AbortController;
  leaseTimer: number | null;
  lostLease: boolean;
}

/** The scheduler; see the module doc. */
export class Engine {
  readonly #kv: Deno.Kv;
  readonly #config: Config;
  readonly #execute: Executor;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #owner: string;
  readonly #random: () => number;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #webhookDelays?: number[];
  readonly #historyMs: number;

  readonly #heap = new TimerHeap();
  #timer: number | null = null;
  #timerAt: number | null = null;
  #pollTimer: number | null = null;
  #polls = 0;
  #versions: [bigint, bigint] = [-1n, -1n];
  #started = false;
  #stopping = false;
  readonly #running = new Map<string, Running>();
  /** Slots reserved by starts in flight, so concurrent starts never exceed maxDownloads. */
  #starting = 0;
  /** Due pending runs waiting for a slot, earliest due first. */
  #ready: { id: string; at: number }[] = [];
  readonly #firing = new Set<string>();
  readonly #work = new Set<Promise<unknown>>();
  readonly #listeners = new Set<(e: EngineEvent) => void>();
  readonly #finishedSincePrune = new Map<string, number>();
  readonly #webhookAbort = new AbortController();
  readonly #windows = new Map<string, { key: string; window: CompiledTimeWindow }>();

  constructor(options: EngineOptions) {
    this.#kv = options.kv;
    this.#config = options.config;
    this.#execute = options.execute;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger ?? silentLogger;
    this.#owner = options.instanceId ?? newId(Date.now());
    this.#random = options.random ?? Math.random;
    this.#leaseMs = options.leaseMs ?? 15_000;
    this.#pollMs = options.pollMs ?? 1000;
    this.#webhookDelays = options.webhookDelaysMs;
    this.#historyMs = this.#config.historyDays * 86_400_000;
  }

  /** Loads schedule states and pending runs, handles misfires, arms the timer, starts polling. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#stopping = false;
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
    for (const r of this.#running.values()) {
      r.controller.abort(new DOMException("shutdown", "AbortError"));
    }
    this.#webhookAbort.abort();
    await this.idle();
    this.#started = false;
    this.#log.info("engine.stopped", { instance: this.#owner });
  }

  /** Re-reads one schedule's state (or all) and rescans pending runs after a local change. */
  notifyChanged(scheduleId?: string): void {
    if (!this.#started || this.#stopping) return;
    this.#track((async () => {
      if (scheduleId) await this.#reloadState(scheduleId);
      else await this.#reloadStates();
      await this.#scanActiveRuns(false);
      this.#fireDueOrArm();
    })());
  }

  /** True while started and a timer or poll is armed (for /readyz). */
  isArmed(): boolean {
    return this.#started && !this.#stopping && this.#pollTimer !== null;
  }

  /** Runs executing in this process. */
  runningCount(): number {
    return this.#running.size;
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
    const due = this.#heap.popDue(this.#clock.now());
    const schedules: string[] = [];
    for (const key of due) {
      if (key.startsWith("s:")) schedules.push(key.slice(2));
      else this.#enqueueReady(key.slice(2), this.#clock.now());
    }
    this.#track(this.#fireAll(schedules));
    this.#dispatch();
    this.#rearm();
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
      const retry = await this.#fireBatch(fresh, launches);
      // lost races re-read and retry alone
      for (const id of retry) await this.#fireOne(id, launches);
    } finally {
      for (const id of fresh) this.#firing.delete(id);
      for (const launch of launches) launch();
    }
    this.#dispatch();
    this.#rearm();
  }

  async #reloadStates(): Promise<void> {
    const states = await listScheduleStates(this.#kv);
    for (const key of [...this.#heap.keys()]) {
      if (key.startsWith("s:") && !states.has(key.slice(2))) this.#heap.set(key, null);
    }
    for (const [id, { state }] of states) {
      if (!this.#firing.has(id)) this.#heap.set(`s:${id}`, state.nextAt);
    }
  }

  /** Re-arms one schedule from its stored state (`force`: even while it is being fired). */
  async #reloadState(id: string, force = false): Promise<void> {
    const entry = await getScheduleEntry(this.#kv, id);
    if (force || !this.#firing.has(id)) this.#heap.set(`s:${id}`, entry?.state.nextAt ?? null);
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
    if (versions[0] !== this.#versions[0]) await this.#reloadStates();
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
   * Claims what is due for the given schedules (read in parallel, committed in batches of
   * CLAIM_BATCH); returns the ids whose state changed under us.
   */
  async #fireBatch(ids: string[], launches: (() => void)[]): Promise<string[]> {
    const batches: string[][] = [];
    for (let i = 0; i < ids.length; i += CLAIM_BATCH) batches.push(ids.slice(i, i + CLAIM_BATCH));
    const stale: string[] = [];
    // reading batch k+1 overlaps committing batch k
    let reading = getScheduleEntries(this.#kv, batches[0] ?? []);
    for (let k = 0; k < batches.length && !this.#stopping; k++) {
      const entries = await reading;
      if (k + 1 < batches.length) reading = getScheduleEntries(this.#kv, batches[k + 1]);
      const now = this.#clock.now();
      const planned: PlannedClaim[] = [];
      for (const id of batches[k]) {
        const entry = entries.get(id);
        if (!entry || entry.schedule.status !== "active" || entry.state.nextAt === null) {
          this.#heap.set(`s:${id}`, null);
        } else if (entry.state.nextAt > now) {
          this.#heap.set(`s:${id}`, entry.state.nextAt);
        } else {
          planned.push(await this.#planClaim(entry, now));
        }
      }
      let outcomes: ("claimed" | "taken" | "stale")[];
      try {
        outcomes = await claimOccurrences(this.#kv, planned.map((p) => p.claim));
      } finally {
        for (const p of planned) if (p.startNow) this.#starting--;
      }
      for (let i = 0; i < planned.length; i++) {
        const outcome = outcomes[i];
        if (outcome === "stale") stale.push(planned[i].claim.entry.schedule.id);
        else await this.#afterClaim(planned[i], outcome, launches);
      }
    }
    await reading.catch(() => {});
    return stale;
  }

  /** Fires one schedule, re-reading after each lost race. */
  async #fireOne(id: string, launches: (() => void)[]): Promise<void> {
    for (let race = 0; race < 20 && !this.#stopping; race++) {
      if ((await this.#fireBatch([id], launches)).length === 0) return;
    }
  }

  /** What handling the due occurrences of `entry` writes (a slot is reserved for `startNow`). */
  async #planClaim(entry: ScheduleEntry, now: number): Promise<PlannedClaim> {
    const { schedule, state } = entry;
    const grace = parseDuration(schedule.misfireGrace, "misfireGrace");
    const plan = planDueOccurrences(
      schedule.trigger,
      this.#config.timezone,
      state.nextAt!,
      now,
      grace,
    );
    const runs: Run[] = [];
    const newState = { ...state, cursor: plan.cursor, nextAt: plan.next };
    if (plan.missed) {
      runs.push({
        ...newRun({
          id: newId(now),
          scheduleId: schedule.id,
          source: schedule.source,
          plannedAt: plan.missed.last,
          trigger: "schedule",
          status: "skipped",
          reason: "missed",
          now,
        }),
        missed: {
          count: plan.missed.count,
          first: new Date(plan.missed.first).toISOString(),
          last: new Date(plan.missed.last).toISOString(),
        },
      });
    }
    let startNow: Run | null = null;
    if (plan.fire) {
      const base = {
        id: newId(now),
        scheduleId: schedule.id,
        source: schedule.source,
        plannedAt: plan.fire.plannedAt,
        trigger: plan.fire.catchup ? "catchup" as const : "schedule" as const,
        now,
      };
      const active = state.activeRunId ? await findRun(this.#kv, state.activeRunId) : null;
      const busy = active !== null && !["succeeded", "failed", "skipped", "cancelled"].includes(
        active.run.status,
      );
      if (!this.#windowOpen(schedule, now)) {
        runs.push(newRun({ ...base, status: "skipped", reason: "outside_window" }));
      } else if (busy && (schedule.overlap === "skip" || state.queuedRunId)) {
        runs.push(newRun({ ...base, status: "skipped", reason: "overlap" }));
      } else if (busy) {
        const queued = newRun({ ...base, status: "pending", dueAt: null });
        runs.push(queued);
        newState.queuedRunId = queued.id;
      } else if (this.#hasSlot()) {
        startNow = newRun({ ...base, status: "running" });
        runs.push(startNow);
        newState.activeRunId = startNow.id;
      } else {
        const pending = newRun({ ...base, status: "pending" });
        runs.push(pending);
        newState.activeRunId = pending.id;
      }
    }
    const completed = schedule.trigger.type === "once" && plan.next === null;
    if (startNow) this.#starting++;
    const claim: OccurrenceClaim = {
      entry,
      plannedAt: plan.cursor,
      owner: this.#owner,
      state: newState,
      schedule: completed
        ? { ...schedule, status: "completed", updatedAt: new Date(now).toISOString() }
        : undefined,
      runs,
      lease: startNow ? { runId: startNow.id, expiresAt: now + this.#leaseMs } : undefined,
      historyMs: this.#historyMs,
    };
    return { claim, startNow, next: plan.next };
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
    this.#heap.set(`s:${schedule.id}`, p.next);
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
        });
        this.#afterFinal(run, schedule);
      } else if (run.status === "pending" && run.dueAt) {
        this.#enqueueReady(run.id, Date.parse(run.dueAt));
      }
    }
    const run = p.startNow;
    if (run) {
      this.#log.info("run.claimed", { runId: run.id, scheduleId: schedule.id });
      // the slot stays reserved until the launch
      this.#starting++;
      launches.push(() => {
        this.#starting--;
        this.#launch(run, schedule, specOf(schedule), schedule.retry);
      });
    }
  }

  /** True when the schedule has no window or its window is open at `now`. */
  #windowOpen(schedule: Schedule, now: number): boolean {
    if (!schedule.timeWindow) return true;
    const key = `${schedule.id} ${schedule.updatedAt}`;
    let compiled = this.#windows.get(schedule.id);
    if (!compiled || compiled.key !== key) {
      compiled = { key, window: compileTimeWindow(schedule.timeWindow, this.#config.timezone) };
      this.#windows.set(schedule.id, compiled);
    }
    return isOpenAt(compiled.window, now);
  }

  // --- runs ---------------------------------------------------------------------------------

  #hasSlot(): boolean {
    return !this.#stopping && this.#running.size + this.#starting < this.#config.maxDownloads;
  }

  #enqueueReady(id: string, at: number): void {
    if (this.#running.has(id)) return;
    if (at > this.#clock.now()) {
      this.#heap.set(`r:${id}`, at);
      this.#rearm();
      return;
    }
    this.#heap.set(`r:${id}`, null);
    if (this.#ready.some((r) => r.id === id)) return;
    this.#ready.push({ id, at });
    this.#ready.sort((a, b) => a.at - b.at);
  }

  /** Starts due pending runs while slots are free. */
  #dispatch(): void {
    while (this.#hasSlot() && this.#ready.length) {
      const { id } = this.#ready.shift()!;
      this.#starting++;
      this.#track(
        this.#startPending(id).finally(() => {
          this.#starting--;
          this.#dispatch();
        }),
      );
    }
  }

  async #startPending(id: string): Promise<void> {
    const now = this.#clock.now();
    const run = await startRun(this.#kv, id, this.#owner, now, now + this.#leaseMs);
    if (!run) return; // another process started it, or it is no longer pending
    let schedule: Schedule | null = null;
    let spec: DownloadSpec;
    let retry: RetryPolicy;
    if (run.scheduleId) {
      const entry = await getScheduleEntry(this.#kv, run.scheduleId);
      if (!entry) return;
      schedule = entry.schedule;
      spec = specOf(schedule);
      retry = schedule.retry;
    } else {
      const oneOff = await getOneOff(this.#kv, run.id);
      if (!oneOff) return;
      spec = oneOff.spec;
      retry = oneOff.retry;
    }
    this.#log.info("run.claimed", {
      runId: run.id,
      scheduleId: run.scheduleId,
      attempt: run.attempt,
    });
    this.#emit({ type: "run", run });
    this.#launch(run, schedule, spec, retry);
  }

  #launch(run: Run, schedule: Schedule | null, spec: DownloadSpec, retry: RetryPolicy): void {
    const running: Running = {
      controller: new AbortController(),
      leaseTimer: null,
      lostLease: false,
    };
    this.#running.set(run.id, running);
    const renew = () => {
      running.leaseTimer = this.#clock.setTimer(async () => {
        running.leaseTimer = null;
        if (!this.#running.has(run.id)) return;
        try {
          const now = this.#clock.now();
          if (!(await renewLease(this.#kv, run.id, this.#owner, now + this.#leaseMs))) {
            running.lostLease = true;
            running.controller.abort(new DOMException("lease lost", "AbortError"));
            this.#log.warn("run.lease_lost", { runId: run.id });
            return;
          }
        } catch (err) {
          this.#log.warn("run.lease_renew_failed", {
            runId: run.id,
            error: (err as Error).message,
          });
        }
        if (this.#running.has(run.id)) renew();
      }, Math.max(1, Math.floor(this.#leaseMs / 3)));
    };
    renew();
    this.#log.info("run.started", {
      runId: run.id,
      scheduleId: run.scheduleId,
      attempt: run.attempt,
    });
    this.#track(this.#perform(run, schedule, spec, retry, running));
  }

  async #perform(
    run: Run,
    schedule: Schedule | null,
    spec: DownloadSpec,
    retry: RetryPolicy,
    running: Running,
  ): Promise<void> {
    let outcome: Parameters<typeof finishedRecord>[2];
    try {
      const result = await this.#execute({
        run,
        schedule,
        spec,
        signal: running.controller.signal,
        onEvent: (event) => this.#emit({ type: "progress", runId: run.id, event }),
      });
      outcome = { ok: true, ...result };
    } catch (err) {
      const e = toNightpullError(err);
      outcome = { ok: false, error: { code: e.code, message: e.message } };
    }
    if (running.leaseTimer !== null) this.#clock.clearTimer(running.leaseTimer);
    try {
      if (running.lostLease) return; // another process owns the run now
      const now = this.#clock.now();
      const interrupted = this.#stopping && running.controller.signal.aborted;
      const next = (current: Run): Run => {
        if (interrupted) return interruptedRecord(current, now);
        if (outcome.ok || current.attempt >= retry.attempts) {
          return finishedRecord(current, now, outcome);
        }
        const delay = retryDelay(retry, current.attempt, this.#random);
        return retryRecord(current, outcome.error, now, now + delay);
      };
      const moved = await transitionRun(this.#kv, run.id, { owner: this.#owner }, next, {
        now,
        historyMs: this.#historyMs,
      });
      if (!moved) return;
      const stored = moved.run;
      this.#emit({ type: "run", run: stored });
      if (stored.status === "pending") {
        if (interrupted) {
          this.#log.info("run.interrupted", { runId: run.id, attempt: stored.attempt });
        } else {
          this.#log.warn("run.retry", {
            runId: run.id,
            attempt: stored.attempt,
            dueAt: stored.dueAt,
            error: stored.error?.code,
          });
          this.#enqueueReady(run.id, Date.parse(stored.dueAt!));
        }
        return;
      }
      this.#log.info("run.finished", {
        runId: run.id,
        scheduleId: run.scheduleId,
        status: stored.status,
        attempt: stored.attempt,
        bytes: stored.bytes,
        error: stored.error?.code,
      });
      this.#afterFinal(stored, schedule);
      if (moved.promoted) this.#enqueueReady(moved.promoted, now);
    } finally {
      this.#running.delete(run.id);
      this.#dispatch();
    }
  }

  /** Rearms pending runs from the not-yet-final index; with `sweep`, recovers abandoned ones. */
  async #scanActiveRuns(sweep: boolean): Promise<void> {
    const active = await listActiveRuns(this.#kv);
    const abandoned: string[] = [];
    for (const [id, entry] of active) {
      if (this.#running.has(id)) continue;
      if (entry.status === "pending" && entry.dueAt !== null) this.#enqueueReady(id, entry.dueAt);
      else if (entry.status === "running" && sweep) abandoned.push(id);
    }
    for (const key of [...this.#heap.keys()]) {
      if (key.startsWith("r:") && !active.has(key.slice(2))) this.#heap.set(key, null);
    }
    this.#ready = this.#ready.filter((r) => active.has(r.id));
    if (abandoned.length) await this.#recoverAbandoned(abandoned);
    this.#dispatch();
    this.#rearm();
  }

  async #recoverAbandoned(ids: string[]): Promise<void> {
    const now = this.#clock.now();
    const leases = await getLeases(this.#kv, ids);
    for (const id of ids) {
      const lease = leases.get(id);
      if (lease && lease.expiresAt > now) continue;
      const found = await findRun(this.#kv, id);
      if (!found) continue;
      const retry = found.run.scheduleId
        ? (await getScheduleEntry(this.#kv, found.run.scheduleId))?.schedule.retry
        : (await getOneOff(this.#kv, id))?.retry;
      const policy = retry ?? DEFAULT_RETRY;
      const error = {
        code: "interrupted",
        message: "the process running this attempt stopped without finishing it (lease expired)",
      };
      const moved = await transitionRun(
        this.#kv,
        id,
        { abandonedBefore: now },
        (run) =>
          run.attempt >= policy.attempts
            ? finishedRecord(run, now, { ok: false, error })
            : { ...retryRecord(run, error, now, now), reason: "interrupted" },
        { now, historyMs: this.#historyMs },
      );
      if (!moved) continue;
      const stored = moved.run;
      if (moved.promoted) this.#enqueueReady(moved.promoted, now);
      this.#log.warn("run.abandoned", {
        runId: id,
        status: stored.status,
        attempt: stored.attempt,
      });
      this.#emit({ type: "run", run: stored });
      if (stored.status === "pending") this.#enqueueReady(id, now);
      else {
        const schedule = stored.scheduleId
          ? (await getScheduleEntry(this.#kv, stored.scheduleId))?.schedule ?? null
          : null;
        this.#afterFinal(stored, schedule);
      }
    }
  }

  /** Webhook and pruning after a run reached its final state. */
  #afterFinal(run: Run, schedule: Schedule | null): void {
    if (run.scheduleId) {
      const count = (this.#finishedSincePrune.get(run.scheduleId) ?? 0) + 1;
      this.#finishedSincePrune.set(run.scheduleId, count % PRUNE_EVERY_FINISHES);
      if (count >= PRUNE_EVERY_FINISHES) {
        this.#track(pruneRuns(this.#kv, run.scheduleId, RUNS_PER_SCHEDULE_CAP));
      }
    }
    this.#track(this.#sendWebhook(run, schedule));
  }

  async #sendWebhook(run: Run, schedule: Schedule | null): Promise<void> {
    const target = schedule ? schedule.webhook : (await getOneOff(this.#kv, run.id))?.webhook;
    if (!target || !webhookEvent(run)) return;
    await setWebhookOutcome(this.#kv, run.id, { status: "pending", attempts: 0 }, this.#historyMs);
    const outcome = await deliverWebhook(target, webhookPayload(run, schedule), {
      delaysMs: this.#webhookDelays,
      signal: this.#webhookAbort.signal,
    });
    await setWebhookOutcome(this.#kv, run.id, outcome, this.#historyMs);
    const fields = {
      runId: run.id,
      event: webhookEvent(run),
      attempts: outcome.attempts,
      httpStatus: outcome.httpStatus,
      error: outcome.error,
    };
    if (outcome.status === "delivered") this.#log.info("webhook.delivered", fields);
    else this.#log.warn("webhook.failed", fields);
  }
}

/** The download part of a schedule. */
export function specOf(s: Schedule): DownloadSpec {
  const spec: DownloadSpec = {
    source: s.source,
    include: s.include,
    exclude: s.exclude,
    layout: s.layout,
  };
  if (s.dir !== undefined) spec.dir = s.dir;
  if (s.sha256 !== undefined) spec.sha256 = s.sha256;
  if (s.filename !== undefined) spec.filename = s.filename;
  if (s.connections !== undefined) spec.connections = s.connections;
  return spec;
}
