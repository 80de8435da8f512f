/**
 * No write through a foreign symlink: before a file or folder is created or renamed below a
 * target root, every folder between the root and it is checked with `lstat`, and a symbolic
 * link there (one nightpull never makes: its snapshot links are files, never folders) stops the
 * write with `unsafe_path` naming the link. The root itself may be a link: the user chose it.
 * Checked again right before each rename, so a folder swapped for a link mid-pull is caught.
 *
 * @example
 * ```ts
 * const guard = symlinkGuard("/data/models");
 * await guard.check("/data/models/sub/dir/weights.bin"); // throws if sub or sub/dir is a link
 * ```
 * @module
 */
import { relative, resolve, sep } from "node:path";
import { NightpullError } from "../../errors.ts";
import { quoteName } from "./safe_path.ts";

/** Checks paths below one root. */
export interface SymlinkGuard {
  readonly root: string;
  /**
   * Throws `unsafe_path` when a folder between the root and `path` is a symlink; with
   * `leaf`, also when `path` itself is one (a part file about to be opened for writing).
   * Paths outside the root are not checked (they are nightpull's own).
   */
  check(path: string, options?: { leaf?: boolean }): Promise<void>;
}

async function linkTarget(path: string): Promise<string> {
  try {
    return await Deno.readLink(path);
  } catch {
    return "?";
  }
}

async function refuse(root: string, component: string): Promise<never> {
  const target = await linkTarget(component);
  throw new NightpullError(
    "unsafe_path",
    `refusing to write through ${quoteName(component)}: it is a symbolic link (to ` +
      `${quoteName(target)}) that nightpull did not create, so the write could land outside ` +
      `${quoteName(root)}. Replace the link with a real folder or choose another target folder`,
    { path: component, root },
  );
}

/** A guard for writes below `root`. */
export function symlinkGuard(root: string): SymlinkGuard {
  const base = resolve(root);
  return {
    root: base,
    async check(path, options = {}) {
      const rel = relative(base, resolve(path));
      if (rel === "" || rel.startsWith("..") || rel.startsWith(sep)) return;
      const parts = rel.split(sep);
      const last = options.leaf ? parts.length : parts.length - 1;
      let at = base;
      for (let i = 0; i < last; i++) {
        at = `${at}${sep}${parts[i]}`;
        let info: Deno.FileInfo;
        try {
          info = await Deno.lstat(at);
        } catch (err) {
          if (err instanceof Deno.errors.NotFound) return; // the rest is created as real folders
          throw err;
        }
        if (info.isSymlink) await refuse(base, at);
      }
    },
  };
}
