/**
 * Where partial downloads live: names no repo path and no other tool can produce, so a repo
 * holding `w.bin` and `w.bin.part` keeps both, and huggingface_hub never mistakes our
 * preallocated part for a finished `blobs/<blob>.incomplete`.
 *
 * - hf-cache: `blobs/<blob>.part.nightpull` (blob names are hex, ours alone end `.nightpull`);
 * - local-dir: `<dir>/.cache/huggingface/download/<hash>.part.nightpull`;
 * - URL targets: `<dir>/.cache/nightpull/<hash>.part.nightpull` (the hash covers the URL too,
 *   so a part left by another URL for the same name is never continued).
 *
 * The sidecar of a part is `<part>.json` (see part_state.ts). Names stay short (under 50 bytes)
 * whatever the file's own name, so a legal 255-byte name downloads like any other.
 *
 * @example
 * ```ts
 * hfCachePartPath(repo, etag);          // ".../blobs/<etag>.part.nightpull"
 * localDirPartPath("/d", "sub/w.bin");  // "/d/.cache/huggingface/download/<hash>.part.nightpull"
 * ```
 * @module
 */
import { join } from "node:path";
import { localDirStateDir, shortHash, urlTargetStateDir } from "./file_lock.ts";
import { blobPath, type HfCacheRepo } from "../layout/hf_cache.ts";

/** The suffix of every partial file nightpull writes (sidecars add `.json`). */
const PART_SUFFIX = ".part.nightpull";

/** `blobs/<blob>.part.nightpull`. */
export function hfCachePartPath(repo: HfCacheRepo, blob: string): string {
  return blobPath(repo, blob) + PART_SUFFIX;
}

/** `<dir>/.cache/huggingface/download/<hash of the repo path>.part.nightpull`. */
export function localDirPartPath(localDir: string, relPath: string): string {
  return join(localDirStateDir(localDir), shortHash(relPath) + PART_SUFFIX);
}

/** `<dir>/.cache/nightpull/<hash of URL and file name>.part.nightpull`. */
export function urlPartPath(dir: string, url: string, fileName: string): string {
  return join(urlTargetStateDir(dir), shortHash(`${url}\n${fileName}`) + PART_SUFFIX);
}
