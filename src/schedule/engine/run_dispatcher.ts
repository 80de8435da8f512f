/**
 * Runs of this process: slots (`maxDownloads`, ./run_queue.ts), starting a due pending run by
 * taking its lease (./run_start.ts), executing it with the lease renewed (./lease_renewal.ts,
 * ./run_attempt.ts), and storing what its attempt's end makes of it (./run_outcome.ts,
 * ./attempt_follow_up.ts): success, retry after backoff, interruption by a shutdown,
 * failure. Recovery of runs whose process died is in
 * ./run_recovery.ts; metrics, pruning and the run-end webhook in ./run_finish.ts.
 *
 * Time windows: a run whose window is closed when it would start waits as `waiting_window`
 * until the next opening (see ../window/run_window.ts); a run of an `onEnd: "pause"` window is
 * stopped at the window's end (./window_watch.ts; its partial files stay) and waits the same
 * way, resuming as the same run and attempt when the window reopens.
 *
 * The Engine (./engine.ts) owns one and feeds it claimed and due runs; this module knows the
 * engine only through {@link RunDispatcherDeps}.
 * @module
 */
import type { Config } from "../../config.ts";
import type { Logger } from "../../log.ts";
import { metrics } from "../../metrics.ts";
import { transitionRun } from "../../store/mod.ts";
import type { Clock } from "../../time/clock.ts";
import type { PullEvent } from "../../download/pull/pull.ts";
import type { DownloadSpec, RetryPolicy, Run, Schedule, TimeWindow } from "../../store/records.ts";
import { pausesAtEnd } from "../window/run_window.ts";
import { followUpAttempt, type FollowUpDeps } from "./attempt_follow_up.ts";
import type { EngineEvent, Executor } from "./engine_types.ts";
import { keepLease } from "./lease_renewal.ts";
import { attemptRun } from "./run_attempt.ts";
import { RunFinisher } from "./run_finish.ts";
import { newRunHandle, type RunHandle } from "./run_handle.ts";
import { nextRecord } from "./run_outcome.ts";
import { RunProgressTracker } from "./run_progress.ts";
import { RunQueue } from "./run_queue.ts";
import { recoverAbandoned } from "./run_recovery.ts";
import { startDueRun } from "./run_start.ts";
import { compileRunWindow, watchWindow } from "./window_watch.ts";

/** What the dispatcher shares with its engine. */
interface RunDispatcherDeps {
  kv: Deno.Kv;
  config: Config;
  execute: Executor;
  clock: Clock;
  log: Logger;
  owner: string;
  random: () => number;
  leaseMs: number;
  historyMs: number;
  webhookDelaysMs?: number[];
  /** Arms (or with null disarms) the engine's timer for a pending run due later. */
  armRun: (id: string, at: number | null) => void;
  emit: (event: EngineEvent) => void;
  /** Registers background work so the engine's idle() and stop() wait for it. */
  track: <T>(p: Promise<T>) => Promise<T>;
}

/** Slots, the ready queue and the life of each run; see the module doc. */
export class RunDispatcher {
  readonly #deps: RunDispatcherDeps;
  readonly #kv: Deno.Kv;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #emit: RunDispatcherDeps["emit"];
  readonly #track: RunDispatcherDeps["track"];

  #stopping = false;
  readonly #running = new Map<string, RunHandle>();
  readonly #queue = new RunQueue();
  readonly #finish: RunFinisher;
  readonly #followUp: FollowUpDeps;

