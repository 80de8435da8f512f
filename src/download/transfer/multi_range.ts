/**
 * The multi-connection transfer: the part is preallocated to the full size and cut into
 * pieces handed out in file order to N connections, each writing at its offsets through its own
 * file handle. A hasher follows the contiguous written prefix, reading it back from the page
 * cache, so the SHA-256 is ready soon after the last byte. Written ranges are checkpointed
 * (data fsync, then the sidecar) so a restart resumes only the missing ranges.
 *
 * @example
 * ```ts
 * const outcome = await transferRanges(ctx, { total, done: [], serverEtag });
 * ```
 * @module
 */
import { BodyReader, filledBeforeError, type FillResult } from "./body_reader.ts";
import { FileDigest } from "../verify/checksum.ts";
import { PositionedFile } from "../part/part_file.ts";
import { writePartState } from "../part/part_state.ts";
import {
  addRange,
  type ByteRange,
  connectionCount,
  contiguousEnd,
  coveredBytes,
  missingRanges,
  parseContentRange,
  pieceSize,
  splitIntoPieces,
} from "./range_plan.ts";
import { isStrongEtag, normalizeEtag } from "../net/remote_file.ts";
import type { TransferOutcome } from "./single_stream.ts";
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

/** Buffer memory shared by all connections of one download. */
export const MULTI_BUFFER_BUDGET = 2 * 1024 * 1024;
/** Socket read size per connection (the single stream reads up to 256 KiB at a time). */
export const MULTI_SCRATCH_SIZE = 128 * 1024;
/** Read-back size of the in-order hasher. */
export const HASH_READ_SIZE = 1024 * 1024;
/**
 * Most bytes one connection writes before a checkpoint (data fsync + sidecar) records them:
 * a SIGKILL loses at most this much per connection.
 */
export const CHECKPOINT_BYTES = 8 * 1024 * 1024;
/** Written bytes are recorded at least this often, however slow the connections. */
export const CHECKPOINT_INTERVAL_MS = 1000;

/** Where a multi-connection transfer starts. */
export interface RangesStart {
  total: number;
  /** Ranges already fsynced in the part (from the sidecar). */
  done: ByteRange[];
  serverEtag?: string;
}

