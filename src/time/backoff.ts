/**
 * Delay before a retry: exponential in the attempt number, ±20% jitter, capped by
 * `maxBackoff`. Pure: the random source is a parameter.
 *
 * @example
 * ```ts
 * retryDelay({ attempts: 3, backoff: "30s", factor: 2, maxBackoff: "30m" }, 2, Math.random);
 * // 60s ± 20%
 * ```
 * @module
 */
import { parseDuration } from "./duration.ts";

/** The shape of a schedule's retry policy that a delay needs (durations as people write them). */
export interface BackoffPolicy {
  /** First delay, e.g. `30s`. */
  backoff: string;
  /** Growth per attempt. */
  factor: number;
  /** Ceiling of any delay, e.g. `30m`. */
  maxBackoff: string;
}

/** Jitter fraction either side of the nominal delay. */
export const JITTER = 0.2;

/**
 * Milliseconds to wait after failed attempt `attempt` (1-based) before the next one:
 * `backoff * factor^(attempt-1)`, times a jitter in [0.8, 1.2), never above `maxBackoff`.
 */
export function retryDelay(policy: BackoffPolicy, attempt: number, random: () => number): number {
  const base = parseDuration(policy.backoff, "retry.backoff");
  const cap = parseDuration(policy.maxBackoff, "retry.maxBackoff");
  const nominal = base * Math.pow(policy.factor, Math.max(0, attempt - 1));
  const jittered = nominal * (1 - JITTER + 2 * JITTER * random());
  return Math.round(Math.min(cap, jittered));
}
