/**
 * Retry decisions for file transfers: which statuses are worth another try, and how long to
 * wait — the server's own word first (`Retry-After` seconds or date, `RateLimit: ...;t=<s>`,
 * `RateLimit-Reset`), else exponential backoff with jitter. Pure: the clock and the random
 * source are parameters.
 *
 * @example
 * ```ts
 * if (isTransientStatus(res.status)) await sleep(retryDelayMs(attempt, res.headers, Date.now()));
 * ```
 * @module
 */

/** Default transient retries per attempt of one transfer. */
export const DEFAULT_RETRIES = 5;
/** First backoff step; doubles per consecutive failure. */
export const BASE_BACKOFF_MS = 500;
/** Ceiling of our own backoff. */
export const MAX_BACKOFF_MS = 30_000;
/** Longest wait a server may ask for inside one call; beyond it we still wait only this long. */
export const MAX_SERVER_WAIT_MS = 120_000;

/** Statuses that say "try again later": timeouts, rate limits, server and gateway errors. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 ||
    (status >= 500 && status <= 599 && status !== 501 && status !== 505);
}

/**
 * How long the server asks us to wait, in ms, or undefined when it does not say:
 * `Retry-After` (delta seconds or HTTP date), the IETF `RateLimit` field's `t` parameter
 * (`"api";r=0;t=30`, as the Hugging Face hub sends it), or `RateLimit-Reset` / `X-RateLimit-Reset`
 * delta seconds.
 */
export function serverRetryAfterMs(headers: Headers, now: number): number | undefined {
  const retryAfter = headers.get("retry-after")?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.round(Number(retryAfter) * 1000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const rateLimit = headers.get("ratelimit");
  if (rateLimit) {
    const t = /(?:^|[;,\s])t=(\d+)/.exec(rateLimit) ?? /(?:^|[;,\s])reset=(\d+)/.exec(rateLimit);
    if (t) return Number(t[1]) * 1000;
  }
  const reset = (headers.get("ratelimit-reset") ?? headers.get("x-ratelimit-reset"))?.trim();
  // Small numbers are delta seconds; epoch timestamps (some APIs) are far larger than a day.
  if (reset && /^\d+$/.test(reset) && Number(reset) < 86_400) return Number(reset) * 1000;
  return undefined;
}

/** Exponential backoff for the `attempt`-th consecutive failure (1-based), ±20% jitter. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const step = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(step * (0.8 + 0.4 * random()));
}

/**
 * The wait before retry number `attempt`: the server's hint when it gives one (capped at
 * {@link MAX_SERVER_WAIT_MS}), else {@link backoffMs}.
 */
export function retryDelayMs(
  attempt: number,
  headers: Headers | undefined,
  now: number,
  random: () => number = Math.random,
): number {
  const hint = headers ? serverRetryAfterMs(headers, now) : undefined;
  if (hint !== undefined) return Math.min(MAX_SERVER_WAIT_MS, hint);
  return backoffMs(attempt, random);
}
