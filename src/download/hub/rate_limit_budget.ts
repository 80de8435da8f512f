/**
 * The rate-limit wait budget of one run: every 429 wait of the run (API, resolve and CDN
 * calls, all files) draws from it; a wait the remaining budget cannot cover fails the run
 * with `rate_limited`, saying when the quota resets. Concurrent waits count once (the budget
 * is wall time spent waiting), and each wait is made visible: a metric, and a callback that
 * pulls turn into a progress line and a log event.
 *
 * @example
 * ```ts
 * const budget = new RateLimitBudget({ onWait: (w) => console.log(`resuming in ${w.seconds} s`) });
 * await budget.wait(56_000, "https://huggingface.co/api/models/x", signal);
 * ```
 * @module
 */
import { NightpullError } from "../../errors.ts";
import { metrics } from "../../metrics.ts";
import { sleep as abortableSleep } from "../../time/sleep.ts";

/** Default total wait on rate limits per run: 10 minutes. */
const DEFAULT_RATE_LIMIT_BUDGET_MS = 10 * 60_000;

/** One wait the budget granted. */
export interface RateLimitWait {
  /** Host that answered 429. */
  host: string;
  /** Whole seconds to wait (rounded up). */
  seconds: number;
  /** When the wait ends (ISO). */
  until: string;
}

/** Options of {@link RateLimitBudget}. */
interface RateLimitBudgetOptions {
  /** Total wall time that may be spent waiting (default 10 min). */
  budgetMs?: number;
  /** Called when a wait starts that extends what is already being waited for. */
  onWait?: (wait: RateLimitWait) => void;
  /** The clock (ms since the epoch); tests inject one. */
  now?: () => number;
  /** How to wait; tests inject one that does not. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Wall time spent waiting on 429s by one run, against its budget. */
export class RateLimitBudget {
  readonly budgetMs: number;
  #spent = 0;
  #coveredUntil = -Infinity;
  #onWait?: (wait: RateLimitWait) => void;
  #now: () => number;
  #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(options: RateLimitBudgetOptions = {}) {
    this.budgetMs = options.budgetMs ?? DEFAULT_RATE_LIMIT_BUDGET_MS;
    this.#onWait = options.onWait;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? abortableSleep;
  }

  /** Milliseconds of the budget used so far. */
  get spentMs(): number {
    return this.#spent;
  }

  /**
   * Waits `ms` as a 429 from `url` asked, or throws `rate_limited` (naming the reset time)
   * when that wait would overrun the budget. An abort of `signal` ends the wait: `interrupted`.
   */
  async wait(ms: number, url: string | URL, signal?: AbortSignal): Promise<void> {
    const host = new URL(url).host;
    const start = this.#now();
    const end = start + Math.max(0, ms);
    // Waits that overlap (several files limited at once) use the budget once.
    const added = Math.max(0, end - Math.max(start, this.#coveredUntil));
    if (this.#spent + added > this.budgetMs) {
      const seconds = Math.ceil(ms / 1000);
      throw new NightpullError(
        "rate_limited",
        `${host} is rate-limiting requests: its quota resets at ${
          new Date(end).toISOString()
        } (in ${seconds} s), beyond what is left of the ${
          formatBudget(this.budgetMs)
        } rate-limit wait budget of this run; run again after that time`,
        { host, resetAt: new Date(end).toISOString(), waitedMs: this.#spent },
      );
    }
    this.#spent += added;
    const extends_ = end > this.#coveredUntil + 1000;
    this.#coveredUntil = Math.max(this.#coveredUntil, end);
    metrics.rateLimitWaits.inc({ host });
    if (added > 0) metrics.rateLimitWaitSeconds.inc({ host }, added / 1000);
    if (extends_) {
      this.#onWait?.({ host, seconds: Math.ceil(ms / 1000), until: new Date(end).toISOString() });
    }
    try {
      await this.#sleep(ms, signal);
    } catch (err) {
      if (!signal?.aborted || err instanceof NightpullError) throw err;
      throw new NightpullError(
        "interrupted",
        `interrupted while waiting on ${host}'s rate limit; run the same pull again to resume`,
        undefined,
        { cause: err },
      );
    }
  }
}

function formatBudget(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} s`;
}
