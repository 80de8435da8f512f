/**
 * Defaults a schedule or one-off download gets for what it leaves out, shared by input
 * validation (schedule/service) and the engine (a record older than a field reads as its default).
 *
 * @example
 * ```ts
 * const policy = stored.retry ?? DEFAULT_RETRY;
 * const priority = run.priority ?? DEFAULT_PRIORITY;
 * ```
 * @module
 */
import type { RetryPolicy } from "../../store/records.ts";

/** Defaults of DESIGN.md: a failed run is retried up to 3 times (4 attempts in all). */
export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 4,
  backoff: "30s",
  factor: 2,
  maxBackoff: "30m",
};

/** Priority of a schedule or download that names none (and of records older than the field). */
export const DEFAULT_PRIORITY = 5;
