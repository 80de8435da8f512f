/**
 * Atomic commits that survive a busy SQLite file: several `serve` processes sharing one KV
 * file see transient "database is locked" errors, which are retried with backoff here rather
 * than surfacing as failures.
 *
 * @example
 * ```ts
 * const res = await commitWithRetry(() => kv.atomic().check(entry).set(key, value));
 * if (!res.ok) { // a check failed: somebody else won the race }
 * ```
 * @module
 */
import { NightpullError } from "../errors.ts";
import { metrics } from "../metrics.ts";
import { exponentialDelay } from "../time/backoff.ts";
import { sleep } from "../time/sleep.ts";

const LOCKED = /database is locked|SQLITE_BUSY|database table is locked/i;

/** True when `err` is the transient "database is locked" of a shared SQLite file. */
function isDatabaseLocked(err: unknown): boolean {
  return err instanceof Error && LOCKED.test(err.message);
}

/** Counts a locked commit and waits after the `attempt`-th lock in a row (doubling, ±50%). */
async function backOffWhileLocked(attempt: number, baseMs: number): Promise<void> {
  metrics.kvCommitRetries.inc();
  await sleep(exponentialDelay(attempt, { baseMs, capMs: 1000, jitter: 0.5 }));
}

/** Options of {@link commitWithRetry}. */
interface CommitRetryOptions {
  /** Attempts before giving up (default 20: about 12 s of waiting, the 1 s cap reached after 8). */
  attempts?: number;
  /** First backoff in ms, doubled each time with jitter (default 5). */
  baseDelayMs?: number;
}

/**
 * Runs one KV call (a read, a plain `set`/`delete`, an open), running it again after each
 * "database is locked" error of a shared SQLite file. Other errors pass through.
 */
export async function retryWhileLocked<T>(
  call: () => Promise<T>,
  options: CommitRetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 20;
  const baseMs = options.baseDelayMs ?? 5;
  for (let attempt = 1;; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!isDatabaseLocked(err)) throw err;
      if (attempt >= attempts) {
        throw new NightpullError(
          "kv_unavailable",
          `KV stayed locked after ${attempts} attempts: another process holds the database`,
          undefined,
          { cause: err },
        );
      }
      await backOffWhileLocked(attempt, baseMs);
    }
  }
}

/**
 * Builds and commits an atomic operation, rebuilding it after each "database is locked"
 * error. The builder is synchronous: an AtomicOperation cannot pass through a promise.
 * Returns the commit result; a failed check (`ok: false`) is not retried.
 */
export async function commitWithRetry(
  build: () => Deno.AtomicOperation,
  options: CommitRetryOptions = {},
): Promise<Deno.KvCommitResult | Deno.KvCommitError> {
  const result = await retryWhileLocked(() => build().commit(), options);
  if (!result.ok) metrics.kvCommitConflicts.inc();
  return result;
}

/**
 * Runs a read-modify-write until its checks pass: `step` reads what it needs and returns the
 * operation (with `.check()`s) to commit, or `null` to stop without writing. Lock errors and
 * lost races both re-run `step`, so every attempt commits against fresh reads.
 */
export async function updateWithCheck<T>(
  step: () => Promise<{ op: Deno.AtomicOperation; result: T } | null>,
  maxRaces = 50,
): Promise<T | null> {
  let locked = 0;
  for (let race = 0; race < maxRaces; race++) {
    const planned = await retryWhileLocked(step);
    if (planned === null) return null;
    try {
      const res = await planned.op.commit();
      if (res.ok) return planned.result;
      metrics.kvCommitConflicts.inc();
    } catch (err) {
      if (!isDatabaseLocked(err)) throw err;
      await backOffWhileLocked(++locked, 5);
    }
  }
  throw new NightpullError(
    "conflict",
    `gave up after ${maxRaces} concurrent updates of one record`,
  );
}
