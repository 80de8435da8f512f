/**
 * The single-connection transfer: one body streamed onto the end of the part, resumed with
 * `Range: bytes=<part size>-` after any failure. Chunks are gathered into a ring of large
 * buffers; while some are being written (off the main thread) and hashed (on a hash thread of
 * its own when much is left to download) the next fills, so hashing, writing and receiving
 * overlap and the number of awaits per MiB stays small.
 *
 * @example
 * ```ts
 * const outcome = await streamSingle(ctx, { offset: partSize, total: expected.size });
 * ```
 * @module
 */
import { type AppendingPart, pumpBody } from "./append_pump.ts";
import { StreamDigest } from "./stream_digest.ts";
import { acceptsRanges, checkAnnouncedSize, contentLength } from "./response_facts.ts";
import { STREAM_BUFFERS, streamBufferSize, WriteRing } from "./write_ring.ts";
import { ThreadDigest } from "../verify/hash_thread.ts";
import type { ConnectionWatch } from "./connection_watch.ts";
import { BackgroundFlush } from "./background_flush.ts";
import { writeFully } from "../part/part_file.ts";
import { writePartState } from "../part/part_state.ts";
import { connectionCount, parseContentRange } from "./range_plan.ts";
import { isStrongEtag, normalizeEtag } from "../net/remote_file.ts";
import { osWriteError } from "../../errors.ts";
import {
  interrupted,
  networkFailure,
  RestartFromZero,
  type TransferContext,
  type TransferOutcome,
  TransientFailure,
  triageStatus,
  withRetries,
} from "./transfer.ts";

/** Where a single-connection transfer starts. */
interface SingleStart {
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
  const file = await Deno.open(ctx.partPath, { write: true, create: true });
  try {
    return await new SingleStream(ctx, start, file).run();
  } finally {
    file.close();
  }
}

