/**
 * The multi-connection transfer: the part is preallocated to the full size and cut into
 * pieces handed out in file order (piece_queue.ts) to connections that each write at their
 * offsets through their own file handle (range_connection.ts). The count adapts
 * (connection_controller.ts): 4 at first (8 for a big file), more while the total rate still
 * rises, up to the limit; at the end a free connection steals the tail of the slowest range.
 * A hasher follows the contiguous written prefix, reading it back from the page cache, so the
 * SHA-256 is ready soon after the last byte (range_hasher.ts). Written ranges are checkpointed (data fsync, then
 * the sidecar) so a restart resumes only the missing ranges, stolen or not (range_ledger.ts).
 *
 * @example
 * ```ts
 * const outcome = await transferRanges(ctx, { total, done: [], serverEtag });
 * ```
 * @module
 */
import { ConnectionController } from "./connection_controller.ts";
import { PieceQueue } from "./piece_queue.ts";
import { RangeConnection, type RangeShared } from "./range_connection.ts";
import { hashInOrder } from "./range_hasher.ts";
import { RangeLedger } from "./range_ledger.ts";
import {
  type ByteRange,
  connectionCount,
  coveredBytes,
  missingRanges,
  pieceSize,
  splitIntoPieces,
} from "./range_plan.ts";
import {
  interrupted,
  RestartFromZero,
  type TransferContext,
  type TransferOutcome,
} from "./transfer.ts";

/** How often the connection count looks at the rate. */
const SAMPLE_MS = 50;

/** Buffer memory shared by all connections of one download. */
const MULTI_BUFFER_BUDGET = 2 * 1024 * 1024;

/** Where a multi-connection transfer starts. */
interface RangesStart {
  total: number;
  /** Ranges already fsynced in the part (from the sidecar). */
  done: ByteRange[];
  serverEtag?: string;
}

/** Files at least this big start with {@link BIG_FILE_CONNECTIONS} connections. */
const BIG_FILE_BYTES = 256 * 1024 * 1024;
/**
 * Connections a big file starts with: on a CDN capping each connection, every connection
 * missing while the ramp measures costs its share of the rate for the whole of a window.
 */
const BIG_FILE_CONNECTIONS = 8;

/** Connections a split download of `total` bytes starts with (the controller's default below). */
function initialConnections(total: number): number | undefined {
  return total >= BIG_FILE_BYTES ? BIG_FILE_CONNECTIONS : undefined;
}

/** Downloads the missing ranges of a preallocated part over several connections. */
export async function transferRanges(
  ctx: TransferContext,
  start: RangesStart,
): Promise<TransferOutcome> {
  const { total } = start;
  const connections = connectionCount(total, ctx.connections, ctx.minSplitSize);
  const size = pieceSize(total, connections);
  const queue = new PieceQueue(splitIntoPieces(missingRanges(total, start.done), size));
  const control = new ConnectionController({
    max: Math.max(1, Math.min(connections, queue.length)),
    initial: initialConnections(total),
  });
  const halt = new AbortController();
  let failure: unknown;
  let shared: RangeShared | undefined = undefined; // set once the ledger is open
  const fail = (err: unknown) => {
    failure ??= err;
    halt.abort();
    shared?.ledger.wakeAll();
  };
  const etag = () => shared?.serverEtag ?? start.serverEtag;
  const ledger = await RangeLedger.open(ctx, { ...start, serverEtag: etag }, fail);
  shared = {
    ctx,
    total,
    ledger,
    stop: AbortSignal.any([ctx.signal, halt.signal]),
    // HTTP/1.1 only: over HTTP/2 the "connections" would be streams of one TCP connection,
    // sharing its window, which is what splitting a download is meant to get around.
    client: Deno.createHttpClient({ http2: false }),
    serverEtag: start.serverEtag,
    inHand: 0,
    underWay: 0,
    wanted: (id) => id < control.target,
  };
  try {
    ctx.progress(ledger.present, total);
    const hashing = hashInOrder(ctx, total, ledger, shared.stop).catch((err) => {
      fail(err);
      return undefined;
    });
    await runConnections(shared, queue, control, connectionBuffer(size, control.max), fail);
    await ledger.quiesce(); // no timed checkpoint may race the final one below
    ledger.wakeAll();
    const digests = await hashing;
    if (failure === undefined && !ctx.signal.aborted && digests) {
      await ledger.syncData();
      return { size: total, digests, serverEtag: shared.serverEtag };
    }
    if (failure instanceof RestartFromZero) throw failure;
    await ledger.checkpoint().catch(() => {}); // keep every byte that made it, for the next resume
    if (ctx.signal.aborted) throw interrupted(ctx, coveredBytes(ledger.written), total);
    throw failure;
  } finally {
    halt.abort();
    ledger.close();
    shared.client.close();
  }
}

/**
 * Runs the connections: `control.target` at first, more as its rate samples ask, until every
 * one has finished (those opened late included).
 */
async function runConnections(
  shared: RangeShared,
  queue: PieceQueue,
  control: ConnectionController,
  bufferSize: number,
  fail: (err: unknown) => void,
): Promise<void> {
  const running: Promise<void>[] = [];
  /** Connections that ended before their first bytes (none to wait for). */
  let endedEarly = 0;
  const open = (count: number) => {
    for (let i = 0; i < count; i++) {
      const connection = new RangeConnection(shared, running.length, bufferSize);
      running.push(
        connection.run(queue).catch(fail).finally(() => {
          if (!connection.underWay) endedEarly++;
        }),
      );
    }
  };
  open(control.target);
  const sampler = setInterval(() => {
    // a step's rate counts once every connection it opened has its first bytes (or is over)
    const ready = shared.underWay + endedEarly >= running.length;
    const decision = control.observe(performance.now(), shared.ctx.bytesTransferred, ready);
    if (decision.add > 0 && !shared.stop.aborted) open(decision.add);
    if (control.settled) clearInterval(sampler);
  }, SAMPLE_MS);
  try {
    for (let waited = 0; waited < running.length;) {
      waited = running.length;
      await Promise.all(running);
    }
  } finally {
    clearInterval(sampler);
  }
}

/** Each connection's write buffer: the budget shared out, 256 KiB to 4 MiB, at most a piece. */
function connectionBuffer(pieceBytes: number, workers: number): number {
  const share = Math.floor(MULTI_BUFFER_BUDGET / workers / 65536) * 65536;
  return Math.min(pieceBytes, Math.max(256 * 1024, Math.min(4 * 1024 * 1024, share)));
}
