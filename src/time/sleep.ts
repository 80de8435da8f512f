/**
 * The one abortable sleep: waits a number of milliseconds, or rejects with the signal's reason
 * as soon as it aborts.
 *
 * @example
 * ```ts
 * await sleep(500, signal); // rejects with signal.reason when aborted first
 * await sleep(500, signal).catch(() => {}); // or: just stop waiting on abort
 * ```
 * @module
 */

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
