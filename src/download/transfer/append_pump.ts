/**
 * The body pump of the single stream: a response body read into the part's ring of large
 * buffers, each hashed as it fills and written in order behind it; an overlong body stops at
 * its first extra byte, a failed read keeps the bytes before it.
 *
 * @example
 * ```ts
 * await pumpBody(ctx, part, res.body, watch); // part.offset() has grown by the body's length
 * ```
 * @module
 */
import { BodyReader, fillCatching } from "./body_reader.ts";
import type { ConnectionWatch } from "./connection_watch.ts";
import type { WriteRing } from "./write_ring.ts";
import {
  bodyGoesOn,
  interrupted,
  networkFailure,
  overlongBody,
  pacer,
  type TransferContext,
} from "./transfer.ts";

/** What the pump needs of the part it appends to. */
export interface AppendingPart {
  /** Bytes landed in the part. */
  offset(): number;
  /** The file's size when known. */
  total(): number | undefined;
  /** The ring of buffers, ready for a new body (its writes append to the part). */
  ring(): WriteRing;
}

/** Streams `body` onto the end of `part` through its ring of buffers, hashing as it goes. */
export async function pumpBody(
  ctx: TransferContext,
  part: AppendingPart,
  body: ReadableStream<Uint8Array>,
  watch: ConnectionWatch,
): Promise<void> {
  // Never past the known size: an overlong (or endless) body stops at its first extra byte.
  const limit = ctx.expected.size ?? part.total() ?? Infinity;
  let received = part.offset();
  const reader = progressReader(ctx, part, body, watch);
  const ring = part.ring();
  const stop = () => watch.stopping;
  let finished = false;
  try {
    for (;;) {
      const room = Math.max(0, Math.min(ring.size, limit - received));
      if (room === 0) {
        await ring.settle();
        if (await bodyGoesOn(reader, stop)) throw overlongBody(ctx, limit);
        finished = true;
        break;
      }
      const target = ring.current.subarray(0, room);
      const got = await fillCatching(reader, target, stop);
      if (got.moved) ring.adopt(got.moved);
      received += got.filled;
      if (got.filled > 0) {
        const view = (got.moved ?? target).subarray(0, got.filled);
        await ring.push(view); // hashed and written in order by the ring
      }
      if (got.failure !== undefined || got.stopped) {
        await ring.settle();
        if (got.stopped) throw interrupted(ctx, part.offset(), part.total());
        throw networkFailure(ctx, got.failure, watch);
      }
      if (got.done) {
        finished = true;
        break;
      }
    }
    await ring.settle();
  } finally {
    if (!finished) await reader.cancel();
  }
}

/** A reader of `body` that reports progress and activity and keeps to the bandwidth limit. */
function progressReader(
  ctx: TransferContext,
  part: AppendingPart,
  body: ReadableStream<Uint8Array>,
  watch: ConnectionWatch,
): BodyReader {
  let seen = part.offset();
  ctx.progress(seen, part.total());
  return new BodyReader(body, {
    onChunk: (chunk) => {
      watch.touch(ctx.watchdog.now());
      ctx.bytesTransferred += chunk.length;
      seen += chunk.length;
      ctx.progress(seen, part.total());
    },
    pace: pacer(ctx, watch, ctx.signal),
    direct: true,
  });
}
