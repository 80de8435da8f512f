/**
 * What the single- and multi-connection transfers share: the per-download context, the
 * failure kinds that drive retries and restarts, the retry loop, and HTTP status triage
 * (transient -> retry, 4xx -> the caller's mapped error, never retried).
 *
 * @example
 * ```ts
 * await withRetries(ctx, () => durableBytes, async () => {
 *   const { response } = await ctx.remote.get({ start }, watch.signal);
 *   triageStatus(ctx, response, url); // throws TransientFailure or a mapped NightpullError
 * });
 * ```
 * @module
 */
import { NightpullError } from "../../errors.ts";
import { metrics } from "../../metrics.ts";
import { type BodyReader, PartialFill } from "./body_reader.ts";
import type { StallWatchdog } from "./connection_watch.ts";
import type { PartIdentity } from "../part/part_state.ts";
import { displayUrl } from "../net/follow_redirects.ts";
import type { RemoteFile } from "../net/remote_file.ts";
import { isTransientStatus, serverRetryAfterMs } from "../net/http_retry.ts";
import type { RateLimitBudget } from "../hub/rate_limit_budget.ts";
import type { FileDigests } from "../verify/checksum.ts";
import { sleep } from "../../time/sleep.ts";

/** Progress of consecutive failures resets once a retry has delivered this many bytes. */
const PROGRESS_RESETS_RETRIES = 1024 * 1024;

/** Everything one download's transfers need. */
export interface TransferContext {
  remote: RemoteFile;
  partPath: string;
  /** The final file name, for messages. */
  name: string;
  expected: PartIdentity;
  wantGitSha1: boolean;
  /** The caller's abort signal (a never-firing one when none was given). */
  signal: AbortSignal;
  retries: number;
  retryDelay: (attempt: number, res?: Response) => number;
  /** The run's budget for 429 waits, shared by all its files and connections. */
  rateLimits: RateLimitBudget;
  mapHttpError?: (res: Response) => NightpullError | undefined;
  watchdog: StallWatchdog;
  connections: number;
  minSplitSize: number;
  /** Bandwidth limit shared by all connections, if any. */
  limiter?: BandwidthLimiter;
  /** Reports bytes of the file present (on disk or in hand) and the total when known. */
  progress: (bytesDone: number, total: number | undefined) => void;
  /** Body bytes received in this call. */
  bytesTransferred: number;
  /** True once existing partial bytes were thrown away. */
  restarted: boolean;
  /** Set when ranges turned out unreliable: the next round streams on one connection. */
  forceSingle: boolean;
  /** Content fixed by a hash the caller knows: a changed server ETag keeps partial bytes. */
  pinned: boolean;
}

/** A finished transfer, ready for verification. */
export interface TransferOutcome {
  size: number;
  digests: FileDigests;
  serverEtag?: string;
}

/** Something that holds transfers to a rate, such as the shared `RateLimiter`. */
export interface BandwidthLimiter {
  /** Resolves when `bytes` may pass; rejects with the signal's reason on abort. */
  take(bytes: number, signal?: AbortSignal): Promise<void>;
}

/** Largest amount asked of the limiter at once, so a slow rate never looks like a stall. */
const PACE_STEP = 16 * 1024;

/**
 * The `pace` hook of a connection's body reader under `ctx.limiter` (undefined without one):
 * takes the chunk's bytes in small steps and counts each granted step as activity.
 */
export function pacer(
  ctx: TransferContext,
  watch: { touch(now: number): void },
  signal: AbortSignal,
): ((bytes: number) => Promise<void>) | undefined {
  const limiter = ctx.limiter;
  if (!limiter) return undefined;
  return async (bytes) => {
    for (let left = bytes; left > 0; left -= PACE_STEP) {
      await limiter.take(Math.min(PACE_STEP, left), signal);
      watch.touch(ctx.watchdog.now());
    }
  };
}

/** A failure worth retrying: connection reset, short body, stall, 5xx, 429. */
export class TransientFailure extends Error {
  readonly code: "network_error" | "stalled" | "upstream_error" | "rate_limited";
  /** The failed response (body already released), for Retry-After and `retryDelay`. */
  readonly response?: Response;
  /** Where the response came from. */
  readonly url?: URL;

  constructor(code: TransientFailure["code"], message: string, response?: Response, url?: URL) {
    super(message);
    this.name = "TransientFailure";
    this.code = code;
    this.response = response;
    this.url = url;
  }
}

/** The partial bytes cannot be trusted or continued: discard them and start from zero. */
export class RestartFromZero extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "RestartFromZero";
  }
}

/** The `interrupted` error for an aborted download that keeps its part. */
export function interrupted(ctx: TransferContext, have: number, total?: number): NightpullError {
  const of = total === undefined ? "" : ` of ${total}`;
  return new NightpullError(
    "interrupted",
    `download of ${ctx.name} interrupted at ${have}${of} bytes; the partial file is kept for resume`,
    { path: ctx.partPath, bytes: have },
  );
}

