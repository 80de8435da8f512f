/**
 * What follows a run's final state: its metrics, pruning of the schedule's oldest runs every
 * so many finishes, and the run-end webhook (its outcome stored on the run).
 *
 * @example
 * ```ts
 * const finish = new RunFinisher({ kv, config, log, historyMs, track });
 * finish.afterFinal(run, schedule);
 * ```
 * @module
 */
import type { Config } from "../../config.ts";
import { outboundCheck } from "../../download/net/outbound_guard.ts";
import type { Logger } from "../../log.ts";
import { metrics } from "../../metrics.ts";
import { getOneOff, pruneRuns, RUNS_PER_SCHEDULE_CAP, setWebhookOutcome } from "../../store/mod.ts";
import type { Run, Schedule } from "../../store/records.ts";
import { deliverWebhook, webhookEvent, webhookPayload } from "./webhook.ts";

const PRUNE_EVERY_FINISHES = 100;

/** What {@link RunFinisher} needs. */
interface RunFinisherDeps {
  kv: Deno.Kv;
  config: Config;
  log: Logger;
  historyMs: number;
  /** Waits between webhook attempts (default 1 s, 5 s, 30 s). */
  webhookDelaysMs?: number[];
  /** Registers background work so the engine's idle() and stop() wait for it. */
  track: <T>(p: Promise<T>) => Promise<T>;
}

/** Metrics, pruning and webhooks of finished runs; see the module doc. */
export class RunFinisher {
  readonly #deps: RunFinisherDeps;
  readonly #finishedSincePrune = new Map<string, number>();
  #webhookAbort = new AbortController();

  constructor(deps: RunFinisherDeps) {
    this.#deps = deps;
  }

  /** Sends webhooks again after a stop. */
  resume(): void {
    this.#webhookAbort = new AbortController();
  }

  /** Aborts webhook deliveries (and their retry waits) in flight. */
  stop(): void {
    this.#webhookAbort.abort();
  }

  /** Webhook and pruning after a run reached its final state. */
  afterFinal(run: Run, schedule: Schedule | null): void {
    const { kv, track } = this.#deps;
    metrics.runs.inc({ status: run.status, reason: run.reason ?? "none" });
    if (run.reason === "outside_window") metrics.windowSkips.inc();
    if (run.scheduleId) {
      const count = (this.#finishedSincePrune.get(run.scheduleId) ?? 0) + 1;
      this.#finishedSincePrune.set(run.scheduleId, count % PRUNE_EVERY_FINISHES);
      if (count >= PRUNE_EVERY_FINISHES) {
        track(pruneRuns(kv, run.scheduleId, RUNS_PER_SCHEDULE_CAP));
      }
    }
    track(this.#sendWebhook(run, schedule));
  }

  async #sendWebhook(run: Run, schedule: Schedule | null): Promise<void> {
    const { kv, config, log, historyMs } = this.#deps;
    const target = schedule ? schedule.webhook : (await getOneOff(kv, run.id))?.webhook;
    if (!target || !webhookEvent(run)) return;
    await setWebhookOutcome(kv, run.id, { status: "pending", attempts: 0 }, historyMs);
    const outcome = await deliverWebhook(target, webhookPayload(run, schedule), {
      delaysMs: this.#deps.webhookDelaysMs,
      signal: this.#webhookAbort.signal,
      checkUrl: outboundCheck(config, "webhook.url"),
    });
    await setWebhookOutcome(kv, run.id, outcome, historyMs);
    metrics.webhookDeliveries.inc({ outcome: outcome.status });
    const fields = {
      runId: run.id,
      webhookEvent: webhookEvent(run),
      attempts: outcome.attempts,
      httpStatus: outcome.httpStatus,
      error: outcome.error,
    };
    if (outcome.status === "delivered") log.info("webhook.delivered", fields);
    else log.warn("webhook.failed", fields);
  }
}
