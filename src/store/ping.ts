/**
 * Readiness probe of the KV: one strongly consistent read, which goes to the database (or the
 * KV Connect server), so a closed or unreachable KV fails here rather than in the next run.
 *
 * @example
 * ```ts
 * const ok = await pingKv(kv);
 * ```
 * @module
 */
import { PING_KEY } from "./keys.ts";

/** True when the KV answers a read. */
export async function pingKv(kv: Deno.Kv): Promise<boolean> {
  try {
    await kv.get(PING_KEY, { consistency: "strong" });
    return true;
  } catch {
    return false;
  }
}
