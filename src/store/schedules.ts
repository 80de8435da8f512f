/**
 * Schedule records, their by-status index and the engine's per-schedule state (cursor of the
 * last handled occurrence, next planned time, the run in progress and the one queued). Every
 * schedule write bumps a version key that other processes poll.
 *
 * @example
 * ```ts
 * await createSchedule(kv, schedule, initialState(now, nextAt));
 * const page = await listSchedules(kv, { status: "active", limit: 20 });
 * ```
 * @module
 */
import type { Schedule, ScheduleStatus } from "./records.ts";
import { commitWithRetry, updateWithCheck } from "./commit.ts";
import { declaredKey } from "./declared.ts";
import {
  activeRunKey,
  leaseKey,
  oneOffKey,
  runKey,
  runsBySchedulePrefix,
  SCHEDULE_STATE_PREFIX,
  scheduleKey,
  SCHEDULES_PREFIX,
  SCHEDULES_VERSION_KEY,
  scheduleStateKey,
  scheduleStatusKey,
  scheduleStatusPrefix,
  statsPrefix,
} from "./keys.ts";
import { decodeCursor, encodeCursor, type Page, pageLimit } from "./page.ts";
import { readName, releaseName } from "./schedule_names.ts";
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
  const name = schedule.status === "deleted"
    ? null
    : await readName(kv, schedule.name, schedule.id);
  const res = await commitWithRetry(() => {
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

/** Options of {@link listSchedules}. */
export interface ScheduleListOptions {
  status?: ScheduleStatus;
  /** Only schedules carrying every one of these labels (a null value: the key, any value). */
  labels?: [key: string, value: string | null][];
  limit?: number;
  cursor?: string;
}

/** True when `s` carries every label of `wanted`. */
function hasLabels(s: Schedule, wanted: ScheduleListOptions["labels"]): boolean {
  return (wanted ?? []).every(([k, v]) =>
    s.labels !== undefined && Object.hasOwn(s.labels, k) && (v === null || s.labels[k] === v)
  );
}

/** Schedule records of a status, in creation order, read 10 at a time with getMany. */
async function* byStatus(
  kv: Deno.Kv,
  status: ScheduleStatus,
  after: string | null,
): AsyncGenerator<{ id: string; schedule: Schedule | null }> {
  const prefix = scheduleStatusPrefix(status);
  const iter = kv.list<null>(after ? { prefix, start: [...prefix, after] } : { prefix });
  let ids: string[] = [];
  // one getMany per 10 ids, not one read per id (each a round trip over KV Connect)
  const flush = async function* () {
    const read = await kv.getMany<Schedule[]>(ids.map((id) => scheduleKey(id)));
    const batch = ids;
    ids = [];
    for (const [i, e] of read.entries()) yield { id: batch[i], schedule: e.value };
  };
  for await (const { key } of iter) {
    const id = key[3] as string;
    if (id === after) continue;
    ids.push(id);
    if (ids.length === 10) yield* flush();
  }
  if (ids.length) yield* flush();
}

/** Every schedule record in creation order. */
async function* byId(
  kv: Deno.Kv,
  after: string | null,
): AsyncGenerator<{ id: string; schedule: Schedule | null }> {
  const prefix = SCHEDULES_PREFIX;
  const iter = kv.list<Schedule>(after ? { prefix, start: [...prefix, after] } : { prefix });
  for await (const { key, value } of iter) yield { id: key[2] as string, schedule: value };
}

/**
 * Lists schedules in creation order; without `status`, deleted ones are left out. A label
 * filter reads on past schedules that do not match until the page is full.
 */
export async function listSchedules(
  kv: Deno.Kv,
  opts: ScheduleListOptions = {},
): Promise<Page<Schedule>> {
  const limit = pageLimit(opts.limit);
  const after = opts.cursor ? decodeCursor(opts.cursor) : null;
  const items: Schedule[] = [];
  let more = false;
  const source = opts.status ? byStatus(kv, opts.status, after) : byId(kv, after);
  for await (const { id, schedule } of source) {
    if (id === after || !schedule) continue;
    // a stale index entry (status changed in between) is left out
    if (opts.status ? schedule.status !== opts.status : schedule.status === "deleted") continue;
    if (!hasLabels(schedule, opts.labels)) continue;
    if (items.length === limit) {
      more = true;
      break;
    }
    items.push(schedule);
  }
  return { items, nextCursor: more ? encodeCursor(items[items.length - 1].id) : null };
}

/** The engine's next planned time (ms) of each schedule in `ids`; null when none. */
export async function getNextTimes(
  kv: Deno.Kv,
  ids: string[],
): Promise<Map<string, number | null>> {
  const out = new Map<string, number | null>();
  for (let i = 0; i < ids.length; i += 10) {
    const chunk = ids.slice(i, i + 10);
    const read = await kv.getMany<ScheduleState[]>(chunk.map((id) => scheduleStateKey(id)));
    chunk.forEach((id, j) => out.set(id, read[j].value?.nextAt ?? null));
  }
  return out;
}

/** Every schedule state, for the engine's start-up (small records, one list). */
export async function listScheduleStates(
  kv: Deno.Kv,
): Promise<Map<string, { state: ScheduleState; versionstamp: string }>> {
  const out = new Map<string, { state: ScheduleState; versionstamp: string }>();
  for await (const e of kv.list<ScheduleState>({ prefix: SCHEDULE_STATE_PREFIX })) {
    out.set(e.key[2] as string, { state: e.value, versionstamp: e.versionstamp });
  }
  return out;
}

/** The schedules version counter (changes whenever any schedule is written). */
export async function schedulesVersion(kv: Deno.Kv): Promise<bigint> {
  const v = await kv.get<Deno.KvU64>(SCHEDULES_VERSION_KEY);
  return v.value?.value ?? 0n;
}

/**
 * Removes a schedule with its state, stats, runs, leases, one-off records and config-file name
 * pointers; not_found if absent.
 *
 * First the schedule is marked `deleted` with its state rewritten: every claim and manual
 * trigger checks the state's versionstamp, so none can add a run after that. Then its runs go,
 * and last the schedule itself, checked against that state: when a run ending meanwhile
 * changed the state, the runs are listed again. A crash half-way leaves a deleted schedule
 * that the same delete finishes.
 */
export async function hardDeleteSchedule(kv: Deno.Kv, id: string): Promise<void> {
  await updateSchedule(kv, id, ({ schedule, state }) => ({
    schedule: { ...schedule, status: "deleted" },
    state: { ...state, nextAt: null },
  }));
  for (;;) {
    const state = await kv.get(scheduleStateKey(id));
    if (state.versionstamp === null) return; // a concurrent delete finished it
    await deleteScheduleRecords(kv, id);
    const res = await commitWithRetry(() =>
      kv.atomic()
        .check(state)
        .delete(scheduleKey(id))
        .delete(scheduleStateKey(id))
        .delete(scheduleStatusKey("deleted", id))
        .sum(SCHEDULES_VERSION_KEY, 1n)
    );
    if (res.ok) return;
  }
}

/** Deletes the runs (with their leases and indexes), stats and name pointers of schedule `id`. */
async function deleteScheduleRecords(kv: Deno.Kv, id: string): Promise<void> {
  const keys: Deno.KvKey[] = [];
  for await (const { key } of kv.list({ prefix: runsBySchedulePrefix(id) })) {
    const runId = key[3] as string;
    keys.push(key, runKey(runId), activeRunKey(runId), leaseKey(runId), oneOffKey(runId));
  }
  for await (const { key } of kv.list({ prefix: statsPrefix(id) })) keys.push(key);
  // config-file names pointing here: a later start must create the schedule anew
  for await (const e of kv.list<string>({ prefix: declaredKey("").slice(0, 2) })) {
    if (e.value === id) keys.push(e.key);
  }
  // KV limits mutations per atomic operation
  for (let i = 0; i < keys.length; i += 500) {
    const chunk = keys.slice(i, i + 500);
    await commitWithRetry(() => {
      const op = kv.atomic();
      for (const key of chunk) op.delete(key);
      return op;
    });
  }
}
