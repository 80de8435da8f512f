/**
 * Live run events for SSE: listens to the engine, keeps each local run's progress
 * ({@link RunProgressTracker}), and hands every subscriber `progress` at most every
 * {@link PROGRESS_INTERVAL_MS}, `state` on every status change and `end` once the run is final.
 * A late subscriber first gets the current state and progress; a run that already ended gets
 * its state and `end` at once. Runs executing in another process are followed by reading the
 * stored run every {@link POLL_MS} (state changes only: their progress is not visible here).
 *
 * Feeding the hub never waits for a subscriber: each has its own bounded queue
 * ({@link RunSubscription}).
 *
 * @example
 * ```ts
 * const hub = new RunEventHub({ subscribe: (fn) => engine.subscribe(fn), loadRun: (id) => service.getRun(id) });
 * const sub = await hub.subscribe(runId);
 * ```
 * @module
 */
import type { PullEvent } from "../../download/pull/pull.ts";
import { isFinal } from "../../store/runs.ts";
import { type Clock, systemClock } from "../../time/clock.ts";
import type { EngineEvent } from "../../schedule/engine/engine.ts";
import { type RunProgress, RunProgressTracker } from "../../schedule/engine/run_progress.ts";
import { QUEUE_LIMIT, RunSubscription } from "./run_subscription.ts";
import type { Run } from "../../store/records.ts";

/** Options of {@link RunEventHub}. */
interface RunEventHubOptions {
  /** The engine's event feed; without one only stored runs are followed. */
  subscribe?: (fn: (e: EngineEvent) => void) => () => void;
  /** Reads a stored run; throws `not_found` for an unknown id. */
  loadRun: (id: string) => Promise<Run>;
  clock?: Clock;
}

/** Least time between two progress events of a run. */
const PROGRESS_INTERVAL_MS = 250;
/** How often runs without local events are re-read. */
const POLL_MS = 1000;

interface LiveRun {
  run: Run | null;
  tracker: RunProgressTracker | null;
  /** Progress changed since the last snapshot. */
  dirty: boolean;
  lastPublish: number;
  timer: number | null;
  /** Last local engine event (ms), to skip re-reading runs that report by themselves. */
  lastEvent: number;
  subs: Set<RunSubscription>;
}

/** Fan-out of run events to live views; see the module doc. */
export class RunEventHub {
  readonly #loadRun: (id: string) => Promise<Run>;
  readonly #clock: Clock;
  readonly #unsubscribe: (() => void) | null;
  readonly #live = new Map<string, LiveRun>();
  #pollTimer: number | null = null;
  #polling = false;
  #closed = false;

  constructor(options: RunEventHubOptions) {
    this.#loadRun = options.loadRun;
    this.#clock = options.clock ?? systemClock;
    this.#unsubscribe = options.subscribe?.((e) => this.#onEngineEvent(e)) ?? null;
  }