/** One single-connection transfer: the part's state across the attempts of one call. */
class SingleStream {
  readonly #ctx: TransferContext;
  readonly #file: Deno.FsFile;
  readonly #flusher: BackgroundFlush;
  /** Valid bytes in the part (written and landed). */
  #offset: number;
  #total: number | undefined;
  #serverEtag: string | undefined;
  /** `serverEtag|total` of the sidecar last written. */
  #recorded: string | undefined;
  /** The hash of the part's bytes so far (of `#offset` bytes once a body streams). */
  readonly #digest: StreamDigest;
  #switchTo: SwitchToRanges | undefined;
  #ring: WriteRing | undefined;
  /** What the body pump sees of this part. */
  readonly #view: AppendingPart = {
    offset: () => this.#offset,
    total: () => this.#total,
    ring: () => this.#ringFor(this.#offset),
  };

  constructor(ctx: TransferContext, start: SingleStart, file: Deno.FsFile) {
    this.#ctx = ctx;
    this.#file = file;
    this.#flusher = new BackgroundFlush(ctx.partPath);
    this.#digest = new StreamDigest(ctx.partPath, ctx.signal);
    this.#offset = start.offset;
    this.#total = start.total;
    this.#serverEtag = start.serverEtag;
  }

  /** Runs attempts until the file is complete; fsyncs what landed in any case. */
  async run(): Promise<TransferOutcome | SwitchToRanges> {
    try {
      return await this.#run();
    } finally {
      this.#digest.close();
    }
  }

  async #run(): Promise<TransferOutcome | SwitchToRanges> {
    const ctx = this.#ctx;
    // Sure to stay on one connection: the hash thread starts while the request goes out.
    const known = this.#total ?? ctx.expected.size;
    if (
      this.#offset > 0 || ctx.forceSingle ||
      (known !== undefined && connectionCount(known, ctx.connections, ctx.minSplitSize) <= 1)
    ) this.#digest.prestart(known);
    await this.#file.truncate(this.#offset);
    await this.#file.seek(this.#offset, Deno.SeekMode.Start);
    let syncFailure: unknown = null;
    try {
      await withRetries(ctx, () => this.#offset, () => this.#attempt());
    } catch (err) {
      if (ctx.signal.aborted && !(err instanceof RestartFromZero)) {
        throw interrupted(ctx, this.#offset, this.#total);
      }
      throw err;
    } finally {
      await this.#flusher.close();
      await this.#file.syncData().catch((err) => syncFailure = err);
    }
    // the part is renamed into place next: bytes that may not be on the disk fail the file
    if (syncFailure !== null) throw osWriteError(syncFailure, ctx.partPath) ?? syncFailure;
    if (this.#switchTo) return this.#switchTo;
    const digests = await this.#digest.final(this.#offset, this.#gitBlobSize(this.#total));
    return { size: this.#offset, digests, serverEtag: this.#serverEtag };
  }

  /** One request and its body. */
  async #attempt(): Promise<void> {
    const ctx = this.#ctx;
    // Re-hash a resumed prefix before asking for more, so a long hash cannot look like a
    // stalled connection; only a git SHA-1 of unknown size has to wait for the response.
    if (this.#offset > 0 && (!ctx.wantGitSha1 || this.#total !== undefined)) {
      await this.#hashPrefix(this.#total);
    }
    const watch = ctx.watchdog.watch(ctx.signal);
    try {
      const res = await this.#request(watch);
      if (!(await this.#accept(res))) return;
      await this.#prepare(res);
      if (!res.body) throw new TransientFailure("network_error", "response without a body");
      try {
        await pumpBody(ctx, this.#view, res.body, watch);
      } catch (err) {
        if (!this.#digest.threadFailed()) throw err;
        // the bytes that landed are re-hashed on the main thread by the next attempt
        throw new TransientFailure("network_error", `hashing ${ctx.name} failed: ${err}`);
      }
      if (this.#total !== undefined && this.#offset < this.#total) {
        throw new TransientFailure(
          "network_error",
          `connection closed after ${this.#offset} of ${this.#total} bytes of ${ctx.name}`,
        );
      }
      this.#total ??= this.#offset; // no length announced: the end of the body is the end
    } finally {
      watch.end();
    }
  }

  /** GETs the rest of the file and sorts out transient and final statuses. */
  async #request(watch: ConnectionWatch): Promise<Response> {
    const ctx = this.#ctx;
    let got;
    try {
      // A Range also from byte 0: the hub's CDN refuses a GET without one above 50 GB, and
      // a 206 tells whether ranges work before anything is at stake. Only a server whose
      // ranges proved unreliable (forceSingle) gets a plain GET for a fresh start.
      const offset = this.#offset;
      const range = offset > 0 || !ctx.forceSingle ? { start: offset } : undefined;
      got = await ctx.remote.get(range, watch.signal);
    } catch (err) {
      throw networkFailure(ctx, err, watch);
    }
    await triageStatus(ctx, got.response, got.url);
    return got.response;
  }

  /**
   * Checks the answer against the part (range, size, ETag). False when there is nothing to
   * stream: the part is already complete, or the download switches to ranges.
   */
  async #accept(res: Response): Promise<boolean> {
    const ctx = this.#ctx;
    if (res.status === 416) {
      await this.#alreadyComplete(res);
      return false;
    }
    if (res.status === 206) {
      const range = parseContentRange(res.headers.get("content-range"));
      if (!range || "unsatisfied" in range || range.start !== this.#offset) {
        await res.body?.cancel();
        ctx.forceSingle = true;
        throw new RestartFromZero(
          `the server answered a different range than bytes=${this.#offset}-`,
        );
      }
      this.#total = range.total ?? this.#total;
    } else {
      if (this.#offset > 0) await this.#restartInPlace(); // 200 to a Range request: full body
      const length = contentLength(res);
      if (length !== undefined) this.#total = length;
    }
    await this.#checkEtag(res);
    checkAnnouncedSize(ctx, this.#total, res);
    const total = this.#total;
    if (
      this.#offset === 0 && total !== undefined && !ctx.forceSingle && acceptsRanges(res) &&
      connectionCount(total, ctx.connections, ctx.minSplitSize) > 1
    ) {
      await res.body?.cancel();
      this.#switchTo = new SwitchToRanges(total, this.#serverEtag);
      return false;
    }
    return true;
  }

  /** A 416: fine when the part already holds the whole file (or the file is empty). */
  async #alreadyComplete(res: Response): Promise<void> {
    await res.body?.cancel();
    const range = parseContentRange(res.headers.get("content-range"));
    if (range && "unsatisfied" in range && range.total === this.#offset) {
      this.#total = this.#offset;
      await this.#hashPrefix(this.#offset);
      return;
    }
    throw new RestartFromZero(
      `the server cannot serve ${this.#ctx.name} from byte ${this.#offset}`,
    );
  }

  /** A strong ETag other than the part's means other content (unless the content is pinned). */
  async #checkEtag(res: Response): Promise<void> {
    const etag = res.headers.get("etag");
    if (!isStrongEtag(etag)) return;
    const now = normalizeEtag(etag);
    const was = this.#serverEtag;
    if (was !== undefined && now !== was && this.#offset > 0 && !this.#ctx.pinned) {
      await res.body?.cancel();
      throw new RestartFromZero(
        `${this.#ctx.name} changed on the server (ETag "${now}", the part had "${was}")`,
      );
    }
    this.#serverEtag = now;
  }

  /** Records the sidecar and readies the digest before the body is read. */
  async #prepare(res: Response): Promise<void> {
    const stateKey = `${this.#serverEtag}|${this.#total}`;
    try {
      if (this.#recorded !== stateKey) {
        await writePartState(this.#ctx.partPath, {
          version: 1,
          identity: this.#ctx.expected,
          serverEtag: this.#serverEtag,
          total: this.#total,
          layout: "append",
        });
        this.#recorded = stateKey;
      }
      await this.#hashPrefix(this.#total);
    } catch (err) {
      // e.g. ENOSPC writing the sidecar: the body was never read, so close the connection
      // now rather than leave it open (and the server streaming) until a timeout
      await res.body?.cancel().catch(() => {});
      throw err;
    }
  }

  /**
   * The ring, sized to what is left when that is known ({@link streamBufferSize}), kept across
   * attempts; its writes append at the end of the part, and each buffer is hashed before its
   * write here, or read back by the hash thread once written.
   */
  #ringFor(offset: number): WriteRing {
    const size = streamBufferSize(this.#total === undefined ? undefined : this.#total - offset);
    if (!this.#ring || this.#ring.size < size) this.#ring = new WriteRing(STREAM_BUFFERS, size);
    const digest = this.#digest.current;
    const thread = digest instanceof ThreadDigest ? digest : undefined;
    this.#ring.begin(async (view) => {
      await writeFully(this.#file, view);
      this.#offset += view.length;
      this.#flusher.written(this.#offset);
      // the hash thread reads what just landed back from the page cache; `final` waits for it
      thread?.hashFile(this.#ctx.partPath, this.#offset);
    }, thread ? undefined : (view) => digest.update(view));
    return this.#ring;
  }

  /** A 200 answered a Range request: the part starts over from its first byte. */
  async #restartInPlace(): Promise<void> {
    await this.#file.truncate(0);
    await this.#file.seek(0, Deno.SeekMode.Start);
    this.#offset = 0;
    this.#digest.reset();
    this.#ctx.restarted = true;
  }

  /** Makes the digest cover the part's bytes (re-hashing the prefix when it does not yet). */
  #hashPrefix(total: number | undefined): Promise<void> {
    return this.#digest.cover(this.#offset, total, this.#gitBlobSize(total));
  }

  /** The size the git blob SHA-1 starts with, when that hash is wanted. */
  #gitBlobSize(total: number | undefined): number | undefined {
    return this.#ctx.wantGitSha1 ? total : undefined;
  }
}
