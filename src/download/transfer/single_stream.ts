/**
 * The single-connection transfer: one body streamed onto the end of the part, resumed with
 * `Range: bytes=<part size>-` after any failure. Chunks are gathered into a ring of large
 * buffers; while some are being written (off the main thread) the next fills and is hashed,
 * so hashing, writing and receiving overlap and the number of awaits per MiB stays small.
 *
 * @example
 * ```ts
 * const outcome = await streamSingle(ctx, { offset: partSize, total: expected.size });
 * ```
 * @module
 */
import { BodyReader, filledBeforeError, type FillResult } from "./body_reader.ts";
import { FileDigest, type FileDigests, hashFileRange } from "../verify/checksum.ts";
import type { ConnectionWatch } from "./connection_watch.ts";
import { BackgroundFlush } from "./background_flush.ts";
import { osWriteError } from "../../os_errors.ts";
import { writeFully } from "../part/part_file.ts";
import { writePartState } from "../part/part_state.ts";
import { connectionCount, parseContentRange } from "./range_plan.ts";
import { isStrongEtag, normalizeEtag } from "../net/remote_file.ts";
import {
  bodyGoesOn,
  interrupted,
  networkFailure,
  overlongBody,
  pacer,
  RestartFromZero,
  SizeAnnounced,
  type TransferContext,
  TransientFailure,
  triageStatus,
  withRetries,
} from "./transfer.ts";

/**
 * Size of each buffer of the ring (smaller when less is left to download). Measured on
 * loopback: 3-4 MiB run at curl's speed, 2 MiB was markedly slower, 4 MiB costs 3 MiB more RSS.
 */
export const STREAM_BUFFER_SIZE = 3 * 1024 * 1024;
/** Buffers in the ring: one filling, up to two queued for the file, which absorbs write stalls. */
export const STREAM_BUFFERS = 3;

/** A finished transfer, ready for verification. */
export interface TransferOutcome {
  size: number;
  digests: FileDigests;
  serverEtag?: string;
}

/** Where a single-connection transfer starts. */
export interface SingleStart {
  /** Valid bytes already in the part (its size). */
  offset: number;
  /** Full size when known (expected size or a previous response). */
  total?: number;
  /** ETag recorded with the part. */
  serverEtag?: string;
}

/** The server supports ranges and the file is big enough to split: go multi-connection. */
export class SwitchToRanges {
  constructor(readonly total: number, readonly serverEtag: string | undefined) {}
}

/**
 * Streams the rest of the file into the part, retrying transient failures. Returns the
 * outcome, or {@link SwitchToRanges} when a fresh download turns out to be worth splitting.
 */