/** Downloads the missing ranges of a preallocated part over several connections. */
export async function transferRanges(
  ctx: TransferContext,
  start: RangesStart,
): Promise<TransferOutcome> {
  const { total } = start;
  let serverEtag = start.serverEtag;
  let written = start.done.map((r) => ({ ...r }));
  const connections = connectionCount(total, ctx.connections, ctx.minSplitSize);
  const queue = splitIntoPieces(missingRanges(total, written), pieceSize(total, connections));
  const workers = Math.max(1, Math.min(connections, queue.length));
  const bufferSize = Math.min(
    pieceSize(total, connections),
    Math.max(
      256 * 1024,
      Math.min(4 * 1024 * 1024, Math.floor(MULTI_BUFFER_BUDGET / workers / 65536) * 65536),
    ),
  );
  const halt = new AbortController();
  const stop = AbortSignal.any([ctx.signal, halt.signal]);
  let failure: unknown;
  const fail = (err: unknown) => {
    failure ??= err;
    halt.abort();
    wake();
  };

  let present = coveredBytes(written);
  let inHand = 0;
  // Bytes each connection wrote since the last checkpoint began.
  const unrecorded = new Array<number>(workers).fill(0);
  let checkpointing: Promise<void> | undefined;
  let waiter: (() => void) | undefined;
  const wake = () => {
    waiter?.();
    waiter = undefined;
  };

  const record = (done: readonly ByteRange[]) =>
    writePartState(ctx.partPath, {
      version: 1,
      identity: ctx.expected,
      serverEtag,
      total,
      layout: "ranges",
      done: done.map((r): [number, number] => [r.start, r.end]),
    });
  await record(written);
  const syncHandle = await Deno.open(ctx.partPath, { write: true, create: true });
  const checkpoint = async () => {
    const snapshot = written; // the sidecar may only claim what the fsync below covers
    await syncHandle.syncData();
    await record(snapshot);
  };
  // HTTP/1.1 only: over HTTP/2 the "connections" would be streams of one TCP connection,
  // sharing its window, which is what splitting a download is meant to get around.
  const client = Deno.createHttpClient({ http2: false });

  const startCheckpoint = () => {
    if (checkpointing || !unrecorded.some((n) => n > 0)) return;
    unrecorded.fill(0);
    checkpointing = checkpoint().catch(fail).finally(() => checkpointing = undefined);
  };
  const ticker = setInterval(startCheckpoint, CHECKPOINT_INTERVAL_MS);

  try {
    if ((await syncHandle.stat()).size !== total) await syncHandle.truncate(total);

    const markWritten = (range: ByteRange, connection: number) => {
      written = addRange(written, range);
      present += range.end - range.start;
      unrecorded[connection] += range.end - range.start;
      wake();
      if (unrecorded[connection] >= CHECKPOINT_BYTES) startCheckpoint();
    };

    const runPiece = async (
      connection: number,
      piece: ByteRange,
      file: PositionedFile,
      buffer: Uint8Array,
      scratch: { buffer?: ArrayBuffer },
    ) => {
      let at = piece.start;
      await withRetries(ctx, () => present, async () => {
        const watch = ctx.watchdog.watch(stop);
        let held = 0;
        let reader: BodyReader | undefined;
        let finished = false;
        try {
          let got;
          try {
            got = await ctx.remote.get({ start: at, end: piece.end }, watch.signal, client);
          } catch (err) {
            throw networkFailure(ctx, err, watch);
          }
          const res = got.response;
          await triageStatus(ctx, res, got.url);
          if (res.status !== 206) {
            await res.body?.cancel();
            ctx.forceSingle = true;
            throw new RestartFromZero(`the server ignored a Range request for ${ctx.name}`);
          }
          const range = parseContentRange(res.headers.get("content-range"));
          const etag = res.headers.get("etag");
          const changed = isStrongEtag(etag) && serverEtag !== undefined &&
            normalizeEtag(etag) !== serverEtag && !ctx.pinned;
          if (range && !("unsatisfied" in range) && range.total !== undefined) {
            const want = ctx.expected.size;
            if (want !== undefined && range.total !== want) {
              await res.body?.cancel();
              throw new SizeAnnounced(range.total, want);
            }
          }
          if (
            changed || !range || "unsatisfied" in range || range.start !== at ||
            range.end !== piece.end || (range.total !== undefined && range.total !== total)
          ) {
            await res.body?.cancel();
            throw new RestartFromZero(`${ctx.name} changed on the server during the download`);
          }
          if (isStrongEtag(etag)) serverEtag ??= normalizeEtag(etag);
          if (!res.body) throw new TransientFailure("network_error", "response without a body");
          reader = new BodyReader(res.body, {
            onChunk: ({ length: n }) => {
              watch.touch(ctx.watchdog.now());
              ctx.bytesTransferred += n;
              held += n;
              inHand += n;
              ctx.progress(present + inHand, total);
            },
            pace: pacer(ctx, watch, stop),
            scratch: scratch.buffer,
          });
          while (at < piece.end) {
            const target = buffer.subarray(0, Math.min(buffer.length, piece.end - at));
            let filled: FillResult;
            let failure: unknown;
            try {
              filled = await reader.fill(target, () => watch.stopping);
            } catch (err) {
              failure = err; // the bytes gathered before the failure are still good
              filled = { filled: filledBeforeError(err), done: false };
            }
            if (filled.filled > 0) {
              await file.writeAt(at, target.subarray(0, filled.filled));
              held -= filled.filled;
              inHand -= filled.filled;
              markWritten({ start: at, end: at + filled.filled }, connection);
              at += filled.filled;
            }
            if (failure !== undefined) throw networkFailure(ctx, failure, watch);
            if (filled.stopped) return;
            if (filled.done && at < piece.end) {
              throw new TransientFailure(
                "network_error",
                `connection closed at byte ${at}, inside the range ending at ${piece.end}`,
              );
            }
          }
          // A 206 body longer than its range: nothing past the range was written; stop here.
          if (await bodyGoesOn(reader, () => watch.stopping)) {
            throw overlongBody(ctx, total, piece);
          }
          finished = true;
        } finally {
          inHand -= held;
          if (!finished) await reader?.cancel();
          scratch.buffer = reader?.scratch;
          watch.end();
        }
      }, stop);
    };

    const worker = async (connection: number) => {
      const file = new PositionedFile(await Deno.open(ctx.partPath, { write: true }));
      const buffer = new Uint8Array(bufferSize);
      const scratch = { buffer: new ArrayBuffer(MULTI_SCRATCH_SIZE) as ArrayBuffer | undefined };
      try {
        for (let piece = queue.shift(); piece && !stop.aborted; piece = queue.shift()) {
          await runPiece(connection, piece, file, buffer, scratch);
        }
      } finally {
        file.close();
      }
    };

    const hasher = async () => {
      const digest = new FileDigest({ gitBlobSize: ctx.wantGitSha1 ? total : undefined });
      const file = new PositionedFile(await Deno.open(ctx.partPath, { read: true }));
      const buffer = new Uint8Array(Math.min(HASH_READ_SIZE, Math.max(1, total)));
      try {
        while (digest.bytes < total) {
          if (stop.aborted) return undefined;
          const end = contiguousEnd(written);
          if (end <= digest.bytes) {
            await new Promise<void>((resolve) => waiter = resolve);
            continue;
          }
          const view = buffer.subarray(0, Math.min(buffer.length, end - digest.bytes));
          await file.readAt(digest.bytes, view);
          digest.update(view);
        }
        return digest.digest();
      } finally {
        file.close();
      }
    };

    ctx.progress(present, total);
    const hashing = hasher().catch((err) => {
      fail(err);
      return undefined;
    });
    await Promise.all(Array.from({ length: workers }, (_, i) => worker(i).catch(fail)));
    clearInterval(ticker); // no timed checkpoint may race the final one below
    wake();
    const digests = await hashing;
    await checkpointing;
    if (failure === undefined && !ctx.signal.aborted && digests) {
      await syncHandle.syncData();
      return { size: total, digests, serverEtag };
    }
    if (failure instanceof RestartFromZero) throw failure;
    await checkpoint().catch(() => {}); // keep every byte that made it, for the next resume
    if (ctx.signal.aborted) throw interrupted(ctx, coveredBytes(written), total);
    throw failure;
  } finally {
    clearInterval(ticker);
    halt.abort();
    syncHandle.close();
    client.close();
  }
}
