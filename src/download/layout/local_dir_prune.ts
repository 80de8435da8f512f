/**
 * `"prune": true` for a local-dir target: after a successful pull, the files nightpull wrote
 * there earlier (its manifest says so) that the new pull no longer has are deleted, with their
 * records. A file the manifest does not know, or whose size changed since (someone else wrote
 * it), is never touched.
 *
 * @example
 * ```ts
 * const removed = await pruneLocalDir(kv, { source: "hf:acme/x", dir, keep: report.paths });
 * ```
 * @module
 */
import { dirname, resolve, sep } from "node:path";
import { allManifestEntries, deleteManifestEntry } from "../../store/manifest.ts";

/** What to prune: one source's files under `dir`, except `keep` (absolute local paths). */
interface LocalDirPrune {
  /** Manifest source key. */
  source: string;
  dir: string;
  keep: string[];
}

/** Deletes the stale files; returns their local paths and the bytes freed. */
export async function pruneLocalDir(
  kv: Deno.Kv,
  what: LocalDirPrune,
): Promise<{ removed: string[]; bytes: number }> {
  const root = resolve(what.dir);
  const keep = new Set(what.keep.map((p) => resolve(p)));
  const removed: string[] = [];
  let bytes = 0;
  for (const entry of await allManifestEntries(kv, what.source)) {
    const path = resolve(entry.localPath);
    if (entry.layout !== "local-dir" || !path.startsWith(root + sep) || keep.has(path)) continue;
    const info = await Deno.lstat(path).catch(() => null);
    if (info && (!info.isFile || info.size !== entry.size)) continue; // not ours any more
    if (info) {
      await Deno.remove(path);
      bytes += info.size;
      removed.push(path);
      await removeEmptyParents(dirname(path), root);
    }
    await deleteManifestEntry(kv, entry.source, entry.localPath);
  }
  return { removed, bytes };
}

async function removeEmptyParents(dir: string, root: string): Promise<void> {
  for (let d = dir; d.startsWith(root + sep); d = dirname(d)) {
    // fails (and stops) on the first folder that still holds something
    if (!await Deno.remove(d).then(() => true, () => false)) return;
  }
}
