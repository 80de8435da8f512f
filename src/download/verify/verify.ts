/**
 * Re-hashes files on disk: one file ({@link hashFile}, SHA-256 and the git blob SHA-1 in one
 * pass) or every file of the manifest ({@link verifyManifest}), reporting each as ok, missing,
 * size mismatch or hash mismatch.
 *
 * @example
 * ```ts
 * const results = await verifyManifest(kv, { source: "hf:acme/tiny-model" });
 * const bad = results.filter((r) => r.status !== "ok");
 * ```
 * @module
 */
import { createHash } from "node:crypto";
import { allManifestEntries, type ManifestEntry } from "../../store/manifest.ts";

/** Hashes of one file's content. */
interface FileHashes {
  size: number;
  sha256: string;
  /** Git blob SHA-1: sha1("blob <size>\0" + content), the `oid` of non-LFS hub files. */
  gitSha1: string;
}

const CHUNK = 1024 * 1024;

/**
 * Streams a file through SHA-256 and git-blob SHA-1 in 1 MiB reads (memory stays flat).
 * Throws the runtime's NotFound when the file is absent.
 */
export async function hashFile(path: string, signal?: AbortSignal): Promise<FileHashes> {
  using file = await Deno.open(path, { read: true });
  const size = (await file.stat()).size;
  const sha256 = createHash("sha256");
  const sha1 = createHash("sha1").update(`blob ${size}\0`);
  const buffer = new Uint8Array(CHUNK);
  let seen = 0;
  for (;;) {
    signal?.throwIfAborted();
    // Fill the whole buffer before hashing: fewer, larger updates are what make hashing fast.
    let filled = 0;
    while (filled < CHUNK) {
      const n = await file.read(buffer.subarray(filled));
      if (n === null) break;
      filled += n;
    }
    if (filled === 0) break;
    const chunk = buffer.subarray(0, filled);
    sha256.update(chunk);
    sha1.update(chunk);
    seen += filled;
    if (filled < CHUNK) break;
  }
  // The size from stat went into the git header; a file growing while read must not pass.
  return {
    size: seen,
    sha256: sha256.digest("hex"),
    gitSha1: seen === size ? sha1.digest("hex") : "",
  };
}

/** Outcome of checking one file. */
type VerifyStatus = "ok" | "missing" | "size_mismatch" | "hash_mismatch";

/** One checked manifest file. */
export interface VerifyResult {
  entry: ManifestEntry;
  status: VerifyStatus;
  /** Size found on disk (absent when missing). */
  actualSize?: number;
  /** SHA-256 found on disk (absent when missing or when the size already differs). */
  actualSha256?: string;
}

/** Checks one manifest file against disk. */
async function verifyEntry(
  entry: ManifestEntry,
  signal?: AbortSignal,
): Promise<VerifyResult> {
  let size: number;
  try {
    size = (await Deno.stat(entry.localPath)).size;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return { entry, status: "missing" };
    throw err;
  }
  if (size !== entry.size) return { entry, status: "size_mismatch", actualSize: size };
  const hashes = await hashFile(entry.localPath, signal);
  return {
    entry,
    status: hashes.sha256 === entry.sha256 ? "ok" : "hash_mismatch",
    actualSize: hashes.size,
    actualSha256: hashes.sha256,
  };
}

/** Options of {@link verifyManifest}. */
interface VerifyOptions {
  /** Only this source key (`hf:org/name` or the URL). */
  source?: string;
  signal?: AbortSignal;
  /** Called as each file is checked (for progress output). */
  onResult?: (result: VerifyResult) => void;
}

/** Re-hashes every manifest file (or one source's) and reports each, in manifest order. */
export async function verifyManifest(
  kv: Deno.Kv,
  options: VerifyOptions = {},
): Promise<VerifyResult[]> {
  const results: VerifyResult[] = [];
  for (const entry of await allManifestEntries(kv, options.source)) {
    const result = await verifyEntry(entry, options.signal);
    options.onResult?.(result);
    results.push(result);
  }
  return results;
}
