/**
 * Test support: what a folder holds, for asserting on what a pull left: relative paths
 * ({@link listTree}), every non-folder entry below it ({@link filesBelow}) or the names in it
 * ({@link namesIn}).
 * @module
 */
import { join } from "node:path";

/** Every regular file and symlink under `dir` (relative paths), or [] when it is missing. */
export async function listTree(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(join(dir, prefix))) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory) out.push(...await listTree(dir, rel));
      else out.push(rel);
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return out;
}

/** Every entry below `dir` that is not a folder (files, links, …) with its path, depth first. */
export async function* filesBelow(
  dir: string,
): AsyncGenerator<{ path: string; entry: Deno.DirEntry }> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* filesBelow(path);
    else yield { path, entry };
  }
}

/** The names of the entries directly in `dir`, sorted; throws when it cannot be read. */
export async function namesIn(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}
