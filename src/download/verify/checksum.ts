/**
 * Streaming digests of a file's bytes: SHA-256 always, and the git blob SHA-1
 * (`sha1("blob <size>\0" + bytes)`, the hub's `oid` of non-LFS files) when asked. Both through
 * `node:crypto`, which is several times faster than `crypto.subtle` when fed MiB-sized chunks.
 *
 * @example
 * ```ts
 * const digest = new FileDigest({ gitBlobSize: 11 });
 * digest.update(new TextEncoder().encode("hello world"));
 * digest.digest(); // { sha256: "b94d27b9...", gitSha1: "95d09f2b..." }
 * ```
 * @module
 */
import { createHash, type Hash } from "node:crypto";
import { readFully } from "../part/part_file.ts";

/** Hex digests of a file's content. */
export interface FileDigests {
  sha256: string;
  /** Present when the digest was created with a `gitBlobSize`. */
  gitSha1?: string;
}

/** Read-back chunk: large enough that hashing runs at full speed, small enough to stay flat. */
const READ_BACK_CHUNK = 1024 * 1024;

/** An incremental SHA-256 (and optional git-blob SHA-1) over bytes fed in file order. */
export class FileDigest {
  #sha256: Hash = createHash("sha256");
  #sha1: Hash | undefined;
  #bytes = 0;

  /** `gitBlobSize`: the file's full size, needed up front for the git blob header. */
  constructor(options: { gitBlobSize?: number } = {}) {
    if (options.gitBlobSize !== undefined) {
      this.#sha1 = createHash("sha1").update(`blob ${options.gitBlobSize}\0`);
    }
  }

  /** Bytes hashed so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Feeds the next bytes of the file. */
  update(bytes: Uint8Array): void {
    this.#sha256.update(bytes);
    this.#sha1?.update(bytes);
    this.#bytes += bytes.length;
  }

  /** The final hex digests; the digest cannot be updated afterwards. */
  digest(): FileDigests {
    const sha256 = this.#sha256.digest("hex");
    return this.#sha1 ? { sha256, gitSha1: this.#sha1.digest("hex") } : { sha256 };
  }
}

/** The git blob SHA-1 of in-memory bytes (small files, tests). */
export function gitBlobSha1(bytes: Uint8Array): string {
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

/**
 * Feeds `[start, end)` of an open file into `digest`, read back in {@link READ_BACK_CHUNK}
 * pieces (from the page cache when the bytes were just written). `buffer` may be reused.
 */
export async function hashFileRange(
  file: Deno.FsFile,
  start: number,
  end: number,
  digest: FileDigest,
  buffer: Uint8Array = new Uint8Array(READ_BACK_CHUNK),
  signal?: AbortSignal,
): Promise<void> {
  await file.seek(start, Deno.SeekMode.Start);
  for (let at = start; at < end;) {
    signal?.throwIfAborted();
    const view = buffer.subarray(0, Math.min(buffer.length, end - at));
    await readFully(file, view, at);
    digest.update(view);
    at += view.length;
  }
}

/**
 * The one re-hash of a part's prefix (a resumed or completed part): a fresh digest fed with
 * the first `length` bytes of the file at `path`. `gitBlobSize` starts the git blob SHA-1
 * (the file's full size) when that hash is wanted; `signal` cuts a long re-hash short.
 */
export async function hashPrefix(
  path: string,
  length: number,
  gitBlobSize: number | undefined,
  signal?: AbortSignal,
): Promise<FileDigest> {
  const digest = new FileDigest({ gitBlobSize });
  if (length === 0) return digest;
  const file = await Deno.open(path, { read: true });
  try {
    await hashFileRange(file, 0, length, digest, undefined, signal);
  } finally {
    file.close();
  }
  return digest;
}
