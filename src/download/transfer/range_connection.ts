/**
 * One connection of a multi-connection download: it takes pieces from the queue and, for
 * each, asks for `bytes=at-end`, checks the 206 against the part (range, size, ETag), and
 * writes the body at its offsets through its own file handle, retrying from where it was cut.
 *
 * @example
 * ```ts
 * await new RangeConnection(shared, 0, bufferSize).run(queue);
 * ```
 * @module
 */
import { BodyReader, fillCatching } from "./body_reader.ts";
import type { ConnectionWatch } from "./connection_watch.ts";
import { PositionedFile } from "../part/part_file.ts";
import type { Piece, PieceQueue } from "./piece_queue.ts";
import type { RangeLedger } from "./range_ledger.ts";
import { parseContentRange } from "./range_plan.ts";
import { isStrongEtag, normalizeEtag } from "../net/remote_file.ts";
import {
  bodyGoesOn,
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

/** Socket read size per connection (the single stream reads up to 256 KiB at a time). */
const MULTI_SCRATCH_SIZE = 128 * 1024;

/** What the connections of one download share. */
export interface RangeShared {
  ctx: TransferContext;
  total: number;
  ledger: RangeLedger;
  /** Ends every connection: the caller's abort or the first failure. */
  stop: AbortSignal;
  /** HTTP/1.1 client: each connection its own TCP connection. */
  client: Deno.HttpClient;
  /** The server's ETag, learned from the first response that had a strong one. */
  serverEtag: string | undefined;
  /** Bytes received but not yet written, over all connections (for progress). */
  inHand: number;
  /** False once connection `id` is no longer wanted (it finishes its piece, then stops). */
  wanted: (id: number) => boolean;
  /** Connections that have received their first bytes (the ramp measures them from then). */
  underWay: number;
}

/** One connection's loop over pieces. */
export class RangeConnection {
  readonly #shared: RangeShared;
  readonly #id: number;
  readonly #buffer: Uint8Array;
  #scratch: ArrayBuffer | undefined = new ArrayBuffer(MULTI_SCRATCH_SIZE);
  #file: PositionedFile | undefined;
  #underWay = false;

  /** True once this connection has received its first bytes. */
  get underWay(): boolean {
    return this.#underWay;
  }

  /** Connection `id` of the download, filling `bufferSize` bytes between writes. */
  constructor(shared: RangeShared, id: number, bufferSize: number) {
    this.#shared = shared;
    this.#id = id;
    this.#buffer = new Uint8Array(bufferSize);
  }

  /**
   * Takes pieces (and, at the end, stolen tails) until none is left, the download stops, or
   * this connection is no longer wanted (the count dropped back).
   */
  async run(queue: PieceQueue): Promise<void> {
    const { ctx, stop } = this.#shared;
    this.#file = new PositionedFile(await Deno.open(ctx.partPath, { write: true }));
    let rate: number | undefined;
    try {
      while (!stop.aborted && this.#shared.wanted(this.#id)) {
        const piece = queue.take(rate);
        if (!piece) break;
        try {
          await this.#runPiece(piece);
        } finally {
          rate = queue.done(piece) ?? rate;
        }
      }
    } finally {
      this.#file.close();
    }
  }

  /** Fetches one piece, retrying transient failures from where the last try stopped. */
  async #runPiece(piece: Piece): Promise<void> {
    const { ctx, ledger, stop } = this.#shared;
    await withRetries(ctx, () => ledger.present, async () => {
      const watch = ctx.watchdog.watch(stop);
      piece.received = piece.at; // whatever was held unwritten is gone with the last try
      try {
        const end = piece.end; // what is asked for; a steal may shorten the piece meanwhile
        const res = await this.#request(piece, end, watch);
        await this.#receive(res, piece, end, watch);
      } finally {
        watch.end();
      }
    }, stop);
  }

  /** GETs `[at, end)` and checks the answer is that range of the same file. */
  async #request(piece: Piece, end: number, watch: ConnectionWatch): Promise<Response> {
    const shared = this.#shared;
    const { ctx, total } = shared;
    let got;
    try {
      got = await ctx.remote.get({ start: piece.at, end }, watch.signal, shared.client);
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
    const changed = isStrongEtag(etag) && shared.serverEtag !== undefined &&
      normalizeEtag(etag) !== shared.serverEtag && !ctx.pinned;
    if (range && !("unsatisfied" in range) && range.total !== undefined) {
      const want = ctx.expected.size;
      if (want !== undefined && range.total !== want) {
        await res.body?.cancel();
        throw new SizeAnnounced(range.total, want);
      }
    }
    if (
      changed || !range || "unsatisfied" in range || range.start !== piece.at ||
      range.end !== end || (range.total !== undefined && range.total !== total)
    ) {
      await res.body?.cancel();
      throw new RestartFromZero(`${ctx.name} changed on the server during the download`);
    }
    if (isStrongEtag(etag)) shared.serverEtag ??= normalizeEtag(etag);
    if (!res.body) throw new TransientFailure("network_error", "response without a body");
    return res;
  }

  /**
   * Writes the body of `res` (asked up to `end`) at the piece's offsets, marking each write in
   * the ledger. A piece whose tail was stolen stops at its new end and hangs up.
   */
  async #receive(res: Response, piece: Piece, end: number, watch: ConnectionWatch): Promise<void> {
    const shared = this.#shared;
    const { ctx, total } = shared;
    let held = 0;
    let finished = false;
    const reader = new BodyReader(res.body!, {
      onChunk: ({ length: n }) => {
        if (!this.#underWay) {
          this.#underWay = true;
          shared.underWay++;
        }
        watch.touch(ctx.watchdog.now());
        ctx.bytesTransferred += n;
        held += n;
        piece.received += n;
        shared.inHand += n;
        ctx.progress(shared.ledger.present + shared.inHand, total);
      },
      pace: pacer(ctx, watch, shared.stop),
      scratch: this.#scratch,
    });
    try {
      while (piece.at < piece.end) {
        const target = this.#buffer.subarray(
          0,
          Math.min(this.#buffer.length, piece.end - piece.at),
        );
        const fillEnd = piece.at + target.length;
        const got = await fillCatching(reader, target, () => watch.stopping || piece.end < fillEnd);
        // never past the end: bytes beyond a stolen tail's start are the thief's to write
        const usable = Math.min(got.filled, piece.end - piece.at);
        if (usable > 0) {
          await this.#file!.writeAt(piece.at, target.subarray(0, usable));
          shared.ledger.mark({ start: piece.at, end: piece.at + usable }, this.#id);
          piece.at += usable;
        }
        held -= got.filled;
        shared.inHand -= got.filled;
        piece.received = piece.at;
        if (got.failure !== undefined) throw networkFailure(ctx, got.failure, watch);
        if (got.stopped && watch.stopping) return;
        if (got.done && piece.at < piece.end) {
          throw new TransientFailure(
            "network_error",
            `connection closed at byte ${piece.at}, inside the range ending at ${piece.end}`,
          );
        }
      }
      if (piece.end < end) return; // the tail is someone else's now: hang up (finally)
      // A 206 body longer than its range: nothing past the range was written; stop here.
      if (await bodyGoesOn(reader, () => watch.stopping)) throw overlongBody(ctx, total, piece);
      finished = true;
    } finally {
      shared.inHand -= held;
      if (!finished) await reader.cancel();
      this.#scratch = reader.scratch;
    }
  }
}
