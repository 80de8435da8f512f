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
interface BackoffPolicy {
  /** First delay, e.g. `30s`. */
  backoff: string;
  /** Growth per attempt. */
  factor: number;
  /** Ceiling of any delay, e.g. `30m`. */
  maxBackoff: string;
}

/** Jitter fraction either side of the nominal delay. */
const JITTER = 0.2;

/** The shape of an exponential delay in milliseconds, for {@link exponentialDelay}. */
interface ExponentialDelay {
  /** Nominal delay after the first failure. */
  baseMs: number;
  /** Growth per attempt (default 2). */
  factor?: number;
  /** Ceiling of the nominal delay, before jitter (default none). */
  capMs?: number;
  /** Jitter fraction either side of the nominal delay (default {@link JITTER}). */
  jitter?: number;
}

/**
 * The one exponential backoff: `min(capMs, baseMs * factor^(attempt-1))` for failed attempt
 * `attempt` (1-based), times a jitter in `[1 - jitter, 1 + jitter)`, rounded to a millisecond.
 */
export function exponentialDelay(
  attempt: number,
  shape: ExponentialDelay,
  random: () => number = Math.random,
): number {
  const nominal = Math.min(
    shape.capMs ?? Infinity,
    shape.baseMs * Math.pow(shape.factor ?? 2, Math.max(0, attempt - 1)),
  );
  const jitter = shape.jitter ?? JITTER;
  return Math.round(nominal * (1 - jitter + 2 * jitter * random()));
}

/**
 * Milliseconds to wait after failed attempt `attempt` (1-based) before the next one:
 * `backoff * factor^(attempt-1)`, times a jitter in [0.8, 1.2), never above `maxBackoff`.
 */
export function retryDelay(policy: BackoffPolicy, attempt: number, random: () => number): number {
  const baseMs = parseDuration(policy.backoff, "retry.backoff");
  const cap = parseDuration(policy.maxBackoff, "retry.maxBackoff");
  return Math.min(cap, exponentialDelay(attempt, { baseMs, factor: policy.factor }, random));
}
