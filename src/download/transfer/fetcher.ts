/**
 * The resumable, verified, multi-connection file fetcher (DESIGN.md "Download guarantees").
 * Bytes accumulate in a part file described by a sidecar, resume after any interruption with
 * Range requests, are hashed while streaming, and reach the final name only after fsync,
 * verification and an atomic rename.
 *
 * @example
 * ```ts
 * const result = await fetchFile({
 *   url: "https://huggingface.co/org/model/resolve/<commit>/model.safetensors",
 *   headers: { authorization: `Bearer ${token}` }, // never forwarded to the CDN
 *   partPath: "/data/model.safetensors.part",
 *   finalPath: "/data/model.safetensors",
 *   expected: { size, sha256 },
 * });
 * ```
 * @module
 */
import { basename, dirname } from "node:path";
import { DEFAULT_CONNECTIONS } from "../../settings.ts";
import { NightpullError, toNightpullError } from "../../errors.ts";
import { hashPrefix } from "../verify/checksum.ts";
import { StallWatchdog } from "./connection_watch.ts";
import { DEFAULT_RETRIES, retryDelayMs } from "../net/http_retry.ts";
import { transferRanges } from "./multi_range.ts";
import { RateLimitBudget } from "../hub/rate_limit_budget.ts";
import { discardPart } from "../part/part_file.ts";
import { type FetchFileResult, finish, matches, publish, verified } from "./finish.ts";
import { fetchSmall, SMALL_FILE_BYTES } from "./small_file.ts";
import { connectionCount, coveredBytes } from "./range_plan.ts";
import { RemoteFile } from "../net/remote_file.ts";
import { planResume, type ResumePlan } from "../part/resume_plan.ts";
import { streamSingle, SwitchToRanges } from "./single_stream.ts";
import {
  type BandwidthLimiter,
  RestartFromZero,
  SizeAnnounced,
  type TransferContext,
  type TransferOutcome,
} from "./transfer.ts";

export type { BandwidthLimiter } from "./transfer.ts";
export type { FetchFileResult } from "./finish.ts";

/** Below this many bytes per connection a file is not split. */
export const DEFAULT_MIN_SPLIT_SIZE = 32 * 1024 * 1024;
/** No bytes for this long on a connection: cut it and resume. */
const DEFAULT_STALL_TIMEOUT_MS = 30_000;
/** Restarts from zero allowed in one call before giving up (the file keeps changing). */
const MAX_RESTARTS = 3;

/** Options of {@link fetchFile}. */
export interface FetchFileOptions {
  /** GET this (a hub resolve URL or any http(s) URL); redirects are followed here. */
  url: string;
  /** Sent only to the origin of `url`, never to another origin after a redirect. */
  headers?: Record<string, string>;
  /**
   * Where bytes accumulate (names in part_paths.ts). The caller holds the file's lock
   * (file_lock.ts): the fetcher truncates and rewrites this part as if it were alone.
   */
  partPath: string;
  /** Atomic rename target after verification (its directory is created). */
  finalPath: string;
  expected?: { size?: number; sha256?: string; gitSha1?: string; etag?: string };
  /** Most parallel ranges for this file; default DEFAULT_CONNECTIONS for large files. */
  connections?: number;
  /** Do not split below this many bytes per connection; default 32 MiB. */
  minSplitSize?: number;
  /** Abort: flush and fsync what arrived, keep part + sidecar, throw `interrupted`. */
  signal?: AbortSignal;
  /** Bytes of the file present so far, and the total when known; called often, keep it cheap. */
  onProgress?: (bytesDone: number, total: number | undefined) => void;
  /** On 403 from a non-original origin (expired signed CDN URL): a fresh URL to GET. */
  reresolve?: () => Promise<string>;
  /**
   * Checks a path before it is created or renamed into (no foreign symlink on the way; `leaf`:
   * the path itself must not be a link). Called before the part is opened and again right
   * before the rename into place.
   */
  guardPath?: (path: string, options?: { leaf?: boolean }) => Promise<void>;
  /** Checks every URL before it is fetched, redirect hops included (the outbound allow-list). */
  checkUrl?: (url: URL) => Promise<void> | void;
  /**
   * The content is pinned (a hub commit and its hash): a changed server ETag does not
   * discard partial bytes; the hash check at the end still catches other content.
   */
  pinned?: boolean;
  /** Maps a non-transient error response (401/403/404 + X-Error-Code) to an error. */
  mapHttpError?: (res: Response) => NightpullError | undefined;
  /** Transient failures in a row (resets, 5xx, 429, stalls) before giving up; default 5. */
  retries?: number;
  /** No bytes for this long on a connection: abort and resume it; default 30 s. */
  stallTimeoutMs?: number;
  /** Wait before retry `attempt` (tests shrink it); default honours Retry-After, capped. */
  retryDelay?: (attempt: number, res?: Response) => number;
  /** The run's budget for 429 waits (default: a fresh one of 10 min for this file). */
  rateLimits?: RateLimitBudget;
  /** Bandwidth limit (e.g. the shared `RateLimiter` of `--bwlimit`); reads wait for it. */
  limiter?: BandwidthLimiter;
}

