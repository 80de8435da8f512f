/**
 * Schedule names are unique among schedules that are not deleted (config files find their
 * schedules by name): `["np","schedule_names",name] -> id`, written in the same atomic
 * operation as the schedule, checked against the versionstamp read before, so two writers
 * cannot both take a name. Databases from before the index get it filled once, on first use.
 *
 * @example
 * ```ts
 * const claim = await readName(kv, "gpt2-nightly", id); // throws conflict (409) when taken
 * claim.add(op); // check + set in the schedule's own atomic operation
 * ```
 * @module
 */
import type { Schedule } from "./records.ts";
import { NightpullError } from "../errors.ts";
import { commitWithRetry, retryWhileLocked } from "./commit.ts";
import { NAME_INDEX_READY_KEY, scheduleKey, scheduleNameKey, SCHEDULES_PREFIX } from "./keys.ts";

const ready = new WeakMap<Deno.Kv, Promise<void>>();

/** Fills the index from the stored schedules once per database (oldest holder wins). */
function ensureIndex(kv: Deno.Kv): Promise<void> {
  let p = ready.get(kv);
  if (!p) {
    p = fillIndex(kv);
    ready.set(kv, p);
    p.catch(() => ready.delete(kv));
  }
  return p;
}

async function fillIndex(kv: Deno.Kv): Promise<void> {
  if ((await kv.get(NAME_INDEX_READY_KEY)).value !== null) return;
  for await (const { value: s } of kv.list<Schedule>({ prefix: SCHEDULES_PREFIX })) {
    if (s.status === "deleted") continue;
    const key = scheduleNameKey(s.name);
    await commitWithRetry(() => kv.atomic().check({ key, versionstamp: null }).set(key, s.id));
  }
  await retryWhileLocked(() => kv.set(NAME_INDEX_READY_KEY, true));
}

/** The error of a name that another schedule has. */
function nameTaken(name: string, holder: string): NightpullError {
  return new NightpullError(
    "conflict",
    `a schedule named ${JSON.stringify(name)} already exists (${holder}); names are unique ` +
      "among schedules that are not deleted: choose another name, or rename or delete that one",
    { field: "name", id: holder },
  );
}

/** A name read for taking: add its check and set to the schedule's atomic operation. */
interface NameClaim {
  /** Adds `check(versionstamp as read)` and `set(name -> id)` to `op`. */
  add(op: Deno.AtomicOperation): Deno.AtomicOperation;
}

/**
 * Reads who has `name`; throws `conflict` (409, `details.field` "name") when a schedule other
 * than `id` that is not deleted has it. An entry left by a deleted or renamed schedule is free.
 */
export async function readName(kv: Deno.Kv, name: string, id: string): Promise<NameClaim> {
  await ensureIndex(kv);
  const key = scheduleNameKey(name);
  const entry = await kv.get<string>(key);
  if (entry.value !== null && entry.value !== id) {
    const holder = (await kv.get<Schedule>(scheduleKey(entry.value))).value;
    if (holder && holder.status !== "deleted" && holder.name === name) {
      throw nameTaken(name, holder.id);
    }
  }
  return {
    add: (op) => op.check({ key, versionstamp: entry.versionstamp }).set(key, id),
  };
}

/**
 * A claim of `name` for a new schedule, without a read: its check expects no entry at all, so
 * a name never used (the usual case) costs nothing before the commit. When that commit fails,
 * {@link readName} says whether a schedule holds the name or an old entry is free to take.
 */
export async function unusedName(kv: Deno.Kv, name: string, id: string): Promise<NameClaim> {
  await ensureIndex(kv);
  const key = scheduleNameKey(name);
  return { add: (op) => op.check({ key, versionstamp: null }).set(key, id) };
}

/**
 * Adds the release of `name` to `op` when it still points at `id` (a rename, soft or hard
 * delete); checked so a concurrent taker is not undone.
 */
export async function releaseName(
  kv: Deno.Kv,
  op: Deno.AtomicOperation,
  name: string,
  id: string,
): Promise<void> {
  const key = scheduleNameKey(name);
  const entry = await kv.get<string>(key);
  if (entry.value === id) op.check({ key, versionstamp: entry.versionstamp }).delete(key);
}
