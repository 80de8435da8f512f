/**
 * Run records (history) and what hangs off them: the newest-first index per schedule, the
 * index of runs not yet final, stats counters, one-off download specs and webhook outcomes.
 * Final records expire after `historyDays`; a per-schedule cap bounds the rest.
 *
 * @example
 * ```ts
 * const page = await listRuns(kv, scheduleId, { limit: 20 });
 * ```
 * @module
 */
import type {
  DownloadSpec,
  RetryPolicy,
  Run,
  RunStatus,
  Schedule,
  TimeWindow,
  WebhookDelivery,
} from "./records.ts";
import { NightpullError } from "../errors.ts";
import { commitWithRetry, updateWithCheck } from "./commit.ts";
import {
  ACTIVE_RUNS_PREFIX,
  activeRunKey,
  oneOffKey,
  runByScheduleKey,
  runKey,
  RUNS_VERSION_KEY,
  runsBySchedulePrefix,
  scheduleKey,
  statsKey,
} from "./keys.ts";
import { decodeCursor, encodeCursor, type Page, pageLimit } from "./page.ts";

/** Statuses after which a run never changes again (apart from its webhook outcome). */
const FINAL_STATUSES: readonly RunStatus[] = ["succeeded", "failed", "skipped", "cancelled"];
/** Newest runs kept per schedule, whatever their age. */
export const RUNS_PER_SCHEDULE_CAP = 1000;

/** True when `run` is in a final state. */
export function isFinal(run: Run): boolean {
  return FINAL_STATUSES.includes(run.status);
}

/** Entry of the not-yet-final index: enough to arm a timer without reading the run. */
export interface ActiveRun {
  scheduleId: string | null;
  status: RunStatus;
  /**
   * When a pending run may start, or a `waiting_window` run resumes (ms); null while queued
   * behind another run.
   */
  dueAt: number | null;
  /** The run's priority (absent on runs older than the field: 5). */
  priority?: number;
}

/** What a one-off download (POST /downloads) runs; kept apart so the secret never sits in a run. */
export interface OneOffSpec {
  spec: DownloadSpec;
  retry: RetryPolicy;
  webhook?: { url: string; secret?: string };
  /** The run waits for the window to open (a one-off has no occurrence to skip). */
  timeWindow?: TimeWindow;
}

/** Stats counters per schedule. */
export interface RunCounters {
  runs: number;
  succeeded: number;
  failed: number;
  skipped: number;
  /** Sum of durations (ms) of runs that started and finished. */
  durationMs: number;
  /** How many runs `durationMs` sums over. */
  timed: number;
}

const COUNTERS = ["runs", "succeeded", "failed", "skipped", "durationMs", "timed"] as const;

/**
 * Adds the writes of `run` to `op`: the record, its index entry, and the not-yet-final index
 * (set while pending/running, removed when final). Final records get `expireIn`; for a final
 * run the stats counters are summed in the same operation.
 */
export function putRunOps(op: Deno.AtomicOperation, run: Run, historyMs: number): void {
  if (isFinal(run)) {
    op.set(runKey(run.id), run, { expireIn: historyMs })
      .set(runByScheduleKey(run.scheduleId, run.id), null, { expireIn: historyMs })
      .delete(activeRunKey(run.id));
    if (run.scheduleId) addCounters(op, run.scheduleId, run);
    return;
  }
  const active: ActiveRun = {
    scheduleId: run.scheduleId,
    status: run.status,
    dueAt: (run.status === "pending" || run.status === "waiting_window") && run.dueAt
      ? Date.parse(run.dueAt)
      : null,
  };
  if (run.priority !== undefined) active.priority = run.priority;
  op.set(runKey(run.id), run)
    .set(runByScheduleKey(run.scheduleId, run.id), null)
    .set(activeRunKey(run.id), active);
}

function addCounters(op: Deno.AtomicOperation, scheduleId: string, run: Run): void {
  op.sum(statsKey(scheduleId, "runs"), 1n);
  if (run.status === "succeeded" || run.status === "failed" || run.status === "skipped") {
    op.sum(statsKey(scheduleId, run.status), 1n);
  }
  if (run.startedAt && run.finishedAt && run.status !== "skipped") {
    const ms = Math.max(0, Date.parse(run.finishedAt) - Date.parse(run.startedAt));
    op.sum(statsKey(scheduleId, "durationMs"), BigInt(ms)).sum(statsKey(scheduleId, "timed"), 1n);
  }
}

/** A run and its versionstamp, or null. */
export async function findRun(
  kv: Deno.Kv,
  id: string,
): Promise<{ run: Run; versionstamp: string } | null> {
  const e = await kv.get<Run>(runKey(id));
  return e.value ? { run: e.value, versionstamp: e.versionstamp! } : null;
}

/** A run; throws `not_found`. */
export async function getRun(kv: Deno.Kv, id: string): Promise<Run> {
  const found = await findRun(kv, id);
  if (!found) throw new NightpullError("not_found", `run "${id}" not found`, { id });
  return found.run;
}

