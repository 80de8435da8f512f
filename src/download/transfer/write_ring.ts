/**
 * A ring of large buffers for the single stream: the current buffer fills while the others
 * wait in a chain of ordered writes (and are hashed, on the hash thread when there is one); a
 * buffer is handed out again only once its own write and hash have landed, so receiving,
 * hashing and writing overlap with a bounded amount of memory. The buffers are shared
 * (`SharedArrayBuffer`), so the hash thread reads them in place.
 *
 * @example
 * ```ts
 * const ring = new WriteRing(3, 3 << 20);
 * ring.begin((view) => writeFully(file, view));
 * const target = ring.current.subarray(0, room); // fill it, then:
 * await ring.push(target.subarray(0, filled), digest.update(target.subarray(0, filled)));
 * await ring.settle();
 * ```
 * @module
 */

/** Ordered background writes out of a fixed ring of buffers. */
export class WriteRing {
  #buffers: Uint8Array[];
  #cur = 0;
  #written: (Promise<void> | undefined)[];
  #chain: Promise<void> = Promise.resolve();
  /** The last hash queued; the hash thread answers in order, so it settles after all others. */
  #hashed: Promise<void> = Promise.resolve();
  #write: (view: Uint8Array) => Promise<void> = () => Promise.resolve();

  /** `count` buffers of `size` bytes each. */
  constructor(count: number, size: number) {
    this.#buffers = Array.from(
      { length: count },
      () => new Uint8Array(new SharedArrayBuffer(size)),
    );
    this.#written = this.#buffers.map(() => undefined);
  }

  /** Size of each buffer. */
  get size(): number {
    return this.#buffers[0].length;
  }

  /** The buffer to fill next. */
  get current(): Uint8Array {
    return this.#buffers[this.#cur];
  }

  /** Starts a new body: an empty chain of writes, each done by `write`. */
  begin(write: (view: Uint8Array) => Promise<void>): void {
    this.#write = write;
    this.#chain = Promise.resolve();
    this.#hashed = Promise.resolve();
    this.#written.fill(undefined);
  }

  /**
   * Queues the write of `view` (the filled start of {@link current}) after the ones before it,
   * moves on to the next buffer and waits until that buffer's own earlier write (and `hashed`,
   * the hash of its bytes when that runs elsewhere) has landed.
   */
  async push(view: Uint8Array, hashed?: Promise<void> | void): Promise<void> {
    const write = this.#write;
    this.#chain = this.#chain.then(() => write(view));
    this.#chain.catch(() => {}); // handled where awaited; never an unhandled rejection
    if (hashed) {
      this.#hashed = hashed;
      this.#hashed.catch(() => {});
      this.#written[this.#cur] = Promise.all([this.#chain, hashed]).then(() => {});
    } else this.#written[this.#cur] = this.#chain;
    this.#cur = (this.#cur + 1) % this.#buffers.length;
    await this.#written[this.#cur];
  }

  /** Waits for every queued write and hash; a failed one rejects here, and is the real problem. */
  async settle(): Promise<void> {
    await Promise.all([this.#chain, this.#hashed]);
  }
}
