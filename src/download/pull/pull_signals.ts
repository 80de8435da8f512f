/**
 * How a pull meets outside pressure: the one budget for 429 waits (each wait told as a `wait`
 * event and a log line) and the check that turns an aborted signal into `interrupted`.
 *
 * @example
 * ```ts
 * const rateLimits = pullRateLimits(ctx, "hf:acme/tiny-model", "the hub");
 * throwIfInterrupted(ctx.signal);
 * ```
 * @module
 */
import { NightpullError } from "../../errors.ts";
import { RateLimitBudget } from "../hub/rate_limit_budget.ts";
import type { PullContext } from "./pull_types.ts";

/**
 * The pull's one budget for 429 waits, shared by its API calls and file transfers; each wait
 * becomes a `wait` event ("rate limited by the hub, resuming in 55 s") and a log event.
 */
export function pullRateLimits(ctx: PullContext, source: string, by: string): RateLimitBudget {
  return new RateLimitBudget({
    budgetMs: ctx.rateLimitBudgetMs,
    onWait: (wait) => {
      ctx.logger?.warn("pull.rate_limited", { source, ...wait });
      ctx.onEvent?.({ type: "wait", reason: "rate_limited", by, ...wait });
    },
  });
}

/** Throws `interrupted` when the pull was aborted. */
export function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new NightpullError(
      "interrupted",
      "interrupted; partial files are kept, run the same pull again to resume",
    );
  }
}