  /**
   * Runs followed and subscribers connected, with the most events one subscriber's queue held,
   * the progress snapshots readers skipped and the events they took, for tests and diagnostics.
   */
  stats(): {
    runs: number;
    subscribers: number;
    highWater: number;
    dropped: number;
    taken: number;
  } {
    let subscribers = 0;
    let highWater = 0;
    let dropped = 0;
    let taken = 0;
    for (const live of this.#live.values()) {
      subscribers += live.subs.size;
      for (const sub of live.subs) {
        highWater = Math.max(highWater, sub.highWater);
        dropped += sub.dropped;
        taken += sub.taken;
      }
    }
    return { runs: this.#live.size, subscribers, highWater, dropped, taken };
  }

  /**
   * A subscription to run `runId`, primed with its current state (and progress when it runs
   * here). Throws what `loadRun` throws (`not_found`) without subscribing.
   */
  async subscribe(runId: string): Promise<RunSubscription> {
    const live = this.#entry(runId);
    const sub = new RunSubscription(runId, QUEUE_LIMIT, (s) => this.#detach(s));
    live.subs.add(sub);
    let run: Run;
    try {
      run = live.run ?? await this.#loadRun(runId);
    } catch (err) {
      this.#detach(sub);
      throw err;
    }
    if (this.#closed) {
      sub.pushEnd(run);
      return sub;
    }
    // events that arrived while reading are newer than the read: they win
    live.run ??= run;
    const current = live.run;
    if (!sub.hasState) sub.pushState(current, { first: true });
    if (live.tracker && !sub.finished) sub.pushProgress(this.#snapshot(live));
    if (isFinal(current)) {
      sub.pushEnd(current);
      this.#detach(sub);
    } else {
      this.#armPoll();
    }
    return sub;
  }

  /** Feeds one engine event (the constructor's `subscribe` calls this). */
  #onEngineEvent(event: EngineEvent): void {
    if (this.#closed) return;
    if (event.type === "progress") this.#onProgress(event.runId, event.event as PullEvent);
    else this.#onRun(event.run);
  }

  /** Stops listening, ends every subscription and clears the timers. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe?.();
    if (this.#pollTimer !== null) this.#clock.clearTimer(this.#pollTimer);
    this.#pollTimer = null;
    for (const live of this.#live.values()) {
      if (live.timer !== null) this.#clock.clearTimer(live.timer);
      for (const sub of live.subs) sub.close();
    }
    this.#live.clear();
  }

  #entry(runId: string): LiveRun {
    let live = this.#live.get(runId);
    if (!live) {
      live = {
        run: null,
        tracker: null,
        dirty: false,
        lastPublish: -Infinity,
        timer: null,
        lastEvent: -Infinity,
        subs: new Set(),
      };
      this.#live.set(runId, live);
    }
    return live;
  }

  #detach(sub: RunSubscription): void {
    const live = this.#live.get(sub.runId);
    if (!live) return;
    live.subs.delete(sub);
    if (live.subs.size === 0) {
      if (live.timer !== null) this.#clock.clearTimer(live.timer);
      live.timer = null;
      // a run executing here stays followed for later subscribers
      if (!live.tracker) this.#live.delete(sub.runId);
      this.#disarmPollIfIdle();
    }
  }

  #snapshot(live: LiveRun): RunProgress {
    const now = this.#clock.now();
    live.dirty = false;
    live.lastPublish = now;
    return live.tracker!.snapshot(now);
  }

  #onProgress(runId: string, event: PullEvent): void {
    const live = this.#entry(runId);
    live.lastEvent = this.#clock.now();
    if (!live.tracker) {
      live.tracker = new RunProgressTracker(runId);
      this.#forgetSilent();
    }
    live.tracker.apply(event);
    live.dirty = true;
    if (live.subs.size === 0 || live.timer !== null) return;
    const wait = live.lastPublish + PROGRESS_INTERVAL_MS - this.#clock.now();
    if (wait <= 0) this.#publishProgress(live);
    else {
      live.timer = this.#clock.setTimer(() => {
        live.timer = null;
        if (live.dirty && live.subs.size > 0) this.#publishProgress(live);
      }, wait);
    }
  }

  /**
   * Drops runs nobody watches that reported nothing for an hour: their end happened elsewhere
   * (a lost lease moved them to another process). Runs start rarely, so a scan per start is cheap.
   */
  #forgetSilent(): void {
    const before = this.#clock.now() - 3_600_000;
    for (const [id, live] of this.#live) {
      if (live.subs.size === 0 && live.lastEvent < before) this.#live.delete(id);
    }
  }

  #publishProgress(live: LiveRun): void {
    const progress = this.#snapshot(live);
    for (const sub of live.subs) sub.pushProgress(progress);
  }

  #onRun(run: Run): void {
    const live = this.#live.get(run.id);
    if (!live) return;
    live.lastEvent = this.#clock.now();
    live.run = run;
    if (live.subs.size > 0) {
      // the last bytes of a run go out before its state says it finished
      if (live.dirty && live.tracker) this.#publishProgress(live);
      for (const sub of live.subs) sub.pushState(run);
    }
    if (!isFinal(run)) return;
    if (live.timer !== null) this.#clock.clearTimer(live.timer);
    for (const sub of live.subs) sub.pushEnd(run);
    this.#live.delete(run.id);
    this.#disarmPollIfIdle();
  }

  #disarmPollIfIdle(): void {
    if (this.#pollTimer === null) return;
    for (const live of this.#live.values()) if (live.subs.size > 0) return;
    this.#clock.clearTimer(this.#pollTimer);
    this.#pollTimer = null;
  }

  #armPoll(): void {
    if (this.#pollTimer !== null || this.#closed) return;
    this.#pollTimer = this.#clock.setTimer(() => {
      this.#pollTimer = null;
      this.#poll().finally(() => {
        for (const live of this.#live.values()) {
          if (live.subs.size > 0) return this.#armPoll();
        }
      });
    }, POLL_MS);
  }

  /** Re-reads runs with subscribers that reported nothing locally for a while. */
  async #poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      const now = this.#clock.now();
      const quiet = [...this.#live].filter(([, l]) =>
        l.subs.size > 0 && now - l.lastEvent >= POLL_MS
      );
      for (const [id, live] of quiet) {
        let run: Run;
        try {
          run = await this.#loadRun(id);
        } catch {
          continue; // gone (hard delete) or the KV hiccuped: try again next time
        }
        if (this.#closed || this.#live.get(id) !== live) continue;
        const before = live.run;
        if (!before || before.status !== run.status || before.attempt !== run.attempt) {
          this.#onRun(run);
          live.lastEvent = -Infinity;
        }
      }
    } finally {
      this.#polling = false;
    }
  }
}
