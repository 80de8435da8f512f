/**
 * Hard delete of a schedule: its state, stats, runs (with their leases and indexes), one-off
 * records and config-file name pointers go with it, in an order that lets no claim or manual
 * trigger add a run meanwhile and that a crash half-way cannot leave inconsistent.
 *
 * @example
 * ```ts
 * await hardDeleteSchedule(kv, scheduleId);
 * ```
 * @module
 */
import { commitWithRetry } from "./commit.ts";
import { declaredKey } from "./declared.ts";
import {
  activeRunKey,
  leaseKey,
  oneOffKey,
  runKey,
  runsBySchedulePrefix,
  scheduleKey,
  SCHEDULES_VERSION_KEY,
  scheduleStateKey,
  scheduleStatusKey,
  statsPrefix,
} from "./keys.ts";
import { updateSchedule } from "./schedules.ts";

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
