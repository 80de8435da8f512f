/**
 * Schedule records, their by-status index and the engine's per-schedule state (cursor of the
 * last handled occurrence, next planned time, the run in progress and the one queued): create,
 * read and checked update. Every schedule write bumps a version key that other processes
 * poll. Listing is in ./schedule_list.ts, hard delete in ./schedule_delete.ts.
 *
 * @example
 * ```ts
 * await createSchedule(kv, schedule, initialState(now, nextAt));
 * const entry = await getScheduleEntry(kv, schedule.id);
 * ```
 * @module
 */
import type { Schedule } from "./records.ts";
import { commitWithRetry, updateWithCheck } from "./commit.ts";
import { declaredKey } from "./declared.ts";
import { scheduleKey, SCHEDULES_VERSION_KEY, scheduleStateKey, scheduleStatusKey } from "./keys.ts";
import { readName, releaseName, unusedName } from "./schedule_names.ts";
import { NightpullError } from "../errors.ts";

/** The engine's bookkeeping for one schedule, written atomically with claims. */
export interface ScheduleState {
  /** Planned time (ms) of the last occurrence handled (run, skipped or missed). */
  cursor: number;
  /** Next planned occurrence (ms), null when the schedule is not active or has ended. */
  nextAt: number | null;
  /** The run not yet final (pending, running, retrying), if any. */
  activeRunId: string | null;
  /** A run waiting for the active one to finish (overlap "queue"). */
  queuedRunId: string | null;
}

/** A schedule and its state with the versionstamps needed for checked updates. */
export interface ScheduleEntry {
  schedule: Schedule;
  state: ScheduleState;
  scheduleVersion: string;
  stateVersion: string;
}

const notFound = (id: string) =>
  new NightpullError("not_found", `schedule "${id}" not found`, { id });

/**
 * Stores a new schedule with its state, atomically; throws `conflict` if the id exists. With
 * `declared`, the config file's name entry (./declared.ts) is set in the same operation if it
 * still has the given versionstamp (else `conflict`: another process declared it first).
 */
export async function createSchedule(
  kv: Deno.Kv,
  schedule: Schedule,
  state: ScheduleState,
  declared?: { name: string; versionstamp: string | null },
): Promise<void> {
  let name = schedule.status === "deleted"
    ? null
    : await unusedName(kv, schedule.name, schedule.id);
  const commit = () =>
    commitWithRetry(() => {
      const op = kv.atomic()
        .check({ key: scheduleKey(schedule.id), versionstamp: null })
        .set(scheduleKey(schedule.id), schedule)
        .set(scheduleStatusKey(schedule.status, schedule.id), null)
        .set(scheduleStateKey(schedule.id), state)
        .sum(SCHEDULES_VERSION_KEY, 1n);
      if (declared) {
        op.check({ key: declaredKey(declared.name), versionstamp: declared.versionstamp })
          .set(declaredKey(declared.name), schedule.id);
      }
      name?.add(op);
      return op;
    });
  let res = await commit();
  if (!res.ok && name) {
    // the name has an entry: a live holder's (readName throws the 409) or a stale one to take
    name = await readName(kv, schedule.name, schedule.id);
    res = await commit();
  }
  if (!res.ok) {
    // taken by another writer in between: say so (readName throws the 409)
    if (name) await readName(kv, schedule.name, schedule.id);
    throw new NightpullError(
      "conflict",
      declared
        ? `schedule "${declared.name}" was declared by another process at the same time`
        : `schedule "${schedule.id}" already exists`,
    );
  }
}

/** A schedule and its state, or null. */
export async function getScheduleEntry(kv: Deno.Kv, id: string): Promise<ScheduleEntry | null> {
  const [s, st] = await kv.getMany<[Schedule, ScheduleState]>([
    scheduleKey(id),
    scheduleStateKey(id),
  ]);
  if (s.value === null || st.value === null) return null;
  return {
    schedule: s.value,
    state: st.value,
    scheduleVersion: s.versionstamp!,
    stateVersion: st.versionstamp!,
  };
}

/** Schedules and states of many ids (missing ones are left out), read in few round trips. */
export async function getScheduleEntries(
  kv: Deno.Kv,
  ids: string[],
): Promise<Map<string, ScheduleEntry>> {
  const out = new Map<string, ScheduleEntry>();
  // getMany takes at most 10 keys: 5 schedules with their states per call
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += 5) chunks.push(ids.slice(i, i + 5));
  await Promise.all(chunks.map(async (chunk) => {
    const keys = chunk.flatMap((id) => [scheduleKey(id), scheduleStateKey(id)]);
    const entries = await kv.getMany<(Schedule | ScheduleState)[]>(keys);
    chunk.forEach((id, j) => {
      const s = entries[2 * j];
      const st = entries[2 * j + 1];
      if (s.value === null || st.value === null) return;
      out.set(id, {
        schedule: s.value as Schedule,
        state: st.value as ScheduleState,
        scheduleVersion: s.versionstamp!,
        stateVersion: st.versionstamp!,
      });
    });
  }));
  return out;
}

/** A schedule; throws `not_found`. */
export async function getSchedule(kv: Deno.Kv, id: string): Promise<Schedule> {
  const entry = await kv.get<Schedule>(scheduleKey(id));
  if (entry.value === null) throw notFound(id);
  return entry.value;
}

/**
 * Read-modify-write of a schedule and its state: `change` gets fresh copies and returns the
 * new pair, or null to leave things as they are. Retried on races; throws `not_found`.
 */
export async function updateSchedule(
  kv: Deno.Kv,
  id: string,
  change: (entry: ScheduleEntry) => { schedule: Schedule; state: ScheduleState } | null,
): Promise<ScheduleEntry | null> {
  let missing = false;
  const result = await updateWithCheck(async () => {
    const entry = await getScheduleEntry(kv, id);
    if (!entry) {
      missing = true;
      return null;
    }
    const next = change(entry);
    if (!next) return null;
    const names = await nameChanges(kv, id, entry.schedule, next.schedule);
    const op = kv.atomic()
      .check({ key: scheduleKey(id), versionstamp: entry.scheduleVersion })
      .check({ key: scheduleStateKey(id), versionstamp: entry.stateVersion })
      .set(scheduleKey(id), next.schedule)
      .set(scheduleStateKey(id), next.state)
      .sum(SCHEDULES_VERSION_KEY, 1n);
    if (next.schedule.status !== entry.schedule.status) {
      op.delete(scheduleStatusKey(entry.schedule.status, id))
        .set(scheduleStatusKey(next.schedule.status, id), null);
    }
    await names(op);
    return { op, result: { ...entry, ...next } };
  });
  if (missing) throw notFound(id);
  return result;
}

/**
 * What a schedule write does to the name index: take the new name (throws `conflict` when
 * another schedule has it), release the old one on a rename or delete.
 */
async function nameChanges(
  kv: Deno.Kv,
  id: string,
  before: Schedule,
  after: Schedule,
): Promise<(op: Deno.AtomicOperation) => Promise<void>> {
  const live = after.status !== "deleted";
  const take = live && (after.name !== before.name || before.status === "deleted")
    ? await readName(kv, after.name, id)
    : null;
  return async (op) => {
    take?.add(op);
    if (before.status !== "deleted" && (!live || after.name !== before.name)) {
      await releaseName(kv, op, before.name, id);
    }
  };
}