export async function streamSingle(
  ctx: TransferContext,
  start: SingleStart,
): Promise<TransferOutcome | SwitchToRanges> {
  let offset = start.offset;
  let total = start.total;
  let serverEtag = start.serverEtag;
  let recorded: string | undefined;
  let digest: FileDigest | undefined;
  let switchTo: SwitchToRanges | undefined;
  let buffers: Uint8Array[] | undefined;
  const file = await Deno.open(ctx.partPath, { write: true, create: true });
  const flusher = new BackgroundFlush(ctx.partPath);
  try {
    await file.truncate(offset);
    await file.seek(offset, Deno.SeekMode.Start);

    const restartInPlace = async () => {
      await file.truncate(0);
      await file.seek(0, Deno.SeekMode.Start);
      offset = 0;
      digest = undefined;
      ctx.restarted = true;
    };

    const pump = async (body: ReadableStream<Uint8Array>, watch: ConnectionWatch) => {
      let seen = offset;
      // Never past the known size: an overlong (or endless) body stops at its first extra byte.
      const limit = ctx.expected.size ?? total ?? Infinity;
      let received = offset;
      ctx.progress(seen, total);
      const reader = new BodyReader(body, {
        onChunk: (chunk) => {
          watch.touch(ctx.watchdog.now());
          ctx.bytesTransferred += chunk.length;
          seen += chunk.length;
          ctx.progress(seen, total);
        },
        pace: pacer(ctx, watch, ctx.signal),
      });
      // A ring of buffers: the one at `cur` fills while the others wait in a chain of
      // ordered writes; a buffer is refilled only once its own write has landed.
      // Sized to what is left when that is known: a small file does not need 9 MiB of buffers.
      const size = Math.min(STREAM_BUFFER_SIZE, Math.max(64 * 1024, (total ?? Infinity) - offset));
      if (!buffers || buffers[0].length < size) {
        buffers = Array.from({ length: STREAM_BUFFERS }, () => new Uint8Array(size));
      }
      const ring = buffers;
      let cur = 0;
      const written: (Promise<void> | undefined)[] = ring.map(() => undefined);
      let chain: Promise<void> = Promise.resolve();
      const enqueue = (view: Uint8Array) => {
        chain = chain.then(() => writeFully(file, view)).then(() => {
          offset += view.length;
          flusher.written(offset);
        });
        chain.catch(() => {}); // handled where awaited; never an unhandled rejection
        written[cur] = chain;
      };
      const settle = () => chain; // a failed write rejects here, and is the real problem
      let finished = false;
      try {
        for (;;) {
          const room = Math.max(0, Math.min(ring[cur].length, limit - received));
          const target = ring[cur].subarray(0, room);
          if (room === 0) {
            await settle();
            if (await bodyGoesOn(reader, () => watch.stopping)) throw overlongBody(ctx, limit);
            finished = true;
            break;
          }
          let filled: FillResult;
          let failure: unknown;
          try {
            filled = await reader.fill(target, () => watch.stopping);
          } catch (err) {
            failure = err; // the bytes gathered before the failure are still good
            filled = { filled: filledBeforeError(err), done: false };
          }
          received += filled.filled;
          if (filled.filled > 0) {
            const view = target.subarray(0, filled.filled);
            digest!.update(view);
            enqueue(view);
            cur = (cur + 1) % ring.length;
            await written[cur];
          }
          if (failure !== undefined) {
            await settle();
            throw networkFailure(ctx, failure, watch);
          }
          if (filled.stopped) {
            await settle();
            throw interrupted(ctx, offset, total);
          }
          if (filled.done) {
            finished = true;
            break;
          }
        }
        await settle();
      } finally {
        if (!finished) await reader.cancel();
      }
    };

    const attempt = async () => {
      // Re-hash a resumed prefix before asking for more, so a long hash cannot look like a
      // stalled connection; only a git SHA-1 of unknown size has to wait for the response.
      if (offset > 0 && digest?.bytes !== offset && (!ctx.wantGitSha1 || total !== undefined)) {
        digest = await hashPrefix(ctx, offset, total);
      }
      const watch = ctx.watchdog.watch(ctx.signal);
      try {
        let got;
        try {
          // A Range also from byte 0: the hub's CDN refuses a GET without one above 50 GB, and
          // a 206 tells whether ranges work before anything is at stake. Only a server whose
          // ranges proved unreliable (forceSingle) gets a plain GET for a fresh start.
          const range = offset > 0 || !ctx.forceSingle ? { start: offset } : undefined;
          got = await ctx.remote.get(range, watch.signal);
        } catch (err) {
          throw networkFailure(ctx, err, watch);
        }
        const res = got.response;
        await triageStatus(ctx, res, got.url);
        if (res.status === 416) {
          await res.body?.cancel();
          const range = parseContentRange(res.headers.get("content-range"));
          if (range && "unsatisfied" in range && range.total === offset) {
            total = offset; // the part already holds the whole file (or the file is empty)
            if (!digest || digest.bytes !== offset) digest = await hashPrefix(ctx, offset, offset);
            return;
          }
          throw new RestartFromZero(`the server cannot serve ${ctx.name} from byte ${offset}`);
        }
        if (res.status === 206) {
          const range = parseContentRange(res.headers.get("content-range"));
          if (!range || "unsatisfied" in range || range.start !== offset) {
            await res.body?.cancel();
            ctx.forceSingle = true;
            throw new RestartFromZero(
              `the server answered a different range than bytes=${offset}-`,
            );
          }
          total = range.total ?? total;
        } else {
          if (offset > 0) await restartInPlace(); // 200 to a Range request: a full body
          const length = contentLength(res);
          if (length !== undefined) total = length;
        }
        const etag = res.headers.get("etag");
        if (isStrongEtag(etag)) {
          const now = normalizeEtag(etag);
          if (serverEtag !== undefined && now !== serverEtag && offset > 0 && !ctx.pinned) {
            await res.body?.cancel();
            throw new RestartFromZero(
              `${ctx.name} changed on the server (ETag "${now}", the part had "${serverEtag}")`,
            );
          }
          serverEtag = now;
        }
        checkAnnouncedSize(ctx, total, res);
        if (
          offset === 0 && total !== undefined && !ctx.forceSingle && acceptsRanges(res) &&
          connectionCount(total, ctx.connections, ctx.minSplitSize) > 1
        ) {
          await res.body?.cancel();
          switchTo = new SwitchToRanges(total, serverEtag);
          return;
        }
        const stateKey = `${serverEtag}|${total}`;
        try {
          if (recorded !== stateKey) {
            await writePartState(ctx.partPath, {
              version: 1,
              identity: ctx.expected,
              serverEtag,
              total,
              layout: "append",
            });
            recorded = stateKey;
          }
          if (!digest || digest.bytes !== offset) digest = await hashPrefix(ctx, offset, total);
        } catch (err) {
          // e.g. ENOSPC writing the sidecar: the body was never read, so close the connection
          // now rather than leave it open (and the server streaming) until a timeout
          await res.body?.cancel().catch(() => {});
          throw err;
        }
        if (!res.body) throw new TransientFailure("network_error", "response without a body");
        await pump(res.body, watch);
        if (total !== undefined && offset < total) {
          throw new TransientFailure(
            "network_error",
            `connection closed after ${offset} of ${total} bytes of ${ctx.name}`,
          );
        }
        total ??= offset; // no length announced: the end of the body is the end of the file
      } finally {
        watch.end();
      }
    };

    let syncFailure: unknown = null;
    try {
      await withRetries(ctx, () => offset, attempt);
    } catch (err) {
      if (ctx.signal.aborted && !(err instanceof RestartFromZero)) {
        throw interrupted(ctx, offset, total);
      }
      throw err;
    } finally {
      await flusher.close();
      await file.syncData().catch((err) => syncFailure = err);
    }
    // the part is renamed into place next: bytes that may not be on the disk fail the file
    if (syncFailure !== null) throw osWriteError(syncFailure, ctx.partPath) ?? syncFailure;
    if (switchTo) return switchTo;
    return { size: offset, digests: digest!.digest(), serverEtag };
  } finally {
    file.close();
  }
}

