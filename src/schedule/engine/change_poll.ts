/**
 * How the engine notices other processes sharing the KV: every `pollMs` it reads two version
 * counters (schedule writes, startable runs) and reloads what changed; every few polls it
 * sweeps both anyway (a schedule lost from the timer heap is armed again, runs whose lease
 * expired are recovered). Each poll ends by firing what is due, since a clock that jumped
 * ahead (suspend, NTP) leaves the timer late.
 *
 * @example
 * ```ts
 * const poller = new ChangePoller({ kv, clock, pollMs: 1000, track, isStopping, reloadStates,
 *   scanActiveRuns, fireDueOrArm });
 * await poller.readVersions();
 * poller.start();
 * ```
 * @module
 */
import { RUNS_VERSION_KEY, SCHEDULES_VERSION_KEY } from "../../store/mod.ts";
import type { Clock } from "../../time/clock.ts";

/** Every this many polls, schedules and runs are swept even without a version change. */
export const SWEEP_EVERY_POLLS = 5;

/** What the poller calls on its engine. */
interface ChangePollDeps {
  kv: Deno.Kv;
  clock: Clock;
  pollMs: number;
  /** Registers background work so the engine's idle() and stop() wait for it. */
  track: <T>(p: Promise<T>) => Promise<T>;
  isStopping: () => boolean;
  /** Re-reads every schedule state and arms the timer heap from them. */
  reloadStates: () => Promise<void>;
  /** Rearms pending runs; with `sweep`, recovers abandoned ones. */
  scanActiveRuns: (sweep: boolean) => Promise<void>;
  /** Fires what is due now, else arms the timer. */
  fireDueOrArm: () => void;
}

/** The engine's poll loop; see the module doc. */
export class ChangePoller {
  readonly #deps: ChangePollDeps;
  #timer: number | null = null;
  #polls = 0;
  #versions: [bigint, bigint] = [-1n, -1n];

  constructor(deps: ChangePollDeps) {
    this.#deps = deps;
  }

  /** True while the next poll is armed. */
  get armed(): boolean {
    return this.#timer !== null;
  }

  /** Takes the current versions as seen (start-up reads everything anyway). */
  async readVersions(): Promise<void> {
    this.#versions = await this.#read();
  }

  /** Arms the next poll (and each one after it, until stopped). */
  start(): void {
    if (this.#deps.isStopping()) return;
    this.#timer = this.#deps.clock.setTimer(() => {
      this.#timer = null;
      this.#deps.track(this.#poll()).finally(() => this.start());
    }, this.#deps.pollMs);
  }

  /** Disarms the next poll. */
  stop(): void {
    if (this.#timer !== null) this.#deps.clock.clearTimer(this.#timer);
    this.#timer = null;
  }

  async #read(): Promise<[bigint, bigint]> {
    const [s, r] = await this.#deps.kv.getMany<[Deno.KvU64, Deno.KvU64]>([
      SCHEDULES_VERSION_KEY,
      RUNS_VERSION_KEY,
    ]);
    return [s.value?.value ?? 0n, r.value?.value ?? 0n];
  }

  async #poll(): Promise<void> {
    if (this.#deps.isStopping()) return;
    const versions = await this.#read();
    const sweep = ++this.#polls % SWEEP_EVERY_POLLS === 0;
    // schedules are swept like runs: one lost from the heap is armed again from its state
    if (versions[0] !== this.#versions[0] || sweep) await this.#deps.reloadStates();
    if (versions[1] !== this.#versions[1] || sweep) await this.#deps.scanActiveRuns(sweep);
    this.#versions = versions;
    // a clock that jumped ahead (suspend, NTP) leaves the timer late: fire what is due now
    this.#deps.fireDueOrArm();
  }
}
