/**
 * One attempt of a run: the executor called with the run's abort signal, its progress events
 * passed on; a thrown error becomes a failed outcome whose message has its secrets scrubbed
 * (the last line of defence before the run record, SSE and the webhook payload).
 *
 * @example
 * ```ts
 * const outcome = await attemptRun(execute, { run, schedule, spec, signal, onEvent });
 * ```
 * @module
 */
import { toNightpullError } from "../../errors.ts";
import { scrubSecrets } from "../../secrets.ts";
import type { Executor } from "./engine_types.ts";
import type { AttemptOutcome } from "./run_outcome.ts";

/** Runs `job` with `execute` and says how the attempt ended; never throws. */
export async function attemptRun(
  execute: Executor,
  job: Parameters<Executor>[0],
): Promise<AttemptOutcome> {
  try {
    return { ok: true, ...(await execute(job)) };
  } catch (err) {
    const e = toNightpullError(err);
    return { ok: false, error: { code: e.code, message: scrubSecrets(e.message) } };
  }
}