/** A schedule's runs (or one-off downloads' with `null`), newest first. */
export async function listRuns(
  kv: Deno.Kv,
  scheduleId: string | null,
  opts: { limit?: number; cursor?: string } = {},
): Promise<Page<Run>> {
  const limit = pageLimit(opts.limit);
  const prefix = runsBySchedulePrefix(scheduleId);
  const before = opts.cursor ? decodeCursor(opts.cursor) : null;
  const selector = before ? { prefix, end: [...prefix, before] } : { prefix };
  const ids: string[] = [];
  let more = false;
  for await (const { key } of kv.list<null>(selector, { reverse: true, batchSize: limit + 1 })) {
    if (ids.length === limit) {
      more = true;
      break;
    }
    ids.push(key[3] as string);
  }
  const items: Run[] = [];
  for (let i = 0; i < ids.length; i += 10) {
    const entries = await kv.getMany<Run[]>(ids.slice(i, i + 10).map(runKey));
    for (const e of entries) if (e.value) items.push(e.value);
  }
  return { items, nextCursor: more ? encodeCursor(ids[ids.length - 1]) : null };
}

/** Every run not yet final, with the versionstamps of their index entries. */
export async function listActiveRuns(kv: Deno.Kv): Promise<Map<string, ActiveRun>> {
  const out = new Map<string, ActiveRun>();
  for await (const e of kv.list<ActiveRun>({ prefix: ACTIVE_RUNS_PREFIX })) {
    out.set(e.key[2] as string, e.value);
  }
  return out;
}

/** The stats counters of a schedule (zeros when it never ran). */
export async function getCounters(kv: Deno.Kv, scheduleId: string): Promise<RunCounters> {
  const entries = await kv.getMany<Deno.KvU64[]>(COUNTERS.map((c) => statsKey(scheduleId, c)));
  const out = {} as RunCounters;
  COUNTERS.forEach((c, i) => out[c] = Number(entries[i].value?.value ?? 0n));
  return out;
}

/** A schedule and its run counters in one read; throws `not_found`. */
export async function getScheduleWithCounters(
  kv: Deno.Kv,
  id: string,
): Promise<{ schedule: Schedule; counters: RunCounters }> {
  const [first, ...rest] = await kv.getMany<[Schedule, ...Deno.KvU64[]]>([
    scheduleKey(id),
    ...COUNTERS.map((c) => statsKey(id, c)),
  ]);
  if (first.value === null) {
    throw new NightpullError("not_found", `schedule "${id}" not found`, { id });
  }
  const counters = {} as RunCounters;
  COUNTERS.forEach((c, i) =>
    counters[c] = Number((rest[i].value as Deno.KvU64 | null)?.value ?? 0n)
  );
  return { schedule: first.value as Schedule, counters };
}

/** Deletes a schedule's runs beyond the newest `keep` (final ones only). Returns how many. */
export async function pruneRuns(
  kv: Deno.Kv,
  scheduleId: string,
  keep = RUNS_PER_SCHEDULE_CAP,
): Promise<number> {
  const prefix = runsBySchedulePrefix(scheduleId);
  const doomed: string[] = [];
  let seen = 0;
  for await (const { key } of kv.list<null>({ prefix }, { reverse: true })) {
    if (++seen > keep) doomed.push(key[3] as string);
  }
  let removed = 0;
  for (let i = 0; i < doomed.length; i += 100) {
    const chunk = doomed.slice(i, i + 100);
    const runs = await kv.getMany<Run[]>(chunk.map(runKey));
    const final = chunk.filter((_, j) => !runs[j].value || isFinal(runs[j].value!));
    await commitWithRetry(() => {
      const op = kv.atomic();
      for (const id of final) op.delete(runKey(id)).delete(runByScheduleKey(scheduleId, id));
      return op;
    });
    removed += final.length;
  }
  return removed;
}

/** Stores the webhook outcome on a run (a no-op if the run is gone). */
export async function setWebhookOutcome(
  kv: Deno.Kv,
  runId: string,
  webhook: WebhookDelivery,
  historyMs: number,
): Promise<void> {
  await updateWithCheck(async () => {
    const found = await findRun(kv, runId);
    if (!found) return null;
    const run = { ...found.run, webhook };
    const op = kv.atomic().check({ key: runKey(runId), versionstamp: found.versionstamp });
    if (isFinal(run)) op.set(runKey(runId), run, { expireIn: historyMs });
    else op.set(runKey(runId), run);
    return { op, result: run };
  });
}

/** The spec of a one-off download, or null. */
export async function getOneOff(kv: Deno.Kv, runId: string): Promise<OneOffSpec | null> {
  return (await kv.get<OneOffSpec>(oneOffKey(runId))).value;
}

/**
 * Moves the resume time of a `waiting_window` run (its window changed). Returns the stored
 * run, or null when the run is no longer waiting.
 */
export async function retimeWaitingRun(
  kv: Deno.Kv,
  runId: string,
  dueAt: number,
): Promise<Run | null> {
  return await updateWithCheck(async () => {
    const found = await findRun(kv, runId);
    if (!found || found.run.status !== "waiting_window") return null;
    const run: Run = { ...found.run, dueAt: new Date(dueAt).toISOString() };
    const op = kv.atomic().check({ key: runKey(runId), versionstamp: found.versionstamp })
      .sum(RUNS_VERSION_KEY, 1n);
    putRunOps(op, run, 0);
    return { op, result: run };
  });
}
