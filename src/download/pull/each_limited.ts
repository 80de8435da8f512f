/**
 * A bounded worker pool over a list: at most `limit` calls of `fn` run at once.
 *
 * @example
 * ```ts
 * await eachLimited(jobs, 8, async (job) => await check(job));
 * ```
 * @module
 */

/**
 * Runs `fn` over `items`, at most `limit` at a time; rejects with the first failure, after
 * which no worker takes another item (the calls already running finish).
 */
export async function eachLimited<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      try {
        await fn(items[next++]);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