/**
 * Downloads `url` into `finalPath` through `partPath`, resuming whatever an earlier call left,
 * verifying size and hashes. Throws NightpullError: `checksum_mismatch` / `size_mismatch`
 * (part deleted), `interrupted` / `disk_full` / `network_error` / ... (part kept for resume).
 */
export async function fetchFile(opts: FetchFileOptions): Promise<FetchFileResult> {
  checkOptions(opts);
  const signal = opts.signal ?? new AbortController().signal;
  const name = basename(opts.finalPath);
  if (signal.aborted) {
    throw new NightpullError("interrupted", `download of ${name} interrupted before it started`);
  }
  const ctx = transferContext(opts, signal, name);
  try {
    if (isSmall(ctx)) {
      // The part's folders only: its creation (`createNew`) never goes through a link at the
      // part's own name, it fails and the resumable path below checks that name first.
      await guardPaths(opts, { leaf: false });
      const outcome = await fetchSmall(ctx, (o) => verified(ctx, o));
      if (outcome) return await publish(ctx, opts, outcome, { resumedFrom: 0, sidecar: false });
    }
    await guardPaths(opts, { leaf: true });
    await Deno.mkdir(dirname(opts.partPath), { recursive: true });
    let resumedFrom: number | undefined;
    for (let round = 0;; round++) {
      const plan = await planResume(ctx);
      const present = plan.kind === "append" ? plan.offset : coveredBytes(plan.done);
      resumedFrom ??= present;
      try {
        const outcome = await transfer(ctx, plan);
        return await finish(ctx, opts, outcome, ctx.restarted ? 0 : resumedFrom);
      } catch (err) {
        if (!(err instanceof RestartFromZero)) throw err;
        if (round >= MAX_RESTARTS) {
          throw new NightpullError(
            "upstream_error",
            `${name}: gave up after ${round + 1} restarts from zero (${err.message})`,
          );
        }
        ctx.restarted ||= present > 0;
        await discardPart(ctx.partPath);
      }
    }
  } catch (err) {
    // an empty part holds nothing to resume: a failed first request leaves no file behind
    await dropEmptyPart(ctx.partPath);
    if (err instanceof SizeAnnounced) {
      await discardPart(ctx.partPath).catch(() => {});
      throw new NightpullError(
        "size_mismatch",
        `size mismatch for ${name}: expected ${err.expected} bytes, the server announced ${err.announced}`,
        { expected: err.expected, actual: err.announced },
      );
    }
    if (signal.aborted && !(err instanceof NightpullError)) {
      throw new NightpullError(
        "interrupted",
        `download of ${name} interrupted; the partial file is kept for resume`,
        { path: ctx.partPath },
      );
    }
    throw toNightpullError(err);
  } finally {
    ctx.watchdog.dispose();
  }
}

/** The context every transfer of this call shares, from the caller's options. */
function transferContext(
  opts: FetchFileOptions,
  signal: AbortSignal,
  name: string,
): TransferContext {
  const expected = { ...opts.expected };
  return {
    remote: new RemoteFile({
      url: opts.url,
      headers: opts.headers,
      reresolve: opts.reresolve,
      checkUrl: opts.checkUrl,
    }),
    partPath: opts.partPath,
    name,
    expected,
    wantGitSha1: expected.gitSha1 !== undefined,
    signal,
    retries: opts.retries ?? DEFAULT_RETRIES,
    retryDelay: opts.retryDelay ??
      ((attempt, res) => retryDelayMs(attempt, res?.status, res?.headers, Date.now())),
    rateLimits: opts.rateLimits ?? new RateLimitBudget(),
    mapHttpError: opts.mapHttpError,
    watchdog: new StallWatchdog(opts.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS),
    connections: opts.connections ?? DEFAULT_CONNECTIONS,
    minSplitSize: opts.minSplitSize ?? DEFAULT_MIN_SPLIT_SIZE,
    limiter: opts.limiter,
    progress: opts.onProgress ?? (() => {}),
    bytesTransferred: 0,
    restarted: false,
    forceSingle: false,
    pinned: (opts.pinned ?? false) &&
      (expected.sha256 !== undefined || expected.gitSha1 !== undefined),
  };
}

