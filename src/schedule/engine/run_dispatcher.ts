/**
 * Runs of this process: slots (`maxDownloads`), the queue of due pending runs, starting a run
 * by taking its lease, executing it with the lease renewed, and what follows an attempt:
 * success, retry after backoff, interruption by a shutdown, failure; plus recovery of runs
 * whose process died, and the run-end webhook.
 *
 * Time windows: a run whose window is closed when it would start waits as `waiting_window`
 * until the next opening (see ./run_window.ts); a run of an `onEnd: "pause"` window is
 * stopped at the window's end (its partial files stay) and waits the same way, resuming as
 * the same run and attempt when the window reopens.
 *
 * The Engine (./engine.ts) owns one and feeds it claimed and due runs.
 * @module
 */
import type { Config } from "../../config.ts";
import { outboundCheck } from "../../download/net/outbound_guard.ts";
import { scrubSecrets } from "../../secrets.ts";
import { toNightpullError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { metrics } from "../../metrics.ts";
import {
  findRun,
  getLeases,
  getOneOff,
  getScheduleEntry,
  pruneRuns,
  renewLease,
  RUNS_PER_SCHEDULE_CAP,
  setWebhookOutcome,
  startRun,
  transitionRun,
} from "../../store/mod.ts";
import { retryDelay } from "../../time/backoff.ts";
import type { Clock } from "../../time/clock.ts";
import type { EngineEvent, Executor } from "./engine.ts";
import type { PullEvent } from "../../download/pull/pull.ts";
import { RunProgressTracker } from "./run_progress.ts";
import { finishedRecord, interruptedRecord, retryRecord, waitingRecord } from "./run_records.ts";
import { holdUntil, nextWindowCheck, pausesAtEnd, reopensAt } from "../window/run_window.ts";
import { DEFAULT_PRIORITY, DEFAULT_RETRY } from "../service/schedule_input.ts";
import type { DownloadSpec, RetryPolicy, Run, Schedule, TimeWindow } from "../../store/records.ts";
import { type CompiledTimeWindow, compileTimeWindow } from "../window/time_window.ts";
import { deliverWebhook, webhookEvent, webhookPayload } from "./webhook.ts";

const PRUNE_EVERY_FINISHES = 100;

/** What the dispatcher shares with its engine. */
export interface RunDispatcherDeps {
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

/** What a run executes: its schedule (null for a one-off), spec and retry policy. */
interface RunJob {
  schedule: Schedule | null;
  spec: DownloadSpec;
  retry: RetryPolicy;
}

interface Running {
  scheduleId: string | null;
  controller: AbortController;
  leaseTimer: number | null;
  lostLease: boolean;
  /** Set once the executor returned: a renewal still in flight then finds the lease gone. */
  finished: boolean;
  /** Next check of a pause-window run's window. */
  windowTimer: number | null;
  /** Set when the window closed on the run: the instant (ms) it reopens. */
  reopensAt: number | null;
}

/** Slots, the ready queue and the life of each run; see the module doc. */
export class RunDispatcher {
  readonly #kv: Deno.Kv;
  readonly #config: Config;
  readonly #execute: Executor;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #owner: string;
  readonly #random: () => number;
  readonly #leaseMs: number;
  readonly #historyMs: number;
  readonly #webhookDelays?: number[];
  readonly #armRun: RunDispatcherDeps["armRun"];
  readonly #emit: RunDispatcherDeps["emit"];
  readonly #track: RunDispatcherDeps["track"];

  #stopping = false;
  readonly #running = new Map<string, Running>();
  /** Slots reserved by starts in flight, so concurrent starts never exceed maxDownloads. */
  #starting = 0;
  /** Due pending runs waiting for a slot: highest priority first, then earliest due. */
  #ready: { id: string; at: number; priority: number }[] = [];
  /** Priorities of runs queued or armed here (runs older than the field have none: 5). */
  readonly #priorities = new Map<string, number>();
  readonly #finishedSincePrune = new Map<string, number>();
  #webhookAbort = new AbortController();

  constructor(deps: RunDispatcherDeps) {
    this.#kv = deps.kv;
    this.#config = deps.config;
    this.#execute = deps.execute;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#owner = deps.owner;
    this.#random = deps.random;
    this.#leaseMs = deps.leaseMs;
    this.#historyMs = deps.historyMs;
    this.#webhookDelays = deps.webhookDelaysMs;
    this.#armRun = deps.armRun;
    this.#emit = deps.emit;
    this.#track = deps.track;
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
    this.#starting++;
  }

  /** Gives back a slot taken with {@link RunDispatcher.reserve}. */
  release(): void {
    this.#starting--;
  }

  /** Accepts runs again after a stop. */
  resume(): void {
    this.#stopping = false;
    this.#webhookAbort = new AbortController();
  }

  /** Drops queued runs that are no longer pending anywhere (`active`: every non-final run). */
  keepReady(active: { has(id: string): boolean }): void {
    this.#ready = this.#ready.filter((r) => active.has(r.id));
    for (const id of this.#priorities.keys()) if (!active.has(id)) this.#priorities.delete(id);
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
    this.#webhookAbort.abort();
  }

  /** True when a run may start now (a free slot and not stopping). */
  hasSlot(): boolean {
    return !this.#stopping && this.#running.size + this.#starting < this.#config.maxDownloads;
  }

  /**
   * Queues a pending run due at `at`: started when due and a slot is free, higher `priority`
   * first (remembered from an earlier call when not given).
   */
  enqueue(id: string, at: number, priority?: number): void {
    if (this.#running.has(id)) return;
    if (priority !== undefined) this.#priorities.set(id, priority);
    if (at > this.#clock.now()) {
      this.#armRun(id, at);
      return;
    }
    this.#armRun(id, null);
    const p = this.#priorities.get(id) ?? DEFAULT_PRIORITY;
    const queued = this.#ready.find((r) => r.id === id);
    if (queued) queued.priority = p;
    else this.#ready.push({ id, at, priority: p });
    this.#ready.sort((a, b) => b.priority - a.priority || a.at - b.at);
  }

  /** Starts due pending runs while slots are free. */
  dispatch(): void {
    while (this.hasSlot() && this.#ready.length) {
      const { id } = this.#ready.shift()!;
      this.#priorities.delete(id);
      this.#starting++;
      this.#track(
        this.#startPending(id).finally(() => {
          this.#starting--;
          this.dispatch();
        }),
      );
    }
  }

  async #startPending(id: string): Promise<void> {
    const now = this.#clock.now();
    let job = null as RunJob | null;
    let window: TimeWindow | undefined;
    // Read in the same checked step as the start: whether the run may start depends on the
    // window of its schedule (or one-off download).
    const run = await startRun(this.#kv, id, this.#owner, now, now + this.#leaseMs, async (r) => {
      if (r.scheduleId) {
        const entry = await getScheduleEntry(this.#kv, r.scheduleId);
        if (!entry) return null;
        job = {
          schedule: entry.schedule,
          spec: specOf(entry.schedule),
          retry: entry.schedule.retry,
        };
        window = entry.schedule.timeWindow;
      } else {
        const oneOff = await getOneOff(this.#kv, r.id);
        if (!oneOff) return null;
        job = { schedule: null, spec: oneOff.spec, retry: oneOff.retry };
        window = oneOff.timeWindow;
      }
      const until = holdUntil(r, this.#compile(window), now);
      return until === null ? null : waitingRecord(r, until);
    });
    if (!run) return; // another process started it, or it is no longer pending
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
    const started = job;
    if (!started) return;
    this.#log.info("run.claimed", {
      runId: run.id,
      scheduleId: run.scheduleId,
      attempt: run.attempt,
    });
    this.#emit({ type: "run", run });
    this.launch(run, started.schedule, started.spec, started.retry, window);
  }

  /** The compiled window (null without one), in the server's zone when it names none. */
  #compile(window: TimeWindow | undefined): CompiledTimeWindow | null {
    return window ? compileTimeWindow(window, this.#config.timezone) : null;
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
    const running: Running = {
      scheduleId: run.scheduleId,
      controller: new AbortController(),
      leaseTimer: null,
      lostLease: false,
      finished: false,
      windowTimer: null,
      reopensAt: null,
    };
    this.#running.set(run.id, running);
    const compiled = this.#compile(window);
    if (compiled && pausesAtEnd(run, compiled)) this.#watchWindow(run, compiled, running);
    const renew = () => {
      running.leaseTimer = this.#clock.setTimer(async () => {
        running.leaseTimer = null;
        if (!this.#running.has(run.id)) return;
        try {
          const now = this.#clock.now();
          if (!(await renewLease(this.#kv, run.id, this.#owner, now + this.#leaseMs))) {
            // the run ended meanwhile and released its own lease: nothing was lost
            if (running.finished) return;
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

  /**
   * Stops `run` when its window closes: checks at the window's end (and once a minute, re-reading
   * the window so an edit takes effect), then aborts the transfer, which keeps its partial files.
   */
  #watchWindow(run: Run, window: CompiledTimeWindow, running: Running): void {
    const now = this.#clock.now();
    const delay = nextWindowCheck(window, now);
    if (delay === null) {
      running.reopensAt = reopensAt(window, now);
      this.#log.info("run.window_closed", {
        runId: run.id,
        scheduleId: run.scheduleId,
        nextOpen: new Date(running.reopensAt).toISOString(),
      });
      running.controller.abort(new DOMException("time window closed", "AbortError"));
      return;
    }
    running.windowTimer = this.#clock.setTimer(() => {
      running.windowTimer = null;
      if (this.#running.get(run.id) !== running || running.controller.signal.aborted) return;
      this.#track((async () => {
        const current = this.#compile(await this.#windowOf(run));
        if (this.#running.get(run.id) !== running || running.controller.signal.aborted) return;
        this.#log.debug("run.window_check", {
          runId: run.id,
          window: current ? current.window.onEnd : "none",
        });
        // an edit that removed the window (or made it `continue`) lets the run go on
        if (current && pausesAtEnd(run, current)) this.#watchWindow(run, current, running);
      })());
    }, delay);
  }

  /** The window `run` obeys now (re-read: it may have been edited). */
  async #windowOf(run: Run): Promise<TimeWindow | undefined> {
    if (run.scheduleId) {
      return (await getScheduleEntry(this.#kv, run.scheduleId))?.schedule.timeWindow;
    }
    return (await getOneOff(this.#kv, run.id))?.timeWindow;
  }

  async #perform(
    run: Run,
    schedule: Schedule | null,
    spec: DownloadSpec,
    retry: RetryPolicy,
    running: Running,
  ): Promise<void> {
    let outcome: Parameters<typeof finishedRecord>[2];
    // what the run has on disk so far, so a paused, interrupted or resumed run keeps its totals
    const tally = new RunProgressTracker(run.id);
    try {
      const result = await this.#execute({
        run,
        schedule,
        spec,
        signal: running.controller.signal,
        onEvent: (event) => {
          tally.apply(event as PullEvent);
          this.#emit({ type: "progress", runId: run.id, event });
        },
      });
      outcome = { ok: true, ...result };
    } catch (err) {
      const e = toNightpullError(err);
      // the last line of defence before the run record, SSE and the webhook payload
      outcome = { ok: false, error: { code: e.code, message: scrubSecrets(e.message) } };
    }
    running.finished = true;
    if (running.leaseTimer !== null) this.#clock.clearTimer(running.leaseTimer);
    if (running.windowTimer !== null) this.#clock.clearTimer(running.windowTimer);
    try {
      if (running.lostLease) return; // another process owns the run now
      const now = this.#clock.now();
      const interrupted = this.#stopping && running.controller.signal.aborted;
      const reopens = outcome.ok ? null : running.reopensAt;
      const totals = tally.snapshot(now).totals;
      // a resumed run's bytes are those of its files, not only what its last attempt fetched
      const carry = (r: Run): Run =>
        totals.files.total === 0 ? r : {
          ...r,
          files: outcome.ok ? r.files : totals.files,
          bytes: Math.max(r.bytes, totals.bytes),
        };
      const next = (current: Run): Run => {
        if (reopens !== null) return carry(waitingRecord(current, reopens));
        if (interrupted) return carry(interruptedRecord(current, now));
        if (
          outcome.ok || current.attempt >= retry.attempts || NOT_RETRIED.has(outcome.error.code)
        ) {
          return carry(finishedRecord(current, now, outcome));
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
      if (stored.status === "waiting_window") {
        this.#log.info("run.waiting_window", {
          runId: run.id,
          scheduleId: run.scheduleId,
          attempt: stored.attempt,
          nextOpen: stored.nextOpen,
          started: true,
        });
        this.enqueue(run.id, Date.parse(stored.dueAt!), stored.priority);
        return;
      }
      if (stored.status === "pending") {
        if (interrupted) {
          this.#log.info("run.interrupted", { runId: run.id, attempt: stored.attempt });
        } else {
          metrics.retries.inc({ kind: "run" });
          this.#log.warn("run.retry", {
            runId: run.id,
            attempt: stored.attempt,
            dueAt: stored.dueAt,
            error: stored.error?.code,
          });
          this.enqueue(run.id, Date.parse(stored.dueAt!), stored.priority);
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
      this.afterFinal(stored, schedule);
      if (moved.promoted) this.enqueue(moved.promoted, now);
    } finally {
      this.#running.delete(run.id);
      this.dispatch();
    }
  }

  /** Retries (or fails) running runs whose lease expired: their process died. */
  async recoverAbandoned(ids: string[]): Promise<void> {
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
      if (moved.promoted) this.enqueue(moved.promoted, now);
      this.#log.warn("run.abandoned", {
        runId: id,
        status: stored.status,
        attempt: stored.attempt,
      });
      this.#emit({ type: "run", run: stored });
      if (stored.status === "pending") this.enqueue(id, now, stored.priority);
      else {
        const schedule = stored.scheduleId
          ? (await getScheduleEntry(this.#kv, stored.scheduleId))?.schedule ?? null
          : null;
        this.afterFinal(stored, schedule);
      }
    }
  }

  /** Webhook and pruning after a run reached its final state. */
  afterFinal(run: Run, schedule: Schedule | null): void {
    metrics.runs.inc({ status: run.status, reason: run.reason ?? "none" });
    if (run.reason === "outside_window") metrics.windowSkips.inc();
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
      checkUrl: outboundCheck(this.#config, "webhook.url"),
    });
    await setWebhookOutcome(this.#kv, run.id, outcome, this.#historyMs);
    metrics.webhookDeliveries.inc({ outcome: outcome.status });
    const fields = {
      runId: run.id,
      webhookEvent: webhookEvent(run),
      attempts: outcome.attempts,
      httpStatus: outcome.httpStatus,
      error: outcome.error,
    };
    if (outcome.status === "delivered") this.#log.info("webhook.delivered", fields);
    else this.#log.warn("webhook.failed", fields);
  }
}

/** Failures another attempt cannot change: refused by policy, not by chance. */
// refused access does not heal with time: a new token or an accepted gate is needed first
const NOT_RETRIED = new Set([
  "host_not_allowed",
  "unsafe_path",
  // the listing cannot be laid out on this disk: a retry would meet the same names
  "path_conflict",
  "name_too_long",
  "auth_required",
  "invalid_token",
  "gated_repo",
  "forbidden",
]);

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
  if (s.bandwidth !== undefined) spec.bandwidth = s.bandwidth;
  if (s.verify !== undefined) spec.verify = s.verify;
  if (s.keepRevisions !== undefined) spec.keepRevisions = s.keepRevisions;
  if (s.prune) spec.prune = true;
  return spec;
}
