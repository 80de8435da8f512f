/**
 * huggingface_hub's on-disk tree listing, `<folder>/trees/<commit>.json` (the repo folder in the
 * hub cache; `<dir>/.cache/huggingface` for a local dir). A commit's listing never changes, so
 * it is written once per pull: huggingface_hub then skips its own listing request and, offline,
 * checks a snapshot's completeness against it; nightpull's offline pull does the same.
 *
 * @example
 * ```ts
 * await writeTreeCache(repo.dir, commit, listing);
 * const files = await readTreeCache(repo.dir, commit); // null when absent or unreadable
 * ```
 * @module
 */
import { dirname, join } from "node:path";
import { type HubFile, parseTreeEntry } from "./hub_file.ts";

const FORMAT_VERSION = 1;

/** `<folder>/trees/<commit>.json`. */
function treeCachePath(folder: string, commit: string): string {
  return join(folder, "trees", `${commit}.json`);
}

/**
 * Writes the listing in huggingface_hub's format (`format_version` 1, files by path with
 * `size`, `blob_id` and for LFS `lfs_sha256`/`lfs_size`), atomically. Best effort: a cache
 * hint must not fail a pull.
 */
export async function writeTreeCache(folder: string, commit: string, files: HubFile[]) {
  const path = treeCachePath(folder, commit);
  // A commit's listing never changes: one written before (by us or huggingface_hub) stands.
  if ((await Deno.stat(path).catch(() => null))?.size) return;
  const entries = [...files].sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
    .map((f) => [f.path, {
      size: f.size,
      blob_id: f.oid,
      ...(f.lfs ? { lfs_sha256: f.lfs.oid, lfs_size: f.lfs.size } : {}),
    }]);
  const text = JSON.stringify(
    { format_version: FORMAT_VERSION, files: Object.fromEntries(entries) },
    null,
    1,
  );
  const temp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await Deno.mkdir(dirname(path), { recursive: true });
    await Deno.writeTextFile(temp, text);
    await Deno.rename(temp, path);
  } catch {
    await Deno.remove(temp).catch(() => {});
  }
}

/** True when a listing of `commit` is cached (a non-empty file where huggingface_hub reads it). */
export function hasTreeCache(folder: string, commit: string): boolean {
  try {
    return Deno.statSync(treeCachePath(folder, commit)).size > 0;
  } catch {
    return false;
  }
}

/** The cached listing of `commit`, or null when absent, of another format or malformed. */
export async function readTreeCache(folder: string, commit: string): Promise<HubFile[] | null> {
  try {
    const data = JSON.parse(await Deno.readTextFile(treeCachePath(folder, commit)));
    if (data?.format_version !== FORMAT_VERSION || typeof data.files !== "object") return null;
    const files: HubFile[] = [];
    for (
      const [path, info] of Object.entries(data.files as Record<string, Record<string, unknown>>)
    ) {
      const file = parseTreeEntry({
        type: "file",
        path,
        size: info.size,
        oid: info.blob_id,
        ...(info.lfs_sha256 ? { lfs: { oid: info.lfs_sha256, size: info.lfs_size } } : {}),
      });
      if (file === undefined || file === "skip") return null;
      files.push(file);
    }
    return files;
  } catch {
    return null;
  }
}
