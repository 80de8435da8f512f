/**
 * `CACHEDIR.TAG` (the Cache Directory Tagging Standard, https://bford.info/cachedir/) with
 * huggingface_hub's exact content, so backup tools skip a hub cache or a local dir's
 * `.cache/huggingface` whoever of nightpull and huggingface_hub wrote it.
 *
 * @example
 * ```ts
 * await writeCacheDirTag("/home/me/.cache/huggingface/hub");
 * ```
 * @module
 */
import { join } from "node:path";

/** huggingface_hub's `CACHEDIR_TAG_CONTENT`, byte for byte. */
export const CACHEDIR_TAG_CONTENT = "Signature: 8a477f597d28d172789f06886806bc55\n" +
  "# This file is a cache directory tag created by huggingface_hub.\n" +
  "# For information about cache directory tags, see:\n" +
  "#\thttps://bford.info/cachedir/\n";

/**
 * Writes `<dir>/CACHEDIR.TAG` unless one is there. Best effort, as in huggingface_hub: a
 * read-only or odd file system must not fail a download over a hint for backup tools.
 */
export async function writeCacheDirTag(dir: string): Promise<void> {
  const path = join(dir, "CACHEDIR.TAG");
  try {
    await Deno.lstat(path);
    return;
  } catch {
    // absent: write it below
  }
  try {
    await Deno.writeTextFile(path, CACHEDIR_TAG_CONTENT, { createNew: true });
  } catch {
    // exists by now (a concurrent writer), or cannot be written: either way nothing to do
  }
}
