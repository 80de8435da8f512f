/**
 * SHA-256 (and the git blob SHA-1) on a thread of its own: a Worker (`hash_worker.ts`) that
 * follows a part as it is written, reading it back itself, so a single stream's hashing runs
 * beside its reading and writing instead of in series with them on the main thread. Measured
 * on loopback, hashing is about as much CPU per byte as receiving the body; on the main thread
 * it was the single stream's critical path. Handing the thread the buffers themselves cost the
 * main thread a copy either way (V8's relaxed copy into a `SharedArrayBuffer`, ~0.3 s per GiB;
 * a transferred `ArrayBuffer` is copied by `postMessage`, ~0.4 s per GiB). A view handed to
 * {@link ThreadDigest.update} must not change until the promise it returns settles.
 *
 * @example
 * ```ts
 * const thread = HashThread.spawn(); // undefined where a Worker cannot start
 * const digest = thread!.begin();
 * await digest.hashFile(partPath, prefixLength, signal); // a resumed part's prefix
 * await digest.hashFile(partPath, prefixLength + written); // then what was appended
 * const { sha256 } = await digest.digest();
 * thread!.close();
 * ```
 * @module
 */
import type { FileDigests } from "./checksum.ts";
import type { HashReply, HashRequest } from "./hash_worker.ts";

/** A {@link HashRequest} without its id (given when sent). */
type Ask = HashRequest extends infer R ? R extends HashRequest ? Omit<R, "id"> : never : never;

/** One Worker that hashes; one digest at a time ({@link begin} starts the next). */
export class HashThread {
  #worker: Worker;
  #next = 0;
  #waiting = new Map<number, { resolve: (r: HashReply) => void; reject: (e: Error) => void }>();
  #failure: Error | undefined;
  #epoch = 0;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.onmessage = (event: MessageEvent<HashReply>) => {
      const waiter = this.#waiting.get(event.data.id);
      this.#waiting.delete(event.data.id);
      if (!waiter) return;
      if (event.data.error !== undefined) waiter.reject(new Error(event.data.error));
      else waiter.resolve(event.data);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      this.#fail(new Error(`the hash thread failed: ${event.message}`));
    };
    worker.onmessageerror = () =>
      this.#fail(new Error("the hash thread got an unreadable message"));
  }

  /** A new hash thread, or undefined when a Worker cannot be started here. */
  static spawn(): HashThread | undefined {
    try {
      const url = new URL("./hash_worker.ts", import.meta.url);
      return new HashThread(new Worker(url, { type: "module" }));
    } catch {
      return undefined;
    }
  }

  /** Starts a new digest (the git blob SHA-1 too when `gitBlobSize` is given); older ones end. */
  begin(gitBlobSize?: number): ThreadDigest {
    const epoch = ++this.#epoch;
    const begun = this.#ask({ op: "begin", gitBlobSize });
    return new ThreadDigest(this, epoch, begun);
  }

  /** True once the thread failed or was closed. */
  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /** Stops the thread; whatever is pending rejects. */
  close(): void {
    this.#fail(new Error("the hash thread was closed"));
  }

  /** True while `epoch` is the current digest and nothing failed. */
  current(epoch: number): boolean {
    return this.#failure === undefined && epoch === this.#epoch;
  }

  /** Sends one request; resolves with its answer. */
  ask(epoch: number, request: Ask): Promise<HashReply> {
    if (!this.current(epoch)) {
      return Promise.reject(this.#failure ?? new Error("a newer digest was begun"));
    }
    return this.#ask(request);
  }

  #ask(request: Ask): Promise<HashReply> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#next++;
    const answer = new Promise<HashReply>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
    });
    this.#worker.postMessage({ ...request, id } as HashRequest);
    return answer;
  }

  #fail(err: Error): void {
    if (this.#failure) return;
    this.#failure = err;
    this.#worker.terminate();
    for (const waiter of this.#waiting.values()) waiter.reject(err);
    this.#waiting.clear();
  }
}

/** A digest computed on a {@link HashThread}, fed in file order. */
export class ThreadDigest {
  #thread: HashThread;
  #epoch: number;
  #bytes = 0;

  /** Made by {@link HashThread.begin}; `begun` is the answer to its begin request. */
  constructor(thread: HashThread, epoch: number, begun: Promise<unknown>) {
    this.#thread = thread;
    this.#epoch = epoch;
    // a failed begin fails every later request of this digest too, where they are awaited
    begun.catch(() => {});
  }

  /** Bytes fed so far (NaN once the thread failed or a newer digest began: never reuse it). */
  get bytes(): number {
    return this.#thread.current(this.#epoch) ? this.#bytes : NaN;
  }

  /**
   * Feeds the next bytes; they must not change until the promise settles. A view of a
   * `SharedArrayBuffer` is hashed in place; any other is copied to the thread.
   */
  update(view: Uint8Array): Promise<void> {
    const { buffer, byteOffset: offset, byteLength: length } = view;
    const shared = buffer instanceof SharedArrayBuffer;
    const request = {
      op: "update" as const,
      buffer: shared ? buffer : view.slice().buffer,
      offset: shared ? offset : 0,
      length,
    };
    this.#bytes += length;
    return this.#track(this.#thread.ask(this.#epoch, request));
  }

  /**
   * Feeds the bytes of the file at `path` from where the digest is (its {@link bytes}) up to
   * byte `end`, read on the hash thread: a part's prefix, then the part as it is written (the
   * thread keeps the file open between calls; written bytes are read back from the page cache,
   * which costs the main thread nothing, where handing it buffers cost a copy either way).
   */
  hashFile(path: string, end: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.#bytes = Math.max(this.#bytes, end);
    const done = this.#track(this.#thread.ask(this.#epoch, { op: "file", path, end }));
    if (!signal) return done;
    // a long re-hash cannot be interrupted on its thread: the thread is stopped instead
    const onAbort = () => this.#thread.close();
    signal.addEventListener("abort", onAbort, { once: true });
    return done.finally(() => signal.removeEventListener("abort", onAbort));
  }

  /** The final hex digests, once every byte fed before has been hashed. */
  async digest(): Promise<FileDigests> {
    const reply = await this.#thread.ask(this.#epoch, { op: "digest" });
    const sha256 = reply.sha256!;
    return reply.gitSha1 !== undefined ? { sha256, gitSha1: reply.gitSha1 } : { sha256 };
  }

  #track(answer: Promise<unknown>): Promise<void> {
    const done = answer.then(() => {});
    done.catch(() => {}); // the caller awaits it; never an unhandled rejection meanwhile
    return done;
  }
}
