/**
 * The one way tests wait: poll with a deadline, never a fixed sleep. `until` polls a value
 * until a predicate holds on it; `waitFor` until a check returns something truthy. Both fail
 * naming what they waited for (and the last value read).
 *
 * @example
 * ```ts
 * const run = await until(() => getRun(kv, id), (r) => r.status === "succeeded", 10_000, "the run");
 * await waitFor(() => engine.runningCount() === 1, "the transfer");
 * ```
 * @module
 */

/** Reads `read` every `everyMs` until `done` holds on its value; throws after `ms`. */
export async function until<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  ms = 30_000,
  what = "a condition",
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`gave up waiting ${ms} ms for ${what}: ${JSON.stringify(value) ?? value}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Polls `check` every 5 ms until it returns a truthy value (returned); throws after `ms`. */
export function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  ms = 5000,
): Promise<T> {
  return until(check, (value) => Boolean(value), ms, what, 5);
}
