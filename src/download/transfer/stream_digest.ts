/**
 * The running hash of a single stream's part, and where it runs: on a hash thread of its own
 * for a large file on a machine with cores to spare (hashing then overlaps receiving and
 * writing), on the main thread for a small one, on 2 cores, or when no thread can run. It covers the part's first bytes, re-hashing a resumed
 * prefix when it does not; a failed thread is dropped for the main thread, never the file.
 *
 * @example
 * ```ts
 * const hash = new StreamDigest(partPath, signal);
 * await hash.cover(partSize, total, gitBlobSize); // the prefix, re-hashed when needed
 * hash.current.update(view);                      // each buffer, in file order
 * const digests = await hash.final(size, gitBlobSize);
 * hash.close();
 * ```
 * @module
 */
import { type FileDigest, type FileDigests, hashPrefix } from "../verify/checksum.ts";
import { HashThread, ThreadDigest } from "../verify/hash_thread.ts";

/**
 * File size from which the hash runs on a thread of its own: starting one costs ~13 MiB of
 * RSS and some tens of ms of CPU; hashing on the main thread costs ~0.7 s of it per GiB, in
 * series with receiving.
 */
export const HASH_THREAD_FROM = 64 * 1024 * 1024;

/**
 * Cores a machine needs before the hash gets a thread of its own. On 2 cores the sender, the
 * kernel's receive and the write thread already keep both busy, and a hash thread only
 * competes with them: 1 GiB from nginx on one connection, quiet 2-core machine, took 2.53 s
 * with it and 2.25 s without (1.61 and 1.67 s with fsyncs made no-ops), for ~17 MiB more RSS.
 */
export const HASH_THREAD_MIN_CORES = 4;

/** Whether a single stream of `total` bytes on a machine of `cores` cores hashes on a thread. */
export function hashThreadWanted(total: number | undefined, cores: number): boolean {
  return cores >= HASH_THREAD_MIN_CORES && (total ?? Infinity) >= HASH_THREAD_FROM;
}

/** The digest of one part across the attempts of a single stream. */
export class StreamDigest {
  readonly #path: string;
  readonly #signal: AbortSignal;
  #digest: FileDigest | ThreadDigest | undefined;
  #thread: HashThread | undefined;
  /** The hash thread failed or could not start: the main thread hashes from now on. */
  #noThread = false;

  /** The digest of the part at `path`; `signal` cuts a long re-hash short. */
  constructor(path: string, signal: AbortSignal) {
    this.#path = path;
    this.#signal = signal;
  }

  /** The digest to feed next (after {@link cover}). */
  get current(): FileDigest | ThreadDigest {
    return this.#digest!;
  }

  /** Starts the hash thread ahead of need when a file of `total` bytes will use it. */
  prestart(total: number | undefined): void {
    this.#threadFor(total);
  }

  /** Drops the digest: the part starts over. */
  reset(): void {
    this.#digest = undefined;
  }

  /** True when the hash thread failed: the stream's failure came from it, not the network. */
  threadFailed(): boolean {
    if (!this.#thread?.failed) return false;
    this.#closeThread();
    this.#noThread = true;
    return true;
  }

  /**
   * Makes the digest cover the part's first `offset` bytes (re-hashing them when it does not
   * yet). `total` is the file's size when known; `gitBlobSize` starts the git blob SHA-1.
   */
  async cover(offset: number, total: number | undefined, gitBlobSize?: number): Promise<void> {
    if (this.#digest?.bytes === offset) return;
    const thread = this.#threadFor(total);
    if (thread) {
      const digest = thread.begin(gitBlobSize);
      try {
        if (offset > 0) await digest.hashFile(this.#path, offset, this.#signal);
        this.#digest = digest;
        return;
      } catch {
        // the main thread's re-hash below works, or throws what was really wrong (a missing
        // part, an abort) with its own error
        this.#closeThread();
        this.#noThread = true;
      }
    }
    this.#digest = await hashPrefix(this.#path, offset, gitBlobSize, this.#signal);
  }

  /** The digests of the part's `size` bytes (re-hashed on this thread if the other failed). */
  async final(size: number, gitBlobSize?: number): Promise<FileDigests> {
    const digest = this.#digest!;
    try {
      return await digest.digest();
    } catch (err) {
      if (!(digest instanceof ThreadDigest) || this.#signal.aborted) throw err;
      this.#closeThread();
      return (await hashPrefix(this.#path, size, gitBlobSize, this.#signal)).digest();
    }
  }

  /** Stops the hash thread, if one runs. */
  close(): void {
    this.#closeThread();
  }

  #threadFor(total: number | undefined): HashThread | undefined {
    if (this.#thread || this.#noThread) return this.#thread;
    if (!hashThreadWanted(total, navigator.hardwareConcurrency ?? 1)) return undefined;
    this.#thread = HashThread.spawn();
    this.#noThread = this.#thread === undefined;
    return this.#thread;
  }

  #closeThread(): void {
    this.#thread?.close();
    this.#thread = undefined;
  }
}