/** Hashes the part's first `length` bytes (a resumed prefix) into a fresh digest. */
async function hashPrefix(ctx: TransferContext, length: number, total: number | undefined) {
  const digest = new FileDigest({ gitBlobSize: ctx.wantGitSha1 ? total : undefined });
  if (length === 0) return digest;
  const file = await Deno.open(ctx.partPath, { read: true });
  try {
    await hashFileRange(file, 0, length, digest, undefined, ctx.signal);
  } finally {
    file.close();
  }
  return digest;
}

/** Content-Length of an identity-encoded body, when given. */
function contentLength(res: Response): number | undefined {
  const encoding = res.headers.get("content-encoding");
  if (encoding && encoding !== "identity") return undefined;
  const text = res.headers.get("content-length");
  return text && /^\d+$/.test(text) ? Number(text) : undefined;
}

/** True when the server said it serves byte ranges. */
export function acceptsRanges(res: Response): boolean {
  return res.status === 206 || /\bbytes\b/i.test(res.headers.get("accept-ranges") ?? "");
}

/** A server announcing another size than expected is serving another file: stop early. */
function checkAnnouncedSize(ctx: TransferContext, total: number | undefined, res: Response) {
  const want = ctx.expected.size;
  if (want === undefined || total === undefined || total === want) return;
  void res.body?.cancel();
  throw new SizeAnnounced(total, want);
}