/**
 * Checks the part (`leaf`: the part's own name too) and the final path's folders; the final
 * path's folders are not looked at twice when they are the part's.
 */
export async function guardPaths(
  opts: Pick<FetchFileOptions, "partPath" | "finalPath" | "guardPath">,
  { leaf }: { leaf: boolean },
): Promise<void> {
  if (!opts.guardPath) return;
  await opts.guardPath(opts.partPath, { leaf });
  if (dirname(opts.finalPath) !== dirname(opts.partPath)) await opts.guardPath(opts.finalPath);
}

/** A file small and known enough to fetch whole into memory (small_file.ts). */
function isSmall(ctx: TransferContext): boolean {
  const size = ctx.expected.size;
  return size !== undefined && size <= SMALL_FILE_BYTES;
}

/** Runs the transfer a plan calls for, switching to ranges when a probe says so. */
async function transfer(ctx: TransferContext, plan: ResumePlan): Promise<TransferOutcome> {
  if (plan.kind === "ranges") return await transferRanges(ctx, plan);
  const total = plan.total;
  if (
    plan.offset === 0 && total !== undefined && !ctx.forceSingle &&
    connectionCount(total, ctx.connections, ctx.minSplitSize) > 1
  ) {
    return await transferRanges(ctx, { total, done: [], serverEtag: plan.serverEtag });
  }
  if (total !== undefined && plan.offset === total && plan.offset > 0) {
    // A complete part from an interrupted finish: verify it without asking the server.
    const gitBlobSize = ctx.wantGitSha1 ? total : undefined;
    const digests = (await hashPrefix(ctx.partPath, total, gitBlobSize, ctx.signal)).digest();
    if (!matches(ctx.expected, digests)) {
      throw new RestartFromZero(`the complete part of ${ctx.name} does not verify`);
    }
    return { size: total, digests, serverEtag: plan.serverEtag };
  }
  const outcome = await streamSingle(ctx, plan);
  if (!(outcome instanceof SwitchToRanges)) return outcome;
  return await transferRanges(ctx, {
    total: outcome.total,
    done: [],
    serverEtag: outcome.serverEtag,
  });
}

/** Refuses options that cannot work, naming what a good value looks like. */
function checkOptions(opts: FetchFileOptions): void {
  const bad = (what: string) => new NightpullError("invalid_input", `fetchFile: ${what}`);
  if (!opts.partPath || !opts.finalPath) throw bad("partPath and finalPath are required");
  if (opts.partPath === opts.finalPath) throw bad("partPath must differ from finalPath");
  const positive = (name: string, value: number | undefined, min: number) => {
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= min)) {
      throw bad(`${name} must be a whole number >= ${min}, got ${value}`);
    }
  };
  positive("connections", opts.connections, 1);
  positive("minSplitSize", opts.minSplitSize, 1);
  positive("retries", opts.retries, 0);
  positive("stallTimeoutMs", opts.stallTimeoutMs, 1);
  positive("expected.size", opts.expected?.size, 0);
  const hex = (name: string, value: string | undefined, length: number) => {
    if (value !== undefined && !new RegExp(`^[0-9a-fA-F]{${length}}$`).test(value)) {
      throw bad(`expected.${name} must be ${length} hex digits, got "${value}"`);
    }
  };
  hex("sha256", opts.expected?.sha256, 64);
  hex("gitSha1", opts.expected?.gitSha1, 40);
}

/** Removes the part (and its state) when it is empty; leaves anything with bytes for resume. */
async function dropEmptyPart(partPath: string): Promise<void> {
  try {
    if ((await Deno.stat(partPath)).size === 0) await discardPart(partPath);
  } catch {
    // absent, or not ours to remove: nothing to tidy
  }
}
