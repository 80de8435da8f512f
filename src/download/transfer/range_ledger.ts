/**
 * The book of a multi-connection part: which ranges are written, how many bytes are present,
 * and the checkpoints that make them durable — a data fsync, then the sidecar listing exactly
 * what that fsync covers — every {@link CHECKPOINT_BYTES} per connection or
 * {@link CHECKPOINT_INTERVAL_MS}, whichever comes first.
 *
 * @example
 * ```ts
 * const ledger = await RangeLedger.open(ctx, { total, done, serverEtag: () => etag }, onFail);
 * ledger.mark({ start, end }, connection); // after the bytes are written
 * await ledger.close();
 * ```
 * @module
 */
import { writePartState } from "../part/part_state.ts";
import { addRange, type ByteRange, contiguousEnd, coveredBytes } from "./range_plan.ts";
import type { TransferContext } from "./transfer.ts";

/**
 * Most bytes one connection writes before a checkpoint (data fsync + sidecar) records them:
 * a SIGKILL loses at most this much per connection.
 */
const CHECKPOINT_BYTES = 8 * 1024 * 1024;
/** Written bytes are recorded at least this often, however slow the connections. */
const CHECKPOINT_INTERVAL_MS = 1000;

/** What a ledger starts from. */
interface LedgerStart {
  total: number;
  /** Ranges already fsynced in the part (from the sidecar). */
  done: readonly ByteRange[];
  /** The server's ETag as known when a checkpoint is written. */
  serverEtag: () => string | undefined;
}

/** Written ranges of a preallocated part and their checkpoints. */
export class RangeLedger {
  readonly #ctx: TransferContext;
  readonly #start: LedgerStart;
  readonly #sync: Deno.FsFile;
  readonly #onFailure: (err: unknown) => void;
  /** Bytes each connection wrote since the last checkpoint began. */
  readonly #unrecorded = new Map<number, number>();
  #written: ByteRange[];
  #present: number;
  #checkpointing: Promise<void> | undefined;
  #ticker: ReturnType<typeof setInterval> | undefined;
  #waiters: (() => void)[] = [];

  private constructor(
    ctx: TransferContext,
    start: LedgerStart,
    sync: Deno.FsFile,
    onFailure: (err: unknown) => void,
  ) {
    this.#ctx = ctx;
    this.#start = start;
    this.#sync = sync;
    this.#onFailure = onFailure;
    this.#written = start.done.map((r) => ({ ...r }));
    this.#present = coveredBytes(this.#written);
  }

  /**
   * Records the starting state, opens the part (preallocated to `total`) and starts the
   * timed checkpoints; a failed checkpoint goes to `onFailure`.
   */
  static async open(
    ctx: TransferContext,
    start: LedgerStart,
    onFailure: (err: unknown) => void,
  ): Promise<RangeLedger> {
    const sync = await Deno.open(ctx.partPath, { write: true, create: true });
    const ledger = new RangeLedger(ctx, start, sync, onFailure);
    try {
      await ledger.#record(ledger.#written);
      if ((await sync.stat()).size !== start.total) await sync.truncate(start.total);
    } catch (err) {
      sync.close();
      throw err;
    }
    ledger.#ticker = setInterval(() => ledger.#startCheckpoint(), CHECKPOINT_INTERVAL_MS);
    return ledger;
  }

  /** Bytes of the file written so far (the sidecar may claim fewer until the next checkpoint). */
  get present(): number {
    return this.#present;
  }

  /** The written ranges. */
  get written(): readonly ByteRange[] {
    return this.#written;
  }

  /** End of the written prefix from byte 0. */
  contiguousEnd(): number {
    return contiguousEnd(this.#written);
  }

  /** Resolves at the next change (a range written, or {@link wakeAll}). */
  changed(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Wakes whoever waits on {@link changed}. */
  wakeAll(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Records `range` as written by `connection`; a checkpoint starts when it wrote enough. */
  mark(range: ByteRange, connection: number): void {
    const length = range.end - range.start;
    this.#written = addRange(this.#written, range);
    this.#present += length;
    const unrecorded = (this.#unrecorded.get(connection) ?? 0) + length;
    this.#unrecorded.set(connection, unrecorded);
    this.wakeAll();
    if (unrecorded >= CHECKPOINT_BYTES) this.#startCheckpoint();
  }

  /** Stops the timed checkpoints and waits for one in flight (none may race a final one). */
  async quiesce(): Promise<void> {
    clearInterval(this.#ticker);
    await this.#checkpointing;
  }

  /** A checkpoint now: data fsync, then the sidecar of what it covers. */
  async checkpoint(): Promise<void> {
    const snapshot = this.#written; // the sidecar may only claim what the fsync below covers
    await this.#sync.syncData();
    await this.#record(snapshot);
  }

  /** Data fsync of the part. */
  async syncData(): Promise<void> {
    await this.#sync.syncData();
  }

  /** Stops the timer and closes the handle. */
  close(): void {
    clearInterval(this.#ticker);
    this.#sync.close();
  }

  #startCheckpoint(): void {
    if (this.#checkpointing || ![...this.#unrecorded.values()].some((n) => n > 0)) return;
    this.#unrecorded.clear();
    this.#checkpointing = this.checkpoint().catch(this.#onFailure)
      .finally(() => this.#checkpointing = undefined);
  }

  #record(done: readonly ByteRange[]): Promise<void> {
    return writePartState(this.#ctx.partPath, {
      version: 1,
      identity: this.#ctx.expected,
      serverEtag: this.#start.serverEtag(),
      total: this.#start.total,
      layout: "ranges",
      done: done.map((r): [number, number] => [r.start, r.end]),
    });
  }
}
