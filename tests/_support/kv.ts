/**
 * KV helpers of tests: every entry as lines, for "bad input writes nothing" comparisons.
 *
 * @example
 * ```ts
 * const before = await dumpKv(kv);
 * // a refused request
 * assert.deepEqual(await dumpKv(kv), before);
 * ```
 * @module
 */

/** Every entry of a KV as one line each: key, value and versionstamp. */
export async function dumpKv(kv: Deno.Kv): Promise<string[]> {
  const out: string[] = [];
  for await (const e of kv.list({ prefix: [] })) {
    out.push(
      JSON.stringify(
        [e.key, String(e.value), e.versionstamp],
        (_k, v) => typeof v === "bigint" ? `${v}n` : v,
      ),
    );
  }
  return out;
}
