/**
 * How a run record changes at each step of its life (pure): created, retried after a failed
 * attempt, interrupted by a shutdown, abandoned by a dead process, waiting for its time window
 * to reopen, finished. A retry is the
 * same record with `attempt` incremented; the attempts before it stay in `previousAttempts`.
 *
 * @example
 * ```ts
 * const run = newRun({ id, scheduleId, source, plannedAt, trigger: "schedule", now });
 * ```
 * @module
 */
import type { Run, RunAttempt } from "../../store/records.ts";

/** Fields of a new run. */
export interface NewRun {
  id: string;
  scheduleId: string | null;
  source: string;
  plannedAt: number;
  trigger: Run["trigger"];
  now: number;
  /** Initial status (default pending, due now). */
  status?: "pending" | "running" | "skipped";
  reason?: Run["reason"];
  /** Pending only: when it may start; null = queued behind another run. */
  dueAt?: number | null;
  /** Its schedule's or download's priority (left out when absent). */
  priority?: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A new run record. */
export function newRun(f: NewRun): Run {
  const status = f.status ?? "pending";
  const run: Run = {
    id: f.id,
    scheduleId: f.scheduleId,
    source: f.source,
    plannedAt: iso(f.plannedAt),
    trigger: f.trigger,
    status,
    reason: f.reason ?? null,
    attempt: 1,
    startedAt: status === "running" ? iso(f.now) : null,
    finishedAt: status === "skipped" ? iso(f.now) : null,
    commit: null,
    files: { total: 0, done: 0, skipped: 0 },
    bytes: 0,
    error: null,
    dueAt: status === "pending"
      ? (f.dueAt === undefined ? iso(f.now) : f.dueAt === null ? null : iso(f.dueAt))
      : null,
  };
  if (f.priority !== undefined) run.priority = f.priority;
  return run;
}

function endedAttempt(run: Run, now: number, error: Run["error"]): RunAttempt[] {
  return [
    ...(run.previousAttempts ?? []),
    { attempt: run.attempt, startedAt: run.startedAt, finishedAt: iso(now), error },
  ];
}

/** The run after a failed attempt, waiting until `dueAt` for the next one. */
export function retryRecord(
  run: Run,
  error: NonNullable<Run["error"]>,
  now: number,
  dueAt: number,
): Run {
  return {
    ...run,
    status: "pending",
    reason: null,
    attempt: run.attempt + 1,
    previousAttempts: endedAttempt(run, now, error),
    startedAt: null,
    finishedAt: null,
    error,
    dueAt: iso(dueAt),
  };
}

/** The run after a graceful shutdown stopped it: pending again, same attempt, due at once. */
export function interruptedRecord(run: Run, now: number): Run {
  return { ...run, status: "pending", reason: "interrupted", dueAt: iso(now), finishedAt: null };
}

/**
 * The run waiting for its time window to reopen at `nextOpen` (ms): paused at the window's end,
 * or held at its start because the window had closed. Same attempt; it resumes at `dueAt`.
 */
export function waitingRecord(run: Run, nextOpen: number): Run {
  return {
    ...run,
    status: "waiting_window",
    reason: "outside_window",
    dueAt: iso(nextOpen),
    nextOpen: iso(nextOpen),
    finishedAt: null,
  };
}

/** The run in its final state after an attempt. */
export function finishedRecord(
  run: Run,
  now: number,
  outcome:
    | { ok: true; commit: string | null; files: Run["files"]; bytes: number }
    | { ok: false; error: NonNullable<Run["error"]> },
): Run {
  if (outcome.ok) {
    return {
      ...run,
      status: "succeeded",
      reason: null,
      finishedAt: iso(now),
      dueAt: null,
      commit: outcome.commit,
      files: outcome.files,
      bytes: outcome.bytes,
      error: null,
    };
  }
  return { ...run, status: "failed", finishedAt: iso(now), dueAt: null, error: outcome.error };
}
