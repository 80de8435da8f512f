/**
 * A ring of large buffers for the single stream: the current buffer fills while the others
 * wait in a chain of ordered writes; each is hashed before its write on this thread, or lent
 * to the hash thread once written (moved, not copied, and handed back); a buffer is filled
 * again only once its own write and hash have landed, so receiving, hashing and writing
 * overlap with a bounded amount of memory.
 *
 * @example
 * ```ts
 * const ring = new WriteRing(3, 3 << 20);
 * ring.begin((view) => writeFully(file, view), { now: (view) => digest.update(view) });
 * const target = ring.current.subarray(0, room); // fill it, then:
 * await ring.push(target.subarray(0, filled));
 * await ring.settle();
 * ```
 * @module
 */

/** How a ring's buffers are hashed, in file order. */
export interface RingHash {
  /** Hashes a buffer's bytes on this thread, before its write is queued. */
  now?: (view: Uint8Array) => void;
  /**
   * Lends a written buffer to another thread (its `ArrayBuffer` is transferred, the view
   * unusable meanwhile); resolves with the buffer handed back once hashed.
   */
  lend?: (view: Uint8Array) => Promise<ArrayBuffer>;
}

/** Ordered background writes out of a fixed ring of buffers. */
export class WriteRing {
  readonly #size: number;
  #buffers: Uint8Array[];
  #cur = 0;
  #written: (Promise<void> | undefined)[];
  #chain: Promise<void> = Promise.resolve();
  /** The last buffer lent; the hash thread answers in order, so it comes back after the rest. */
  #lent: Promise<void> = Promise.resolve();
  #write: (view: Uint8Array) => Promise<void> = () => Promise.resolve();
  #hash: RingHash = {};

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

  /** The buffer to fill next. */
  get current(): Uint8Array {
    return this.#buffers[this.#cur];
  }

  /** Starts a new body: an empty chain of writes, each done by `write`, hashed by `hash`. */
  begin(write: (view: Uint8Array) => Promise<void>, hash: RingHash = {}): void {
    this.#write = write;
    this.#hash = hash;
    this.#chain = Promise.resolve();
    this.#lent = Promise.resolve();
    this.#written.fill(undefined);
    // a buffer lent to a hash thread that failed never came back
    this.#buffers = this.#buffers.map((b) => b.byteLength ? b : new Uint8Array(this.#size));
  }

  /**
   * Hashes or lends `view` (the filled start of {@link current}) and queues its write after
   * the ones before it, moves on to the next buffer and waits until that buffer's own earlier
   * write and hash have landed.
   */
  async push(view: Uint8Array): Promise<void> {
    const write = this.#write;
    const { now, lend } = this.#hash;
    const slot = this.#cur;
    now?.(view);
    this.#chain = this.#chain.then(() => write(view));
    this.#chain.catch(() => {}); // handled where awaited; never an unhandled rejection
    if (lend) {
      this.#lent = this.#chain.then(() => lend(view)).then((buffer) => {
        this.#buffers[slot] = new Uint8Array(buffer);
      });
      this.#lent.catch(() => {});
      this.#written[slot] = this.#lent;
    } else this.#written[slot] = this.#chain;
    this.#cur = (slot + 1) % this.#buffers.length;
    await this.#written[this.#cur];
  }

  /** Waits for every queued write and hash; a failed one rejects here, and is the real problem. */
  async settle(): Promise<void> {
    await Promise.all([this.#chain, this.#lent]);
  }
}
