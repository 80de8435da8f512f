/**
 * Names of the schedules a config file declares: `["np","declared",name] -> scheduleId`, so
 * a restart finds "its" schedule by name and updates it instead of adding another. The entry
 * is written in the same atomic operation that creates the schedule (see `createSchedule`'s
 * `declared` option), checked against the versionstamp read before, so two replicas starting
 * with the same file create each declared schedule once.
 *
 * @example
 * ```ts
 * const found = await getDeclared(kv, "gpt2-nightly"); // { id, versionstamp } | null
 * ```
 * @module
 */
import { commitWithRetry } from "./commit.ts";
import { declaredKey } from "./keys.ts";

export { declaredKey };

/** The schedule id declared under `name`, with the entry's versionstamp; null when none. */
export async function getDeclared(
  kv: Deno.Kv,
  name: string,
): Promise<{ id: string; versionstamp: string } | null> {
  const e = await kv.get<string>(declaredKey(name));
  return e.value === null ? null : { id: e.value, versionstamp: e.versionstamp! };
}

/**
 * Points `name` at schedule `id` (adopting a schedule created through the API) if the entry
 * still has `versionstamp` (null: absent). False when another process changed it first.
 */
export async function setDeclared(
  kv: Deno.Kv,
  name: string,
  id: string,
  versionstamp: string | null,
): Promise<boolean> {
  const res = await commitWithRetry(() =>
    kv.atomic().check({ key: declaredKey(name), versionstamp }).set(declaredKey(name), id)
  );
  return res.ok;
}
