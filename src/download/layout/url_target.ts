/**
 * URL targets have an identity: `<dir>/<name>` belongs to the URL that wrote it, recorded in
 * `<dir>/.cache/nightpull/<hash of name>.source` (for files written before that existed: the
 * manifest record of the URL). A second URL wanting a taken name gets the next free one in the
 * browsers' style, `name (2).ext`, `name (3).ext`, ... and never overwrites or "finds" the
 * first one's bytes. The chosen name is returned with its lock held.
 *
 * @example
 * ```ts
 * const target = await claimUrlTarget(dir, "model.bin", url.href, known, { signal });
 * try {
 *   await recordUrlOwner(target); // before the bytes land
 * } finally {
 *   await target.lock.release();
 * }
 * ```
 * @module
 */
import { dirname, join } from "node:path";
import { NightpullError } from "../../errors.ts";
import type { ManifestEntry } from "../../store/manifest.ts";
import {
  acquireFileLock,
  type FileLock,
  type FileLockOptions,
  shortHash,
  urlTargetLockPath,
  urlTargetStateDir,
} from "../part/file_lock.ts";
import { MAX_NAME_BYTES, resolveInside } from "./safe_path.ts";

/** A target name claimed for one URL, its lock held. */
export interface UrlTarget {
  dir: string;
  name: string;
  localPath: string;
  url: string;
  lock: FileLock;
}

const encoder = new TextEncoder();
const MAX_CANDIDATES = 1000;

/** `name (n).ext`: the number goes before the first extension (`a (2).tar.gz`). */
export function numberedName(name: string, n: number): string {
  if (n <= 1) return name;
  const dot = name.indexOf(".", 1);
  let stem = dot === -1 ? name : name.slice(0, dot);
  const ext = dot === -1 ? "" : name.slice(dot);
  const mark = ` (${n})`;
  while (stem.length > 1 && encoder.encode(stem + mark + ext).length > MAX_NAME_BYTES) {
    stem = stem.slice(0, -1);
  }
  return stem + mark + ext;
}

/** The file recording which URL wrote `<dir>/<name>`. */
function urlOwnerPath(dir: string, name: string): string {
  return join(urlTargetStateDir(dir), `${shortHash(name)}.source`);
}

/**
 * The first of `name`, `name (2)`, ... that is free or already this URL's, with its lock held
 * (waiting, as `options` says, for a writer of the same name to finish first).
 */
export async function claimUrlTarget(
  dir: string,
  name: string,
  url: string,
  known: readonly ManifestEntry[],
  options: FileLockOptions = {},
): Promise<UrlTarget> {
  for (let n = 1; n <= MAX_CANDIDATES; n++) {
    const candidate = numberedName(name, n);
    const localPath = resolveInside(dir, candidate);
    const lock = await acquireFileLock(urlTargetLockPath(dir, candidate), options);
    try {
      const owner = await ownerOf(dir, candidate, localPath, known);
      if (owner === url || !await exists(localPath)) {
        return { dir, name: candidate, localPath, url, lock };
      }
    } catch (err) {
      await lock.release();
      throw err;
    }
    await lock.release();
  }
  throw new NightpullError(
    "conflict",
    `no free name for ${name} in ${dir}: ${MAX_CANDIDATES} numbered variants are taken by ` +
      `other URLs; set a filename or another target folder`,
  );
}

/** Records that the claimed target now belongs to its URL (call before writing the file). */
export async function recordUrlOwner(target: UrlTarget): Promise<void> {
  const path = urlOwnerPath(target.dir, target.name);
  await Deno.mkdir(dirname(path), { recursive: true });
  const temp = `${path}.tmp`;
  await Deno.writeTextFile(temp, target.url);
  await Deno.rename(temp, path);
}

async function ownerOf(
  dir: string,
  name: string,
  localPath: string,
  known: readonly ManifestEntry[],
): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(urlOwnerPath(dir, name));
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  // Written before owner files existed: the manifest of this URL still knows its own files.
  return known.find((e) => e.localPath === localPath)?.source;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}
