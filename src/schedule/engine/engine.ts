/**
 * The scheduler engine: one timer armed for the earliest due time (schedules and pending
 * runs in one min-heap), occurrences claimed exactly once across processes
 * (./occurrence_firing.ts: batched claim commits, reads and planning done `prepareMs` ahead,
 * misfire coalescing), and a {@link RunDispatcher} that executes runs with a lease, retries
 * and sends webhooks.
 *
 * Other processes sharing the KV are noticed by polling two version counters (schedule
 * writes, startable runs) every `pollMs` (./change_poll.ts); every few polls the same loop
 * also sweeps runs whose lease expired (their process died).
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
import { listActiveRuns, listScheduleStates, newId } from "../../store/mod.ts";
import { type Clock, MAX_TIMER_DELAY_MS, systemClock } from "../../time/clock.ts";
import { ChangePoller, SWEEP_EVERY_POLLS } from "./change_poll.ts";
import type { EngineEvent, Executor } from "./engine_types.ts";
import { OccurrenceFirer } from "./occurrence_firing.ts";
import { RunDispatcher } from "./run_dispatcher.ts";
import { TimerHeap } from "./timer_heap.ts";

/** The executor the engine calls and the events it emits (defined in ./engine_types.ts). */
export type { EngineEvent, Executor };

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

/** The scheduler; see the module doc. */
export class Engine {
  readonly #kv: Deno.Kv;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #owner: string;
  readonly #runs: RunDispatcher;
  readonly #schedules: OccurrenceFirer;
  readonly #poller: ChangePoller;

  readonly #heap = new TimerHeap();
  #timer: number | null = null;
  #timerAt: number | null = null;
  #started = false;
  #stopping = false;
  readonly #work = new Set<Promise<unknown>>();
  readonly #listeners = new Set<(e: EngineEvent) => void>();

  constructor(options: EngineOptions) {
    const { kv, config } = options;
    this.#kv = kv;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger ?? silentLogger;
    this.#owner = options.instanceId ?? newId(Date.now());
    const pollMs = options.pollMs ?? 1000;
    const shared = {
      kv,
      config,
      clock: this.#clock,
      log: this.#log,
      owner: this.#owner,
      leaseMs: options.leaseMs ?? 15_000,
      historyMs: config.historyDays * 86_400_000,
      emit: (event: EngineEvent) => this.#emit(event),
      track: <T>(p: Promise<T>) => this.#track(p),
      isStopping: () => this.#stopping,
    };
    this.#runs = new RunDispatcher({
      ...shared,
      execute: options.execute,
      random: options.random ?? Math.random,
      webhookDelaysMs: options.webhookDelaysMs,
      armRun: (id, at) => {
        this.#heap.set(`r:${id}`, at);
        if (at !== null) this.#rearm();
      },
    });
    this.#schedules = new OccurrenceFirer({
      ...shared,
      prepareMs: options.prepareMs ?? 300,
      sweepMs: pollMs * SWEEP_EVERY_POLLS,
      heap: this.#heap,
      runs: this.#runs,
      rearm: () => this.#rearm(),
    });
    this.#poller = new ChangePoller({
      ...shared,
      pollMs,
      reloadStates: () => this.#reloadStates(),
      scanActiveRuns: (sweep) => this.#scanActiveRuns(sweep),
      fireDueOrArm: () => this.#fireDueOrArm(),
    });
  }

  /** Loads schedule states and pending runs, handles misfires, arms the timer, starts polling. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#stopping = false;
    this.#runs.resume();
    await this.#poller.readVersions();
    await this.#reloadStates();
    await this.#scanActiveRuns(true);
    this.#poller.start();
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
    this.#timer = this.#timerAt = null;
    this.#poller.stop();
    this.#runs.stop();
    this.#schedules.wakeAll();
    await this.idle();
    this.#started = false;
    this.#log.info("engine.stopped", { instance: this.#owner });
  }

  /**
   * Re-reads one schedule's state (or all) and rescans pending runs after a local change;
   * `runs: false` (a new schedule, which has none) skips the rescan, and `nextAt` (the state
   * just written) arms the schedule without reading it back.
   */
  notifyChanged(
    scheduleId?: string,
    opts: { runs?: boolean; nextAt?: number | null } = {},
  ): void {
    if (!this.#started || this.#stopping) return;
    this.#track((async () => {
      if (scheduleId && opts.nextAt !== undefined) {
        if (!this.#schedules.isFiring(scheduleId)) this.#schedules.arm(scheduleId, opts.nextAt);
      } else if (scheduleId) {
        // hard-deleted: its runs are gone from the store; stop what still runs here
        if (!(await this.#schedules.reload(scheduleId))) this.#runs.cancelSchedule(scheduleId);
      } else await this.#reloadStates();
      if (opts.runs !== false) await this.#scanActiveRuns(false);
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
    return this.#started && !this.#stopping && this.#poller.armed;
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
    const claimed = this.#track(this.#schedules.fireAll(schedules));
    this.#runs.dispatch();
    this.#rearm();
    return { schedules: schedules.length, claimed };
  }

  /** Handles what is already due at once (no zero-delay timer), then arms for the rest. */
  #fireDueOrArm(): void {
    const at = this.#heap.peek();
    if (at !== null && at <= this.#clock.now()) this.#onTimer();
    else this.#rearm();
  }

  async #reloadStates(): Promise<void> {
    const states = await listScheduleStates(this.#kv);
    for (const key of [...this.#heap.keys()]) {
      if (key.startsWith("s:") && !states.has(key.slice(2))) this.#heap.set(key, null);
    }
    for (const [id, { state }] of states) {
      if (!this.#schedules.isFiring(id)) this.#schedules.arm(id, state.nextAt);
    }
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
