/**
 * Exactly-once across processes. An occurrence of a schedule is claimed by creating
 * `["np","claims",scheduleId,plannedAt]` with `check(versionstamp: null)` in the same atomic
 * operation that advances the schedule's cursor and writes the run; a pending run is started
 * by the one process whose checked write flips it to `running` and takes its lease.
 *
 * @example
 * ```ts
 * const outcome = await claimOccurrence(kv, { ...occurrence });
 * if (outcome === "taken") { // another process handles this occurrence }
 * ```
 * @module
 */
import type { Run, Schedule } from "./records.ts";
import { commitWithRetry } from "./commit.ts";
import {
  claimKey,
  leaseKey,
  oneOffKey,
  runKey,
  RUNS_VERSION_KEY,
  scheduleKey,
  SCHEDULES_VERSION_KEY,
  scheduleStateKey,
  scheduleStatusKey,
} from "./keys.ts";
import { findRun, type OneOffSpec, putRunOps } from "./runs.ts";
import type { ScheduleEntry, ScheduleState } from "./schedules.ts";

/** How long claim keys are kept: long past any misfire grace, short enough to stay small. */
const CLAIM_TTL_MS = 3 * 86_400_000;
/** Lease records are dropped by KV this long after their last renewal (expiry itself is in
 * the value, compared with the engine's clock). */
const LEASE_KEEP_MS = 86_400_000;

/** Who holds a running run, until when (ms). Expiry is in the value: expireIn is lazy. */
export interface Lease {
  owner: string;
  expiresAt: number;
}

/** One occurrence to claim, with everything its handling writes. */
export interface OccurrenceClaim {
  /** The schedule and state as read, with their versionstamps (checked). */
  entry: ScheduleEntry;
  /** Planned time (ms) of the occurrence; the claim key is derived from it. */
  plannedAt: number;
  owner: string;
  /** The schedule's new state (cursor, next time, active/queued runs). */
  state: ScheduleState;
  /** The schedule record when it changes too (a `once` becoming `completed`). */
  schedule?: Schedule;
  /** New run records: the run of the occurrence and/or a `skipped` record. */
  runs: Run[];
  /** Lease for a run created directly as `running`. */
  lease?: { runId: string; expiresAt: number };
  historyMs: number;
}

/** Adds the checks and writes of one claim to `op`. */
function addClaimOps(op: Deno.AtomicOperation, claim: OccurrenceClaim): void {
  const id = claim.entry.schedule.id;
  const key = claimKey(id, claim.plannedAt);
  // Every schedule write rewrites its state too (updateSchedule), so checking the state also
  // catches a concurrent pause, edit or delete: two checks per claim, more claims per batch.
  op.check({ key, versionstamp: null })
    .check({ key: scheduleStateKey(id), versionstamp: claim.entry.stateVersion })
    .set(key, { owner: claim.owner, at: claim.plannedAt }, { expireIn: CLAIM_TTL_MS })
    .set(scheduleStateKey(id), claim.state);
  if (claim.schedule) {
    op.set(scheduleKey(id), claim.schedule).sum(SCHEDULES_VERSION_KEY, 1n);
    if (claim.schedule.status !== claim.entry.schedule.status) {
      op.delete(scheduleStatusKey(claim.entry.schedule.status, id))
        .set(scheduleStatusKey(claim.schedule.status, id), null);
    }
  }
  for (const run of claim.runs) putRunOps(op, run, claim.historyMs);
  if (claim.runs.some((r) => r.status === "pending")) op.sum(RUNS_VERSION_KEY, 1n);
  if (claim.lease) setLease(op, claim.lease.runId, claim.owner, claim.lease.expiresAt);
}

/**
 * Claims an occurrence: "claimed" when this call did, "taken" when another process already
 * claimed it, "stale" when the schedule or its state changed since they were read.
 */
export async function claimOccurrence(
  kv: Deno.Kv,
  claim: OccurrenceClaim,
): Promise<"claimed" | "taken" | "stale"> {
  const res = await commitWithRetry(() => {
    const op = kv.atomic();
    addClaimOps(op, claim);
    return op;
  });
  if (res.ok) return "claimed";
  const key = claimKey(claim.entry.schedule.id, claim.plannedAt);
  return (await kv.get(key)).versionstamp ? "taken" : "stale";
}

/** Claims per atomic operation in {@link claimOccurrences} (KV allows 100 checks per op). */
export const CLAIM_BATCH = 50;

