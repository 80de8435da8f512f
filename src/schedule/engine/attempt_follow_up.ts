/**
 * What follows an attempt once its run is stored anew: a run waiting for its window or due
 * for a retry is queued again (logged as such), one put back by a shutdown waits for the next
 * start, and a final one is logged and handed on (metrics, pruning, webhook).
 *
 * @example
 * ```ts
 * followUpAttempt({ log, enqueue, afterFinal }, stored, schedule, interrupted);
 * ```
 * @module
 */
import type { Logger } from "../../log.ts";
import { metrics } from "../../metrics.ts";
import type { Run, Schedule } from "../../store/records.ts";

/** What the follow-up calls on the dispatcher. */
export interface FollowUpDeps {
  log: Logger;
  /** Queues a pending run (see RunDispatcher.enqueue). */
  enqueue: (id: string, at: number, priority?: number) => void;
  /** Metrics, pruning and webhook of a final run. */
  afterFinal: (run: Run, schedule: Schedule | null) => void;
}

/** Logs what the attempt's end made of `stored` and queues or finishes it; see the module doc. */
export function followUpAttempt(
  deps: FollowUpDeps,
  stored: Run,
  schedule: Schedule | null,
  interrupted: boolean,
): void {
  const { log } = deps;
  const runId = stored.id;
  if (stored.status === "waiting_window") {
    log.info("run.waiting_window", {
      runId,
      scheduleId: stored.scheduleId,
      attempt: stored.attempt,
      nextOpen: stored.nextOpen,
      started: true,
    });
    deps.enqueue(runId, Date.parse(stored.dueAt!), stored.priority);
    return;
  }
  if (stored.status === "pending") {
    if (interrupted) {
      log.info("run.interrupted", { runId, attempt: stored.attempt });
      return;
    }
    metrics.retries.inc({ kind: "run" });
    log.warn("run.retry", {
      runId,
      attempt: stored.attempt,
      dueAt: stored.dueAt,
      error: stored.error?.code,
    });
    deps.enqueue(runId, Date.parse(stored.dueAt!), stored.priority);
    return;
  }
  log.info("run.finished", {
    runId,
    scheduleId: stored.scheduleId,
    status: stored.status,
    attempt: stored.attempt,
    bytes: stored.bytes,
    error: stored.error?.code,
  });
  deps.afterFinal(stored, schedule);
}
