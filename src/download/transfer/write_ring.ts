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
