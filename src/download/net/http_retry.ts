/**
 * Retry decisions for hub API, resolve and CDN requests: which statuses are worth another
 * try, and how long to wait — the server's own word first (`Retry-After` seconds or date; on
 * a 429 the `RateLimit: "api";r=0;t=<s>` reset), else exponential backoff with jitter. Pure:
 * the clock and the random source are parameters.
 *
 * @example
 * ```ts
 * if (isTransientStatus(res.status)) await sleep(retryDelayMs(attempt, res.status, res.headers, Date.now()));
 * ```
 * @module
 */
import { exponentialDelay } from "../../time/backoff.ts";

/** Default transient retries per attempt of one transfer. */
export const DEFAULT_RETRIES = 5;
/** First backoff step; doubles per consecutive failure. */
const BASE_BACKOFF_MS = 500;
/** Ceiling of our own backoff. */
export const MAX_BACKOFF_MS = 30_000;
/** Longest wait a server may ask for inside one call; beyond it we still wait only this long. */
export const MAX_SERVER_WAIT_MS = 120_000;

/** Statuses that say "try again later": timeouts, rate limits, server and gateway errors. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 ||
    (status >= 500 && status <= 599 && status !== 501 && status !== 505);
}

/** What a `RateLimit` / `RateLimit-Policy` pair (IETF draft, as the hub sends it) says. */
interface RateLimitInfo {
  /** Quota bucket, e.g. "api" or "resolvers". */
  bucket?: string;
  /** Requests left in the window (`r=`). */
  remaining?: number;
  /** Seconds until the window resets (`t=`). */
  resetSeconds: number;
  /** Requests per window (`q=` of the policy). */
  quota?: number;
  /** Window length in seconds (`w=` of the policy). */
  windowSeconds?: number;
}

/**
 * Reads `RateLimit: "api";r=0;t=55` and `RateLimit-Policy: "fixed window";"api";q=500;w=300`
 * (also the older `limit=…, remaining=…, reset=…` form); undefined without a reset time.
 */
export function parseRateLimit(headers: Headers): RateLimitInfo | undefined {
  const value = headers.get("ratelimit");
  if (!value) return undefined;
  const param = (name: string, text: string) => {
    const m = new RegExp(`(?:^|[;,\\s])${name}\\s*=\\s*(\\d+)`).exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const resetSeconds = param("t", value) ?? param("reset", value);
  if (resetSeconds === undefined) return undefined;
  const info: RateLimitInfo = { resetSeconds };
  const bucket = /"([^"]+)"/.exec(value)?.[1];
  if (bucket) info.bucket = bucket;
  const remaining = param("r", value) ?? param("remaining", value);
  if (remaining !== undefined) info.remaining = remaining;
  const policy = headers.get("ratelimit-policy");
  if (policy) {
    const quota = param("q", policy);
    const window = param("w", policy);
    if (quota !== undefined) info.quota = quota;
    if (window !== undefined) info.windowSeconds = window;
  }
  return info;
}

/**
 * How long the server asks us to wait before retrying a `status` answer, in ms, or undefined
 * when it does not say. The one reader of these headers for API, resolve and CDN calls:
 * `Retry-After` (delta seconds or HTTP date) on any status; on a 429 also the `RateLimit`
 * field's reset `t` (+1 s, as it is rounded down; only when no requests remain) and the older
 * `RateLimit-Reset` delta, whichever is longest. `t=` on other statuses is ignored: a 502 that
 * reports the quota window must not hold a download for a minute.
 */
export function serverRetryAfterMs(
  status: number,
  headers: Headers,
  now: number,
): number | undefined {
  const hints: number[] = [];
  const retryAfter = headers.get("retry-after")?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) hints.push(Math.round(Number(retryAfter) * 1000));
    else {
      const at = Date.parse(retryAfter);
      if (!Number.isNaN(at)) hints.push(Math.max(0, at - now));
    }
  }
  if (status === 429) {
    const limit = parseRateLimit(headers);
    if (limit && (limit.remaining ?? 0) === 0) hints.push((limit.resetSeconds + 1) * 1000);
    const reset = headers.get("ratelimit-reset")?.trim();
    // Small numbers are delta seconds; epoch timestamps (some APIs) are far larger than a day.
    if (reset && /^\d+$/.test(reset) && Number(reset) < 86_400) hints.push(Number(reset) * 1000);
  }
  return hints.length > 0 ? Math.max(...hints) : undefined;
}

/** Exponential backoff for the `attempt`-th consecutive failure (1-based), ±20% jitter. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  return exponentialDelay(attempt, { baseMs: BASE_BACKOFF_MS, capMs: MAX_BACKOFF_MS }, random);
}

/**
 * The wait before retry number `attempt` after a `status` answer: the server's hint when it
 * gives one (capped at {@link MAX_SERVER_WAIT_MS} except on a 429, whose wait the run's
 * rate-limit budget bounds instead), else {@link backoffMs}.
 */
export function retryDelayMs(
  attempt: number,
  status: number | undefined,
  headers: Headers | undefined,
  now: number,
  random: () => number = Math.random,
): number {
  const hint = headers && status !== undefined
    ? serverRetryAfterMs(status, headers, now)
    : undefined;
  if (hint === undefined) return backoffMs(attempt, random);
  return status === 429 ? hint : Math.min(MAX_SERVER_WAIT_MS, hint);
}
