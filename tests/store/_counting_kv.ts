/**
 * A real KV whose `get` and `getMany` calls are counted, for tests of how many reads a store
 * function makes (every call still reaches the KV).
 * @module
 */
/** The real KV, with its `get`/`getMany` calls counted (every call still reaches the KV). */
export function countingReads(kv: Deno.Kv): { kv: Deno.Kv; reads: () => number } {
  let reads = 0;
  const counted = new Proxy(kv, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop === "get" || prop === "getMany") {
        return (...args: unknown[]) => {
          reads++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv: counted, reads: () => reads };
}