/**
 * Claims many occurrences (of different schedules) with one commit per batch, which is what
 * keeps a thousand schedules due in the same second fast. A batch whose checks fail (another
 * process got one of them) is retried claim by claim, so outcomes are as for
 * {@link claimOccurrence}, in the order given.
 */
export async function claimOccurrences(
  kv: Deno.Kv,
  claims: OccurrenceClaim[],
): Promise<("claimed" | "taken" | "stale")[]> {
  const out: ("claimed" | "taken" | "stale")[] = [];
  for (let i = 0; i < claims.length; i += CLAIM_BATCH) {
    const batch = claims.slice(i, i + CLAIM_BATCH);
    if (batch.length > 1) {
      const res = await commitWithRetry(() => {
        const op = kv.atomic();
        for (const claim of batch) addClaimOps(op, claim);
        return op;
      });
      if (res.ok) {
        out.push(...batch.map(() => "claimed" as const));
        continue;
      }
    }
    for (const claim of batch) out.push(await claimOccurrence(kv, claim));
  }
  return out;
}

/** Adds the lease write of `runId` to `op`. */
export function setLease(
  op: Deno.AtomicOperation,
  runId: string,
  owner: string,
  expiresAt: number,
) {
  const lease: Lease = { owner, expiresAt };
  op.set(leaseKey(runId), lease, { expireIn: LEASE_KEEP_MS });
}

/**
 * Starts a pending (or `waiting_window`) run that is due at `now`: flips it to `running` and
 * takes its lease in one checked write, so of several processes exactly one starts it. When
 * `hold` returns a record for the run as read (a run whose window is closed), that record is
 * written instead, with the same check, and returned. Null when the run was not startable or
 * another process won.
 */
export async function startRun(
  kv: Deno.Kv,
  runId: string,
  owner: string,
  now: number,
  leaseUntil: number,
  hold?: (run: Run) => Promise<Run | null> | Run | null,
): Promise<Run | null> {
  const found = await findRun(kv, runId);
  if (!found || !found.run.dueAt) return null;
  const waiting = found.run.status === "waiting_window";
  if (found.run.status !== "pending" && !waiting) return null;
  if (Date.parse(found.run.dueAt) > now) return null;
  const held = (await hold?.(found.run)) ?? null;
  const run: Run = held ?? {
    ...found.run,
    status: "running",
    reason: null,
    dueAt: null,
    // a run resuming after its window reopened keeps the start of its attempt
    startedAt: waiting && found.run.startedAt ? found.run.startedAt : new Date(now).toISOString(),
    finishedAt: null,
  };
  const res = await commitWithRetry(() => {
    const op = kv.atomic().check({ key: runKey(runId), versionstamp: found.versionstamp });
    putRunOps(op, run, 0);
    if (held) op.sum(RUNS_VERSION_KEY, 1n);
    else setLease(op, runId, owner, leaseUntil);
    return op;
  });
  return res.ok ? run : null;
}

/**
 * Adds a run outside the schedule's timeline (manual trigger) as the schedule's active run.
 * Returns the run that is active afterwards: `run`, or the one already pending or running.
 */
export async function addManualRun(
  kv: Deno.Kv,
  entryOf: () => Promise<ScheduleEntry | null>,
  run: Run,
): Promise<Run | null> {
  for (let race = 0; race < 50; race++) {
    const entry = await entryOf();
    // a schedule being deleted takes no new run (its hard delete lists runs after this)
    if (!entry || entry.schedule.status === "deleted") return null;
    if (entry.state.activeRunId) {
      const active = await findRun(kv, entry.state.activeRunId);
      if (active) return active.run;
    }
    const id = entry.schedule.id;
    const res = await commitWithRetry(() => {
      const op = kv.atomic()
        .check({ key: scheduleStateKey(id), versionstamp: entry.stateVersion })
        .set(scheduleStateKey(id), { ...entry.state, activeRunId: run.id })
        .sum(RUNS_VERSION_KEY, 1n);
      putRunOps(op, run, 0);
      return op;
    });
    if (res.ok) return run;
  }
  return null;
}

/** Stores a one-off download's run (pending) with its spec. */
export async function addOneOffRun(
  kv: Deno.Kv,
  run: Run,
  spec: OneOffSpec,
  historyMs: number,
): Promise<void> {
  await commitWithRetry(() => {
    const op = kv.atomic()
      .check({ key: runKey(run.id), versionstamp: null })
      .set(oneOffKey(run.id), spec, { expireIn: historyMs })
      .sum(RUNS_VERSION_KEY, 1n);
    putRunOps(op, run, historyMs);
    return op;
  });
}
