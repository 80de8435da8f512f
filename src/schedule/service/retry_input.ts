/**
 * A retry policy from a schedule or download body: the given fields over the defaults
 * (DEFAULT_RETRY), each checked, naming `retry.<field>` when wrong.
 *
 * @example
 * ```ts
 * const policy = normalizeRetry({ attempts: 2 }); // { attempts: 2, backoff: "30s", ... }
 * ```
 * @module
 */
import type { RetryPolicy } from "../../store/records.ts";
import { parseDuration } from "../../time/duration.ts";
import { DEFAULT_RETRY } from "../runs/run_defaults.ts";
import { checkKnown, invalid } from "./input_checks.ts";

/** A full retry policy from a partial one; throws naming `retry.<field>`. */
export function normalizeRetry(value: unknown): RetryPolicy {
  if (value === undefined) return { ...DEFAULT_RETRY };
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid(
      "retry",
      'invalid retry: expected {"attempts": 3, "backoff": "30s", "factor": 2, "maxBackoff": "30m"}',
    );
  }
  const r = value as Record<string, unknown>;
  checkKnown(r, ["attempts", "backoff", "factor", "maxBackoff"], "retry policy");
  const policy = { ...DEFAULT_RETRY, ...r } as RetryPolicy;
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1 || policy.attempts > 100) {
    throw invalid(
      "retry.attempts",
      `invalid retry.attempts ${
        JSON.stringify(policy.attempts)
      }: expected a whole number from 1 to 100`,
    );
  }
  if (typeof policy.factor !== "number" || !(policy.factor >= 1 && policy.factor <= 10)) {
    throw invalid(
      "retry.factor",
      `invalid retry.factor ${JSON.stringify(policy.factor)}: expected a number from 1 to 10`,
    );
  }
  const backoff = parseDuration(policy.backoff, "retry.backoff");
  const max = parseDuration(policy.maxBackoff, "retry.maxBackoff");
  if (max < backoff) {
    throw invalid(
      "retry.maxBackoff",
      `invalid retry.maxBackoff "${policy.maxBackoff}": shorter than retry.backoff "${policy.backoff}"`,
    );
  }
  return policy;
}
