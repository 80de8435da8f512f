/**
 * Reads a response body into large caller-owned buffers. A fetch body arrives in chunks of
 * 16-64 KiB; handling each one with its own hash update and file write costs more than the
 * transfer itself, so chunks are gathered into MiB-sized buffers first.
 *
 * Bytes-mode bodies are read with a BYOB reader into a small reused scratch buffer and copied
 * out: a failed read detaches the buffer it was given, and everything gathered in it would be
 * lost with it (a flaky link cutting every few MiB would then never make progress). With
 * `direct`, the first read of each fill, when nothing is gathered yet, lands straight in the
 * target instead (a whole small ring buffer often arrives in that one read): no copy, and the
 * scratch is only made when a second read is needed. The target's buffer moves with such a
 * read; the result's `moved` is where its bytes are then.
 *
 * @example
 * ```ts
 * const reader = new BodyReader(res.body!, { onChunk: (chunk) => progress += chunk.length });
 * const buffer = new Uint8Array(4 << 20);
 * const { filled, done } = await reader.fill(buffer);
 * ```
 * @module
 */

/** Result of one {@link BodyReader.fill}. */
interface FillResult {
  /** Bytes placed at the start of the target. */
  filled: number;
  /** True when the body has ended. */
  done: boolean;
  /** True when `stop()` asked to end early; the body is not finished. */
  stopped?: boolean;
  /**
   * With `direct`: the target's buffer was transferred by a read, and this view (same offset
   * and length, on the new buffer) holds its bytes. A failed direct read loses the buffer.
   */
  moved?: Uint8Array;
}

/** Largest single read: one socket read's worth, small enough to stay in cache. */
const SCRATCH_SIZE = 256 * 1024;

/** Options of {@link BodyReader}. */
interface BodyReaderOptions {
  /** Sees every chunk as it arrives (progress, stall detection). */
  onChunk?: (chunk: Uint8Array) => void;
  /** Awaited after each chunk: a bandwidth limit holds the next read back. */
  pace?: (bytes: number) => Promise<void>;
  /** The buffer socket reads land in (default {@link SCRATCH_SIZE}); see {@link BodyReader.scratch}. */
  scratch?: ArrayBuffer;
  /** The first read of each fill lands in the target itself (see the module doc). */
  direct?: boolean;
}

/** Coalesces a body's chunks into big buffers. */
export class BodyReader {
  #byob: ReadableStreamBYOBReader | undefined;
  #plain: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #scratch: ArrayBuffer | undefined;
  #leftover: Uint8Array | undefined;
  #onChunk: (chunk: Uint8Array) => void;
  #pace: ((bytes: number) => Promise<void>) | undefined;
  #direct: boolean;

  constructor(body: ReadableStream<Uint8Array>, options: BodyReaderOptions = {}) {
    this.#onChunk = options.onChunk ?? (() => {});
    this.#pace = options.pace;
    try {
      this.#byob = body.getReader({ mode: "byob" });
      this.#direct = options.direct ?? false;
      // made on first use when direct reads may do without it (fresh memory costs page faults)
      if (options.scratch?.byteLength) this.#scratch = options.scratch;
      else if (!this.#direct) this.#scratch = new ArrayBuffer(SCRATCH_SIZE);
    } catch {
      this.#direct = false;
      this.#plain = body.getReader();
    }
  }

  /** The scratch buffer, for reuse once this body is finished or cancelled. */
  get scratch(): ArrayBuffer | undefined {
    return this.#scratch?.byteLength ? this.#scratch : undefined;
  }

  /**
   * Fills `target` from its start. Returns early when the body ends, or when `stop()` turns
   * true between chunks. On a failed read the bytes gathered so far stay in `target` and
   * their count is on the error as `filled` (see {@link filledBeforeError}).
   */
  async fill(target: Uint8Array, stop?: () => boolean): Promise<FillResult> {
    let filled = 0;
    let moved: Uint8Array | undefined;
    const result = (done: boolean, stopped?: boolean): FillResult => {
      const r: FillResult = { filled, done };
      if (stopped) r.stopped = true;
      if (moved) r.moved = moved;
      return r;
    };
    try {
      const length = target.length; // a detached target says 0
      if (this.#direct && length > 0) {
        if (stop?.()) return result(false, true);
        const { value, done } = await this.#byob!.read(target);
        // the target's buffer moved into the read (also when the body ended)
        if (value) moved = new Uint8Array(value.buffer, value.byteOffset, length);
        if (done) return result(true);
        this.#onChunk(value!);
        filled = value!.length;
        if (this.#pace) await this.#pace(filled);
      }
      const into = moved ?? target;
      while (filled < into.length) {
        if (stop?.()) return result(false, true);
        const chunk = await this.#next(into.length - filled);
        if (chunk === null) return result(true);
        this.#onChunk(chunk);
        into.set(chunk, filled);
        filled += chunk.length;
        if (this.#pace) await this.#pace(chunk.length);
      }
      return result(false);
    } catch (err) {
      throw new PartialFill(filled, err, moved);
    }
  }

  /** Stops reading and releases the connection; never throws. */
  async cancel(reason?: unknown): Promise<void> {
    try {
      await (this.#byob ?? this.#plain)!.cancel(reason);
    } catch {
      // the stream already failed: nothing to release
    }
  }

  async #next(max: number): Promise<Uint8Array | null> {
    if (this.#byob) {
      this.#scratch ??= new ArrayBuffer(SCRATCH_SIZE);
      const view = new Uint8Array(this.#scratch, 0, Math.min(max, this.#scratch.byteLength));
      const { value, done } = await this.#byob.read(view);
      if (value) this.#scratch = value.buffer as ArrayBuffer;
      return done ? null : value;
    }
    let chunk = this.#leftover;
    this.#leftover = undefined;
    if (!chunk) {
      const { value, done } = await this.#plain!.read();
      if (done) return null;
      chunk = value;
    }
    if (chunk.length > max) {
      this.#leftover = chunk.subarray(max);
      chunk = chunk.subarray(0, max);
    }
    return chunk;
  }
}

/**
 * A read failed after `filled` bytes had been placed in the target (in `moved` when a direct
 * read moved its buffer); `cause` is the failure.
 */
export class PartialFill extends Error {
  constructor(readonly filled: number, cause: unknown, readonly moved?: Uint8Array) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "PartialFill";
  }
}

/** Bytes a failed {@link BodyReader.fill} still delivered (0 for other errors). */
export function filledBeforeError(err: unknown): number {
  return err instanceof PartialFill ? err.filled : 0;
}

/** A fill that did not throw: what it placed, and the failure that ended it early, if any. */
interface CaughtFill extends FillResult {
  /** The read failure after `filled` good bytes (the bytes before it are still good). */
  failure?: unknown;
}

/** {@link BodyReader.fill}, turning a failed read into a result that keeps the bytes before it. */
export async function fillCatching(
  reader: BodyReader,
  target: Uint8Array,
  stop?: () => boolean,
): Promise<CaughtFill> {
  try {
    return await reader.fill(target, stop);
  } catch (failure) {
    const caught: CaughtFill = { filled: filledBeforeError(failure), done: false, failure };
    if (failure instanceof PartialFill && failure.moved) caught.moved = failure.moved;
    return caught;
  }
}