/**
 * Turns a failed fetch or body read into a TransientFailure (stall, reset, short body), or
 * rethrows the user's abort untouched.
 */
export function networkFailure(
  ctx: TransferContext,
  err: unknown,
  watch: { stalled: boolean },
): TransientFailure | unknown {
  if (err instanceof TransientFailure || err instanceof NightpullError) return err;
  if (watch.stalled) {
    return new TransientFailure(
      "stalled",
      `no data from ${displayUrl(ctx.remote.origin)} for ${ctx.watchdog.timeoutMs} ms`,
    );
  }
  if (ctx.signal.aborted) return err;
  const cause = err instanceof PartialFill ? err.cause : err;
  const message = cause instanceof Error ? cause.message : String(cause);
  return new TransientFailure("network_error", `network error: ${message}`);
}

/**
 * Sorts a response by status: 2xx and 416 pass; transient statuses throw
 * TransientFailure; anything else throws the caller's mapped error or a sensible default.
 */
export async function triageStatus(
  ctx: TransferContext,
  response: Response,
  url: URL,
): Promise<void> {
  const status = response.status;
  if ((status >= 200 && status < 300) || status === 416) return;
  const where = displayUrl(url);
  if (isTransientStatus(status)) {
    await response.body?.cancel();
    const code = status === 429 ? "rate_limited" : "upstream_error";
    throw new TransientFailure(code, `HTTP ${status} from ${where}`, response, url);
  }
  const mapped = ctx.mapHttpError?.(response);
  await response.body?.cancel();
  if (mapped) throw mapped;
  if (status === 401) {
    throw new NightpullError(
      "auth_required",
      `${where} answered 401: it needs credentials (a token) to download ${ctx.name}`,
    );
  }
  if (status === 403) {
    throw new NightpullError("forbidden", `${where} answered 403: access to ${ctx.name} denied`);
  }
  if (status === 404 || status === 410) {
    throw new NightpullError("not_found", `${where} answered ${status}: ${ctx.name} not found`);
  }
  throw new NightpullError("upstream_error", `${where} answered HTTP ${status} for ${ctx.name}`);
}

/**
 * Runs `attempt` until it succeeds. A TransientFailure waits (`retryDelay`, honouring
 * Retry-After) and tries again; more than `ctx.retries` failures in a row without
 * {@link PROGRESS_RESETS_RETRIES} bytes of progress give up with the failure's code. A 429
 * that says how long to wait is not a failure: it waits within `ctx.rateLimits` instead.
 * `progress()` reports the bytes made durable so far; `signal` cuts the waits short.
 */
export async function withRetries<T>(
  ctx: TransferContext,
  progress: () => number,
  attempt: () => Promise<T>,
  signal: AbortSignal = ctx.signal,
): Promise<T> {
  let failures = 0;
  let mark = progress();
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof TransientFailure) || signal.aborted) throw err;
      const res = err.response;
      if (res?.status === 429 && serverRetryAfterMs(429, res.headers, Date.now()) !== undefined) {
        await ctx.rateLimits.wait(ctx.retryDelay(failures + 1, res), err.url!, signal);
        continue;
      }
      const now = progress();
      if (now - mark >= PROGRESS_RESETS_RETRIES) failures = 0;
      mark = now;
      failures++;
      if (failures > ctx.retries) {
        throw new NightpullError(
          err.code,
          `${err.message} (gave up on ${ctx.name} after ${failures} tries)`,
          undefined,
          { cause: err },
        );
      }
      metrics.retries.inc({ kind: "request" });
      await sleep(ctx.retryDelay(failures, err.response), signal);
    }
  }
}

/** The server's size differs from the expected one (the fetcher turns it into size_mismatch). */
export class SizeAnnounced extends Error {
  constructor(readonly announced: number, readonly expected: number) {
    super(`server announced ${announced} bytes, expected ${expected}`);
    this.name = "SizeAnnounced";
  }
}

/**
 * After the expected bytes of a body: true when it goes on (reads at most one byte). A body
 * that fails or is stopped at that point has delivered everything asked of it: false.
 */
export async function bodyGoesOn(reader: BodyReader, stop: () => boolean): Promise<boolean> {
  try {
    const probe = await reader.fill(new Uint8Array(1), stop);
    return probe.filled > 0;
  } catch {
    return false;
  }
}

/**
 * The `size_mismatch` of a body longer than the file (`size`) or than the `range` it was
 * asked for: nothing past it was written.
 */
export function overlongBody(
  ctx: TransferContext,
  size: number,
  range?: { start: number; end: number },
): NightpullError {
  const what = range
    ? `the range bytes=${range.start}-${range.end - 1} it was asked for`
    : `the ${size} bytes expected`;
  return new NightpullError(
    "size_mismatch",
    `size mismatch for ${ctx.name}: the server sent more than ${what}; stopped at the first ` +
      `extra byte, and the partial file keeps only the bytes of the file`,
    { expected: size, path: ctx.partPath },
  );
}
