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
  /**
   * A guard for one sweep over many paths (a pull's plan, a batch of present files): each
   * folder found real (or missing: what is below it does not exist yet) is remembered and not
   * looked at again by this sweep's guard, so checking 100,000 files in 100 folders costs
   * about 100 `lstat`s, not millions. Leaves are always
   * looked at (with `listLeaves`: each leaf's folder is listed once, for plans that check the
   * leaves of many files in few folders). Checks right before a rename use the guard itself.
   */
  sweep(options?: { listLeaves?: boolean }): SymlinkGuard;
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
  return guardWith(resolve(root), undefined);
}

function guardWith(base: string, sweep: Sweep | undefined): SymlinkGuard {
  return {
    root: base,
    sweep: (o) =>
      guardWith(base, {
        folders: new Set(),
        absent: new Set(),
        links: new Map(),
        list: !!o?.listLeaves,
      }),
    async check(path, options = {}) {
      // A sweep that found the parent folder real found every folder above it real too.
      const cut = path.lastIndexOf(sep);
      if (sweep && cut > 0 && sweep.folders.has(path.slice(0, cut))) {
        if (options.leaf) await leafCheck(base, sweep, path.slice(0, cut), path.slice(cut + 1));
        return;
      }
      // ... and one that found it missing knows nothing below it exists yet
      if (sweep && cut > 0 && sweep.absent.has(path.slice(0, cut))) return;
      const rel = below(base, path);
      if (rel === "" || rel.startsWith("..") || rel.startsWith(sep)) return;
      const parts = rel.split(sep);
      const folders = parts.length - 1;
      let at = base;
      for (let i = 0; i < folders; i++) {
        at = `${at}${sep}${parts[i]}`;
        if (sweep?.folders.has(at)) continue;
        if (sweep?.absent.has(at)) return;
        if (!await isRealOrAbsent(base, at)) {
          sweep?.absent.add(at);
          return; // the rest is created as real folders
        }
        sweep?.folders.add(at);
      }
      if (options.leaf) await leafCheck(base, sweep, at, parts[folders]);
    },
  };
}

/** Refuses when `folder/name` is a link; a listing sweep lists each folder once for it. */
async function leafCheck(base: string, sweep: Sweep | undefined, folder: string, name: string) {
  const leaf = `${folder}${sep}${name}`;
  if (!sweep?.list) {
    await isRealOrAbsent(base, leaf);
    return;
  }
  let links = sweep.links.get(folder);
  if (!links) sweep.links.set(folder, links = await linksIn(folder));
  if (links.has(name)) await refuse(base, leaf);
}

/** What a sweep remembers: folders found real or missing, and the links of each folder listed. */
interface Sweep {
  folders: Set<string>;
  /** Folders found missing: what this sweep checks below them is created as real folders. */
  absent: Set<string>;
  links: Map<string, Set<string>>;
  /** Leaves by listing their folders (else an lstat each). */
  list: boolean;
}

/**
 * False when `path` does not exist; throws when it is a link; true otherwise. A synchronous
 * `lstat`: a metadata lookup is far cheaper than the hop to the thread pool an async one costs
 * (a pull of 100,000 small files makes about a million of these checks).
 */
async function isRealOrAbsent(base: string, path: string): Promise<boolean> {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
  if (info.isSymlink) await refuse(base, path);
  return true;
}

/** The names of the symbolic links in `folder` (none when it does not exist). */
async function linksIn(folder: string): Promise<Set<string>> {
  const links = new Set<string>();
  try {
    for await (const entry of Deno.readDir(folder)) if (entry.isSymlink) links.add(entry.name);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return links;
}

const UNNORMAL = /\/\/|\/\.\.?(?:\/|$)/;

/** `relative(base, resolve(path))`, without normalizing plain absolute paths below `base`. */
function below(base: string, path: string): string {
  if (sep === "/" && path.startsWith(`${base}/`) && !UNNORMAL.test(path) && !path.endsWith("/")) {
    return path.slice(base.length + 1);
  }
  return relative(base, resolve(path));
}