  constructor(deps: RunDispatcherDeps) {
    this.#deps = deps;
    this.#kv = deps.kv;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#emit = deps.emit;
    this.#track = deps.track;
    this.#finish = new RunFinisher(deps);
    this.#followUp = {
      log: deps.log,
      enqueue: (id, at, priority) => this.enqueue(id, at, priority),
      afterFinal: (run, schedule) => this.afterFinal(run, schedule),
    };
  }

  /** Runs executing in this process. */
  get runningCount(): number {
    return this.#running.size;
  }

  /** True when run `id` executes in this process. */
  isRunning(id: string): boolean {
    return this.#running.has(id);
  }

  /** Reserves a slot for a run about to start (a claim creating it as `running`). */
  reserve(): void {
    this.#queue.reserve();
  }

  /** Gives back a slot taken with {@link RunDispatcher.reserve}. */
  release(): void {
    this.#queue.release();
  }

  /** Accepts runs again after a stop. */
  resume(): void {
    this.#stopping = false;
    this.#finish.resume();
  }

  /** Drops queued runs that are no longer pending anywhere (`active`: every non-final run). */
  keepReady(active: { has(id: string): boolean }): void {
    this.#queue.keep(active);
  }

  /**
   * Aborts this process's runs of a hard-deleted schedule: their records are gone with it, so
   * nothing is written back (as for a lost lease).
   */
  cancelSchedule(scheduleId: string): void {
    for (const [runId, running] of this.#running) {
      if (running.scheduleId !== scheduleId || running.controller.signal.aborted) continue;
      running.lostLease = true;
      running.controller.abort(new DOMException("schedule deleted", "AbortError"));
      this.#log.info("run.cancelled", { runId, scheduleId, reason: "schedule deleted" });
    }
  }

  /** Starts nothing more; aborts running transfers and webhook retries. */
  stop(): void {
    this.#stopping = true;
    for (const r of this.#running.values()) {
      r.controller.abort(new DOMException("shutdown", "AbortError"));
    }
    this.#finish.stop();
  }

  /** True when a run may start now (a free slot and not stopping). */
  hasSlot(): boolean {
    return !this.#stopping &&
      this.#running.size + this.#queue.starting < this.#deps.config.maxDownloads;
  }

  /**
   * Queues a pending run due at `at`: started when due and a slot is free, higher `priority`
   * first (remembered from an earlier call when not given).
   */
  enqueue(id: string, at: number, priority?: number): void {
    if (this.#running.has(id)) return;
    if (priority !== undefined) this.#queue.remember(id, priority);
    if (at > this.#clock.now()) {
      this.#deps.armRun(id, at);
      return;
    }
    this.#deps.armRun(id, null);
    this.#queue.add(id, at);
  }

  /** Starts due pending runs while slots are free. */
  dispatch(): void {
    while (this.hasSlot() && this.#queue.length) {
      const id = this.#queue.next()!;
      this.#queue.reserve();
      this.#track(
        this.#startPending(id).finally(() => {
          this.#queue.release();
          this.dispatch();
        }),
      );
    }
  }

  /** Retries (or fails) running runs whose lease expired: their process died. */
  async recoverAbandoned(ids: string[]): Promise<void> {
    await recoverAbandoned({ ...this.#deps, ...this.#followUp }, ids);
  }

  /** Webhook and pruning after a run reached its final state. */
  afterFinal(run: Run, schedule: Schedule | null): void {
    this.#finish.afterFinal(run, schedule);
  }

  async #startPending(id: string): Promise<void> {
    const timezone = this.#deps.config.timezone;
    const started = await startDueRun({ ...this.#deps, timezone }, id);
    if (!started) return; // another process started it, or it is no longer pending
    const { run, job, window } = started;
    if (run.status === "waiting_window") {
      this.#log.info("run.waiting_window", {
        runId: run.id,
        scheduleId: run.scheduleId,
        attempt: run.attempt,
        nextOpen: run.nextOpen,
        started: false,
      });
      this.#emit({ type: "run", run });
      this.enqueue(run.id, Date.parse(run.dueAt!), run.priority);
      return;
    }
    // the schedule or one-off spec vanished: the lease lapses and the sweep settles the run
    if (!job) return;
    const { scheduleId, attempt } = run;
    this.#log.info("run.claimed", { runId: run.id, scheduleId, attempt });
    this.#emit({ type: "run", run });
    this.launch(run, job.schedule, job.spec, job.retry, window);
  }

  /**
   * Executes a run this process holds the lease of, renewing the lease while it runs. With an
   * `onEnd: "pause"` window (the schedule's unless given) the run stops at the window's end.
   */
  launch(
    run: Run,
    schedule: Schedule | null,
    spec: DownloadSpec,
    retry: RetryPolicy,
    window: TimeWindow | undefined = schedule?.timeWindow,
  ): void {
    const running = newRunHandle(run.scheduleId);
    this.#running.set(run.id, running);
    const compiled = compileRunWindow(window, this.#deps.config.timezone);
    if (compiled && pausesAtEnd(run, compiled)) {
      const deps = { ...this.#deps, timezone: this.#deps.config.timezone };
      watchWindow(deps, run, compiled, running, () => this.#running.get(run.id) === running);
    }
    keepLease(this.#deps, run.id, running, () => this.#running.has(run.id));
    // lag of first starts only: a retry or a resumed run starts late on purpose
    if (run.attempt === 1 && run.reason === null) {
      metrics.firingLag.observe(Math.max(0, this.#clock.now() - Date.parse(run.plannedAt)) / 1000);
    }
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
    running: RunHandle,
  ): Promise<void> {
    // what the run has on disk so far, so a paused, interrupted or resumed run keeps its totals
    const tally = new RunProgressTracker(run.id);
    const outcome = await attemptRun(this.#deps.execute, {
      run,
      schedule,
      spec,
      signal: running.controller.signal,
      onEvent: (event) => {
        tally.apply(event as PullEvent);
        this.#emit({ type: "progress", runId: run.id, event });
      },
    });
    running.finished = true;
    if (running.leaseTimer !== null) this.#clock.clearTimer(running.leaseTimer);
    if (running.windowTimer !== null) this.#clock.clearTimer(running.windowTimer);
    try {
      if (running.lostLease) return; // another process owns the run now
      const now = this.#clock.now();
      const interrupted = this.#stopping && running.controller.signal.aborted;
      const next = nextRecord({
        outcome,
        now,
        interrupted,
        reopensAt: running.reopensAt,
        totals: tally.snapshot(now).totals,
        retry,
        random: this.#deps.random,
      });
      const moved = await transitionRun(this.#kv, run.id, { owner: this.#deps.owner }, next, {
        now,
        historyMs: this.#deps.historyMs,
      });
      if (!moved) return;
      this.#emit({ type: "run", run: moved.run });
      followUpAttempt(this.#followUp, moved.run, schedule, interrupted);
      const final = moved.run.status !== "waiting_window" && moved.run.status !== "pending";
      if (moved.promoted && final) this.enqueue(moved.promoted, now);
    } finally {
      this.#running.delete(run.id);
      this.dispatch();
    }
  }
}
