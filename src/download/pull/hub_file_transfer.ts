/**
 * One hub file job beyond its plan: the notice while another writer holds its lock, its
 * transfer (the fetcher's options for a file pinned by commit and hash, progress as it moves),
 * and the stamp of the file once it landed.
 *
 * @example
 * ```ts
 * const result = await transferJob(run, job, { connections: 4, leftovers: false });
 * const stamp = await landedStamp(job.dataPath);
 * ```
 * @module
 */
import { lockWaitMessage } from "../part/file_lock.ts";
import { resumableBytes } from "../part/resume_point.ts";
import { fetchFile, type FetchFileResult } from "../transfer/fetcher.ts";
import { chainLimiters } from "../transfer/rate_limiter.ts";
import { TransferMeter } from "../transfer/transfer_meter.ts";
import type { HubPull } from "./hub_pull_setup.ts";
import { type FileStamp, fileStamp } from "./known_files.ts";
import type { BlobJob } from "./pull_plan.ts";

/** Tells (event and log) that `job` waits for its lock, held by another writer. */
export function tellLockWait(run: HubPull, job: BlobJob): void {
  const { ctx, sourceKey } = run;
  const path = job.files[0].path;
  const message = lockWaitMessage(path);
  ctx.onEvent?.({ type: "waiting", path, message });
  ctx.logger?.info("file.lock_wait", { source: sourceKey, path, lock: job.lockPath, message });
}

/** How {@link transferJob} fetches one job, and whom it tells of the bytes. */
export interface JobTransferOptions {
  /** Connections granted to this file. */
  connections: number;
  /** A part may be there to resume (or was adopted): its bytes count as present. */
  leftovers: boolean;
  /** Bytes received since the last call (what the file workers' pace reads). */
  onMoved?: (bytes: number) => void;
  /** Bytes of the job still to be written (for the free-space checks). */
  onRemaining?: (bytes: number) => void;
}

/** Fetches one job's blob to its final path, verified; progress goes to the pull's events. */
export async function transferJob(
  run: HubPull,
  job: BlobJob,
  options: JobTransferOptions,
): Promise<FetchFileResult> {
  const { client, source, commit, ctx, guard, rateLimits } = run;
  const { config, signal } = ctx;
  const path = job.files[0].path;
  // What a resume starts from, so progress shows it as present rather than as transfer.
  const resumed = options.leftovers ? await resumableBytes(job.partPath) : 0;
  ctx.onEvent?.({ type: "progress", path, bytes: resumed, total: job.size });
  const meter = new TransferMeter(resumed);
  let last = resumed;
  const resolveUrl = client.fileUrl(source, commit, path);
  try {
    const result = await fetchFile({
      url: resolveUrl,
      headers: client.authHeaders(),
      // An expired signed CDN URL (403 after about an hour) is replaced by asking the
      // resolve URL again for a freshly signed redirect.
      reresolve: () => Promise.resolve(resolveUrl),
      // Pinned by commit and hash: a CDN ETag change (e.g. a move to Xet storage) is not a
      // content change, and the hash check at the end stands guard anyway.
      pinned: true,
      rateLimits,
      partPath: job.partPath,
      finalPath: job.dataPath,
      guardPath: (p, guardOptions) => guard.check(p, guardOptions),
      expected: { size: job.size, sha256: job.sha256, gitSha1: job.gitSha1 },
      connections: options.connections,
      signal,
      limiter: chainLimiters(ctx.limiters ?? []),
      ...(config.downloadTimeoutMs ? { stallTimeoutMs: config.downloadTimeoutMs } : {}),
      onProgress: (b, total) => {
        meter.progress(b);
        options.onMoved?.(Math.max(0, b - last));
        last = b;
        options.onRemaining?.(Math.max(0, job.size - b));
        ctx.onEvent?.({ type: "progress", path, bytes: b, total: total ?? job.size });
      },
      mapHttpError: (res: Response) => client.mapHttpError(res, { source, path, revision: commit }),
    });
    meter.finished(result.bytesTransferred);
    return result;
  } catch (err) {
    meter.failed(err);
    throw err;
  }
}

/**
 * The stamp of a file this pull just renamed into place: a synchronous `lstat` (a regular file
 * has no link to follow, and the async `stat` costs a thread-pool hop and a walk of the path).
 */
export async function landedStamp(path: string): Promise<FileStamp | undefined> {
  try {
    const info = Deno.lstatSync(path);
    if (info.isFile) return { size: info.size, mtimeMs: info.mtime?.getTime() ?? 0, ino: info.ino };
  } catch {
    return undefined;
  }
  return await fileStamp(path); // replaced by a link meanwhile: what it points at, if a file
}
