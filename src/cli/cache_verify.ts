/**
 * `nightpull cache verify [REPO]... [--repair]`: re-hashes every blob of the local hub cache
 * against its name with a progress bar; exit 5 listing the bad blobs, or with `--repair` fetch
 * them again (resumable, verified) and exit 0.
 *
 * @example
 * ```ts
 * const code = await cacheVerifyCommand(["datasets/acme/tiny-data", "--repair"]);
 * ```
 * @module
 */
import { EXIT, NightpullError, toNightpullError } from "../errors.ts";
import {
  type BadBlob,
  type BlobRepair,
  type CacheVerifyResult,
  repairBlobs,
  verifyCache,
  verifyProgressEvents,
} from "../cache/cache_verify.ts";
import type { Config } from "../config.ts";
import { repoLabel } from "../download/cache/repo_arg.ts";
import { rateLimiterFor } from "../download/transfer/rate_limiter.ts";
import { openKv } from "../store/open_kv.ts";
import { CACHE_USAGE, cacheConfig, parseCacheArgs, repoArgs } from "./cache_args.ts";
import { PullProgress, stderrProgressMode } from "./progress.ts";
import { formatBytes } from "../byte_size.ts";

const encoder = new TextEncoder();

/** Runs `cache verify`; returns the exit code. */
export async function cacheVerifyCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCacheArgs(args, {
    repair: { type: "boolean" },
    quiet: { type: "boolean", short: "q" },
  });
  if (values.help) {
    console.log(CACHE_USAGE);
    return EXIT.ok;
  }
  const repos = repoArgs(positionals, false);
  const config = cacheConfig(values);
  const mode = stderrProgressMode(Boolean(values.quiet || values.json));
  const display = new PullProgress({
    mode,
    write: (text) => Deno.stderr.writeSync(encoder.encode(text)),
  });
  const controller = new AbortController();
  const onInterrupt = () => controller.abort();
  Deno.addSignalListener("SIGINT", onInterrupt);
  try {
    const result = await verifyCache({
      root: config.hubCache,
      repos,
      signal: controller.signal,
      ...verifyProgressEvents((e) => display.onEvent(e)),
    });
    display.finish();
    const repaired = values.repair && result.bad.length > 0
      ? await repair(result.bad, config, controller.signal)
      : [];
    const bad = printSummary(result, repaired, {
      json: Boolean(values.json),
      repair: Boolean(values.repair),
    });
    return bad > 0 && !values.repair ? EXIT.checksum : EXIT.ok;
  } catch (err) {
    display.finish();
    if (controller.signal.aborted) {
      throw new NightpullError("interrupted", "interrupted; run the same command again");
    }
    throw toNightpullError(err);
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
  }
}

/** Fetches the bad blobs again (resumable, verified), under the global bandwidth limit. */
async function repair(
  bad: BadBlob[],
  config: Config,
  signal: AbortSignal,
): Promise<BlobRepair[]> {
  const kv = await openKv(config.kv);
  try {
    const global = rateLimiterFor(config.bwlimit, config.timezone);
    return await repairBlobs(bad, { config, kv, signal, limiters: global ? [global] : [] });
  } finally {
    kv.close();
  }
}

/** Prints the outcome (one JSON object, or a BAD line per blob and a total); the bad count. */
function printSummary(
  result: CacheVerifyResult,
  repaired: BlobRepair[],
  flags: { json: boolean; repair: boolean },
): number {
  const bad = result.bad.map((b) => ({
    repo: repoLabel(b.type, b.repo),
    blob: b.blob,
    algorithm: b.algorithm,
    actual: b.actual,
    size: b.size,
  }));
  const summary = {
    blobs: result.blobs,
    bytes: result.bytes,
    ok: result.ok,
    bad,
    busy: result.busy.map((b) => ({ repo: repoLabel(b.type, b.repo), blob: b.blob })),
    ...(flags.repair ? { repaired } : {}),
  };
  if (flags.json) {
    console.log(JSON.stringify(summary));
    return bad.length;
  }
  for (const b of bad) {
    console.log(
      `BAD  ${b.repo} blobs/${b.blob}: ${b.algorithm} of the content is ${b.actual}` +
        (flags.repair ? " (fetched again)" : ""),
    );
  }
  console.log(
    `${result.blobs} blob(s), ${formatBytes(result.bytes)}: ${result.ok} ok, ${bad.length} bad` +
      (result.busy.length > 0 ? `, ${result.busy.length} in use by another process` : "") +
      (flags.repair && bad.length > 0 ? `; ${repaired.length} repaired` : ""),
  );
  return bad.length;
}
