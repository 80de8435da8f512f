/**
 * huggingface_hub's bookkeeping of a local dir (`hf download --local-dir D`), so each tool trusts
 * what the other wrote: `D/.cache/huggingface/download/<path>.metadata` holds three lines, the
 * commit, the etag (LFS sha256 or git blob sha1) and the Unix time in seconds when they were
 * true; `D/.cache/huggingface/` also holds `.gitignore` (`*`) and `CACHEDIR.TAG`.
 *
 * A record is trusted only while the file has not changed since: huggingface_hub's check is
 * `mtime - 1 <= timestamp` (one second of slack for coarse file-system clocks).
 *
 * @example
 * ```ts
 * await writeDownloadMetadata(dir, "sub/model.bin", commit, etag);
 * const meta = await readDownloadMetadata(dir, "sub/model.bin"); // {commit, etag, timestamp, fresh}
 * ```
 * @module
 */
import { dirname, join } from "node:path";
import { writeCacheDirTag } from "./cachedir_tag.ts";
import { localDirStateDir } from "../part/file_lock.ts";
import { renameOrDiscard } from "../part/part_file.ts";
import { MAX_NAME_BYTES } from "./safe_path.ts";

/** One file's record, and whether the file is unchanged since it was written. */
interface DownloadMetadata {
  commit: string;
  etag: string;
  /** Seconds since the epoch (a float, as Python's `time.time()`). */
  timestamp: number;
  /** The file exists and was not modified after the record (huggingface_hub's rule). */
  fresh: boolean;
}

const encoder = new TextEncoder();

/**
 * `<dir>/.cache/huggingface/download/<path>.metadata`; `relPath` must be sanitized. Null when
 * the name cannot take the suffix (huggingface_hub cannot record such a file either).
 */
export function downloadMetadataPath(dir: string, relPath: string): string | null {
  const name = relPath.slice(relPath.lastIndexOf("/") + 1);
  if (encoder.encode(`${name}.metadata`).length > MAX_NAME_BYTES) return null;
  return join(localDirStateDir(dir), ...`${relPath}.metadata`.split("/"));
}

/** Reads a file's record; null when absent or malformed (huggingface_hub then ignores it too). */
export async function readDownloadMetadata(
  dir: string,
  relPath: string,
): Promise<DownloadMetadata | null> {
  const path = downloadMetadataPath(dir, relPath);
  if (!path) return null;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    return null;
  }
  const [commit = "", etag = "", stamp = ""] = text.split("\n").map((line) => line.trim());
  const timestamp = Number(stamp);
  if (!commit || !etag || !stamp || !Number.isFinite(timestamp)) return null;
  let fresh = false;
  try {
    const mtime = (await Deno.stat(join(dir, ...relPath.split("/")))).mtime;
    fresh = mtime !== null && mtime.getTime() / 1000 - 1 <= timestamp;
  } catch {
    // no file: the record is outdated
  }
  return { commit, etag, timestamp, fresh };
}

/**
 * Records that `<dir>/<relPath>` is `etag` at `commit`, now. Written under a temporary name and
 * renamed, so a reader never sees a half-written record. Also makes `.gitignore` and
 * `CACHEDIR.TAG` in `.cache/huggingface/` when missing.
 */
export async function writeDownloadMetadata(
  dir: string,
  relPath: string,
  commit: string,
  etag: string,
  nowMs = Date.now(),
): Promise<void> {
  const path = downloadMetadataPath(dir, relPath);
  if (!path) return;
  await ensureHuggingfaceDir(dir);
  // Python writes str(time.time()), always with a fraction: "1712656091.123".
  const text = `${commit}\n${etag}\n${(nowMs / 1000).toFixed(3)}\n`;
  // a short temporary name: the record's own name may already be near the 255-byte limit
  const temp = join(dirname(path), `.${crypto.randomUUID().slice(0, 8)}.metadata.tmp`);
  try {
    await Deno.writeTextFile(temp, text);
  } catch (err) {
    // its folder is made when the write says it is missing (once per folder, not per file)
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    await Deno.mkdir(dirname(path), { recursive: true });
    await Deno.writeTextFile(temp, text);
  }
  await renameOrDiscard(temp, path);
}

/**
 * Writes the record unless an unchanged one already says the same (a no-op re-pull of a large
 * repo should not rewrite thousands of files). `written`: the file was just written by this
 * pull, so the record is written without reading the old one.
 */
export async function refreshDownloadMetadata(
  dir: string,
  relPath: string,
  commit: string,
  etag: string,
  options: { written?: boolean } = {},
): Promise<void> {
  // a file just written by this pull: whatever record is there is older than it
  if (options.written) return await writeDownloadMetadata(dir, relPath, commit, etag);
  const meta = await readDownloadMetadata(dir, relPath);
  if (meta?.fresh && meta.commit === commit && meta.etag === etag) return;
  await writeDownloadMetadata(dir, relPath, commit, etag);
}

const ensuredAt = new Map<string, number>();
/** How long the folder made by {@link ensureHuggingfaceDir} is taken to still be there. */
const ENSURED_MS = 1000;

/**
 * `<dir>/.cache/huggingface/` with huggingface_hub's `.gitignore` (`*`) and `CACHEDIR.TAG`, made
 * at most once a second per folder: a pull recording thousands of files does not re-make them
 * for each (a record whose folder went missing meanwhile still makes it, see the write).
 */
async function ensureHuggingfaceDir(dir: string): Promise<void> {
  const now = Date.now();
  if (now - (ensuredAt.get(dir) ?? -Infinity) < ENSURED_MS) return;
  await makeHuggingfaceDir(dir);
  if (ensuredAt.size > 1000) ensuredAt.clear();
  ensuredAt.set(dir, now);
}

async function makeHuggingfaceDir(dir: string): Promise<void> {
  const hfDir = dirname(localDirStateDir(dir));
  await Deno.mkdir(hfDir, { recursive: true });
  await writeCacheDirTag(hfDir);
  try {
    await Deno.writeTextFile(join(hfDir, ".gitignore"), "*", { createNew: true });
  } catch (err) {
    if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
  }
}
