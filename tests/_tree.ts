/**
 * Test support: what a folder holds, as relative paths, for asserting on what a pull left.
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
