/**
 * A ring of large buffers for the single stream: the current buffer fills while the others
 * wait in a chain of ordered writes (each hashed before its write, when the hash runs on this
 * thread); a buffer is filled again only once its own write has landed, so receiving, hashing
 * and writing overlap with a bounded amount of memory.
 *
 * @example
 * ```ts
 * const ring = new WriteRing(3, 3 << 20);
 * ring.begin((view) => writeFully(file, view), (view) => digest.update(view));
 * const target = ring.current.subarray(0, room); // fill it, then:
 * await ring.push(target.subarray(0, filled));
 * await ring.settle();
 * ```
 * @module
 */

/**
 * Size of each buffer of the ring for a large file. Measured on loopback: 3-4 MiB run at curl's
 * speed, 2 MiB was markedly slower, 4 MiB costs 3 MiB more RSS.
 */
export const STREAM_BUFFER_SIZE = 3 * 1024 * 1024;
/** Buffers in the ring: one filling, up to two queued for the file, which absorbs write stalls. */
export const STREAM_BUFFERS = 3;
/** Smallest buffer of the ring (see {@link streamBufferSize}). */
const MIN_STREAM_BUFFER = 128 * 1024;

/**
 * Size of the ring's buffers for a body of `remaining` bytes: a sixteenth of it, between
 * 128 KiB and {@link STREAM_BUFFER_SIZE}. Fresh buffers cost a page fault per 4 KiB on first
 * touch (~4 ms of CPU per MiB in a VM), so a small file whose ring held all of it paid that for
 * every byte; cycling a ring of three sixteenths costs a few more writes instead. 20 files of
 * 34 MiB over a 50 ms first byte, 8 interleaved rounds: user+sys 0.64-0.68 s -> 0.47-0.55 s,
 * minor faults 19.2k -> 13k.
 */
export function streamBufferSize(remaining: number | undefined): number {
  const sixteenth = Math.ceil((remaining ?? Infinity) / 16 / 65536) * 65536;
  return Math.min(STREAM_BUFFER_SIZE, Math.max(MIN_STREAM_BUFFER, sixteenth));
}

/** Ordered background writes out of a fixed ring of buffers. */
export class WriteRing {
  #buffers: Uint8Array[];
  readonly #size: number;
  #cur = 0;
  #written: (Promise<void> | undefined)[];
  #chain: Promise<void> = Promise.resolve();
  #write: (view: Uint8Array) => Promise<void> = () => Promise.resolve();
  #hash: ((view: Uint8Array) => void) | undefined;

  /** `count` buffers of `size` bytes each. */
  constructor(count: number, size: number) {
    this.#size = size;
    this.#buffers = Array.from({ length: count }, () => new Uint8Array(size));
    this.#written = this.#buffers.map(() => undefined);
  }

  /** Size of each buffer. */
  get size(): number {
    return this.#size;
  }

  /** The buffer to fill next (a new one when a failed direct read took the last one away). */
  get current(): Uint8Array {
    const buffer = this.#buffers[this.#cur];
    if (buffer.byteLength > 0) return buffer;
    return this.#buffers[this.#cur] = new Uint8Array(this.size);
  }

  /**
   * Takes `view` (bytes a direct read placed in {@link current}, whose buffer moved to it) as
   * the current buffer from now on.
   */
  adopt(view: Uint8Array): void {
    this.#buffers[this.#cur] = new Uint8Array(view.buffer);
  }

  /**
   * Starts a new body: an empty chain of writes, each done by `write`, and each buffer first
   * fed to `hash` when one is given.
   */
  begin(write: (view: Uint8Array) => Promise<void>, hash?: (view: Uint8Array) => void): void {
    this.#write = write;
    this.#hash = hash;
    this.#chain = Promise.resolve();
    this.#written.fill(undefined);
  }

  /**
   * Hashes `view` (the filled start of {@link current}) when the ring hashes, queues its write
   * after the ones before it, moves on to the next buffer and waits until that buffer's own
   * earlier write has landed.
   */
  async push(view: Uint8Array): Promise<void> {
    const write = this.#write;
    this.#hash?.(view);
    this.#chain = this.#chain.then(() => write(view));
    this.#chain.catch(() => {}); // handled where awaited; never an unhandled rejection
    this.#written[this.#cur] = this.#chain;
    this.#cur = (this.#cur + 1) % this.#buffers.length;
    await this.#written[this.#cur];
  }

  /** Waits for every queued write; a failed write rejects here, and is the real problem. */
  settle(): Promise<void> {
    return this.#chain;
  }
}
