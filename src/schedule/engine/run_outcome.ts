/**
 * What an attempt's end makes of its run (pure): waiting for a closed window to reopen,
 * pending again after a shutdown, retried after backoff, or final (succeeded, or failed when
 * attempts are spent or the failure is one another attempt cannot change). A run keeps the
 * totals of what it has on disk, so a paused, interrupted or resumed run shows its true size.
 *
 * @example
 * ```ts
 * const next = nextRecord({ outcome, now, interrupted: false, reopensAt: null, totals, retry, random });
 * await transitionRun(kv, run.id, { owner }, next, { now, historyMs });
 * ```
 * @module
 */
import type { RetryPolicy, Run } from "../../store/records.ts";
import { retryDelay } from "../../time/backoff.ts";
import {
  finishedRecord,
  interruptedRecord,
  retryRecord,
  waitingRecord,
} from "../runs/run_records.ts";

/** How an attempt ended: the executor's result, or its error (code and scrubbed message). */
export type AttemptOutcome = Parameters<typeof finishedRecord>[2];

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

/** The facts of an attempt's end that decide what its run becomes. */
export interface AttemptEnd {
  outcome: AttemptOutcome;
  now: number;
  /** Stopped by a graceful shutdown. */
  interrupted: boolean;
  /** When the run's window closed on it: the instant (ms) it reopens. */
  reopensAt: number | null;
  /** What the run has on disk so far (from its progress events). */
  totals: { files: Run["files"]; bytes: number };
  retry: RetryPolicy;
  /** Random source for backoff jitter. */
  random: () => number;
}

/** The change to apply to the stored run (fresh from the store) after an attempt. */
export function nextRecord(end: AttemptEnd): (current: Run) => Run {
  const { outcome, now, totals } = end;
  const reopens = outcome.ok ? null : end.reopensAt;
  // a resumed run's bytes are those of its files, not only what its last attempt fetched
  const carry = (r: Run): Run =>
    totals.files.total === 0 ? r : {
      ...r,
      files: outcome.ok ? r.files : totals.files,
      bytes: Math.max(r.bytes, totals.bytes),
    };
  return (current: Run): Run => {
    if (reopens !== null) return carry(waitingRecord(current, reopens));
    if (end.interrupted) return carry(interruptedRecord(current, now));
    if (
      outcome.ok || current.attempt >= end.retry.attempts || NOT_RETRIED.has(outcome.error.code)
    ) {
      return carry(finishedRecord(current, now, outcome));
    }
    const delay = retryDelay(end.retry, current.attempt, end.random);
    return retryRecord(current, outcome.error, now, now + delay);
  };
}
