/**
 * One-off runs (no schedule): a download posted to `/downloads`, pending until a slot (and its
 * window) opens, and a cache verification run with the same history, events and outcome.
 *
 * @example
 * ```ts
 * const run = await startDownload(ctx, { source: "hf:openai-community/gpt2" });
 * ```
 * @module
 */
import { checkOutboundTargets } from "../../download/net/outbound_guard.ts";
import { addOneOffRun, newId } from "../../store/mod.ts";
import type { CacheTask, DownloadSpec, RetryPolicy, Run } from "../../store/records.ts";
import { DEFAULT_RETRY } from "../runs/run_defaults.ts";
import { newRun } from "../runs/run_records.ts";
import { compileTimeWindow, isOpenAt, nextOpening } from "../window/time_window.ts";
import { normalizeDownloadInput } from "./schedule_input.ts";
import type { ServiceContext } from "./service_context.ts";

/** A one-off download as a user sends it (POST /downloads). */
export type DownloadRequest = Partial<DownloadSpec> & {
  source: string;
  webhook?: { url: string; secret?: string };
  retry?: Partial<RetryPolicy>;
  priority?: number;
};

/** POST /downloads: a one-off run (scheduleId null), pending until a slot (and window) opens. */
export async function startDownload(ctx: ServiceContext, spec: DownloadRequest): Promise<Run> {
  const input = normalizeDownloadInput(spec);
  await checkOutboundTargets(ctx.config, { source: input.spec.source, webhook: input.webhook });
  const now = ctx.clock.now();
  let dueAt = now;
  if (input.timeWindow) {
    const w = compileTimeWindow(input.timeWindow, ctx.config.timezone);
    if (!isOpenAt(w, now)) dueAt = nextOpening(w, now) ?? now;
  }
  const run = newRun({
    id: newId(now),
    scheduleId: null,
    source: input.spec.source,
    plannedAt: dueAt,
    trigger: "manual",
    now,
    dueAt,
    priority: input.priority,
  });
  await addOneOffRun(ctx.kv, run, input, ctx.historyMs);
  ctx.log.info("run.planned", { runId: run.id, scheduleId: null, trigger: "manual" });
  ctx.changed();
  return run;
}

/**
 * Starts a cache verification as a one-off run (history, SSE, the run's outcome): source
 * `cache:verify`, one attempt, no window. `repos` must already be validated.
 */
export async function startCacheVerify(
  ctx: ServiceContext,
  task: Omit<CacheTask, "kind">,
): Promise<Run> {
  const now = ctx.clock.now();
  const source = "cache:verify";
  const run = newRun({
    id: newId(now),
    scheduleId: null,
    source,
    plannedAt: now,
    trigger: "manual",
    now,
    dueAt: now,
  });
  const spec: DownloadSpec = {
    source,
    include: [],
    exclude: [],
    layout: "hf-cache",
    task: { kind: "cache-verify", ...task },
  };
  const retry = { ...DEFAULT_RETRY, attempts: 1 };
  await addOneOffRun(ctx.kv, run, { spec, retry }, ctx.historyMs);
  ctx.log.info("run.planned", { runId: run.id, scheduleId: null, trigger: "manual", source });
  ctx.changed();
  return run;
}
